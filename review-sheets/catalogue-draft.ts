/**
 * A programme catalogue draft from a project's loaded review sheet: what the sheet states (names, ministry, the
 * logic model's indicators with units, directions, targets and a baseline, the budget by year), each figure with
 * its provenance, and placeholders ("TO COMPLETE: …") for what it cannot know (English names, indicator classes,
 * call rounds, data requirements, the study spec). `ebpm programmes validate` refuses the draft, naming each
 * placeholder, until they are completed. Pure: no I/O.
 *
 * Stages: 3-1 activities → activity, outputs → output, short-term outcomes (短期) → shortTermOutcome, mid-term
 * (中期) → midTermOutcome, long-term (長期) → impact (the sheet's last stage; an outcome without a term goes to
 * shortTermOutcome). The review sheet has no input stage.
 */
import { placeholder } from '../programmes/draft-placeholders.js';
import { LOGIC_MODEL_STAGE_KEYS, type LogicModelStageKey } from '../schemas/catalogue.js';
import { UNITS_OF_ANALYSIS } from '../schemas/unit-of-analysis.js';
import { NUMBER_CELL } from './cell-values.js';
import { oneLine } from './one-line.js';
import type { ProjectSheet, SheetIndicator, SheetNode } from './project-sheet.js';

export function reviewSheetProvenance(sheet: Pick<ProjectSheet, 'reviewYear' | 'projectId' | 'origins'>): string {
  // A draft from a synthetic sheet must not pass its figures off as the government's.
  const synthetic = sheet.origins.synthetic ? (sheet.origins.published ? '（一部は合成データ）' : '（合成データ）') : '';
  return `行政事業レビューシート ${sheet.reviewYear}${synthetic}, 予算事業ID ${sheet.projectId}`;
}

type Placeholder = string;
type Figure = { value: number; fiscalYear: number; provenance: string };

export interface DraftIndicator {
  readonly id: string;
  readonly nameJa: string;
  readonly nameEn: Placeholder;
  readonly definition: string;
  readonly unit: string;
  readonly direction: 'higher_is_better' | 'lower_is_better' | Placeholder;
  readonly dataSource: string;
  readonly frequency: 'annual' | Placeholder;
  readonly indicatorClass: Placeholder;
  readonly baseline: Figure | null;
  readonly target: Figure | Placeholder;
  readonly computation?: Placeholder;
  readonly notComputed?: { readonly reason: string; readonly source: string };
  /**
   * The sheet indicator it was drafted from, so that the report pairs the two by reference, not by name (a sheet may
   * give two indicators one name: 3522's outputs 3 and 6 are both 本事業の採択件数).
   */
  readonly reviewSheetIndicator?: { readonly projectId: number; readonly nodeKind: 'output' | 'outcome'; readonly nodeNumber: number; readonly term?: 'short' | 'mid' | 'long'; readonly indicator: number };
}

export interface ProgrammeDraftFile {
  readonly id: string;
  readonly nameJa: string;
  readonly nameEn: Placeholder;
  readonly ministry: string;
  readonly kindOfSupport: Placeholder;
  readonly unitOfAnalysis: Placeholder;
  readonly synthetic: false;
  readonly budgetLines: readonly ({ label: string; amountHundredMillionYen: number | null; provenance: string } | Placeholder)[];
  readonly callRounds: readonly Placeholder[];
  readonly logicModel: Record<LogicModelStageKey, readonly (DraftIndicator | Placeholder)[]>;
  readonly dataRequirements: { readonly consentWordingJa: Placeholder; readonly consentWordingEn: Placeholder; readonly fields: readonly Placeholder[] };
  readonly studySpecs: readonly Placeholder[];
  readonly reviewSheetProjects: readonly { readonly projectId: number; readonly provenance: string }[];
}

const STAGE_OF_TERM: Record<string, LogicModelStageKey> = { short: 'shortTermOutcome', mid: 'midTermOutcome', long: 'impact' };

function stageOf(node: SheetNode): LogicModelStageKey {
  if (node.kind === 'activity') return 'activity';
  if (node.kind === 'output') return 'output';
  return STAGE_OF_TERM[node.term ?? ''] ?? 'shortTermOutcome';
}

/** Amounts in yen as 億円, to the yen. */
const hundredMillionYen = (yen: string) => Number((Number(yen) / 1e8).toPrecision(15));

/** The target of the year 1.目標年度 marks; without a mark, the latest year with a numeric target (said in the draft's target). */
export function draftTarget(indicator: SheetIndicator): { value: number; fiscalYear: number } | null {
  const numeric = indicator.values.filter((value) => value.target !== null && NUMBER_CELL.test(value.target));
  const marked = numeric.filter((value) => value.isTargetYear);
  const chosen = marked[marked.length - 1] ?? numeric[numeric.length - 1];
  return chosen ? { value: Number(chosen.target), fiscalYear: chosen.fiscalYear } : null;
}

