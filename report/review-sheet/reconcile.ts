/**
 * The pre-registered logic model against the published sheet: which indicators are in both, which only in one,
 * and, for those in both, whether the target (value, fiscal year), the unit and the stage agree (an indicator the
 * catalogue calls a short-term outcome that the sheet places as an output or a long-term outcome says the two logic
 * models disagree about what the indicator shows).
 *
 * How an indicator of the catalogue is found in the sheet, in this order:
 *  1. its `reviewSheetIndicator` (the project's 予算事業ID, the node as the sheet numbers it — アウトプット3, or
 *     アウトカム1（長期） with its term — and which of the node's indicators), for indicators whose name differs between
 *     the two;
 *  2. otherwise the same name: the catalogue's nameJa equal to the sheet's 活動指標／成果指標 once full-width and
 *     half-width forms are made alike (NFKC) and spaces dropped, and only when exactly one indicator on each side
 *     carries that name.
 * Nothing else (no similarity score): an officer can check every pair by reading the two names or the reference.
 * An activity indicator belongs with an output's 活動指標 (the sheet's activities carry none), an input with nothing
 * (its money is the budget, 2-1); unmatched ones are not listed as missing, since sheets often leave them out.
 */
import { LOGIC_MODEL_STAGE_KEYS, type LogicModelStageKey, type ReviewSheetIndicatorReference } from '../../schemas/catalogue.js';
import type { Programme } from '../../programmes/catalogue.js';
import type { Indicator } from '../xlsx/progress-data.js';
import { publishedNumber } from './decimal-text.js';
import type { ReviewSheetProject, SheetIndicator } from './sheet-data.js';

export interface SheetTarget {
  /** Decimal text as published. */
  readonly value: string;
  readonly fiscalYear: number;
  /** True when the sheet's 1.目標年度 row marks this year; false when the latest year with a target stands in. */
  readonly flagged: boolean;
}

export type DifferenceKind = 'value' | 'year' | 'unit' | 'no_target' | 'stage';

export interface TargetDifference {
  readonly kind: DifferenceKind;
  /** What the catalogue says, as text. */
  readonly catalogue: string;
  /** What the sheet says, as text. */
  readonly sheet: string;
}

export interface IndicatorMatch {
  readonly indicator: Indicator;
  readonly stage: LogicModelStageKey;
  readonly sheet: SheetIndicator;
  readonly how: 'reference' | 'name';
  readonly sheetTarget: SheetTarget | null;
  readonly differences: readonly TargetDifference[];
}

export interface Reconciliation {
  readonly matched: readonly IndicatorMatch[];
  /** Output and outcome indicators of the catalogue found in no loaded sheet. */
  readonly onlyInCatalogue: readonly { indicator: Indicator; stage: LogicModelStageKey }[];
  /** Sheet indicators no catalogue indicator matches. */
  readonly onlyInSheet: readonly SheetIndicator[];
  /** Catalogue references to a sheet indicator that the loaded sheet does not have. */
  readonly unresolved: readonly { indicator: Indicator; stage: LogicModelStageKey }[];
}

const COMPARED_STAGES: ReadonlySet<LogicModelStageKey> = new Set(['output', 'shortTermOutcome', 'midTermOutcome', 'impact']);

/** A name or unit as compared: NFKC (全角/半角 alike), no spaces. */
export function normalisedName(text: string | null): string {
  return (text ?? '').normalize('NFKC').replace(/\s+/gu, '');
}

export function sheetIndicatorKey(indicator: Pick<SheetIndicator, 'projectId' | 'kind' | 'nodeNumber' | 'seq'>): string {
  return `${indicator.projectId}:${indicator.kind}:${indicator.nodeNumber}:${indicator.seq}`;
}

/**
 * The sheet indicator a catalogue reference names: with a term, the node (kind, term, number) and which of its own
 * indicators; without one, the node number and the loader's count across the outcome number's terms
 * (reviewSheetIndicatorSchema).
 */
export function referencedSheetIndicator(reference: ReviewSheetIndicatorReference, sheetIndicators: readonly SheetIndicator[]): SheetIndicator | undefined {
  return sheetIndicators.find(
    (sheet) =>
      sheet.projectId === reference.projectId &&
      sheet.kind === reference.nodeKind &&
      sheet.nodeNumber === reference.nodeNumber &&
      (reference.term === undefined ? sheet.seq === reference.indicator : sheet.term === reference.term && sheet.ordinalInNode === reference.indicator),
  );
}

/** The year the sheet marks as the target year (its target there), else the latest year with a numeric target. */
export function sheetTarget(indicator: SheetIndicator): SheetTarget | null {
  const flagged = indicator.years.find((year) => year.isTargetYear);
  if (flagged) return flagged.target === null ? null : { value: flagged.target, fiscalYear: flagged.fiscalYear, flagged: true };
  const latest = [...indicator.years].reverse().find((year) => year.target !== null);
  return latest ? { value: latest.target as string, fiscalYear: latest.fiscalYear, flagged: false } : null;
}

/** Where each compared stage of the catalogue sits in a sheet: its node kind, and for an outcome its term. */
const SHEET_PLACE: Partial<Record<LogicModelStageKey, { kind: SheetIndicator['kind']; term: SheetIndicator['term'] }>> = {
  // The sheet's activities carry no indicator: an output's indicator is its 活動指標 (activity indicator), where a
  // catalogue's activity indicator (applications received, the award rate) sits.
  activity: { kind: 'output', term: null },
  output: { kind: 'output', term: null },
  shortTermOutcome: { kind: 'outcome', term: 'short' },
  midTermOutcome: { kind: 'outcome', term: 'mid' },
  impact: { kind: 'outcome', term: 'long' },
};

