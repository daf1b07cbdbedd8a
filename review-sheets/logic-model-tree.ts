/**
 * A sheet's logic model as a tree: activities at the root, each node's children the nodes its 3-2 edges lead to.
 * A node is its kind, outcome term and number (numbers restart per kind and per outcome term); an edge end
 * without a term matches only a node without one. Pure: no I/O.
 */
import type { NodeKind, SheetEdge, SheetIndicator, SheetNode, YearValue } from './project-sheet.js';

export const nodeKey = (kind: NodeKind, term: string | null, number: number): string => `${kind}|${term ?? ''}|${number}`;

export interface TreeEntry {
  readonly depth: number;
  /** The node, or null for an edge end that 3-1 does not list. */
  readonly node: SheetNode | null;
  readonly key: string;
  /** Printed before (another path reaches it): its subtree is not repeated. */
  readonly repeated: boolean;
}

export interface LogicModelTree {
  /** Depth-first from each activity, in sheet order. */
  readonly entries: readonly TreeEntry[];
  /** Nodes no path from an activity reaches, in sheet order. */
  readonly unreached: readonly SheetNode[];
}

export function logicModelTree(nodes: readonly SheetNode[], edges: readonly SheetEdge[]): LogicModelTree {
  const byKey = new Map(nodes.map((node) => [nodeKey(node.kind, node.term, node.number), node]));
  const children = new Map<string, string[]>();
  for (const edge of edges) {
    const from = nodeKey(edge.fromKind, edge.fromTerm, edge.fromNode);
    const to = nodeKey(edge.toKind, edge.toTerm, edge.toNode);
    const list = children.get(from) ?? [];
    if (!list.includes(to)) list.push(to);
    children.set(from, list);
  }
  const entries: TreeEntry[] = [];
  const shown = new Set<string>();
  const visit = (key: string, depth: number) => {
    const repeated = shown.has(key);
    entries.push({ depth, node: byKey.get(key) ?? null, key, repeated });
    if (repeated) return;
    shown.add(key);
    for (const child of children.get(key) ?? []) visit(child, depth + 1);
  };
  for (const node of nodes) if (node.kind === 'activity') visit(nodeKey(node.kind, node.term, node.number), 0);
  return { entries, unreached: nodes.filter((node) => !shown.has(nodeKey(node.kind, node.term, node.number))) };
}

export interface LatestValues {
  /** The target of the latest fiscal year that has one. */
  readonly target: { readonly fiscalYear: number; readonly value: string; readonly isTargetYear: boolean } | null;
  /**
   * The actual of the latest fiscal year that has one, with that year's target and achievement: the achievement
   * relates the actual to its own year's target, which may not be the latest target.
   */
  readonly actual: {
    readonly fiscalYear: number;
    readonly value: string;
    readonly targetOfYear: string | null;
    readonly achievementReported: string | null;
    readonly achievementComputed: string | null;
  } | null;
  /** Years marked in 1.目標年度. */
  readonly targetYears: readonly number[];
}

const targetOf = (value: YearValue) => value.target ?? value.targetText;
const actualOf = (value: YearValue) => value.actual ?? value.actualText;

export function latestValues(indicator: SheetIndicator): LatestValues {
  const withTarget = indicator.values.filter((value) => targetOf(value) !== null);
  const withActual = indicator.values.filter((value) => actualOf(value) !== null);
  const target = withTarget[withTarget.length - 1];
  const actual = withActual[withActual.length - 1];
  return {
    target: target ? { fiscalYear: target.fiscalYear, value: targetOf(target)!, isTargetYear: target.isTargetYear } : null,
    actual: actual
      ? { fiscalYear: actual.fiscalYear, value: actualOf(actual)!, targetOfYear: targetOf(actual), achievementReported: actual.achievementReported, achievementComputed: actual.achievementComputed }
      : null,
    targetYears: indicator.values.filter((value) => value.isTargetYear).map((value) => value.fiscalYear),
  };
}

const KIND_JA: Record<NodeKind, string> = { activity: 'アクティビティ', output: 'アウトプット', outcome: 'アウトカム' };
const TERM_JA: Record<string, string> = { short: '短期', mid: '中期', long: '長期' };

/** "アウトカム（短期）4", as bi.review_findings names nodes. */
export function nodeLabel(kind: NodeKind, term: string | null, number: number): string {
  return `${KIND_JA[kind]}${term ? `（${TERM_JA[term] ?? term}）` : ''} ${number}`;
}
