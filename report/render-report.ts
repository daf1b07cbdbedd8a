/**
 * The self-contained HTML report of a programme: the headline in a summary box, logic model, KPI progress,
 * the effects table, the staggered-DiD event study with its uniform band, effects by cohort and by year, the
 * designs' own diagnostics, the pre-test, the study spec and the lineage, every heading and sentence in
 * Japanese and English. Charts are Vega-Lite specs rendered in the browser by the inlined Vega libraries (no
 * network); where there is nothing to chart the page says why instead of showing an empty frame.
 *
 * Two variants: the internal one shows every number and carries the 内部資料・公表不可 banner; the public one
 * shows only what the disclosure-controlled public views publish.
 */
import { TARGET_SCALE_WORDS, type TargetAgainstPower } from '../analysis/power-against-targets.js';
import { LOGIC_MODEL_STAGE_KEYS } from '../schemas/catalogue.js';
import { designOf, type DesignKind, type DesignSpec } from '../schemas/study-spec.js';
import type { Programme } from '../programmes/catalogue.js';
import { sensitivityChart, seriesChart, type SeriesAxis, type VegaLiteSpec } from './charts.js';
import { designDiagnosticsSection } from './design-diagnostics.js';
import { catalogueFigureText, kpiTableHtml } from './kpi-table.js';
import { DESIGN_LABELS, designLabel, estimatorLabel } from './design-labels.js';
import { estimateDecimals } from './estimate-precision.js';
import { outcomeDesign, outcomeIndicator, programmeHeadline, type ProgrammeHeadline } from './headline.js';
import { reconcile } from './review-sheet/reconcile.js';
import { preRegisteredModelLabel, reviewSheetSection } from './review-sheet/html-section.js';
import type { EffectRow, PublicSeries, ReportData, ReportVariant, SensitivityReport, SeriesRow, WithheldCell } from './report-data.js';

export interface VendorScripts {
  readonly vega: string;
  readonly vegaLite: string;
  readonly vegaEmbed: string;
}

const STAGE_TITLES = {
  input: 'インプット / Input',
  activity: '活動 / Activity',
  output: 'アウトプット / Output',
  shortTermOutcome: '短期アウトカム / Short-term outcome',
  midTermOutcome: '中期アウトカム / Mid-term outcome',
  impact: 'インパクト / Impact',
} as const;

/** The words every internal page and index carries, at the top and in the title. */
export const INTERNAL_BANNER = '内部資料・公表不可 / Internal — not for publication';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);
}

