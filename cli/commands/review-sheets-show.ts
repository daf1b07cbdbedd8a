/**
 * ebpm review-sheets show PROJECT_ID [--year Y] [--json]: one project's logic model as a tree (activities →
 * outputs → outcomes by the 3-2 edges, then the nodes no path from an activity reaches), each indicator's latest
 * target, actual and achievement, the budget and execution by year, and the project's findings.
 */
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { latestValues, logicModelTree, nodeLabel, type LatestValues } from '../../review-sheets/logic-model-tree.js';
import type { ProjectSheet, SheetIndicator, SheetNode } from '../../review-sheets/project-sheet.js';
import { reviewSheetSourceText } from '../../review-sheets/attribution.js';
import { openingOf } from '../../review-sheets/one-line.js';
import { formatTable } from '../format.js';
import { openDatabaseReady } from '../services.js';
import { projectIdArgument, requestedProjectSheet, reviewYearOption } from './review-sheets-options.js';

export async function showCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { year: { type: 'string' }, json: { type: 'boolean' } } });
  const projectId = projectIdArgument(positionals[0], 'review-sheets show');
  const year = reviewYearOption(values.year);
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    const sheet = await requestedProjectSheet(db, projectId, year);
    console.log(values.json ? JSON.stringify(sheetJson(sheet), null, 2) : sheetText(sheet));
  } finally {
    await db.destroy();
  }
}

const number = (text: string | null): number | null => (text === null ? null : Number(text));
const percent = (text: string | null): string => (text === null ? '—' : `${Number(text).toFixed(1)}%`);
const yen = (text: string | null): string => (text === null ? '—' : Number(text).toLocaleString('en-US'));

function sheetJson(sheet: ProjectSheet) {
  const tree = logicModelTree(sheet.nodes, sheet.edges);
  return {
    ...sheet,
    nodes: sheet.nodes.map((node) => ({
      ...node,
      indicators: node.indicators.map((indicator) => ({ ...indicator, latest: latestJson(latestValues(indicator)) })),
    })),
    tree: tree.entries.map((entry) => ({ depth: entry.depth, node: entry.key, inSheet: entry.node !== null, repeated: entry.repeated })),
    unreached: tree.unreached.map((node) => `${node.kind}|${node.term ?? ''}|${node.number}`),
    attribution: reviewSheetSourceText(sheet.origins),
  };
}

function latestJson(latest: LatestValues) {
  return {
    target: latest.target && { ...latest.target, value: numericOrText(latest.target.value) },
    actual: latest.actual && {
      fiscalYear: latest.actual.fiscalYear,
      value: numericOrText(latest.actual.value),
      targetOfYear: latest.actual.targetOfYear === null ? null : numericOrText(latest.actual.targetOfYear),
      achievementReported: number(latest.actual.achievementReported),
      achievementComputed: number(latest.actual.achievementComputed),
    },
    targetYears: latest.targetYears,
  };
}

const numericOrText = (text: string): number | string => (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);

function indicatorLines(indicator: SheetIndicator, indent: string): string[] {
  const latest = latestValues(indicator);
  const unit = indicator.unit ? ` ${indicator.unit}` : '';
  const target = latest.target ? `目標 ${latest.target.value}${unit} (FY${latest.target.fiscalYear}${latest.target.isTargetYear ? ', 目標年度' : ''})` : '目標 —';
  // The achievement is the actual's year's: that year's target is named beside it when it is not the latest target.
  const ownTarget =
    latest.actual && latest.target && latest.actual.fiscalYear !== latest.target.fiscalYear
      ? `, 同年度の目標 ${latest.actual.targetOfYear === null ? '—' : `${latest.actual.targetOfYear}${unit}`}`
      : '';
  const actual = latest.actual
    ? `実績 ${latest.actual.value}${unit} (FY${latest.actual.fiscalYear}${ownTarget}) · 達成率 報告 ${percent(latest.actual.achievementReported)} / 計算 ${percent(latest.actual.achievementComputed)}`
    : '実績 —';
  const direction = indicator.direction === 'up' ? ' ↑' : indicator.direction === 'down' ? ' ↓' : '';
  return [
    `${indent}「${indicator.name ?? '(指標名なし)'}」${unit ? ` [${indicator.unit}]` : ''}${direction}${indicator.qualitative ? ' 定性的' : ''}`,
    `${indent}  ${target} · ${actual}`,
    // A qualitative outcome's result is text (定性的なアウトカムに関する成果実績), not a yearly value.
    ...(indicator.qualitativeResult ? [`${indent}  成果実績（定性的） ${openingOf(indicator.qualitativeResult, 120)}`] : []),
  ];
}

