/**
 * The report's section on the programme's own review sheets (行政事業レビューシート: the RS system's public data, or
 * ebpm generate's synthetic sheets, titled as such; the same in the internal and the public page): for each project the official logic model (3-1 nodes by kind and
 * term, with the 3-2 edges), the targets and actuals by fiscal year at their published precision, the budget and
 * execution by year in 百万円, then the reconciliation with the pre-registered logic model, and the attribution
 * the licence asks for. Sheets `ebpm generate` made up (synthetic) are titled and noted as such, never attributed to
 * the RS system. Every text from the sheets is escaped: it is free text typed by many hands.
 */
import { millionYen, publishedNumber, roundedNumber, shiftDecimal } from './decimal-text.js';
import { FINDING_CHECKS } from '../../review-sheets/finding-checks.js';
import { differenceLabel, directionText, sheetsKind, sheetWord, LOAD_COMMAND, MODEL_COLUMNS, nodeLabel, referenceLabel, sheetIndicatorLabel } from './labels.js';
import { sheetIndicatorKey, type Reconciliation } from './reconcile.js';
import { reviewSheetSourceLines, type ReviewSheetOrigins } from '../../review-sheets/attribution.js';
import type { NodeKind, OutcomeTerm, ReviewSheetData, ReviewSheetProject, SheetBudgetYear, SheetIndicator, SheetNode } from './sheet-data.js';

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);
}

const STAGE_NAMES: Record<string, string> = {
  input: 'インプット / input',
  activity: '活動 / activity',
  output: 'アウトプット / output',
  shortTermOutcome: '短期アウトカム / short-term outcome',
  midTermOutcome: '中期アウトカム / mid-term outcome',
  impact: 'インパクト / impact',
};

/** A number cell: what the reader sees, and the view's own text in data-value for readers that compare. */
function numberCell(field: string, value: string | null, shown: (text: string) => string, suffix = ''): string {
  return `<td class="num" data-field="${field}" data-value="${value === null ? '' : escapeText(value)}">${value === null ? '—' : `${escapeText(shown(value))}${suffix}`}</td>`;
}

function notLoadedLine(projectIds: readonly number[]): string {
  const ids = projectIds.join(', ');
  return (
    `<p class="empty" data-review-sheets="not-loaded">予算事業ID ${ids} のレビューシートは未取込です。取り込むには <code>${escapeText(LOAD_COMMAND)}</code> / ` +
    `No review sheet of project ${ids} is loaded yet: load the published CSVs with <code>${escapeText(LOAD_COMMAND)}</code>.</p>`
  );
}

/**
 * Whether a node of the sheet is the one named by kind, number and term: numbers restart per kind and, for outcomes,
 * per term (アウトカム1（短期） and アウトカム1（長期） are two nodes).
 */
function isNode(node: SheetNode, kind: NodeKind | null, number: number, term: OutcomeTerm | null): boolean {
  return node.kind === kind && node.number === number && (node.kind !== 'outcome' || node.term === term);
}

/** The indicators of a node, each with its unit and the target the sheet marks (or its latest). */
function nodeIndicators(project: ReviewSheetProject, node: SheetNode): string {
  return project.indicators
    .filter((indicator) => indicator.kind === node.kind && indicator.nodeNumber === node.number && (node.kind !== 'outcome' || indicator.term === node.term))
    .map((indicator) => {
      const flagged = indicator.years.find((year) => year.isTargetYear && year.target !== null);
      const latest = flagged ?? [...indicator.years].reverse().find((year) => year.target !== null);
      const when = flagged ? `FY${latest!.fiscalYear}` : `FY${latest?.fiscalYear}、目標年度の指定なし：最終の目標 / no target year marked: the latest`;
      const target = latest ? `目標 / target ${escapeText(publishedNumber(latest.target as string))}${indicator.unit ? ` ${escapeText(indicator.unit)}` : ''} (${when})` : '';
      return `<div class="sheet-indicator">指標 / indicator: ${escapeText(indicator.name ?? '—')}${indicator.unit ? `（${escapeText(indicator.unit)}）` : ''}${target ? `<br><small>${target}</small>` : ''}</div>`;
    })
    .join('');
}