function number(value: number | null, digits = 2): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function count(value: number | null): string {
  return value === null ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

/** Decimals that show an estimate to two significant digits of its standard error (2 without one). */

function pValueText(p: number | null): string {
  return p === null || !Number.isFinite(p) ? '—' : p < 0.001 ? '< 0.001' : p.toFixed(3);
}

function percent(level: number | null): string {
  return level === null ? '95%' : `${Math.round(level * 1000) / 10}%`;
}

/** JSON inside a script element: "</" must not end the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/<\//g, '<\\/');
}

/** An outcome as a heading: the indicator's names and unit, with the outcome field as a code for analysts. */
function outcomeHeading(programme: Programme, outcome: string): string {
  const indicator = outcomeIndicator(programme, outcome);
  return `${escapeHtml(indicator.nameJa)} / ${escapeHtml(indicator.nameEn)}${indicator.unit ? ` (${escapeHtml(indicator.unit)})` : ''}`;
}

function withheldText(minCellUnits: number): string {
  // One wording for both reasons the rule withholds a cell: too few firms, or protecting another withheld cell.
  return `非公表（企業数が${minCellUnits}社未満、又は他の非公表値の逆算防止） / withheld (fewer than ${minCellUnits} firms, or to protect another withheld value)`;
}

class ChartList {
  readonly charts: { id: string; spec: VegaLiteSpec }[] = [];
  add(id: string, spec: VegaLiteSpec): string {
    this.charts.push({ id, spec });
    return `<div class="chart" id="${id}" data-chart="${id}"></div>`;
  }
}

/** One cell of the headline, shown the same in the summary box and in the index row. */
interface HeadlineField {
  readonly field: string;
  readonly label: string;
  readonly text: string;
  /** The number behind the text, at full precision, for readers that compare it with the views. */
  readonly value?: number | null;
}

/** The headline's cells in words and numbers; a headline without a published estimate says why in the status cell. */
export function headlineFields(headline: ProgrammeHeadline, minCellUnits: number): HeadlineField[] {
  const { indicator, row } = headline;
  const published = headline.state === 'published' && row !== null;
  const digits = row ? estimateDecimals(row.stdError, row.estimate) : 2;
  const design = headline.design ? designLabel(headline.design) : null;
  const status = {
    published: '推定済み / estimated',
    withheld: withheldText(minCellUnits),
    not_estimated: `推定できず / not estimated${row?.note ? `: ${row.note}` : ''}`,
    not_evaluated: '未評価 / not evaluated yet: run an evaluation of this programme',
    no_estimated_design: 'すべての指標がモニタリングのみ / every outcome of the spec is monitored only, none estimated',
  }[headline.state];
  const level = percent(row?.confidenceLevel ?? null);
  return [
    { field: 'indicator-ja', label: '指標 / indicator', text: indicator?.nameJa ?? '—' },
    { field: 'indicator-en', label: '指標（英語） / indicator (English)', text: indicator?.nameEn ?? '—' },
    { field: 'unit', label: '単位 / unit', text: indicator?.unit || '—' },
    { field: 'design', label: '評価デザイン / design', text: design ? `${design.ja} / ${design.en}` : '—' },
    { field: 'estimate', label: '効果 / estimate', text: published ? number(row.estimate, digits) : '—', value: published ? row.estimate : null },
    { field: 'ci', label: `${level}信頼区間 / ${level} CI`, text: published && row.ciLow !== null ? `[${number(row.ciLow, digits)}, ${number(row.ciHigh, digits)}]` : '—' },
    { field: 'ci-low', label: '', text: '', value: published ? row.ciLow : null },
    { field: 'ci-high', label: '', text: '', value: published ? row.ciHigh : null },
    { field: 'p-value', label: 'p値 / p-value', text: published ? pValueText(row.pValue) : '—', value: published ? row.pValue : null },
    { field: 'std-error', label: '標準誤差 / SE', text: published ? number(row.stdError, digits) : '—', value: published ? row.stdError : null },
    { field: 'units', label: '採択 / awarded units', text: published ? count(row.units) : '—', value: published ? row.units : null },
    { field: 'comparison-units', label: '比較 / comparison units', text: published ? count(row.comparisonUnits) : '—', value: published ? row.comparisonUnits : null },
    { field: 'firms', label: '採択の企業数 / firms behind the awarded units', text: published ? count(row.firms) : '—', value: published ? row.firms : null },
    { field: 'confidence-level', label: '信頼水準 / confidence level', text: level, value: row?.confidenceLevel ?? null },
    { field: 'status', label: '状態 / status', text: status },
  ];
}

function fieldAttributes(field: HeadlineField): string {
  return `data-field="${field.field}"${field.value === undefined ? '' : ` data-value="${field.value === null ? '' : String(field.value)}"`}`;
}

/** Why the summary box has no number, in a sentence (the status cell gives the detail). */
const HEADLINE_ABSENT = {
  withheld: '開示制限により、主要な効果は非公表です。 / The headline effect is withheld under the disclosure rule.',
  not_estimated: '主要な効果は推定できませんでした（理由は状態欄）。 / The headline effect could not be estimated; the status says why.',
  not_evaluated: 'この事業はまだ評価されていません。 / This programme has not been evaluated yet.',
  no_estimated_design: 'この事業の指標はすべてモニタリングのみで、効果は推定しません。 / Every outcome of this programme is monitored only; no effect is estimated.',
} as const;

/** The summary box that opens a programme page. */
function summaryBox(data: ReportData): string {
  const headline = programmeHeadline(data.programme, data.effects);
  const fields = headlineFields(headline, data.minCellUnits);
  const visible = fields.filter((field) => field.label !== '');
  const hidden = fields.filter((field) => field.label === '').map((field) => `<span hidden ${fieldAttributes(field)}></span>`).join('');
  const sentence =
    headline.state === 'published' && headline.row
      ? `<p class="headline-sentence">${escapeHtml(headline.indicator?.nameJa ?? '')}への効果は${escapeHtml(fields.find((f) => f.field === 'estimate')!.text)}${escapeHtml(headline.indicator?.unit ?? '')}（${escapeHtml(fields.find((f) => f.field === 'ci')!.label.split(' / ')[0])} ${escapeHtml(fields.find((f) => f.field === 'ci')!.text)}）。 / ` +
        `Estimated effect of the award on ${escapeHtml(headline.indicator?.nameEn ?? '')}: ${escapeHtml(fields.find((f) => f.field === 'estimate')!.text)} ${escapeHtml(headline.indicator?.unit ?? '')} (${escapeHtml(fields.find((f) => f.field === 'ci')!.label.split(' / ')[1])} ${escapeHtml(fields.find((f) => f.field === 'ci')!.text)}).</p>`
      : `<p class="headline-sentence empty">${escapeHtml(HEADLINE_ABSENT[headline.state as Exclude<typeof headline.state, 'published'>])}</p>`;
  const design = headline.design ? DESIGN_LABELS[headline.design as DesignKind] : undefined;
  const explanation = design ? `<p class="design-explanation">${escapeHtml(design.ja)}：${escapeHtml(design.explanation.ja)} / ${escapeHtml(design.en)}: ${escapeHtml(design.explanation.en)}</p>` : '';
  return (
    `<section class="summary" data-headline-state="${headline.state}" data-outcome="${escapeHtml(headline.row?.outcome ?? headline.indicator?.outcome ?? '')}" data-estimator="${escapeHtml(headline.row?.estimator ?? '')}">` +
    `<h2>主要な効果 / Headline effect</h2>${sentence}${explanation}<dl>${visible.map((field) => `<div><dt>${escapeHtml(field.label)}</dt><dd ${fieldAttributes(field)}>${escapeHtml(field.text)}</dd></div>`).join('')}</dl>${hidden}</section>`
  );
}

/** The effects table: the headline first, then the spec's outcomes in order, every column labelled. */
function effectsTable(data: ReportData): string {
  if (data.effects.length === 0) {
    return data.run
      ? '<p class="empty">この実行では効果を推定していません / The latest run estimated no effect for this programme.</p>'
      : '<p class="empty">効果推定の結果はまだありません / No effect estimates yet: run an evaluation of this programme.</p>';
  }
  const header =
    '<tr><th>指標・評価デザイン / indicator · design</th><th>推定方法 / estimator</th><th>効果 / estimate</th><th>標準誤差 / SE</th><th>信頼区間 / CI</th><th>p値 / p</th>' +
    '<th>採択 / awarded units</th><th>比較 / comparison units</th><th>企業数 / firms</th><th>注記 / note</th></tr>';
  // The rows of one outcome sit together (headline first, then the spec's order), so the indicator and design span them.
  const span = (index: number) => {
    let end = index;
    while (end < data.effects.length && data.effects[end].outcome === data.effects[index].outcome) end++;
    return end - index;
  };
  // One precision per outcome, from its first (headline estimator's) row, so the estimators of an outcome line up.
  const outcomeDigits = new Map<string, number>();
  for (const e of data.effects) if (!outcomeDigits.has(e.outcome) && e.status === 'estimated') outcomeDigits.set(e.outcome, estimateDecimals(e.stdError, e.estimate));
  const rows = data.effects.map((e: EffectRow, index) => {
    const shown = e.status === 'estimated' && !e.withheld;
    const digits = outcomeDigits.get(e.outcome) ?? 2;
    const estimator = estimatorLabel(e.estimator);
    const design = designLabel(e.design);
    const note =
      e.status !== 'estimated'
        ? `推定せず / not estimated${e.note ? `: ${e.note}` : ''}`
        : e.withheld
          ? withheldText(data.minCellUnits)
          : (e.note ?? '—');
    const first = index === 0 || data.effects[index - 1].outcome !== e.outcome;
    const indicatorCell = first ? `<td rowspan="${span(index)}">${outcomeHeading(data.programme, e.outcome)}<br><small>${escapeHtml(design.ja)} / ${escapeHtml(design.en)}</small></td>` : '';
    const headline = e.isProgrammeHeadline ? ' <b class="badge">主要 / headline</b>' : '';
    return (
      `<tr class="${e.isProgrammeHeadline ? 'headline' : ''}" data-outcome="${escapeHtml(e.outcome)}" data-estimator="${escapeHtml(e.estimator)}">` +
      `${indicatorCell}<td>${escapeHtml(estimator.ja)} / ${escapeHtml(estimator.en)}${headline}</td>` +
      `<td class="num" data-field="estimate">${shown ? number(e.estimate, digits) : '—'}</td>` +
      `<td class="num">${shown ? number(e.stdError, digits) : '—'}</td>` +
      `<td class="num">${shown && e.ciLow !== null ? `${percent(e.confidenceLevel)} [${number(e.ciLow, digits)}, ${number(e.ciHigh, digits)}]` : '—'}</td>` +
      `<td class="num">${shown ? pValueText(e.pValue) : '—'}</td>` +
      `<td class="num">${shown ? count(e.units) : '—'}</td><td class="num">${shown ? count(e.comparisonUnits) : '—'}</td><td class="num">${shown ? count(e.firms) : '—'}</td>` +
      `<td>${escapeHtml(note)}</td></tr>`
    );
  });
  return `<table class="effects">${header}${rows.join('')}</table>`;
}

function seriesSection(
  charts: ChartList,
  programme: Programme,
  title: string,
  rows: readonly SeriesRow[],
  axis: SeriesAxis,
  idPrefix: string,
  empty: string,
  options: { readonly shade?: boolean; readonly notes?: ReadonlyMap<string, string> } = {},
): string {
  const notes = options.notes ?? new Map<string, string>();
  const outcomes = [...new Set([...rows.map((row) => row.outcome), ...notes.keys()])];
  if (outcomes.length === 0) return `<h2>${title}</h2><p class="empty">${empty}</p>`;
  return (
    `<h2>${title}</h2>` +
    outcomes
      .map((outcome, index) => {
        const outcomeRows = rows.filter((row) => row.outcome === outcome);
        const chart = outcomeRows.length ? charts.add(`${idPrefix}-${index}`, seriesChart(outcomeRows, axis, outcomeIndicator(programme, outcome), { shadePreTreatment: options.shade === true })) : '';
        const note = notes.get(outcome);
        return `<h3>${outcomeHeading(programme, outcome)}</h3>${chart}${note ? `<p class="empty withheld">${escapeHtml(note)}</p>` : ''}`;
      })
      .join('')
  );
}

/** Per outcome, the sentence that replaces (or follows) a chart when the disclosure rule withholds some of its cells. */
function withheldNotes(
  series: PublicSeries,
  minCellUnits: number,
  noun: { readonly ja: string; readonly en: string; readonly label: (key: number) => string },
): Map<string, string> {
  const notes = new Map<string, string>();
  for (const outcome of new Set(series.withheld.map((cell) => cell.outcome))) {
    const withheld = series.withheld.filter((cell) => cell.outcome === outcome);
    const labels = (kind: WithheldCell['suppression']) => withheld.filter((cell) => cell.suppression === kind).map((cell) => noun.label(cell.key)).join(', ');
    const primary = labels('primary');
    const secondary = labels('secondary');
    const parts = [
      primary ? `${primary}: 企業数が${minCellUnits}社未満のため非公表 / withheld: fewer than ${minCellUnits} firms` : '',
      secondary ? `${secondary}: 非公表の値を他の値から逆算できないよう非公表 / withheld so that the other withheld ${noun.en} cannot be derived from the rest` : '',
    ].filter(Boolean);
    const allWithheld = !series.published.some((row) => row.outcome === outcome);
    notes.set(outcome, `${allWithheld ? `すべての${noun.ja}が非公表のため、グラフはありません / No chart: every ${noun.en} is withheld. ` : ''}${parts.join('. ')}.`);
  }
  return notes;
}

/** Only the outcomes the spec evaluates by staggered DiD: the event study, cohorts, years, pre-test and sensitivity are that design's. */
function staggeredOnly(data: ReportData): ReportData {
  const staggered = (outcome: string) => outcomeDesign(data.programme, outcome) === 'staggered_did';
  const series = (s: PublicSeries): PublicSeries => ({ published: s.published.filter((r) => staggered(r.outcome)), withheld: s.withheld.filter((c) => staggered(c.outcome)) });
  return {
    ...data,
    eventStudy: series(data.eventStudy),
    byCohort: series(data.byCohort),
    byYear: series(data.byYear),
    pretests: data.pretests.filter((p) => staggered(p.outcome)),
    sensitivity: data.sensitivity.filter((s: SensitivityReport) => staggered(s.outcome)),
  };
}

/** The event study, cohorts, years, pre-test and sensitivity for staggered-DiD outcomes; one line when the spec has none. */
function staggeredSections(charts: ChartList, all: ReportData): string {
  const designs = [...new Set(all.programme.studySpec.outcomes.map((outcome) => outcomeDesign(all.programme, outcome)))];
  if (!designs.includes('staggered_did')) {
    const named = designs.map(designLabel);
    return (
      '<h2>イベントスタディ・事前検定・頑健性 / Event study, pre-test and sensitivity</h2>' +
      `<p class="not-applicable">この事業の指標は${escapeHtml(named.map((d) => d.ja).join('・'))}で評価するため、段階的DiDに固有のイベントスタディ、採択年度別・年度別の効果、平行トレンドの事前検定、頑健性の分析はありません。 / ` +
      `This programme's outcomes are evaluated by ${escapeHtml(named.map((d) => d.en).join(' and '))}, which does not produce the event study, effects by cohort and by year, pre-test of parallel trends or sensitivity analysis of the staggered-DiD design; see the design's own diagnostics below.</p>`
    );
  }
  const data = staggeredOnly(all);
  const noRun = 'この事業はまだ評価されていません / No effect estimates for this programme yet: run an evaluation.';
  const pretests = data.pretests.length
    ? `<ul>${data.pretests
        .map(
          (p) =>
            `<li>${outcomeHeading(data.programme, p.outcome)}: ${
              p.statistic === null
                ? `検定できず / not computed: ${escapeHtml(p.note ?? '—')}`
                : `Wald W = ${number(p.statistic)}, 自由度 / df = ${p.df}, p = ${pValueText(p.pValue)}${(p.pValue ?? 1) < 0.05 ? ' — 5%水準で平行トレンドは棄却 / parallel trends rejected at 5%' : ' — 5%水準で棄却されず / not rejected at 5%'}`
            }</li>`,
        )
        .join('')}</ul>`
    : `<p class="empty">${all.run ? '事前検定の結果はありません / The latest run has no pre-test for these outcomes.' : noRun}</p>`;
  return [
    seriesSection(
      charts,
      data.programme,
      'イベントスタディ / Event study (years since award; shaded: uniform 95% band)',
      data.eventStudy.published,
      'event_time',
      'event-study',
      all.run ? 'この実行ではイベントスタディを推定していません / The latest run has no event study for these outcomes.' : '効果推定の結果がないため、グラフはありません / No event study: no effect estimates for this programme yet.',
      { shade: true, notes: withheldNotes(data.eventStudy, data.minCellUnits, { ja: '経過年', en: 'event time', label: (key) => `e=${key}` }) },
    ),
    seriesSection(charts, data.programme, '採択年度別の効果 / Effects by cohort', data.byCohort.published, 'award_fiscal_year', 'by-cohort', all.run ? 'コホート別の効果はありません / No cohort effects in the latest run.' : noRun, {
      notes: withheldNotes(data.byCohort, data.minCellUnits, { ja: 'コホート', en: 'cohort', label: (key) => `FY${key}` }),
    }),
    seriesSection(charts, data.programme, '年度別の効果 / Effects by fiscal year', data.byYear.published, 'fiscal_year', 'by-year', all.run ? '年度別の効果はありません / No yearly effects in the latest run.' : noRun, {
      notes: withheldNotes(data.byYear, data.minCellUnits, { ja: '年度', en: 'year', label: (key) => `FY${key}` }),
    }),
    `<h2>平行トレンドの事前検定 / Pre-test of parallel trends</h2>${pretests}`,
    sensitivitySection(charts, data),
  ].join('\n');
}

const COMPARISON_GROUP_LABELS: Readonly<Record<string, string>> = {
  rejected_applicants: '不採択の申請者 / rejected applicants',
  rejected_and_not_yet_awarded: '不採択及び未採択（後の回で採択）の申請者 / rejected and not-yet-awarded applicants',
};

/** One outcome's design and that design's own settings, as the spec registers them. */
function designSettings(spec: ReportData['programme']['studySpec'], design: DesignSpec): string {
  switch (design.design) {
    case 'staggered_did':
      return (
        `推定法 / method ${spec.estimation.method}; 基準期 / base period ${spec.estimation.basePeriod}; 予見 / anticipation ${spec.estimation.anticipation}; ` +
        `ブートストラップ${spec.estimation.bootstrap.draws}回 / bootstrap ${spec.estimation.bootstrap.draws} draws (seed ${spec.estimation.bootstrap.seed}); 比較群 / comparison ${COMPARISON_GROUP_LABELS[spec.comparisonGroup] ?? spec.comparisonGroup}` +
        `${spec.estimation.missingYears ? `; 欠測年 / missing years ${spec.estimation.missingYears}` : ''}`
      );
    case 'synthetic_did':
      return (
        `標準誤差はジャックナイフ法、採択が1件だけのコホートがあればプラセボ法（${design.placebo.draws}回、シード ${design.placebo.seed}） / ` +
        `standard error by the jackknife, or by ${design.placebo.draws} placebo draws (seed ${design.placebo.seed}) when a cohort has a single awarded unit; ` +
        '比較 / comparison: 一度も採択されていない申請者 / never-awarded applicants'
      );
    case 'rd_review_score':
      return (
        `カーネル / kernel ${design.kernel}; 多項式の次数 / polynomial order ${design.polynomialOrder}; 帯域幅の選択 / bandwidth selector ${design.bandwidthSelector}; ` +
        `追跡年数 / follow-up years ${design.followUpYears}; ${design.fuzzy ? 'ファジー / fuzzy' : 'シャープ / sharp'}`
      );
    case 'descriptive':
      return `推定しない理由 / why not estimated: ${design.reason}`;
  }
}

function specSection(data: ReportData): string {
  const { programme, run } = data;
  const spec = programme.studySpec;
  const outcomes = spec.outcomes
    .map((outcome) => {
      const design = designOf(spec, outcome);
      const label = designLabel(design.design);
      return `<li data-outcome="${escapeHtml(outcome)}" data-design="${design.design}">${outcomeHeading(programme, outcome)} <code>${escapeHtml(outcome)}</code> — <b>${escapeHtml(label.ja)} / ${escapeHtml(label.en)}</b>: ${escapeHtml(designSettings(spec, design))}</li>`;
    })
    .join('');
  // The run's spec, when there is a run: its claimed date (typed in the catalogue) and the date the log recorded.
  const claimed = run?.specClaimedRegisteredAt ?? spec.registeredAt;
  const recorded = run
    ? run.specRecordedAt
      ? `記録 / recorded <span data-registration="recorded">${escapeHtml(run.specRecordedAt)}</span>（登録ログ、データベース時刻 / registration log, database time）`
      : '記録 / recorded: 登録ログになし / not in the registration log (a run before it existed)'
    : '記録 / recorded: 未評価 / not evaluated yet';
  const verdict = run?.specRegisteredAfterCallOpened
    ? ` <b data-registration="after-call">（公募開始後に登録 / registered after the call opened${run.specRecordedAt ? ', judged on the recorded date' : ''}）</b>`
    : '';
  return (
    `<h2>検証計画 / Study spec</h2><p>第${spec.version}版 / version ${spec.version}; 登録（申告） / registered (claimed in the catalogue) <span data-registration="claimed">${escapeHtml(claimed)}</span>; ${recorded}; SHA-256 <code>${escapeHtml(run?.specHash ?? programme.specHash)}</code>` +
    `${verdict}</p>` +
    `<p>共変量 / covariates: ${escapeHtml(spec.covariates.join(', ') || 'なし / none')}; 信頼水準 / confidence level ${percent(spec.confidenceLevel)}</p><ul class="spec-outcomes">${outcomes}</ul>`
  );
}

function lineageSection(data: ReportData): string {
  const { run } = data;
  const body = run
    ? `<ul><li>実行 / run ${escapeHtml(run.runKey)} · ワークフロー / workflow ${escapeHtml(run.workflowId)} · 完了 / finished ${escapeHtml(run.finishedAt)}</li><li>コード / code ${escapeHtml(run.codeVersion)}</li>${run.inputFiles
        .map((f) => `<li>入力 / input ${escapeHtml(f.kind)}: SHA-256 ${escapeHtml(f.sha256)}</li>`)
        .join('')}${data.inputs
        .map((i) => `<li>${escapeHtml(i.fileName)} (${escapeHtml(i.kind)}): 全${i.rowsTotal}行 = 取込${i.rowsLoaded} + 隔離${i.rowsRejected} / ${i.rowsTotal} rows = ${i.rowsLoaded} loaded + ${i.rowsRejected} quarantined</li>`)
        .join('')}</ul>`
    : '<p class="empty">まだ評価が実行されていません / This programme has not been evaluated yet.</p>';
  return `<h2>データの来歴 / Lineage</h2>${body}`;
}

function variantNote(variant: ReportVariant, minCellUnits: number): string {
  return variant === 'internal'
    ? `<div class="internal-banner" data-variant="internal">${INTERNAL_BANNER}<br><small>開示制限前のすべての数値を含みます。公表には --public 版を使ってください。 / Every number, before disclosure control. Publish the --public version instead.</small></div>`
    : `<p class="public-note" data-variant="public">公表版：企業数が${minCellUnits}社未満の値は非公表 / Public version: values resting on fewer than ${minCellUnits} firms are withheld.</p>`;
}

export function renderProgrammeReport(data: ReportData, vendor: VendorScripts): string {
  const { programme } = data;
  const file = programme.file;
  const charts = new ChartList();
  const logicModel = LOGIC_MODEL_STAGE_KEYS.map(
    (stage) =>
      `<div class="stage"><h4>${STAGE_TITLES[stage]}</h4>${file.logicModel[stage]
        .map((i) => `<div class="indicator"><b>${escapeHtml(i.nameJa)}</b><br>${escapeHtml(i.nameEn)}<br><small>目標 / target ${escapeHtml(catalogueFigureText(i, i.target.value))} (FY${i.target.fiscalYear})</small></div>`)
        .join('')}</div>`,
  ).join('<div class="arrow">→</div>');
  // One row per indicator in the logic model's order, with the progress table's verdict and number formats.
  const kpiTable = kpiTableHtml(data.indicatorProgress, withheldText(data.minCellUnits));
  const reviewSheets = reviewSheetSection(data.reviewSheets, data.reviewSheets.projects.length ? reconcile(programme, data.reviewSheets.projects) : null);
  const body = [
    variantNote(data.variant, data.minCellUnits),
    `<header><h1>${escapeHtml(programme.nameJa)}</h1><p>${escapeHtml(programme.nameEn)} · ${escapeHtml(programme.ministry)}${file.synthetic ? ' · <span class="synthetic">合成データ / synthetic data</span>' : ''}</p></header>`,
    summaryBox(data),
    `<h2>効果 / Effect of the award</h2>${effectsTable(data)}`,
    `<h2>ロジックモデル / Logic model</h2>${data.reviewSheets.projects.length ? preRegisteredModelLabel(data.reviewSheets.origins) : ''}<div class="logic-model">${logicModel}</div>`,
    `<h2>KPIの進捗 / KPI progress against targets</h2>${kpiTable}`,
    reviewSheets,
    staggeredSections(charts, data),
    designDiagnosticsSection(charts, data),
    powerSection(data),
    specSection(data),
    lineageSection(data),
    exploratorySection(data),
  ].join('\n');
  return page(`${data.variant === 'internal' ? `【内部資料・公表不可】` : ''}${programme.nameJa} — ebpm`, body, vendor, charts.charts, data.variant);
}

/** The minimum detectable effect of the design for the planned call, beside the targets it should detect. */
function powerSection(data: ReportData): string {
  const title = '<h2>検出可能な最小効果 / Minimum detectable effect of the design</h2>';
  if (!data.power) return `${title}<p class="empty">計画された公募の規模が未登録のため未計算 / Not computed: the catalogue declares no planned call (plannedCall) for this programme.</p>`;
  const { analysis, targets } = data.power;
  const plan = analysis.plan;
  const power = Math.round(analysis.power * 100);
  const alpha = Math.round((1 - analysis.confidenceLevel) * 100);
  const award = Math.round(plan.awardShare * 100);
  const intro =
    `<p>検出力${power}%、有意水準${alpha}%（両側）。計画された公募：申請${plan.expectedApplicants}件、採択率${award}%、${plan.rounds}回の公募、交付前${plan.preAwardYears}年・交付後${plan.followUpYears}年。シミュレーション${analysis.replications}回（シード${analysis.seed}）。段階的DiDの指標のみ。 / ` +
    `${power}% power, ${alpha}% two-sided; planned call: ${plan.expectedApplicants} applicants, ${award}% awarded over ${plan.rounds} rounds, ${plan.preAwardYears} years before and ${plan.followUpYears} after; ${analysis.replications} simulated replications (seed ${analysis.seed}); staggered-DiD outcomes only.</p>`;
  const outcomes = `<table><tr><th>指標 / outcome</th><th>検出可能な最小効果 / MDE</th><th>標準誤差 / SE</th><th>分散と相関の根拠 / spread and correlation from</th></tr>${analysis.outcomes
    .map((o) => `<tr><td>${outcomeHeading(data.programme, o.outcome)}</td><td>${number(o.minimumDetectableEffect)} ${escapeHtml(o.unit)}</td><td>${number(o.medianStdError)}</td><td>${escapeHtml(o.varianceSource)}</td></tr>`)
    .join('')}${analysis.notSimulated
    .map((o) => {
      const design = designLabel(o.design);
      return `<tr><td>${outcomeHeading(data.programme, o.outcome)}</td><td colspan="3">未計算：この指標のデザインは${escapeHtml(design.ja)}で、シミュレーションは段階的DiDのみ / not computed: the spec names ${escapeHtml(design.en)}; the simulation covers staggered DiD only</td></tr>`;
    })
    .join('')}</table>`;
  const indicatorNames = new Map(LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => data.programme.file.logicModel[stage]).map((i) => [i.id, i.nameJa]));
  const verdict = (t: TargetAgainstPower) =>
    t.detectable === null ? '比較せず / not compared' : t.detectable ? '検出可能 / detectable' : '目標が検出限界未満 / target below what the design can detect';
  const rows = targets
    .map(
      (t) =>
        `<tr${t.detectable === false ? ' class="warning"' : ''} data-scale="${t.scale}"><td>${escapeHtml(indicatorNames.get(t.indicatorId) ?? '')} / ${escapeHtml(t.nameEn)}</td>` +
        `<td>${escapeHtml(TARGET_SCALE_WORDS[t.scale].ja)} / ${escapeHtml(TARGET_SCALE_WORDS[t.scale].en)}</td><td>${number(t.hopedForChange, 1)} ${escapeHtml(t.unit)}</td>` +
        `<td>${t.hopedForChangePerUnit === null ? '—' : number(t.hopedForChangePerUnit)}</td><td>${number(t.minimumDetectableEffect)}</td><td>${verdict(t)}<br><small>${escapeHtml(t.comparedOnJa)} / ${escapeHtml(t.comparedOn)}</small></td></tr>`,
    )
    .join('');
  const table = targets.length
    ? `<table><tr><th>指標 / indicator</th><th>目標の尺度 / the target is</th><th>目標が求める変化 / change the target asks for</th><th>1単位あたり / per awarded unit</th><th>検出可能な最小効果（1単位あたり） / MDE per unit</th><th>判定 / verdict</th></tr>${rows}</table>`
    : '';
  return title + intro + outcomes + table;
}

