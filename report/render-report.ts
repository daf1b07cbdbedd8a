/**
 * The self-contained HTML report of a programme: logic model, KPI progress, event study with its uniform
 * band, effects by cohort and by year, the pre-test, the study spec and the lineage. Charts are Vega-Lite
 * specs rendered in the browser by the inlined Vega libraries (no network); where there is nothing to
 * chart the page says why instead of showing an empty frame.
 */
import { LOGIC_MODEL_STAGE_KEYS } from '../schemas/catalogue.js';
import { isHeadline } from '../analysis/effect-rows.js';
import { sensitivityChart, seriesChart, type SeriesAxis, type VegaLiteSpec } from './charts.js';
import { designDiagnosticsSection } from './design-diagnostics.js';
import { outcomeIndicator, type OutcomeIndicator } from './outcome-indicator.js';
import type { PublicSeries, ReportData, SensitivityReport, SeriesRow, WithheldCell } from './report-data.js';

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

const ESTIMATOR_TITLES: Readonly<Record<string, string>> = {
  cs_simple: '全体の平均効果 / overall ATT (headline)',
  cs_dynamic: '経過年数別の平均 / average over years since award',
  cs_group: '採択年度別の平均 / average over cohorts',
  cs_calendar: '年度別の平均 / average over years',
  twfe_static: '二方向固定効果（比較） / two-way fixed effects (comparison)',
  sdid: '合成DiD / synthetic DiD (headline)',
  sc: '合成コントロール（比較） / synthetic control (comparison)',
  did_block: 'DiD（同じコホート、比較） / DiD on the same cohorts (comparison)',
  rd_conventional: '回帰不連続（通常） / regression discontinuity, conventional',
  rd_bias_corrected: '回帰不連続（バイアス補正） / regression discontinuity, bias-corrected',
  rd_robust: '回帰不連続（頑健） / regression discontinuity, robust interval (headline)',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);
}

function number(value: number | null, digits = 2): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** JSON inside a script element: "</" must not end the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/<\//g, '<\\/');
}

class ChartList {
  readonly charts: { id: string; spec: VegaLiteSpec }[] = [];
  add(id: string, spec: VegaLiteSpec): string {
    this.charts.push({ id, spec });
    return `<div class="chart" id="${id}" data-chart="${id}"></div>`;
  }
}