/** The official logic model: a column per kind and term, each node with its goal, indicators and where it leads (3-2). */
function officialLogicModel(project: ReviewSheetProject): string {
  const word = sheetWord(project.origins);
  // Every column of the ministry's model is drawn, empty ones saying so; outcomes without a term only when there are some.
  const columns = MODEL_COLUMNS.map((column) => ({ column, nodes: project.nodes.filter((node) => node.kind === column.kind && (node.kind !== 'outcome' || node.term === column.term)) })).filter(
    (entry) => entry.nodes.length > 0 || !(entry.column.kind === 'outcome' && entry.column.term === null),
  );
  const html = columns
    .map(({ column, nodes }) => {
      const boxes = nodes
        .map((node) => {
          const label = nodeLabel(node.kind, node.number, node.term);
          const next = project.edges
            .filter((edge) => isNode(node, edge.fromKind, edge.fromNode, edge.fromTerm))
            .map((edge) => escapeText(nodeLabel(edge.toKind, edge.toNode, edge.toKind === 'outcome' ? edge.toTerm : null).ja));
          return (
            `<div class="indicator sheet-node" data-node="${node.kind}:${node.number}${node.kind === 'outcome' && node.term ? `:${node.term}` : ''}"><b>${escapeText(label.ja)}</b> <small>${escapeText(label.en)}</small><br>` +
            `${escapeText(node.goal ?? '—')}${nodeIndicators(project, node)}` +
            `${next.length ? `<div class="leads-to">→ ${next.join('、')}</div>` : ''}</div>`
          );
        })
        .join('');
      return `<div class="stage"><h4>${escapeText(column.ja)} / ${escapeText(column.en)}</h4>${boxes || '<p class="none">なし / none</p>'}</div>`;
    })
    .join('<div class="arrow">→</div>');
  const edges = project.edges
    .map((edge) => {
      const fromTerm = edge.fromKind === 'outcome' ? edge.fromTerm : null;
      const toTerm = edge.toKind === 'outcome' ? edge.toTerm : null;
      return `<tr data-edge="${edge.fromKind}:${edge.fromNode}${fromTerm ? `:${fromTerm}` : ''}-${edge.toKind}:${edge.toNode}${toTerm ? `:${toTerm}` : ''}"><td>${escapeText(nodeLabel(edge.fromKind, edge.fromNode, fromTerm).ja)}</td><td>${escapeText(nodeLabel(edge.toKind, edge.toNode, toTerm).ja)}</td><td>${escapeText(edge.rationale ?? '—')}</td></tr>`;
    })
    .join('');
  const edgeTable = edges
    ? `<details><summary>つながりとその根拠（3-2） / The links and why each leads to the next (3-2)</summary><table class="sheet-edges"><tr><th>派生元 / from</th><th>派生先 / to</th><th>つながり / why</th></tr>${edges}</table></details>`
    : '<p class="empty">つながり（3-2）は未取込 / No links (3-2) loaded for this project.</p>';
  return (
    `<h4>ロジックモデル（${word.ja}） / Logic model (${word.en})</h4>` +
    `<p class="model-label">${word.ja} / ${word.En} — 事前登録のロジックモデルは上の「ロジックモデル」節 / the pre-registered model is in the Logic model section above.</p>` +
    (project.nodes.length ? `<div class="logic-model official">${html}</div>` : '<p class="empty">ロジックモデル（3-1）は未取込 / No logic model (3-1) loaded for this project.</p>') +
    edgeTable
  );
}

function targetCell(indicator: SheetIndicator, field: 'target' | 'actual', value: string | null, text: string | null): string {
  if (value === null && text !== null && indicator.qualitative) return `<td data-field="${field}" data-value="">${escapeText(text)}</td>`;
  return numberCell(field, value, publishedNumber);
}