function nodeLines(node: SheetNode | null, key: string, depth: number, repeated: boolean): string[] {
  const indent = '  '.repeat(depth);
  const arrow = depth === 0 ? '' : '→ ';
  if (!node) {
    const [kind, term, numberText] = key.split('|');
    return [`${indent}${arrow}${nodeLabel(kind as SheetNode['kind'], term || null, Number(numberText))} (an edge leads here; 3-1 does not list it)`];
  }
  const head = `${indent}${arrow}${nodeLabel(node.kind, node.term, node.number)}${node.goal ? ` ${openingOf(node.goal, 60)}` : ''}`;
  if (repeated) return [`${indent}${arrow}${nodeLabel(node.kind, node.term, node.number)} (shown above)`];
  return [head, ...node.indicators.flatMap((indicator) => indicatorLines(indicator, `${indent}${depth === 0 ? '  ' : '    '}`))];
}

function sheetText(sheet: ProjectSheet): string {
  const tree = logicModelTree(sheet.nodes, sheet.edges);
  const treeLines = tree.entries.flatMap((entry) => nodeLines(entry.node, entry.key, entry.depth, entry.repeated));
  const unreached = tree.unreached.flatMap((node) => nodeLines(node, '', 0, false));
  const budget = formatTable(
    // Every part of the current budget (当初 + 補正 + 前年度から繰越し + 予備費等 = 現額), so that the row adds up, then
    // what was executed and carried over (the rest, 不用額, is bi.review_budget_execution's unspent_yen).
    ['budget year', '当初予算', '補正予算', '前年度から繰越し', '予備費等', '歳出予算現額', '執行額', '執行率', '翌年度へ繰越し', '翌年度要求額'],
    sheet.budget.map((row) => [
      String(row.budgetYear),
      yen(row.initialBudgetYen),
      yen(row.supplementaryYen),
      yen(row.carriedInYen),
      yen(row.reserveYen),
      yen(row.currentBudgetYen),
      yen(row.executedYen),
      row.executionRate === null ? '—' : `${(Number(row.executionRate) * 100).toFixed(1)}%`,
      yen(row.carriedOverYen),
      yen(row.nextYearRequestYen),
    ]),
  );
  return [
    `予算事業ID ${sheet.projectId} · review year ${sheet.reviewYear}\n${sheet.projectName ?? '(no 1-2 row)'}\n${[sheet.ministry, sheet.bureau, sheet.department, sheet.division].filter(Boolean).join(' ')}`,
    `Logic model (3-1 nodes by the 3-2 edges; latest target, latest actual with that year's achievement)\n${treeLines.length ? treeLines.join('\n') : '(no activity)'}`,
    ...(unreached.length ? [`Not reached from any activity\n${unreached.join('\n')}`] : []),
    `Budget and execution in yen (bi.review_budget_execution; execution of the review year is not yet known)\n${budget}`,
    `Findings (bi.review_findings)\n${sheet.findings.length ? sheet.findings.map((finding) => `${finding.checkId}: ${finding.detail}`).join('\n') : 'none'}`,
    reviewSheetSourceText(sheet.origins),
  ].join('\n\n');
}