const SHEET_PLACE_NAMES: Record<string, string> = {
  'output:': 'アウトプット (output)',
  'outcome:short': '短期アウトカム (short-term outcome)',
  'outcome:mid': '中期アウトカム (mid-term outcome)',
  'outcome:long': '長期アウトカム (long-term outcome)',
  'outcome:': 'アウトカム、期間の記載なし (outcome, no term given)',
};

const CATALOGUE_STAGE_NAMES: Record<string, string> = {
  input: 'インプット (input)',
  activity: '活動 (activity)',
  output: 'アウトプット (output)',
  shortTermOutcome: '短期アウトカム (short-term outcome)',
  midTermOutcome: '中期アウトカム (mid-term outcome)',
  impact: 'インパクト＝長期アウトカム (impact = long-term outcome)',
};

/**
 * The catalogue's stage against the sheet's node. An outcome whose sheet gives no term is not called a mismatch
 * (the sheet does not say), only a different kind or a different stated term is. An activity belongs with an
 * output's 活動指標; an input has no place among the sheet's indicators (its money is the budget, 2-1): an input
 * paired with any, or an activity with an outcome, is a difference of stage.
 */
function stageDifference(stage: LogicModelStageKey, sheet: SheetIndicator): TargetDifference | null {
  const expected = SHEET_PLACE[stage];
  const sameKind = expected !== undefined && expected.kind === sheet.kind;
  const sameTerm = sheet.kind !== 'outcome' || sheet.term === null || sheet.term === expected?.term;
  if (sameKind && sameTerm) return null;
  return { kind: 'stage', catalogue: CATALOGUE_STAGE_NAMES[stage] ?? stage, sheet: SHEET_PLACE_NAMES[`${sheet.kind}:${sheet.kind === 'outcome' ? (sheet.term ?? '') : ''}`] ?? sheet.kind };
}

function differencesOf(indicator: Indicator, stage: LogicModelStageKey, sheet: SheetIndicator, target: SheetTarget | null): TargetDifference[] {
  const differences: TargetDifference[] = [];
  if (target === null) {
    differences.push({ kind: 'no_target', catalogue: `${publishedNumber(String(indicator.target.value))} ${indicator.unit} (FY${indicator.target.fiscalYear})`, sheet: '—' });
  } else {
    if (Number(target.value) !== indicator.target.value) {
      differences.push({ kind: 'value', catalogue: `${publishedNumber(String(indicator.target.value))} ${indicator.unit}`, sheet: `${publishedNumber(target.value)} ${sheet.unit ?? ''}`.trim() });
    }
    if (target.fiscalYear !== indicator.target.fiscalYear) differences.push({ kind: 'year', catalogue: `FY${indicator.target.fiscalYear}`, sheet: `FY${target.fiscalYear}` });
  }
  if (normalisedName(indicator.unit) !== normalisedName(sheet.unit)) differences.push({ kind: 'unit', catalogue: indicator.unit, sheet: sheet.unit ?? '—' });
  const stageMismatch = stageDifference(stage, sheet);
  if (stageMismatch) differences.push(stageMismatch);
  return differences;
}

export function reconcile(programme: Programme, projects: readonly ReviewSheetProject[]): Reconciliation {
  const sheetIndicators = projects.flatMap((project) => project.indicators);
  const catalogue = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.file.logicModel[stage].map((indicator) => ({ indicator, stage })));
  const loadedProjects = new Set(projects.map((project) => project.projectId));

  const matched: IndicatorMatch[] = [];
  const unresolved: Reconciliation['unresolved'][number][] = [];
  const taken = new Set<string>();
  const match = (entry: (typeof catalogue)[number], sheet: SheetIndicator, how: IndicatorMatch['how']) => {
    const target = sheetTarget(sheet);
    matched.push({ ...entry, sheet, how, sheetTarget: target, differences: differencesOf(entry.indicator, entry.stage, sheet, target) });
    taken.add(sheetIndicatorKey(sheet));
  };

  for (const entry of catalogue) {
    const reference = entry.indicator.reviewSheetIndicator;
    if (!reference) continue;
    // A reference into a project not loaded yet is neither found nor missing: the section says the project is not loaded.
    if (!loadedProjects.has(reference.projectId)) continue;
    const sheet = referencedSheetIndicator(reference, sheetIndicators);
    if (sheet) match(entry, sheet, 'reference');
    else unresolved.push(entry);
  }

  const free = sheetIndicators.filter((indicator) => !taken.has(sheetIndicatorKey(indicator)));
  const unreferenced = catalogue.filter((entry) => !entry.indicator.reviewSheetIndicator);
  for (const entry of unreferenced) {
    const name = normalisedName(entry.indicator.nameJa);
    const sheets = free.filter((indicator) => normalisedName(indicator.name) === name);
    const twins = unreferenced.filter((other) => normalisedName(other.indicator.nameJa) === name);
    if (sheets.length === 1 && twins.length === 1) match(entry, sheets[0], 'name');
  }

  const matchedIds = new Set(matched.map((entry) => entry.indicator.id));
  const unresolvedIds = new Set(unresolved.map((entry) => entry.indicator.id));
  return {
    matched: catalogue.flatMap((entry) => matched.filter((m) => m.indicator.id === entry.indicator.id)),
    onlyInCatalogue: catalogue.filter((entry) => COMPARED_STAGES.has(entry.stage) && !matchedIds.has(entry.indicator.id) && !unresolvedIds.has(entry.indicator.id)
      && !(entry.indicator.reviewSheetIndicator && !loadedProjects.has(entry.indicator.reviewSheetIndicator.projectId))),
    onlyInSheet: sheetIndicators.filter((indicator) => !taken.has(sheetIndicatorKey(indicator))),
    unresolved,
  };
}
