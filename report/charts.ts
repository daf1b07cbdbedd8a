/**
 * Vega-Lite specifications of the report's charts (rendered in the browser, or to SVG and PNG for papers).
 * Every axis names what it measures in Japanese and English with its unit (the outcome's logic-model
 * indicator, see outcome-indicator.ts), a legend appears only where it tells marks apart, and all text uses
 * one Japanese-capable font family.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { OutcomeIndicator } from './outcome-indicator.js';
import type { RdBinRow, SensitivityReport, SeriesRow, SyntheticPathRow } from './report-data.js';

export type VegaLiteSpec = TopLevelSpec;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The font of every exported chart (Debian's fonts-ipafont-gothic); pages fall back to the reader's Japanese fonts. */
export const CHART_FONT = 'IPAGothic';
const PAGE_FONTS = `${CHART_FONT}, "Noto Sans JP", "Hiragino Sans", sans-serif`;

/** "name（unit）", or the name alone for a unitless indicator. */
function withUnit(name: string, unit: string, style: 'ja' | 'en'): string {
  if (!unit) return name;
  return style === 'ja' ? `${name}（${unit}）` : `${name} (${unit})`;
}

/** An English indicator name inside a phrase: "Labour productivity" → "labour productivity" (acronyms such as CO2 stay). */
function inPhrase(nameEn: string): string {
  return /^[A-Z][a-z]/.test(nameEn) ? nameEn[0].toLowerCase() + nameEn.slice(1) : nameEn;
}

/** Axis titles, two lines: Japanese, then English. */
export type AxisTitle = readonly [string, string];

/** The y axis of an effect: "効果：補助事業者の労働生産性（万円/人）" / "effect on labour productivity of supported firms (万円/人)". */
export function effectAxisTitle(indicator: OutcomeIndicator): AxisTitle {
  return [withUnit(`効果：${indicator.nameJa}`, indicator.unit, 'ja'), withUnit(`effect on ${inPhrase(indicator.nameEn)}`, indicator.unit, 'en')];
}

/** The y axis of the outcome's level. */
export function levelAxisTitle(indicator: OutcomeIndicator): AxisTitle {
  return [withUnit(indicator.nameJa, indicator.unit, 'ja'), withUnit(indicator.nameEn, indicator.unit, 'en')];
}

/** The y axis of the outcome's change over the follow-up years (regression discontinuity). */
export function changeAxisTitle(indicator: OutcomeIndicator): AxisTitle {
  return [withUnit(`${indicator.nameJa}の変化`, indicator.unit, 'ja'), withUnit(`change in ${inPhrase(indicator.nameEn)}`, indicator.unit, 'en')];
}

/** What the x axis of an effects-by chart counts. */
export type SeriesAxis = 'event_time' | 'award_fiscal_year' | 'fiscal_year';

export const SERIES_AXIS_TITLES: Readonly<Record<SeriesAxis, AxisTitle>> = {
  event_time: ['交付からの年数（年）', 'years since award'],
  award_fiscal_year: ['採択年度', 'fiscal year of award'],
  fiscal_year: ['年度', 'fiscal year'],
};

export const SCORE_AXIS_TITLE: AxisTitle = ['審査点 − 基準点（点）', 'review score minus cut-off (points)'];

/**
 * A measured (y) axis whose title sits level above the axis, left-aligned, rather than turned on its side:
 * Japanese set sideways reads poorly, and a long turned title pushes the plot down.
 */
function measuredAxis(title: AxisTitle) {
  return { title: [...title], axis: { titleAngle: 0, titleAlign: 'left', titleAnchor: 'end', titleBaseline: 'bottom', titleX: -40, titleY: -22 } } as const;
}

/** The tooltip's name of an axis: its Japanese line. */
function short(title: AxisTitle): string {
  return title[0];
}

/**
 * An x axis of whole years (fiscal years, or years since award) on `field`, over the years shown and half a
 * year either side, so that the first and last points (and their band boxes) stand clear of the frame.
 */