/** Targets and actuals by fiscal year, one group of rows per indicator. */
function indicatorTable(project: ReviewSheetProject): string {
  if (project.indicators.length === 0) return '<h4>目標と実績 / Targets and actuals</h4><p class="empty">指標（3-1）は未取込 / No indicators (3-1) loaded for this project.</p>';
  const header =
    '<tr><th>指標 / indicator</th><th>単位 / unit</th><th>年度 / FY</th><th>目標 / target</th><th>実績 / actual</th>' +
    '<th>達成率（報告） / achievement reported</th><th>達成率（計算） / achievement computed</th></tr>';
  const rows = project.indicators
    .map((indicator) => {
      const label = sheetIndicatorLabel(indicator, false);
      // A qualitative outcome's result in text gets a row of its own under the years (or alone, with no yearly cell);
      // an indicator with neither has one row saying so.
      const resultRow = indicator.qualitativeResult === null ? 0 : 1;
      const emptyRow = indicator.years.length === 0 && resultRow === 0 ? 1 : 0;
      const rows = indicator.years.length + resultRow + emptyRow;
      const head =
        `<td rowspan="${rows}"><b>${escapeText(label.ja)}</b> <small>${escapeText(label.en)}</small><br>${escapeText(indicator.name ?? '—')}` +
        `${indicator.direction ? `<br><small>${escapeText(directionText(indicator.direction))}</small>` : ''}</td><td rowspan="${rows}">${escapeText(indicator.unit ?? '—')}</td>`;
      const result =
        indicator.qualitativeResult === null
          ? ''
          : `<tr data-indicator="${sheetIndicatorKey(indicator)}" data-qualitative-result>${indicator.years.length === 0 ? head : ''}` +
            `<td colspan="5"><b>成果実績（定性的） / qualitative result</b>：${escapeText(indicator.qualitativeResult)}</td></tr>`;
      const empty = emptyRow
        ? `<tr data-indicator="${sheetIndicatorKey(indicator)}" data-no-values>${head}<td colspan="5" class="empty">シートに値なし / no value in the sheet</td></tr>`
        : '';
      return indicator.years
        .map(
          (year, index) =>
            `<tr data-indicator="${sheetIndicatorKey(indicator)}" data-fy="${year.fiscalYear}"${year.isTargetYear ? ' class="target-year"' : ''}>${index === 0 ? head : ''}` +
            `<td>FY${year.fiscalYear}${year.isTargetYear ? ' <b class="badge">目標年度 / target year</b>' : ''}</td>` +
            targetCell(indicator, 'target', year.target, year.targetText) +
            targetCell(indicator, 'actual', year.actual, year.actualText) +
            numberCell('achievement-reported', year.achievementReported, publishedNumber, ' %') +
            numberCell('achievement-computed', year.achievementComputed, (text) => roundedNumber(text, 1), ' %') +
            '</tr>',
        )
        .join('') + result + empty;
    })
    .join('');
  return (
    '<h4>目標と実績 / Targets and actuals</h4>' +
    '<p class="note">数値はシートに記載の桁のまま。達成率（計算）は実績÷目標×100（下がると良い指標は目標÷実績×100）を小数第1位で表示。 / ' +
    'Figures as the sheet gives them, to the digits given; the computed achievement is actual ÷ target × 100 (target ÷ actual where lower is better), shown to one decimal.</p>' +
    `<table class="sheet-indicators">${header}${rows}</table>`
  );
}

const BUDGET_COLUMNS: readonly { field: keyof SheetBudgetYear; ja: string; en: string }[] = [
  { field: 'initialBudgetYen', ja: '当初予算', en: 'initial' },
  { field: 'supplementaryYen', ja: '補正予算', en: 'supplementary' },
  { field: 'carriedInYen', ja: '前年度から繰越し', en: 'carried in' },
  { field: 'reserveYen', ja: '予備費等', en: 'reserve funds' },
  { field: 'currentBudgetYen', ja: '計（歳出予算現額）', en: 'current budget' },
  { field: 'executedYen', ja: '執行額', en: 'executed' },
  { field: 'carriedOverYen', ja: '翌年度へ繰越し', en: 'carried over' },
];