/**
 * How far parallel trends may fail before each event-study effect is overturned: the statement in words
 * for both targets, and the robust intervals against M̄ and M for the average post-award effect. An
 * effect the disclosure rule withholds keeps its sensitivity back too, since the bounds would reveal it.
 */
function sensitivitySection(charts: ChartList, data: ReportData): string {
  const title = '<h2>平行トレンドの仮定への頑健性 / Sensitivity to departures from parallel trends</h2>';
  const intro =
    '<p>平行トレンドが成り立たない場合でも有効な信頼区間（Rambachan &amp; Roth 2023）。M̄は交付後の乖離が交付前の最大の乖離の何倍までか、Mは傾きの変化が年あたりどこまでかを表す。網掛けは通常の信頼区間、赤線は頑健な信頼区間が初めてゼロを含む値、矢印は探索の限界でも閉じていない端（上下限ではない）を示す。 / ' +
    'Confidence intervals that stay valid when trends are not parallel (Rambachan &amp; Roth 2023): M̄ bounds each post-award change in the difference of trends by a multiple of the largest pre-award change; M bounds how much its slope may change per year. The shaded band is the ordinary interval; the red line marks where the robust interval first reaches zero; an arrow marks an end still open where the search stopped, which is not a bound.</p>';
  if (data.sensitivity.length === 0) return `${title}<p class="empty">頑健性の分析はまだありません / No sensitivity analysis yet: run an evaluation of this programme.</p>`;
  const scope =
    '<p>対象はイベントスタディ（ユニバーサル基準期）の2つの効果：交付年度の効果（e = 0）と交付後の各年度の効果の平均（グラフはこちら）。交付後の平均は年度を等しく重み付けするため、主要な効果（全体の平均効果）とは値が異なる。 / ' +
    'What is tested: two effects of the event study (universal base period) — the award-year effect (e = 0) and the average over the post-award years (charted). That average weights the years equally, so it differs from the headline overall ATT.</p>';
  const hidden = (report: SensitivityReport) => report.withheld;
  const outcomes = [...new Set(data.sensitivity.map((report) => report.outcome))];
  const sections = outcomes.map((outcome, index) => {
    const reports = data.sensitivity.filter((report) => report.outcome === outcome);
    const statements = reports
      .map((report) => `<li>${hidden(report) ? '非公表 / not shown: the effect it concerns is not published under the disclosure rule.' : `${report.statementJa ? `${escapeHtml(report.statementJa)}<br>` : ''}${escapeHtml(report.statement)}`}</li>`)
      .join('');
    const average = reports.find((report) => report.target === 'average_post' && report.status === 'computed' && !hidden(report));
    const indicator = outcomeIndicator(data.programme, outcome);
    const labels = { outcomeName: indicator.nameJa, unit: indicator.unit };
    const chartsHtml = average
      ? charts.add(`sensitivity-rm-${index}`, sensitivityChart(average, 'relative_magnitudes', labels)) + charts.add(`sensitivity-sd-${index}`, sensitivityChart(average, 'smoothness', labels))
      : '';
    return `<h3>${outcomeHeading(data.programme, outcome)}</h3><ul>${statements}</ul>${chartsHtml}`;
  });
  return title + intro + scope + sections.join('');
}