/** The baseline: the earliest numeric actual before the target year (the sheet names no baseline as such). */
export function draftBaseline(indicator: SheetIndicator, targetYear: number | undefined): { value: number; fiscalYear: number } | null {
  const earliest = indicator.values.find((value) => value.actual !== null && NUMBER_CELL.test(value.actual) && (targetYear === undefined || value.fiscalYear < targetYear));
  return earliest ? { value: Number(earliest.actual), fiscalYear: earliest.fiscalYear } : null;
}

function indicatorId(node: SheetNode, position: number, count: number): string {
  return [node.kind, node.term, String(node.number), count > 1 ? String(position + 1) : null].filter(Boolean).join('_');
}

/** What a frequency placeholder asks for: the catalogue's three frequencies. */
const FREQUENCY_CHOICE = 'the frequency, annual, per_call_round or one_off';

/**
 * 'annual' where the sheet reports actuals in two or more fiscal years, every year from the first to the last;
 * otherwise the author's to state: a survey every few years is not annual, and one actual, or none yet, says nothing
 * of how often. Targets are left out of it: a target for a distant year (FY2029) is no gap in measuring.
 */
export function draftFrequency(indicator: Pick<SheetIndicator, 'values'>): 'annual' | Placeholder {
  const years = indicator.values.filter((value) => value.actual !== null || value.actualText !== null).map((value) => value.fiscalYear);
  if (years.length === 0) return placeholder(`${FREQUENCY_CHOICE}: the sheet reports no actual yet`);
  if (years.length === 1) return placeholder(`${FREQUENCY_CHOICE}: the sheet reports one actual so far, FY${years[0]}`);
  if (years[years.length - 1] - years[0] + 1 === years.length) return 'annual';
  return placeholder(`${FREQUENCY_CHOICE}: the sheet reports actuals for FY${years.join(', FY')} only`);
}

/**
 * The draft's reference to the sheet indicator, as the page names it: an outcome with a term by its term and its
 * place among the node's own indicators; an output, or an outcome the sheet gives no term, by the loader's number.
 */
function sheetReference(projectId: number, node: SheetNode, indicator: SheetIndicator, position: number): NonNullable<DraftIndicator['reviewSheetIndicator']> {
  if (node.kind === 'outcome' && (node.term === 'short' || node.term === 'mid' || node.term === 'long')) {
    return { projectId, nodeKind: 'outcome', nodeNumber: node.number, term: node.term, indicator: position + 1 };
  }
  return { projectId, nodeKind: node.kind === 'output' ? 'output' : 'outcome', nodeNumber: node.number, indicator: indicator.seq };
}

function draftIndicator(sheet: Pick<ProjectSheet, 'projectId'>, node: SheetNode, indicator: SheetIndicator, position: number, count: number, provenance: string): DraftIndicator {
  const target = draftTarget(indicator);
  const baseline = draftBaseline(indicator, target?.fiscalYear);
  const direction = indicator.direction === 'up' ? 'higher_is_better' : indicator.direction === 'down' ? 'lower_is_better' : null;
  return {
    id: indicatorId(node, position, count),
    nameJa: indicator.name ? oneLine(indicator.name) : placeholder('the indicator name in Japanese (the sheet gives none)'),
    nameEn: placeholder('the indicator name in English'),
    definition: oneLine(node.goal ?? indicator.name ?? '') || placeholder('what the indicator measures (the sheet states no goal)'),
    unit: indicator.unit ?? placeholder('the unit (the sheet gives none)'),
    direction: direction ?? placeholder(`the direction, higher_is_better or lower_is_better (the sheet states ${indicator.direction ? `"${indicator.direction}"` : 'none'})`),
    dataSource: indicator.dataSource ? oneLine(indicator.dataSource) : provenance,
    frequency: draftFrequency(indicator),
    indicatorClass: placeholder('an indicator class id from indicator-classes.json'),
    baseline: baseline && { ...baseline, provenance },
    target: target
      ? { ...target, provenance }
      : placeholder(indicator.qualitative ? 'a numeric target { value, fiscalYear, provenance }: the sheet\'s outcome is qualitative (定性的)' : 'a target { value, fiscalYear, provenance }: the sheet gives no numeric target'),
    notComputed: { reason: 'reported yearly in the review sheet (3-1 目標・実績), not computed from the programme\'s records', source: `bi.review_indicator_values (${provenance})` },
    reviewSheetIndicator: sheetReference(sheet.projectId, node, indicator, position),
  };
}