function yearAxis(title: AxisTitle, years: readonly number[], field = 'x') {
  const domain = years.length ? [Math.min(...years) - 0.6, Math.max(...years) + 0.6] : undefined;
  return { field, type: 'quantitative', title: [...title], axis: { tickMinStep: 1, format: 'd' }, scale: { zero: false, nice: false, ...(domain ? { domain } : {}) } } as const;
}

/** One font for every text of a chart, at sizes that read on screen and in print. */
const CHART_CONFIG = {
  font: PAGE_FONTS,
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 12 },
} as const;

/** The size, data and font of the by-year charts. */
function yearChartFrame(values: readonly object[]) {
  return { $schema: SCHEMA, width: 560, height: 260, data: { values: [...values] }, config: CHART_CONFIG } as const;
}

const PHASES = { before: '交付前 / before award', after: '交付後 / after award' } as const;

/**
 * Point estimates with pointwise intervals (bars) and, where there is one, the uniform band: a shaded box
 * at each event time (the band holds at those points only, so nothing is drawn between them). Points
 * before the award are told apart by colour when shaded; a chart with one kind of point has no legend.
 */
export function seriesChart(rows: readonly SeriesRow[], axis: SeriesAxis, indicator: OutcomeIndicator, options: { readonly shadePreTreatment?: boolean } = {}): VegaLiteSpec {
  const xTitle = SERIES_AXIS_TITLES[axis];
  const yTitle = effectAxisTitle(indicator);
  const halfWidth = 0.3;
  const values = rows.map((row) => ({
    x: row.key,
    xLow: row.key - halfWidth,
    xHigh: row.key + halfWidth,
    estimate: row.estimate,
    ciLow: row.ciLow,
    ciHigh: row.ciHigh,
    bandLow: row.bandLow,
    bandHigh: row.bandHigh,
    phase: options.shadePreTreatment && row.key < 0 ? PHASES.before : PHASES.after,
  }));
  const phases = [PHASES.before, PHASES.after].filter((phase) => values.some((value) => value.phase === phase));
  const years = rows.map((row) => row.key);
  const x = yearAxis(xTitle, years);
  const y = (field: string) => ({ field, type: 'quantitative', ...measuredAxis(yTitle) }) as const;
  const colour =
    phases.length > 1
      ? { color: { field: 'phase', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 }, scale: { domain: phases, range: phases.map((phase) => (phase === PHASES.before ? '#e45756' : '#4c78a8')) } } }
      : {};
  const banded = values.some((value) => value.bandLow !== null && value.bandHigh !== null);
  return {
    ...yearChartFrame(values),
    layer: [
      ...(banded
        ? [
            {
              transform: [{ filter: 'datum.bandLow != null && datum.bandHigh != null' }],
              mark: { type: 'rect' as const, opacity: 0.18, color: '#4c78a8' },
              encoding: { x: yearAxis(xTitle, years, 'xLow'), x2: { field: 'xHigh' }, y: y('bandLow'), y2: { field: 'bandHigh' } },
            },
          ]
        : []),
      { mark: { type: 'rule', color: '#555' }, encoding: { x, y: y('ciLow'), y2: { field: 'ciHigh' } } },
      {
        mark: { type: 'point', filled: true, size: 60, color: '#4c78a8', opacity: 1 },
        encoding: {
          x,
          y: y('estimate'),
          ...colour,
          tooltip: [
            { field: 'x', title: short(xTitle) },
            { field: 'estimate', format: '.2f', title: short(yTitle) },
            { field: 'ciLow', format: '.2f', title: '95%信頼区間（下限） / 95% CI low' },
            { field: 'ciHigh', format: '.2f', title: '95%信頼区間（上限） / 95% CI high' },
          ],
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#999' }, encoding: { y: { datum: 0 } } },
    ],
  } as VegaLiteSpec;
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
export function syntheticPathChart(rows: readonly SyntheticPathRow[], indicator: OutcomeIndicator, withheldEventTimes: readonly number[] = []): VegaLiteSpec {
  const treatedLabel = '採択 / awarded';
  const syntheticLabel = '合成対照 / synthetic comparison';
  // A withheld event time is a gap in both lines (a null value breaks the path), marked 非公表, never bridged by a
  // straight line that would read as data.
  const withheld = withheldEventTimes.filter((eventTime) => !rows.some((row) => row.eventTime === eventTime));
  const values = [
    ...rows.flatMap((row) => [
      { x: row.eventTime, y: row.treatedMean, series: treatedLabel, units: row.treatedUnits },
      { x: row.eventTime, y: row.syntheticShifted, series: syntheticLabel, units: row.treatedUnits },
    ]),
    ...withheld.flatMap((eventTime) => [
      { x: eventTime, y: null, series: treatedLabel, units: null },
      { x: eventTime, y: null, series: syntheticLabel, units: null },
    ]),
  ].sort((a, b) => a.x - b.x);
  const xTitle = SERIES_AXIS_TITLES.event_time;
  const yTitle = levelAxisTitle(indicator);
  const x = yearAxis(xTitle, [...rows.map((row) => row.eventTime), ...withheld]);
  const withheldMarks = withheld.length
    ? [
        {
          data: { values: withheld.map((eventTime) => ({ x: eventTime, label: '非公表 / withheld' })) },
          mark: { type: 'text', angle: 270, baseline: 'middle', align: 'center', color: '#8a5a00', fontSize: 10 },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 130 }, text: { field: 'label' } },
        },
      ]
    : [];
  // One legend entry per series, each drawn as its line (solid or dashed), not as a point.
  const legend = { orient: 'bottom', labelLimit: 400, symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 400 } as const;
  return {
    ...yearChartFrame(values),
    layer: [
      {
        mark: { type: 'line', point: true, invalid: 'break-paths-show-domains' },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', ...measuredAxis(yTitle), scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: null, legend, scale: { domain: [treatedLabel, syntheticLabel], range: ['#4c78a8', '#e45756'] } },
          strokeDash: { field: 'series', type: 'nominal', title: null, legend, scale: { domain: [treatedLabel, syntheticLabel], range: [[1, 0], [5, 3]] } },
          tooltip: [
            { field: 'x', title: short(xTitle) },
            { field: 'series', title: '系列 / series' },
            { field: 'y', format: '.2f', title: short(yTitle) },
            { field: 'units', title: '採択数 / awarded units' },
          ],
        },
      },
      { mark: { type: 'rule', strokeDash: [2, 3], color: '#999' }, encoding: { x: { datum: -0.5 } } },
      ...withheldMarks,
    ],
  } as VegaLiteSpec;
}