/** Budget and execution by budget year, in 百万円; the review year's execution is not known yet. */
function budgetTable(project: ReviewSheetProject): string {
  const title = '<h4>予算と執行（単位：百万円） / Budget and execution (million yen)</h4>';
  if (project.budget.length === 0) return `${title}<p class="empty">予算・執行（2-1）は未取込 / No budget (2-1) loaded for this project.</p>`;
  const header = `<tr><th>予算年度 / FY</th>${BUDGET_COLUMNS.map((c) => `<th>${c.ja} / ${c.en}</th>`).join('')}<th>執行率 / execution rate</th><th>執行率（報告） / as reported</th></tr>`;
  const rows = project.budget
    .map((year) => {
      const open = year.budgetYear >= project.reviewYear;
      const cells = BUDGET_COLUMNS.map((column) =>
        column.field === 'executedYen' && open
          ? `<td class="num" data-field="executedYen" data-value="${escapeText(year.executedYen ?? '')}">— <small>（未確定 / not yet known）</small></td>`
          : numberCell(column.field, year[column.field] as string | null, millionYen),
      ).join('');
      return (
        `<tr data-budget-year="${year.budgetYear}"><td class="fiscal-year">FY${year.budgetYear}</td>${cells}` +
        numberCell('executionRate', year.executionRate, (text) => roundedNumber(String(Number(text) * 100), 1), ' %') +
        numberCell('executionRateReported', open ? null : year.executionRateReported, (text) => publishedNumber(shiftDecimal(text, 2)), ' %') +
        '</tr>'
      );
    })
    .join('');
  return (
    title +
    `<p class="note">金額はシートの円単位の値を百万円に四捨五入。執行率は執行額÷歳出予算現額（小数第1位）。${project.reviewYear}年度（レビュー年度）以降の執行額は未確定。 / ` +
    `Amounts given in yen, shown rounded to the million; the execution rate is executed ÷ current budget, to one decimal. Execution from FY${project.reviewYear} (the review year) on is not known yet.</p>` +
    `<table class="sheet-budget">${header}${rows}</table>`
  );
}

/** What ebpm's checks found in the sheet (bi.review_findings), each naming its node and numbers. */
function findingsBlock(project: ReviewSheetProject): string {
  const title = '<h4>ebpm による点検 / What ebpm\'s checks found in this sheet</h4>';
  if (project.findings.length === 0) return `${title}<p data-findings="none">7項目の点検で指摘なし / None of the seven checks found anything.</p>`;
  const items = project.findings
    .map((finding) => {
      const check = FINDING_CHECKS.find((candidate) => candidate.id === finding.checkId);
      const [ja, en] = check ? [check.nameJa, check.nameEn] : [finding.checkId, finding.checkId];
      return `<li data-finding="${escapeText(finding.checkId)}"><b>${escapeText(ja)}</b> <small>(${escapeText(en)})</small>：${escapeText(finding.detail)}</li>`;
    })
    .join('');
  return `${title}<ul class="sheet-findings">${items}</ul>`;
}

/**
 * The payees of 5-1 at the payee level: how many, their sum, and the largest by name. In yen as published, not in
 * 百万円 like the budget: many payees are paid less than half a million yen, which a whole 百万円 would show as 0.
 */