function seriesSection(
  charts: ChartList,
  title: string,
  rows: readonly SeriesRow[],
  axis: SeriesAxis,
  indicatorOf: (outcome: string) => OutcomeIndicator,
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
        const chart = outcomeRows.length ? charts.add(`${idPrefix}-${index}`, seriesChart(outcomeRows, axis, indicatorOf(outcome), { shadePreTreatment: options.shade === true })) : '';
        const note = notes.get(outcome);
        return `<h3>${escapeHtml(outcome)}</h3>${chart}${note ? `<p class="empty withheld">${escapeHtml(note)}</p>` : ''}`;
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

export function renderProgrammeReport(data: ReportData, vendor: VendorScripts): string {
  const { programme, run } = data;
  const file = programme.file;
  const charts = new ChartList();
  const indicatorOf = (outcome: string) => outcomeIndicator(programme, outcome);
  const logicModel = LOGIC_MODEL_STAGE_KEYS.map(
    (stage) =>
      `<div class="stage"><h4>${STAGE_TITLES[stage]}</h4>${file.logicModel[stage]
        .map((i) => `<div class="indicator"><b>${escapeHtml(i.nameJa)}</b><br>${escapeHtml(i.nameEn)}<br><small>${escapeHtml(i.unit)} · target ${number(i.target.value, 0)} (FY${i.target.fiscalYear})</small></div>`)
        .join('')}</div>`,
  ).join('<div class="arrow">→</div>');
  // An indicator without a value says where its data would come from, rather than leaving a gap.
  const withValue = new Set(data.kpis.map((k) => k.indicatorId));
  const withoutValue = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => file.logicModel[stage])
    .filter((i) => !withValue.has(i.id))
    .map((i) => {
      const why = i.notComputed
        ? `取得不可 / not available to the pipeline: ${i.notComputed.reason} (${i.notComputed.source})`
        : i.computation?.source === 'statistics'
          ? `公的統計が未取込 / official statistics not loaded: ${i.computation.publisher}`
          : `データなし / no ${i.computation?.source ?? ''} records yet`;
      return `<tr><td>${escapeHtml(i.nameJa)} / ${escapeHtml(i.nameEn)}</td><td>—</td><td>${escapeHtml(why)}</td><td>${number(i.target.value, 0)} (FY${i.target.fiscalYear})</td><td>—</td><td>—</td></tr>`;
    })
    .join('');
  const kpiTable = data.kpis.length
    ? `<table><tr><th>指標 / indicator</th><th>年度 / FY</th><th>実績 / value</th><th>目標 / target</th><th>達成度 / share achieved</th><th>進捗 / on track</th></tr>${data.kpis
        .map(
          (k) =>
            `<tr><td>${escapeHtml(k.nameJa)} / ${escapeHtml(k.nameEn)}</td><td>FY${k.fiscalYear}</td><td>${k.value === null ? `非公表 / withheld (fewer than ${data.minCellUnits} firms)` : `${number(k.value, 1)} ${escapeHtml(k.unit)}`}</td><td>${number(k.target, 0)} (FY${k.targetYear})</td><td>${k.shareAchieved === null ? '—' : `${Math.round(k.shareAchieved * 100)}%`}</td><td>${k.onTrack === null ? '—' : k.onTrack ? '順調 / on track' : '遅れ / behind'}</td></tr>`,
        )
        .join('')}${withoutValue}</table>`
    : '<p class="empty">KPIの計算結果はまだありません / No KPI values yet: run an evaluation of this programme.</p>';
  const effects = data.effects.length
    ? `<table><tr><th>アウトカム / outcome</th><th>推定方法 / estimator</th><th>効果 / effect</th><th>95% CI</th><th></th></tr>${data.effects
        .map(
          (e) =>
            `<tr class="${isHeadline(e.estimator) ? 'headline' : ''}"><td>${escapeHtml(e.outcome)}</td><td>${escapeHtml(ESTIMATOR_TITLES[e.estimator] ?? e.estimator)}</td><td>${e.status !== 'estimated' ? '推定せず / not estimated' : e.withheld ? `非公表 / withheld (fewer than ${data.minCellUnits} firms)` : number(e.estimate)}</td><td>${e.status === 'estimated' && !e.withheld ? `[${number(e.ciLow)}, ${number(e.ciHigh)}]` : ''}</td><td>${escapeHtml(e.note ?? '')}</td></tr>`,
        )
        .join('')}</table>`
    : '<p class="empty">効果推定の結果はまだありません / No effect estimates yet: run an evaluation of this programme.</p>';
  const pretests = data.pretests.length
    ? `<ul>${data.pretests
        .map((p) => `<li>${escapeHtml(p.outcome)}: ${p.statistic === null ? escapeHtml(p.note ?? 'not available') : `W = ${number(p.statistic)}, df = ${p.df}, p = ${number(p.pValue, 3)}${(p.pValue ?? 1) < 0.05 ? ' — 平行トレンドは棄却 / parallel trends rejected at 5%' : ''}`}</li>`)
        .join('')}</ul>`
    : '<p class="empty">事前検定の結果はありません / No pre-test yet.</p>';
  const spec = programme.studySpec;
  const lineage = run
    ? `<ul><li>run ${escapeHtml(run.runKey)} · workflow ${escapeHtml(run.workflowId)} · finished ${escapeHtml(run.finishedAt)}</li><li>code ${escapeHtml(run.codeVersion)}</li>${run.inputFiles
        .map((f) => `<li>${escapeHtml(f.kind)}: SHA-256 ${escapeHtml(f.sha256)}</li>`)
        .join('')}${data.inputs.map((i) => `<li>${escapeHtml(i.fileName)} (${escapeHtml(i.kind)}): ${i.rowsTotal} rows = ${i.rowsLoaded} loaded + ${i.rowsRejected} quarantined</li>`).join('')}</ul>`
    : '<p class="empty">まだ評価が実行されていません / This programme has not been evaluated yet.</p>';
  const body = [
    `<header><h1>${escapeHtml(programme.nameJa)}</h1><p>${escapeHtml(programme.nameEn)} · ${escapeHtml(programme.ministry)}${file.synthetic ? ' · <span class="synthetic">合成データ / synthetic data</span>' : ''}</p></header>`,
    `<h2>ロジックモデル / Logic model</h2><div class="logic-model">${logicModel}</div>`,
    `<h2>KPIの進捗 / KPI progress against targets</h2>${kpiTable}`,
    `<h2>効果 / Effect of the award</h2>${effects}`,
    seriesSection(
      charts,
      'イベントスタディ / Event study (years since award; shaded: uniform 95% band)',
      data.eventStudy.published,
      'event_time',
      indicatorOf,
      'event-study',
      '効果推定の結果がないため、グラフはありません / No event study: no effect estimates for this programme yet.',
      { shade: true, notes: withheldNotes(data.eventStudy, data.minCellUnits, { ja: '経過年', en: 'event time', label: (key) => `e=${key}` }) },
    ),
    seriesSection(charts, '採択年度別の効果 / Effects by cohort', data.byCohort.published, 'award_fiscal_year', indicatorOf, 'by-cohort', 'コホート別の効果はありません / No cohort effects.', {
      notes: withheldNotes(data.byCohort, data.minCellUnits, { ja: 'コホート', en: 'cohort', label: (key) => `FY${key}` }),
    }),
    seriesSection(charts, '年度別の効果 / Effects by fiscal year', data.byYear.published, 'fiscal_year', indicatorOf, 'by-year', '年度別の効果はありません / No yearly effects.', {
      notes: withheldNotes(data.byYear, data.minCellUnits, { ja: '年度', en: 'year', label: (key) => `FY${key}` }),
    }),
    designDiagnosticsSection(charts, data),
    powerSection(data),
    `<h2>平行トレンドの事前検定 / Pre-test of parallel trends</h2>${pretests}`,
    sensitivitySection(charts, data),
    `<h2>検証計画 / Study spec</h2><p>v${spec.version}, registered ${escapeHtml(spec.registeredAt)}, SHA-256 <code>${escapeHtml(programme.specHash)}</code>${run?.specRegisteredAfterCallOpened ? ' <b>(registered after the call opened)</b>' : ''}</p><p>outcomes ${escapeHtml(spec.outcomes.join(', '))}; comparison ${escapeHtml(spec.comparisonGroup)}; covariates ${escapeHtml(spec.covariates.join(', ') || 'none')}; method ${spec.estimation.method}, base period ${spec.estimation.basePeriod}, bootstrap ${spec.estimation.bootstrap.draws} draws (seed ${spec.estimation.bootstrap.seed})</p>`,
    `<h2>データの来歴 / Lineage</h2>${lineage}`,
    exploratorySection(data),
  ].join('\n');
  return page(`${programme.nameJa} — ebpm`, body, vendor, charts.charts);
}