/** Analysts' ad-hoc studies, set apart and labelled; absent from the public version. */
function exploratorySection(data: ReportData): string {
  if (data.exploratory.length === 0) return '';
  const studies = data.exploratory
    .map((study) => {
      const rows = study.rows
        .map(
          (row) =>
            `<tr><td>${escapeHtml(row.outcome)}</td><td>${escapeHtml(row.group)}</td><td>${escapeHtml(row.estimator)}</td><td>${number(row.estimate)}</td><td>${row.ciLow === null ? '—' : `[${number(row.ciLow)}, ${number(row.ciHigh)}]`}</td><td>${number(row.pValue, 3)}</td></tr>`,
        )
        .join('');
      return (
        `<h3>${escapeHtml(study.runKey.slice(0, 12))} · ${escapeHtml(study.startedAt)} · ${escapeHtml(study.requestedBy)}</h3>` +
        `<p>${escapeHtml(study.note ?? '（注記なし） / (no note)')} — 変更した設定 / overrides <code>${escapeHtml(JSON.stringify(study.overrides))}</code></p>` +
        `<table><thead><tr><th>指標 / outcome</th><th>群 / group</th><th>推定方法 / estimator</th><th>効果 / estimate</th><th>95%信頼区間 / 95% CI</th><th>p値 / p</th></tr></thead><tbody>${rows}</tbody></table>`
      );
    })
    .join('');
  return (
    `<section class="exploratory"><h2>探索的分析（事前登録外） / Exploratory analyses — not pre-registered</h2>` +
    `<p class="warning">以下は分析者が事後に行った探索的分析であり、事前登録された効果検証の結果ではありません。公表版には含まれません。 / ` +
    `These are analysts' ad-hoc studies, not the pre-registered evaluation: read them as leads, not as the programme's effect. They are left out of the public version.</p>` +
    `${studies}</section>`
  );
}