function payeesBlock(project: ReviewSheetProject): string {
  const title = '<h4>支出先（単位：円） / Payees (yen)</h4>';
  const { count, totalYen, largest } = project.payees;
  if (count === 0) return `${title}<p class="empty">支出先（5-1）は未取込 / No payees (5-1) loaded for this project.</p>`;
  const rows = largest
    .map(
      (payee) =>
        `<tr data-payee><td>${escapeText(payee.blockNumber ?? '—')} ${escapeText(payee.blockName ?? '')}</td><td>${escapeText(payee.payeeName ?? '—')}</td>` +
        `<td>${escapeText(payee.corporateNumber ?? '—')}${payee.corporateNumberValid === false ? ' <small data-invalid-corporate-number>（チェックデジット不一致 / check digit fails）</small>' : ''}</td>` +
        `${numberCell('payeeTotalYen', payee.totalYen, publishedNumber)}</tr>`,
    )
    .join('');
  return (
    title +
    `<p class="note" data-payee-count="${count}">支出先の行 ${count.toLocaleString('en-US')} 件（複数のブロックに載る支出先はブロックごとに数える）、支出額の合計 ${totalYen === null ? '—' : escapeText(publishedNumber(totalYen))} 円（記載のある支出先合計額の和。契約行は支出先の合計に含まれるため加えない）。${count > largest.length ? `うち上位 ${largest.length} 件を表示。` : ''} / ` +
    `${count.toLocaleString('en-US')} payee rows (a payee listed in several blocks counts in each), ${totalYen === null ? '—' : escapeText(publishedNumber(totalYen))} yen in all (the payee totals given; contract rows are within them and not added)${count > largest.length ? `; the largest ${largest.length} shown` : ''}.</p>` +
    `<table class="sheet-payees"><tr><th>ブロック / block</th><th>支出先 / payee</th><th>法人番号 / corporate number</th><th>支出額 / paid</th></tr>${rows}</table>`
  );
}

/** The report shows the latest review year; earlier ones loaded are named with the command that shows them. */
function earlierYearsLine(project: ReviewSheetProject): string {
  if (project.earlierReviewYears.length === 0) return '';
  const years = project.earlierReviewYears.join(', ');
  const command = `ebpm review-sheets show ${project.projectId} --year ${project.earlierReviewYears.length === 1 ? project.earlierReviewYears[0] : 'Y'}`;
  return (
    `<p class="note" data-earlier-review-years="${project.earlierReviewYears.join(' ')}">ほかに読み込み済みのレビュー年度：${years}（表示：<code>${escapeText(command)}</code>） / ` +
    `Earlier review years loaded: ${years} (shown by <code>${escapeText(command)}</code>).</p>`
  );
}

function projectBlock(project: ReviewSheetProject): string {
  const where = [project.ministry, project.bureau, project.department, project.division].filter((part): part is string => part !== null).map(escapeText).join(' ');
  return (
    `<div class="review-sheet-project" data-project="${project.projectId}" data-review-year="${project.reviewYear}">` +
    `<h3>予算事業ID ${project.projectId}：${escapeText(project.name ?? '（事業名なし / no name loaded）')}</h3>` +
    `<p>${project.reviewYear}年度レビューシート / review year ${project.reviewYear}${where ? ` · ${where}` : ''}</p>` +
    earlierYearsLine(project) +
    officialLogicModel(project) +
    indicatorTable(project) +
    budgetTable(project) +
    payeesBlock(project) +
    findingsBlock(project) +
    '</div>'
  );
}

type SheetWord = ReturnType<typeof sheetWord>;