function draftActivity(node: SheetNode, provenance: string): DraftIndicator {
  return {
    id: indicatorId(node, 0, 1),
    // The sheet states an activity's goal, often a paragraph, not an indicator: the goal is the definition, the name
    // is the author's to give.
    nameJa: placeholder('a short name in Japanese for the activity\'s indicator (the sheet states its goal only: see definition)'),
    nameEn: placeholder('the activity\'s indicator name in English'),
    definition: node.goal ? oneLine(node.goal) : placeholder('what the activity indicator measures'),
    unit: placeholder('the unit: the sheet gives an activity no indicator'),
    direction: placeholder('the direction, higher_is_better or lower_is_better'),
    dataSource: provenance,
    frequency: placeholder(`${FREQUENCY_CHOICE}: the sheet gives an activity no indicator`),
    indicatorClass: placeholder('an indicator class id from indicator-classes.json'),
    baseline: null,
    target: placeholder('a target { value, fiscalYear, provenance }: the sheet gives an activity none'),
    computation: placeholder('how the pipeline computes it (a computation from applications or outcomes), or notComputed { reason, source } instead'),
  };
}

const STAGE_NAMES: Record<LogicModelStageKey, string> = {
  input: 'an input indicator (e.g. the subsidy granted): the review sheet has no input stage',
  activity: 'an activity indicator: the sheet lists no activity',
  output: 'an output indicator: the sheet lists no output',
  shortTermOutcome: 'a short-term outcome indicator: the sheet lists no short-term (短期) outcome',
  midTermOutcome: 'a mid-term outcome indicator: the sheet lists no mid-term (中期) outcome',
  impact: 'an impact indicator: the sheet lists no long-term (長期) outcome',
};

export function catalogueDraft(sheet: ProjectSheet): ProgrammeDraftFile {
  const provenance = reviewSheetProvenance(sheet);
  const stages = Object.fromEntries(LOGIC_MODEL_STAGE_KEYS.map((stage) => [stage, [] as (DraftIndicator | Placeholder)[]])) as Record<LogicModelStageKey, (DraftIndicator | Placeholder)[]>;
  for (const node of sheet.nodes) {
    const stage = stages[stageOf(node)];
    if (node.kind === 'activity') stage.push(draftActivity(node, provenance));
    else node.indicators.forEach((indicator, position) => stage.push(draftIndicator(sheet, node, indicator, position, node.indicators.length, provenance)));
  }
  for (const stage of LOGIC_MODEL_STAGE_KEYS) if (!stages[stage].length) stages[stage].push(placeholder(STAGE_NAMES[stage]));
  const budgetLines = sheet.budget
    .filter((year) => year.currentBudgetYen !== null)
    .map((year) => ({
      label: `${year.budgetYear}年度 歳出予算現額${year.budgetYear < sheet.reviewYear && year.executedYen !== null ? `（執行額 ${hundredMillionYen(year.executedYen)}億円）` : ''}`,
      amountHundredMillionYen: hundredMillionYen(year.currentBudgetYen!),
      provenance,
    }));
  return {
    id: `review-${sheet.projectId}`,
    nameJa: sheet.projectName ?? placeholder('the programme name in Japanese (the sheet has no 1-2 row)'),
    nameEn: placeholder('the programme name in English'),
    ministry: [sheet.ministry, sheet.bureau].filter(Boolean).join(' ') || placeholder('the ministry (the sheet has no 1-2 row)'),
    kindOfSupport: placeholder('the kind of support, e.g. "subsidy for R&D"'),
    unitOfAnalysis: placeholder(`the unit of analysis, one of ${UNITS_OF_ANALYSIS.join(', ')}`),
    synthetic: false,
    budgetLines: budgetLines.length ? budgetLines : [placeholder('the budget lines { label, amountHundredMillionYen, provenance }: the sheet has no 2-1 total row')],
    callRounds: [placeholder('the call rounds { round, opens, closes, awardFiscalYear, provenance }: they define the cohorts; the review sheet has none')],
    logicModel: stages,
    dataRequirements: {
      consentWordingJa: placeholder('the consent wording in Japanese (see the built-in catalogue files)'),
      consentWordingEn: placeholder('the consent wording in English'),
      fields: [placeholder('the fields of the applicants and outcomes files { file, name, nameJa, description, format, required, personal, measure? }: the data requirements')],
    },
    studySpecs: [placeholder('study spec version 1 (outcomes, outcomeIndicators, comparisonGroup, covariates, estimation, …), then `ebpm programmes freeze ID`')],
    reviewSheetProjects: [{ projectId: sheet.projectId, provenance }],
  };
}
