/**
 * How the sheet's node kinds, terms, directions and differences read, and what the sheets are called for
 * their origins (the RS system's, ebpm generate's synthetic ones, or both), in Japanese and English, in the HTML and
 * the workbook alike.
 */
import type { ReviewSheetOrigins } from '../../review-sheets/attribution.js';
import type { TargetDifference } from './reconcile.js';
import type { NodeKind, OutcomeTerm, SheetIndicator } from './sheet-data.js';

/**
 * What the sheets are, for titles: the RS system's (公表データ / official), `ebpm generate`'s (合成データ / synthetic),
 * or both. A synthetic sheet is in the published format but must not be presented as the government's.
 */
export function sheetsKind(origins: ReviewSheetOrigins): { readonly ja: string; readonly en: string } {
  if (!origins.synthetic) return { ja: '公表データ', en: 'official' };
  return origins.published ? { ja: '公表データ・合成データ', en: 'official and synthetic' } : { ja: '合成データ', en: 'synthetic' };
}

/**
 * What the report calls the sheet beside the pre-registered model: 公表シート / published sheet for the RS system's,
 * 合成レビューシート / synthetic sheet for `ebpm generate`'s, レビューシート / review sheet where a year's files are of both kinds.
 */
export function sheetWord(origins: ReviewSheetOrigins): { readonly ja: string; readonly en: string; readonly En: string } {
  const [ja, en] = !origins.synthetic ? ['公表シート', 'published sheet'] : origins.published ? ['レビューシート', 'review sheet'] : ['合成レビューシート', 'synthetic sheet'];
  return { ja, en, En: `${en[0].toUpperCase()}${en.slice(1)}` };
}

/** How a difference between the pre-registered target and the sheet's reads (`sheet`: what the sheet is called, sheetWord). */
export function differenceLabel(kind: TargetDifference['kind'], sheet: { readonly ja: string }): { readonly ja: string; readonly en: string } {
  const labels: Record<TargetDifference['kind'], { ja: string; en: string }> = {
    value: { ja: '目標値が異なる', en: 'target value differs' },
    year: { ja: '目標年度が異なる', en: 'target year differs' },
    unit: { ja: '単位が異なる', en: 'unit differs' },
    no_target: { ja: `${sheet.ja}に目標値なし`, en: 'no target in the sheet' },
    stage: { ja: 'ロジックモデル上の段階が異なる', en: 'stage in the logic model differs' },
  };
  return labels[kind];
}

export const LOAD_COMMAND = 'ebpm review-sheets load <RS CSVのフォルダ / folder of the RS CSVs>';

const KIND: Record<NodeKind, { ja: string; en: string }> = {
  activity: { ja: 'アクティビティ', en: 'Activity' },
  output: { ja: 'アウトプット', en: 'Output' },
  outcome: { ja: 'アウトカム', en: 'Outcome' },
};

const TERM: Record<OutcomeTerm, { ja: string; en: string }> = {
  short: { ja: '短期', en: 'short-term' },
  mid: { ja: '中期', en: 'mid-term' },
  long: { ja: '長期', en: 'long-term' },
};

/** A node as the sheet names it: アウトプット3, アウトカム4（短期） / Output 3, Outcome 4 (short-term). */
export function nodeLabel(kind: NodeKind | null, number: number, term: OutcomeTerm | null = null): { ja: string; en: string } {
  const k = kind ? KIND[kind] : { ja: '番号', en: 'Node' };
  const t = term ? TERM[term] : null;
  return { ja: `${k.ja}${number}${t ? `（${t.ja}）` : ''}`, en: `${k.en} ${number}${t ? ` (${t.en})` : ''}` };
}

/** An indicator of the sheet: its node, and which of the node's indicators when there are several. */
export function sheetIndicatorLabel(indicator: SheetIndicator, withProject: boolean): { ja: string; en: string } {
  const node = nodeLabel(indicator.kind, indicator.nodeNumber, indicator.term);
  // Numbered within its own node (kind, term and number): an outcome number's terms are two nodes, whose indicators the
  // loader numbers on from one to the other (seq), which would label a node's only indicator "#2".
  const seq = indicator.indicatorsOfNode > 1 ? ` #${indicator.ordinalInNode}` : '';
  const project = withProject ? `予算事業ID ${indicator.projectId} ` : '';
  return { ja: `${project}${node.ja}${seq}`, en: `${withProject ? `project ${indicator.projectId} ` : ''}${node.en}${seq}` };
}

/**
 * A catalogue's reference to a sheet indicator, as its author wrote it. With a term it names the node as the page
 * does; without one, an outcome's indicator is counted across the outcome number's terms (the loader's numbering),
 * not within one node as the page labels indicators, so the label says so.
 */
export function referenceLabel(reference: { projectId: number; nodeKind: NodeKind; nodeNumber: number; term?: OutcomeTerm; indicator: number }): { ja: string; en: string } {
  const node = nodeLabel(reference.nodeKind, reference.nodeNumber, reference.term ?? null);
  const across = reference.nodeKind === 'outcome' && reference.term === undefined ? { ja: '（短期・中期・長期を通した番号）', en: ', counted across its terms' } : { ja: '', en: '' };
  return reference.indicator > 1
    ? { ja: `予算事業ID ${reference.projectId} ${node.ja} の指標 ${reference.indicator}${across.ja}`, en: `project ${reference.projectId}, ${node.en}, indicator ${reference.indicator}${across.en}` }
    : { ja: `予算事業ID ${reference.projectId} ${node.ja}`, en: `project ${reference.projectId}, ${node.en}` };
}

/** The columns of the official logic model, left to right. */
export const MODEL_COLUMNS: readonly { kind: NodeKind; term: OutcomeTerm | null; ja: string; en: string }[] = [
  { kind: 'activity', term: null, ja: 'アクティビティ', en: 'Activity' },
  { kind: 'output', term: null, ja: 'アウトプット', en: 'Output' },
  { kind: 'outcome', term: 'short', ja: '短期アウトカム', en: 'Short-term outcome' },
  { kind: 'outcome', term: 'mid', ja: '中期アウトカム', en: 'Mid-term outcome' },
  { kind: 'outcome', term: 'long', ja: '長期アウトカム', en: 'Long-term outcome' },
  { kind: 'outcome', term: null, ja: 'アウトカム（期間なし）', en: 'Outcome (no term given)' },
];

export function directionText(direction: string | null): string {
  if (direction === 'up') return '上がると良い / higher is better';
  if (direction === 'down') return '下がると良い / lower is better';
  return direction ?? '—';
}