function reconciliationBlock(reconciliation: Reconciliation, withProject: boolean, word: SheetWord): string {
  const intro =
    `<p class="note">照合の方法：カタログの指標に <code>reviewSheetIndicator</code>（予算事業ID・種別・番号、アウトカムはその期間も）があればその指標と、なければ名称が同じ指標と対応させる（全角・半角の違いと空白は無視し、双方に同名が1つだけの場合に限る）。活動の指標は${word.ja}のアウトプットの活動指標と対応させる（アウトカムと対応すれば段階の違い）。投入の指標は${word.ja}にない（その金額は予算 2-1）。活動・投入の指標は、対応する指標がなくても「事前登録のみ」には挙げない（シートは活動の指標を載せないことが多い）。 / ` +
    'How indicators are paired: by the catalogue indicator\'s <code>reviewSheetIndicator</code> (project, node kind and number, and an outcome\'s term) where it has one, otherwise by the same name (full- and half-width forms alike, spaces ignored, and only when each side has exactly one indicator of that name). An activity indicator is paired with an output\'s 活動指標 (paired with an outcome, its stage differs); an input has no indicator in the sheet (its money is the budget, 2-1). Neither is listed under "only in the pre-registered model" when unpaired: sheets often leave activity indicators out.</p>';
  const how = { reference: 'カタログの参照 / catalogue reference', name: '同じ名称 / same name' };
  const matched = reconciliation.matched
    .map((m) => {
      const label = sheetIndicatorLabel(m.sheet, withProject);
      const differences = m.differences.length
        ? `<ul>${m.differences.map((d) => `<li data-difference="${d.kind}">${escapeText(joined(differenceLabel(d.kind, word)))}：事前登録 / pre-registered ${escapeText(d.catalogue)} ／ ${word.ja} / sheet ${escapeText(d.sheet)}</li>`).join('')}</ul>`
        : '<span data-difference="none">一致 / agree</span>';
      const target = m.sheetTarget ? `${escapeText(publishedNumber(m.sheetTarget.value))} ${escapeText(m.sheet.unit ?? '')} (FY${m.sheetTarget.fiscalYear}${m.sheetTarget.flagged ? '' : '、目標年度の指定なし：最終の目標 / no target year marked: the latest target'})` : '—';
      return (
        `<tr data-reconcile="matched" data-indicator-id="${escapeText(m.indicator.id)}" data-sheet-indicator="${sheetIndicatorKey(m.sheet)}">` +
        `<td>${escapeText(m.indicator.nameJa)}<br><small>${STAGE_NAMES[m.stage]}</small></td>` +
        `<td>${escapeText(publishedNumber(String(m.indicator.target.value)))} ${escapeText(m.indicator.unit)} (FY${m.indicator.target.fiscalYear})</td>` +
        `<td><b>${escapeText(label.ja)}</b> ${escapeText(m.sheet.name ?? '—')}</td><td>${target}</td><td>${how[m.how]}</td><td>${differences}</td></tr>`
      );
    })
    .join('');
  const matchedTable = matched
    ? `<table class="reconciliation"><tr><th>事前登録の指標 / pre-registered indicator</th><th>事前登録の目標 / its target</th><th>${word.ja}の指標 / sheet indicator</th><th>${word.ja}の目標 / sheet target</th><th>対応の根拠 / paired by</th><th>差異 / differences</th></tr>${matched}</table>`
    : '<p class="empty">両方にある指標はありません / No indicator is in both.</p>';
  const list = (kind: string, title: string, items: readonly string[]) =>
    `<h4>${title}</h4>${items.length ? `<ul>${items.map((item) => `<li data-reconcile="${kind}">${item}</li>`).join('')}</ul>` : '<p>なし / none</p>'}`;
  const onlyCatalogue = reconciliation.onlyInCatalogue.map(
    (entry) => `<span data-indicator-id="${escapeText(entry.indicator.id)}">${escapeText(entry.indicator.nameJa)} / ${escapeText(entry.indicator.nameEn)}</span> <small>(${STAGE_NAMES[entry.stage]})</small>`,
  );
  const onlySheet = reconciliation.onlyInSheet.map((indicator) => {
    const label = sheetIndicatorLabel(indicator, withProject);
    return `<span data-sheet-indicator="${sheetIndicatorKey(indicator)}"><b>${escapeText(label.ja)}</b> ${escapeText(indicator.name ?? '—')}</span>`;
  });
  const unresolved = reconciliation.unresolved.map((entry) => {
    const label = referenceLabel(entry.indicator.reviewSheetIndicator!);
    return `<span data-indicator-id="${escapeText(entry.indicator.id)}">${escapeText(entry.indicator.nameJa)}</span>：参照先 ${escapeText(label.ja)} が${word.ja}にない / its reference (${escapeText(label.en)}) is not in the loaded sheet`;
  });
  return (
    '<h3>事前登録のロジックモデルとの照合 / Reconciliation with the pre-registered logic model</h3>' +
    intro +
    matchedTable +
    list('only-catalogue', '事前登録のみにある指標 / Only in the pre-registered logic model', onlyCatalogue) +
    list('only-sheet', `${word.ja}のみにある指標 / Only in the ${word.en}`, onlySheet) +
    (unresolved.length ? list('unresolved', `${word.ja}に見つからない参照 / References not found in the sheet`, unresolved) : '')
  );
}

