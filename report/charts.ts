/** Vega-Lite specifications of the report's charts (rendered in the browser, or to SVG for papers). */
import type { TopLevelSpec } from 'vega-lite';
import type { RdBinRow, SensitivityReport, SeriesRow, SyntheticPathRow } from './report-data.js';

export type VegaLiteSpec = TopLevelSpec;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** An x axis of whole years (fiscal years, or years since award) on field x. */
function yearAxis(title: string) {
  return { field: 'x', type: 'quantitative', title, axis: { tickMinStep: 1, format: 'd' } } as const;
}

/** The size and data of the by-year charts. */
function yearChartFrame(values: readonly object[]) {
  return { $schema: SCHEMA, width: 560, height: 260, data: { values: [...values] } } as const;
}

/** Point estimates with pointwise intervals (bars) and, where there is one, the uniform band (shaded). */
export function seriesChart(rows: readonly SeriesRow[], xTitle: string, options: { readonly shadePreTreatment?: boolean } = {}): VegaLiteSpec {
  const values = rows.map((row) => ({
    x: row.key,
    estimate: row.estimate,
    ciLow: row.ciLow,
    ciHigh: row.ciHigh,
    bandLow: row.bandLow,
    bandHigh: row.bandHigh,
    phase: options.shadePreTreatment && row.key < 0 ? '交付前 / before award' : '交付後 / after award',
  }));
  const x = yearAxis(xTitle);
  return {
    ...yearChartFrame(values),
    layer: [
      { mark: { type: 'area', opacity: 0.18, color: '#4c78a8' }, encoding: { x, y: { field: 'bandLow', type: 'quantitative' }, y2: { field: 'bandHigh' } } },
      { mark: { type: 'rule', color: '#555' }, encoding: { x, y: { field: 'ciLow', type: 'quantitative' }, y2: { field: 'ciHigh' } } },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y: { field: 'estimate', type: 'quantitative', title: '効果 / effect' },
          color: {
            field: 'phase',
            type: 'nominal',
            title: null,
            scale: { domain: ['交付前 / before award', '交付後 / after award'], range: ['#e45756', '#4c78a8'] },
          },
          tooltip: [
            { field: 'x', title: xTitle },
            { field: 'estimate', format: '.2f', title: '効果 / effect' },
            { field: 'ciLow', format: '.2f', title: '95% CI low' },
            { field: 'ciHigh', format: '.2f', title: '95% CI high' },
          ],
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#999' }, encoding: { y: { datum: 0 } } },
    ],
  };
}

/** What a sensitivity chart can say about its outcome beyond the bounds: the indicator's name and its unit, where known. */
export interface SensitivityChartLabels {
  /** The indicator's name, e.g. 'CO2削減量'. */
  readonly outcomeName?: string;
  /** The outcome's unit, e.g. 't-CO2'; M is in this unit per year. */
  readonly unit?: string;
}

const OPEN_LABEL = '探索範囲の外へ続く / open beyond search';
const EMPTY_LABEL = '空集合 / empty set';

/**
 * Robust intervals against the bound on departures from parallel trends (HonestDiD's sensitivity plot):
 * one interval per M̄ or M with a tick at each end that is a bound, the ordinary interval as a shaded band
 * behind them, zero dashed, and the breakdown value as a vertical line. An end still open where the search
 * stopped is no bound: its segment is dashed to how far the set was searched and ends in an arrow and the
 * words 'open beyond search'; an empty set is labelled, not left blank.
 */