/** One programme's row of the index: its headline, read from the same views and by the same function as its page. */
export interface IndexEntry {
  readonly id: string;
  readonly nameJa: string;
  readonly nameEn: string;
  readonly headline: ProgrammeHeadline;
  /** False when this folder holds no page for the programme yet (the row is still listed, without a link). */
  readonly pageWritten: boolean;
  /** The 予算事業ID of the review sheets the programme names; its page then has a review-sheet section to link to. */
  readonly reviewSheetProjectIds: readonly number[];
}

export function renderIndex(entries: readonly IndexEntry[], variant: ReportVariant, minCellUnits: number): string {
  const header =
    '<tr><th>事業 / programme</th><th>指標（単位） / indicator (unit)</th><th>評価デザイン / design</th><th>効果 / estimate</th><th>信頼区間 / CI</th>' +
    '<th>p値 / p</th><th>標準誤差 / SE</th><th>採択 / awarded units</th><th>比較 / comparison units</th><th>企業数 / firms</th><th>状態 / status</th></tr>';
  const rows = entries
    .map((entry) => {
      const fields = new Map(headlineFields(entry.headline, minCellUnits).map((field) => [field.field, field]));
      const cell = (name: string) => {
        const field = fields.get(name)!;
        return `<span ${fieldAttributes(field)}>${escapeHtml(field.text)}</span>`;
      };
      const name = entry.pageWritten
        ? `<a href="${encodeURIComponent(entry.id)}.html">${escapeHtml(entry.nameJa)}</a>`
        : `${escapeHtml(entry.nameJa)} <small>（ページ未作成 / page not written: ebpm report --programme ${escapeHtml(entry.id)}）</small>`;
      const sheets =
        entry.pageWritten && entry.reviewSheetProjectIds.length
          ? `<br><small><a data-link="review-sheets" href="${encodeURIComponent(entry.id)}.html#review-sheets">行政事業レビューシート / review sheet <span class="nowrap">(予算事業ID ${entry.reviewSheetProjectIds.map((id) => escapeHtml(String(id))).join(', ')})</span></a></small>`
          : '';
      const numbers = ['estimate', 'ci', 'p-value', 'std-error', 'units', 'comparison-units', 'firms'].map((f) => `<td class="num">${cell(f)}${f === 'ci' ? cell('ci-low') + cell('ci-high') : ''}</td>`).join('');
      return (
        `<tr data-programme="${escapeHtml(entry.id)}"><td>${name}<br><small>${escapeHtml(entry.nameEn)}</small>${sheets}</td>` +
        `<td>${cell('indicator-ja')}<br><small>${cell('indicator-en')} (${cell('unit')})</small></td><td><small>${cell('design')}</small></td>${numbers}<td>${cell('status')}${cell('confidence-level').replace('<span', '<span hidden')}</td></tr>`
      );
    })
    .join('');
  const body =
    `${variantNote(variant, minCellUnits)}<header><h1>事業別レポート / Programme reports</h1>` +
    '<p>各事業の主要な効果：検証計画で効果を推定する最初の指標を、そのデザインの主要な推定方法で示す。 / Each programme\'s headline effect: the first outcome of its study spec whose design estimates an effect, by that design\'s headline estimator.</p></header>' +
    `<table class="index">${header}${rows}</table>`;
  return page(`${variant === 'internal' ? '【内部資料・公表不可】' : ''}事業別レポート — ebpm`, body, null, [], variant, 'wide');
}

