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

/**
 * Robust intervals against the bound on departures from parallel trends (HonestDiD's sensitivity plot):
 * one interval per M̄ or M, the ordinary interval as a shaded band behind them, zero dashed, and the
 * breakdown value as a vertical line.
 */
export function sensitivityChart(report: SensitivityReport, restriction: 'relative_magnitudes' | 'smoothness'): VegaLiteSpec {
  const xTitle = restriction === 'relative_magnitudes' ? 'M̄（事前の最大乖離に対する倍率） / M̄, multiple of the largest pre-award departure' : 'M（傾きの年あたり変化） / M, change in slope per year';
  const values = report.bounds
    .filter((bound) => bound.restriction === restriction && bound.lower !== null && bound.upper !== null)
    .map((bound) => ({ x: bound.parameter, lower: bound.lower, upper: bound.upper, middle: ((bound.lower as number) + (bound.upper as number)) / 2 }));
  const breakdown = restriction === 'relative_magnitudes' ? report.breakdownMbar : report.breakdownM;
  const x = { field: 'x', type: 'quantitative', title: xTitle } as const;
  return {
    $schema: SCHEMA,
    width: 520,
    height: 220,
    layer: [
      {
        data: { values: [{ low: report.originalLow, high: report.originalHigh }] },
        mark: { type: 'rect', opacity: 0.15, color: '#72b7b2' },
        encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
      },
      { data: { values }, mark: { type: 'rule', strokeWidth: 2, color: '#4c78a8' }, encoding: { x, y: { field: 'lower', type: 'quantitative', title: '頑健な信頼区間 / robust interval' }, y2: { field: 'upper' } } },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 30, color: '#4c78a8' },
        encoding: {
          x,
          y: { field: 'middle', type: 'quantitative' },
          tooltip: [
            { field: 'x', title: restriction === 'relative_magnitudes' ? 'M̄' : 'M', format: '.3g' },
            { field: 'lower', format: '.3f', title: 'lower' },
            { field: 'upper', format: '.3f', title: 'upper' },
          ],
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#999' }, encoding: { y: { datum: 0 } } },
      ...(breakdown !== null && breakdown > 0 ? [{ mark: { type: 'rule' as const, strokeDash: [2, 3], color: '#e45756' }, encoding: { x: { datum: breakdown } } }] : []),
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