/** Regression discontinuity: bin means of the outcome change against the score's distance from the cut-off, with the local fits either side. */
export function rdScatterChart(rows: readonly RdBinRow[], indicator: OutcomeIndicator): VegaLiteSpec {
  const below = '基準点未満 / below cut-off';
  const above = '基準点以上 / at or above cut-off';
  const values = rows.map((row) => ({ x: row.scoreMean, y: row.outcomeMean, units: row.units, fitted: row.fitted, side: row.scoreMean < 0 ? below : above }));
  const sides = [below, above].filter((side) => values.some((value) => value.side === side));
  const yTitle = changeAxisTitle(indicator);
  const x = { field: 'x', type: 'quantitative', title: [...SCORE_AXIS_TITLE] } as const;
  const color = { field: 'side', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 }, scale: { domain: sides, range: sides.map((side) => (side === below ? '#e45756' : '#4c78a8')) } } as const;
  return {
    $schema: SCHEMA,
    width: 560,
    height: 280,
    config: CHART_CONFIG,
    data: { values },
    layer: [
      {
        mark: { type: 'point', filled: true, opacity: 0.7 },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', ...measuredAxis(yTitle), scale: { zero: false } },
          size: { field: 'units', type: 'quantitative', title: null, legend: null },
          color,
          tooltip: [
            { field: 'x', format: '.2f', title: short(SCORE_AXIS_TITLE) },
            { field: 'y', format: '.2f', title: short(yTitle) },
            { field: 'units', title: '単位数 / units' },
          ],
        },
      },
      {
        transform: [{ filter: 'datum.fitted !== null' }],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x, y: { field: 'fitted', type: 'quantitative', ...measuredAxis(yTitle) }, color, detail: { field: 'side' } },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#555' }, encoding: { x: { datum: 0 } } },
    ],
  } as VegaLiteSpec;
}