export function sensitivityChart(report: SensitivityReport, restriction: 'relative_magnitudes' | 'smoothness', labels: SensitivityChartLabels = {}): VegaLiteSpec {
  const unit = labels.unit ? `（${labels.unit}）` : '';
  const unitEn = labels.unit ? ` (${labels.unit})` : '';
  const perYear = labels.unit ? `（${labels.unit}/年）` : '';
  const perYearEn = labels.unit ? ` (${labels.unit} per year)` : '';
  const parameter = restriction === 'relative_magnitudes' ? 'M̄' : 'M';
  // Two-line titles, Japanese above English, so neither is cut at the axis' length.
  const xTitle =
    restriction === 'relative_magnitudes'
      ? ['M̄：交付後の乖離の上限（交付前の最大乖離に対する倍率）', 'M̄: bound on post-award departures, as a multiple of the largest pre-award one']
      : [`M：トレンド差の傾きの年あたり変化の上限${perYear}`, `M: bound on the yearly change in the slope of the trend difference${perYearEn}`];
  const yTitle = [`${labels.outcomeName ? `${labels.outcomeName}：` : ''}効果の頑健な信頼区間${unit}`, `robust interval of the effect${unitEn}`];
  const rows = report.bounds.filter((bound) => bound.restriction === restriction);
  const closed = rows
    .filter((bound) => bound.lower !== null && bound.upper !== null && !bound.lowerOpen && !bound.upperOpen)
    .map((bound) => ({ x: bound.parameter, lower: bound.lower as number, upper: bound.upper as number }));
  // Open sets: from the known end (or how far the search went) to how far the search went on the open side.
  const open = rows
    .filter((bound) => (bound.lowerOpen || bound.upperOpen) && bound.emptyReason === null)
    .map((bound) => ({
      x: bound.parameter,
      from: bound.lowerOpen ? bound.lowerSearchedTo : bound.lower,
      to: bound.upperOpen ? bound.upperSearchedTo : bound.upper,
      lowerOpen: bound.lowerOpen,
      upperOpen: bound.upperOpen,
    }))
    .filter((segment): segment is typeof segment & { from: number; to: number } => segment.from !== null && segment.to !== null);
  const arrows = open.flatMap((segment) => [
    ...(segment.lowerOpen ? [{ x: segment.x, y: segment.from, shape: 'down', label: OPEN_LABEL }] : []),
    ...(segment.upperOpen ? [{ x: segment.x, y: segment.to, shape: 'up', label: OPEN_LABEL }] : []),
  ]);
  const centre = report.estimate ?? (report.originalLow !== null && report.originalHigh !== null ? (report.originalLow + report.originalHigh) / 2 : 0);
  const empty = rows.filter((bound) => bound.emptyReason !== null).map((bound) => ({ x: bound.parameter, y: centre, label: EMPTY_LABEL, reason: bound.emptyReason }));
  const breakdown = restriction === 'relative_magnitudes' ? report.breakdownMbar : report.breakdownM;
  const x = { field: 'x', type: 'quantitative', title: xTitle } as const;
  const y = (field: string) => ({ field, type: 'quantitative', title: yTitle, scale: { zero: true } }) as const;
  const boundTooltip = [
    { field: 'x', title: parameter, format: '.3g' },
    { field: 'lower', format: '.3f', title: '下限 / lower' },
    { field: 'upper', format: '.3f', title: '上限 / upper' },
  ];
  return {
    $schema: SCHEMA,
    width: 520,
    height: 240,
    layer: [
      {
        data: { values: [{ low: report.originalLow, high: report.originalHigh }] },
        mark: { type: 'rect', opacity: 0.15, color: '#72b7b2' },
        encoding: { y: y('low'), y2: { field: 'high' } },
      },
      { data: { values: closed }, mark: { type: 'rule', strokeWidth: 2, color: '#4c78a8' }, encoding: { x, y: y('lower'), y2: { field: 'upper' }, tooltip: boundTooltip } },
      ...(['lower', 'upper'] as const).map((end) => ({
        data: { values: closed },
        mark: { type: 'tick' as const, orient: 'horizontal' as const, color: '#4c78a8', thickness: 2, size: 12 },
        encoding: { x, y: y(end), tooltip: boundTooltip },
      })),
      {
        data: { values: open },
        mark: { type: 'rule', strokeWidth: 2, strokeDash: [5, 3], color: '#4c78a8' },
        encoding: {
          x,
          y: y('from'),
          y2: { field: 'to' },
          tooltip: [
            { field: 'x', title: parameter, format: '.3g' },
            { field: 'from', format: '.3f', title: '探索した下端 / searched from' },
            { field: 'to', format: '.3f', title: '探索した上端 / searched to' },
          ],
        },
      },
      {
        data: { values: arrows },
        mark: { type: 'point', filled: true, size: 80, color: '#4c78a8' },
        encoding: {
          x,
          y: y('y'),
          shape: { field: 'shape', type: 'nominal', scale: { domain: ['up', 'down'], range: ['triangle-up', 'triangle-down'] }, legend: null },
          tooltip: [{ field: 'label', title: parameter }],
        },
      },
      { data: { values: arrows }, mark: { type: 'text', align: 'left', dx: 7, fontSize: 10, color: '#4c78a8' }, encoding: { x, y: y('y'), text: { field: 'label' } } },
      {
        data: { values: empty },
        mark: { type: 'text', angle: 270, fontSize: 10, color: '#e45756' },
        encoding: { x, y: y('y'), text: { field: 'label' }, tooltip: [{ field: 'label' }, { field: 'reason', title: '理由 / reason' }] },
      },
      // Layers without data of their own draw nothing in Vega-Lite: the reference lines carry one row each.
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#777' }, encoding: { y: y('zero') } },
      ...(breakdown !== null
        ? [
            { data: { values: [{ x: breakdown }] }, mark: { type: 'rule' as const, strokeDash: [2, 3], strokeWidth: 1.5, color: '#e45756' }, encoding: { x } },
            {
              data: { values: [{ x: breakdown, label: `ブレークダウン値 / breakdown ${parameter} = ${Number(breakdown.toPrecision(2))}` }] },
              mark: { type: 'text' as const, align: 'left' as const, baseline: 'bottom' as const, dx: 4, y: { expr: 'height - 4' }, fontSize: 10, color: '#e45756' },
              encoding: { x, text: { field: 'label' } },
            },
          ]
        : []),
    ],
  };
}