/** The minimum detectable effect of the design for the planned call, beside the targets it should detect. */
function powerSection(data: ReportData): string {
  const title = '<h2>検出可能な最小効果 / Minimum detectable effect of the design</h2>';
  if (!data.power) return `${title}<p class="empty">計画された公募の規模が未登録のため未計算 / Not computed: the catalogue declares no planned call (plannedCall) for this programme.</p>`;
  const { analysis, targets } = data.power;
  const plan = analysis.plan;
  const intro = `<p>${Math.round(analysis.power * 100)}% power, ${Math.round((1 - analysis.confidenceLevel) * 100)}% two-sided; planned call: ${plan.expectedApplicants} applicants, ${Math.round(plan.awardShare * 100)}% awarded over ${plan.rounds} rounds, ${plan.preAwardYears} years before and ${plan.followUpYears} after; ${analysis.replications} simulated replications (seed ${analysis.seed}).</p>`;
  const outcomes = `<table><tr><th>アウトカム / outcome</th><th>MDE</th><th>SE</th><th>分散の根拠 / spread and correlation from</th></tr>${analysis.outcomes
    .map((o) => `<tr><td>${escapeHtml(o.outcome)}</td><td>${number(o.minimumDetectableEffect)} ${escapeHtml(o.unit)}</td><td>${number(o.medianStdError)}</td><td>${escapeHtml(o.varianceSource)}</td></tr>`)
    .join('')}${analysis.notSimulated
    .map((o) => `<tr><td>${escapeHtml(o.outcome)}</td><td colspan="3">未計算 / not computed: the spec names ${escapeHtml(o.design)}; the simulation covers staggered DiD only</td></tr>`)
    .join('')}</table>`;
  const rows = targets
    .map(
      (t) =>
        `<tr${t.detectable ? '' : ' class="warning"'}><td>${escapeHtml(t.nameEn)}</td><td>${number(t.hopedForChange, 1)}</td><td>${number(t.minimumDetectableEffect)}</td><td>${t.detectable ? '検出可能 / detectable' : '目標が検出限界未満 / target below what the design can detect'}</td></tr>`,
    )
    .join('');
  const table = targets.length ? `<table><tr><th>指標 / indicator</th><th>目標が求める変化 / change the target asks for</th><th>MDE</th><th></th></tr>${rows}</table>` : '';
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
  const hidden = (report: SensitivityReport) =>
    report.target === 'average_post'
      ? data.effects.some((effect) => effect.outcome === report.outcome && effect.estimator === 'cs_dynamic' && effect.withheld)
      : data.eventStudy.withheld.some((cell) => cell.outcome === report.outcome && cell.key === 0);
  const outcomes = [...new Set(data.sensitivity.map((report) => report.outcome))];
  const sections = outcomes.map((outcome, index) => {
    const reports = data.sensitivity.filter((report) => report.outcome === outcome);
    const statements = reports
      .map((report) => `<li>${hidden(report) ? '非公表 / not shown: the effect it concerns is not published under the disclosure rule.' : `${report.statementJa ? `${escapeHtml(report.statementJa)}<br>` : ''}${escapeHtml(report.statement)}`}</li>`)
      .join('');
    const average = reports.find((report) => report.target === 'average_post' && report.status === 'computed' && !hidden(report));
    const chartsHtml = average
      ? charts.add(`sensitivity-rm-${index}`, sensitivityChart(average, 'relative_magnitudes')) + charts.add(`sensitivity-sd-${index}`, sensitivityChart(average, 'smoothness'))
      : '';
    return `<h3>${escapeHtml(outcome)}</h3><ul>${statements}</ul>${chartsHtml}`;
  });
  return title + intro + sections.join('');
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
        `<p>${escapeHtml(study.note ?? '(no note)')} — overrides <code>${escapeHtml(JSON.stringify(study.overrides))}</code></p>` +
        `<table><thead><tr><th>outcome</th><th>group</th><th>estimator</th><th>estimate</th><th>95% CI</th><th>p</th></tr></thead><tbody>${rows}</tbody></table>`
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

export function renderIndex(programmes: readonly { id: string; nameJa: string; nameEn: string; headline: string }[]): string {
  const rows = programmes.map((p) => `<tr><td><a href="${encodeURIComponent(p.id)}.html">${escapeHtml(p.nameJa)}</a><br><small>${escapeHtml(p.nameEn)}</small></td><td>${escapeHtml(p.headline)}</td></tr>`).join('');
  return page('ebpm — reports', `<header><h1>事業別レポート / Programme reports</h1></header><table><tr><th>事業 / programme</th><th>全体の平均効果 / headline effect</th></tr>${rows}</table>`, null, []);
}

const STYLE = `body{font-family:"Noto Sans JP","Hiragino Sans",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
tr.headline{background:#eef4fb}.empty{color:#8a5a00;background:#fff6e0;padding:.6em;border-radius:4px}.synthetic{color:#b00}.exploratory{border-top:4px dashed #b36b00;margin-top:2em}.warning{color:#7a2e00;background:#ffe9d6;padding:.6em;border-radius:4px}
.logic-model{display:flex;align-items:stretch;gap:.3em;overflow-x:auto}.stage{border:1px solid #bbb;border-radius:6px;padding:.4em;min-width:140px;background:#fafafa}
.stage h4{margin:.2em 0 .4em;font-size:.85em}.indicator{font-size:.8em;border-top:1px dashed #ccc;padding:.3em 0}.arrow{align-self:center;font-size:1.4em;color:#888}.chart{margin:.5em 0}`;

function page(title: string, body: string, vendor: VendorScripts | null, charts: readonly { id: string; spec: VegaLiteSpec }[]): string {
  const scripts =
    vendor && charts.length
      ? `<script>${vendor.vega}</script><script>${vendor.vegaLite}</script><script>${vendor.vegaEmbed}</script>` +
        `<script>const charts = ${scriptJson(charts)};\nfor (const chart of charts) vegaEmbed('#' + chart.id, chart.spec, { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } }).catch((error) => { document.getElementById(chart.id).textContent = 'グラフを表示できません / chart could not be drawn: ' + error.message; console.error(error); });</script>`
      : '';
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}${scripts}</body></html>\n`;
}