/** The source lines: each Japanese one with its English one under it, small. */
function sourceHtml(origins: ReviewSheetOrigins): string {
  return reviewSheetSourceLines(origins).map((line) => `${escapeText(line.ja)}<br><small>${escapeText(line.en)}</small>`).join('<br>');
}

/** A label in both languages as the page writes it: 日本語 / English. */
const joined = (label: { readonly ja: string; readonly en: string }) => `${label.ja} / ${label.en}`;

/** The label over the catalogue's logic model where the section below shows a sheet's. */
export function preRegisteredModelLabel(origins: ReviewSheetOrigins): string {
  const word = sheetWord(origins);
  return `<p class="model-label">事前登録（カタログ） / Pre-registered (catalogue) — ${word.ja}のロジックモデルは下の「行政事業レビューシート」節 / the ${word.en}'s model is in the review sheet section below.</p>`;
}

/** The whole section; empty for a programme that names no project. */
export function reviewSheetSection(data: ReviewSheetData, reconciliation: Reconciliation | null): string {
  if (data.named.length === 0) return '';
  const kind = sheetsKind(data.origins);
  const title = `<h2>行政事業レビューシート（${kind.ja}） / ${kind.en[0].toUpperCase()}${kind.en.slice(1)} review sheet</h2>`;
  if (data.projects.length === 0) return `<section class="review-sheets" id="review-sheets" data-section="review-sheets">${title}${notLoadedLine(data.notLoaded)}</section>`;
  const intro = !data.origins.synthetic
    ? '<p>行政事業レビュー見える化サイトで公表されたこの事業のレビューシート（最新のレビュー年度）。公表データのため内部版・公表版で同じ内容。 / ' +
      'The review sheets of this programme\'s projects as published on the RS system (the latest review year loaded); public data, the same in the internal and the public version.</p>'
    : data.origins.published
    ? '<p class="synthetic-sheets">この事業のレビューシート（最新のレビュー年度）には、行政事業レビュー見える化サイトで公表されたものと、ebpm generate が公表形式で作成した合成データ（政府の公表データではない）とがある（末尾の注記）。内部版・公表版で同じ内容。 / ' +
      'The review sheets of this programme\'s projects (the latest review year loaded) are partly as published on the RS system and partly synthetic, made up by ebpm generate in the published format and not the government\'s data (see the note at the end); the same in the internal and the public version.</p>'
    : '<p class="synthetic-sheets">この事業のレビューシート（最新のレビュー年度）は ebpm generate が行政事業レビュー見える化サイトの公表形式で作成した合成データで、政府の公表データではない。内部版・公表版で同じ内容。 / ' +
      'The review sheets of this programme\'s projects (the latest review year loaded) are synthetic: made up by ebpm generate in the RS system\'s published format, not the government\'s data; the same in the internal and the public version.</p>';
  return (
    `<section class="review-sheets" id="review-sheets" data-section="review-sheets">${title}${intro}` +
    (data.notLoaded.length ? notLoadedLine(data.notLoaded) : '') +
    data.projects.map(projectBlock).join('') +
    (reconciliation ? reconciliationBlock(reconciliation, data.projects.length > 1, sheetWord(data.origins)) : '') +
    `<p class="attribution" data-attribution>${sourceHtml(data.origins)}</p></section>`
  );
}