/** Synthetic DiD: the awarded units' mean against their synthetic comparison, by years since award (award year dashed). */
export function syntheticPathChart(rows: readonly SyntheticPathRow[]): VegaLiteSpec {
  const treatedLabel = '採択 / awarded';
  const syntheticLabel = '合成対照 / synthetic comparison';
  const values = rows.flatMap((row) => [
    { x: row.eventTime, y: row.treatedMean, series: treatedLabel, units: row.treatedUnits },
    { x: row.eventTime, y: row.syntheticShifted, series: syntheticLabel, units: row.treatedUnits },
  ]);
  const x = yearAxis('交付からの年数 / years since award');
  return {
    ...yearChartFrame(values),
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', title: 'アウトカム / outcome', scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 }, scale: { domain: [treatedLabel, syntheticLabel], range: ['#4c78a8', '#e45756'] } },
          strokeDash: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 }, scale: { domain: [treatedLabel, syntheticLabel], range: [[1, 0], [5, 3]] } },
          tooltip: [
            { field: 'x', title: 'years since award' },
            { field: 'series', title: 'series' },
            { field: 'y', format: '.2f', title: 'value' },
            { field: 'units', title: 'awarded units' },
          ],
        },
      },
      { mark: { type: 'rule', strokeDash: [2, 3], color: '#999' }, encoding: { x: { datum: -0.5 } } },
    ],
  };
}

/** Regression discontinuity: bin means of the outcome change against the score's distance from the cut-off, with the local fits either side. */
export function rdScatterChart(rows: readonly RdBinRow[]): VegaLiteSpec {
  const values = rows.map((row) => ({ x: row.scoreMean, y: row.outcomeMean, units: row.units, fitted: row.fitted, side: row.scoreMean < 0 ? '基準点未満 / below cut-off' : '基準点以上 / at or above cut-off' }));
  const x = { field: 'x', type: 'quantitative', title: '審査点 − 基準点 / review score minus cut-off' } as const;
  const color = { field: 'side', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 }, scale: { domain: ['基準点未満 / below cut-off', '基準点以上 / at or above cut-off'], range: ['#e45756', '#4c78a8'] } } as const;
  return {
    $schema: SCHEMA,
    width: 560,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'point', filled: true, opacity: 0.7 },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', title: 'アウトカムの変化 / change in the outcome', scale: { zero: false } },
          size: { field: 'units', type: 'quantitative', title: 'units', legend: null },
          color,
          tooltip: [
            { field: 'x', format: '.2f', title: 'score − cut-off' },
            { field: 'y', format: '.2f', title: 'mean change' },
            { field: 'units', title: 'units' },
          ],
        },
      },
      { transform: [{ filter: 'datum.fitted !== null' }], mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'fitted', type: 'quantitative' }, color, detail: { field: 'side' } } },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#555' }, encoding: { x: { datum: 0 } } },
    ],
  };
}