const STYLE = `body{font-family:"Noto Sans JP","Hiragino Sans",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-size:.85em}td.num{text-align:right;white-space:nowrap}.nowrap{white-space:nowrap}table.effects,table.index{font-size:.85em}body.wide{max-width:1500px}
tr.headline td{background:#eef4fb}tr.headline td[rowspan]{background:none}.badge{white-space:nowrap;font-size:.8em;color:#fff;background:#2f6db5;border-radius:3px;padding:0 .3em}
.empty{color:#8a5a00;background:#fff6e0;padding:.6em;border-radius:4px}.not-applicable{color:#444;background:#f0f0f0;padding:.6em;border-radius:4px}.synthetic{color:#b00}.exploratory{border-top:4px dashed #b36b00;margin-top:2em}.warning{color:#7a2e00;background:#ffe9d6;padding:.6em;border-radius:4px}
.internal-banner{position:sticky;top:0;z-index:10;background:#b00020;color:#fff;font-weight:bold;font-size:1.2em;text-align:center;padding:.5em;border-radius:4px}.internal-banner small{font-weight:normal;font-size:.7em}
.public-note{color:#555;font-size:.9em}
.summary{border:2px solid #2f6db5;border-radius:8px;padding:.2em 1em 1em;background:#f7faff;margin:1em 0}.summary h2{margin-top:.5em;border:0}.headline-sentence{font-size:1.15em}.design-explanation{font-size:.85em;color:#444}
.summary dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:.4em 1em;margin:0}.summary dt{font-size:.75em;color:#555}.summary dd{margin:0;font-weight:bold}
.logic-model{display:flex;align-items:stretch;gap:.3em;overflow-x:auto}.stage{border:1px solid #bbb;border-radius:6px;padding:.4em;min-width:140px;background:#fafafa}
.stage h4{margin:.2em 0 .4em;font-size:.85em}.model-label{font-size:.85em;color:#444;font-weight:bold}.review-sheets .note{font-size:.85em;color:#444}
.logic-model.official .stage{background:#f6f9f4;border-color:#8fae84;min-width:170px;max-width:260px}.sheet-indicator{font-size:.95em;color:#333;margin-top:.2em}.leads-to{color:#3d6b2f;font-weight:bold;margin-top:.2em}.review-sheets td,.sheet-node{overflow-wrap:anywhere}
.review-sheets table{font-size:.85em}.review-sheets td.fiscal-year{white-space:nowrap}tr.target-year td{background:#f3f8ee}tr.target-year td[rowspan]{background:none}.attribution{font-size:.85em;color:#444;border-top:1px solid #ddd;padding-top:.4em}.indicator{font-size:.8em;border-top:1px dashed #ccc;padding:.3em 0}.arrow{align-self:center;font-size:1.4em;color:#888}.chart{margin:.5em 0}`;

function page(title: string, body: string, vendor: VendorScripts | null, charts: readonly { id: string; spec: VegaLiteSpec }[], variant: ReportVariant, layout: 'narrow' | 'wide' = 'narrow'): string {
  const scripts =
    vendor && charts.length
      ? `<script>${vendor.vega}</script><script>${vendor.vegaLite}</script><script>${vendor.vegaEmbed}</script>` +
        `<script>const charts = ${scriptJson(charts)};\nfor (const chart of charts) vegaEmbed('#' + chart.id, chart.spec, { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } }).catch((error) => { document.getElementById(chart.id).textContent = 'グラフを表示できません / chart could not be drawn: ' + error.message; console.error(error); });</script>`
      : '';
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="ebpm-variant" content="${variant}"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body class="${layout}">${body}${scripts}</body></html>\n`;
}
