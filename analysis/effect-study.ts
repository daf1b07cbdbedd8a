/**
 * Assembles a programme's effect study from unit-level data (firms, projects or sites): who was awarded when (the cohorts), their
 * yearly outcomes, and the pre-registered spec saying what to estimate. The main estimate is Callaway &
 * Sant'Anna's (ATT(g,t) and its aggregations, with the pre-test and a bootstrap band); two-way fixed
 * effects fits are reported beside it for comparison.
 */
import { designOf, type DesignKind, type StudySpec } from '../schemas/study-spec.js';
import { buildStaggeredPanel } from '../stats/build-panel.js';
import type { StaggeredPanel } from '../stats/panel.js';
import { normalCdf, normalQuantile } from '../stats/distributions.js';
import { estimateStaggeredDid, type BandedEstimate, type DidReport, type StaggeredDidOptions } from '../stats/did/estimate.js';
import { fitEventStudyTwfe, fitStaticTwfe, type Coefficient } from '../stats/twfe.js';
import { outcomeSensitivity, type OutcomeSensitivity } from './effect-sensitivity.js';
import { reviewScoreOutcome, type RdSummaryRow, type ScoredApplication, type ScoredRound } from './review-score-study.js';
import { syntheticDidOutcome, type TrajectoryRow, type UnitWeightRow } from './synthetic-did-study.js';
import type { ScatterBin } from '../stats/rd/binned-scatter.js';
import { FirmCounter, IndexedFirmCounter, selectUnitFirms, type FirmsOfUnit, type PackedUnitFirms } from './firm-counts.js';
import { UnitIndexMismatchError, type IndexedUnits } from '../stats/indexed-units.js';
import type { CovariateBalanceRow } from './rd-covariate-balance.js';
import { NO_BAND, notEstimated, sampleShortfall, type EffectRow, type SampleSize, type StoredEstimator } from './effect-rows.js';

export type { EffectRow, StoredEstimator } from './effect-rows.js';

export interface UnitCohort {
  readonly unitId: string;
  /** Fiscal year of the unit's first award; null for units never awarded. */
  readonly firstAwardFiscalYear: number | null;
  /** Characteristics at the unit's first application, by applicant-file field name. */
  readonly characteristics: Readonly<Record<string, number>>;
  /** The unit's earliest application with a review score (absent or null when none was scored). */
  readonly scoredApplication?: { readonly callRound: number; readonly reviewScore: number; readonly awarded: boolean } | null;
}

export interface OutcomePanelColumns {
  readonly unitId: readonly string[];
  readonly fiscalYear: ArrayLike<number>;
  /** Outcome measures by name. */
  readonly measures: Readonly<Record<string, ArrayLike<number>>>;
}

export class UnsupportedOutcomeError extends Error {
  constructor(
    readonly outcome: string,
    readonly available: readonly string[],
  ) {
    super(`the study spec asks for outcome "${outcome}", which the outcome panel does not hold (it holds ${available.join(', ')}); correct the spec or load that measure`);
    this.name = 'UnsupportedOutcomeError';
  }
}

export interface PretestRow {
  readonly outcome: string;
  readonly statistic: number | null;
  readonly df: number | null;
  readonly pValue: number | null;
  readonly note: string | null;
}

/** How units with missing follow-up years were treated, per outcome. */
export interface SampleRow {
  readonly outcome: string;
  readonly missingYears: 'balanced' | 'unbalanced' | 'unbalanced_paired';
  /** Units missing some years that the estimate kept. */
  readonly incompleteUnitsKept: number;
  /** Units left out of the estimate (missing years under the balanced rule, treated in the first year, …). */
  readonly unitsDropped: number;
}

export interface EffectStudy {
  readonly effects: readonly EffectRow[];
  readonly pretests: readonly PretestRow[];
  readonly samples: readonly SampleRow[];
  /**
   * Rambachan–Roth sensitivity of each outcome's event study, left to the caller to run one at a time
   * (each takes up to a second or so: an activity yields between them so that its heartbeats go out).
   * Empty when not asked for.
   */
  readonly sensitivityTasks: readonly SensitivityTask[];
  /** Units dropped by the panel rules, and other remarks, per outcome. */
  readonly notes: readonly string[];
  readonly designs: readonly DesignRow[];
  /** Synthetic DiD: treated against synthetic paths, and the donor weights. */
  readonly trajectories: readonly TrajectoryRow[];
  readonly unitWeights: readonly UnitWeightRow[];
  /** Regression discontinuity: bandwidths, samples and manipulation test, and the binned scatter. */
  readonly rdSummaries: readonly RdSummaryRow[];
  readonly rdBins: readonly (ScatterBin & { outcome: string; firms: number | null })[];
  /** Regression discontinuity: the jump at the cut-off of each pre-registered covariate and the outcome's pre-award level. */
  readonly rdCovariateBalance: readonly CovariateBalanceRow[];
}

/**
 * Cohort per unit from its applications: the earliest awarded round counts (null when never awarded);
 * characteristics come from the unit's first application.
 */
export function cohortsFromApplications(
  applications: readonly {
    unitId: string;
    awardFiscalYear: number | null;
    characteristics?: Readonly<Record<string, number>>;
    callRound?: number;
    reviewScore?: number | null;
  }[],
): UnitCohort[] {
  type Scored = NonNullable<UnitCohort['scoredApplication']>;
  const units = new Map<string, { firstAwardFiscalYear: number | null; characteristics: Readonly<Record<string, number>>; scoredApplication: Scored | null }>();
  for (const application of applications) {
    const known = units.get(application.unitId);
    const award = application.awardFiscalYear;
    const scored: Scored | null =
      application.reviewScore != null && application.callRound !== undefined
        ? { callRound: application.callRound, reviewScore: application.reviewScore, awarded: award !== null }
        : null;
    if (known === undefined) {
      units.set(application.unitId, { firstAwardFiscalYear: award, characteristics: application.characteristics ?? {}, scoredApplication: scored });
      continue;
    }
    if (award !== null && (known.firstAwardFiscalYear === null || award < known.firstAwardFiscalYear)) known.firstAwardFiscalYear = award;
    if (scored && (known.scoredApplication === null || scored.callRound < known.scoredApplication.callRound)) known.scoredApplication = scored;
  }
  return [...units].map(([unitId, unit]) => ({ unitId, ...unit }));
}

/**
 * Each unit's first award year by the same rule as cohortsFromApplications (the earliest awarded application counts),
 * NaN for a unit never awarded, for applications whose units are already indexed (`applicationUnits`, each below
 * `unitCount`): placed by index, with no map of a million ids.
 */
export function firstAwardOfUnits(applications: readonly { readonly awardFiscalYear: number | null }[], applicationUnits: Int32Array, unitCount: number): Float64Array {
  const awardOfUnit = new Float64Array(unitCount).fill(Number.NaN);
  for (let row = 0; row < applications.length; row++) {
    const award = applications[row].awardFiscalYear;
    const unit = applicationUnits[row];
    if (award !== null && !(awardOfUnit[unit] <= award)) awardOfUnit[unit] = award;
  }
  return awardOfUnit;
}

/** Applications as columns, each pointing at its unit by index; numbers are NaN where an application has none. */
export interface IndexedApplicationColumns {
  readonly unit: Int32Array;
  readonly awardFiscalYear: Float64Array;
  readonly callRound: Int32Array;
  readonly reviewScore: Float64Array;
  /** The applicant characteristics, by applicant-file field name. */
  readonly characteristics: Readonly<Record<string, Float64Array>>;
}

/**
 * The cohorts cohortsFromApplications gives, by its rules and in its order (each unit where its first application is),
 * for applications whose units are already numbered (`applications.unit`, each an index into `units`, whose ids are
 * distinct): placed by index with no map of the ids and no record per application, and with each unit index's entry
 * (-1 for a unit no application names). Characteristics are read for each unit's first application only.
 */
export function cohortsOfIndexedApplications(applications: IndexedApplicationColumns, units: readonly string[]): { cohorts: UnitCohort[]; entryOfUnit: Int32Array } {
  type Scored = NonNullable<UnitCohort['scoredApplication']>;
  const characteristicNames = Object.keys(applications.characteristics);
  const entryOfUnit = new Int32Array(units.length).fill(-1);
  const cohorts: { unitId: string; firstAwardFiscalYear: number | null; characteristics: Record<string, number>; scoredApplication: Scored | null }[] = [];
  for (let row = 0; row < applications.unit.length; row++) {
    const unit = applications.unit[row];
    if (!(unit >= 0 && unit < units.length)) throw new UnitIndexRangeError('application', row, unit, units.length);
    const award = Number.isNaN(applications.awardFiscalYear[row]) ? null : applications.awardFiscalYear[row];
    const score = applications.reviewScore[row];
    const scored: Scored | null = Number.isNaN(score) ? null : { callRound: applications.callRound[row], reviewScore: score, awarded: award !== null };
    const entry = entryOfUnit[unit];
    if (entry < 0) {
      entryOfUnit[unit] = cohorts.length;
      const characteristics: Record<string, number> = {};
      for (const name of characteristicNames) characteristics[name] = applications.characteristics[name][row];
      cohorts.push({ unitId: units[unit], firstAwardFiscalYear: award, characteristics, scoredApplication: scored });
      continue;
    }
    const known = cohorts[entry];
    if (award !== null && (known.firstAwardFiscalYear === null || award < known.firstAwardFiscalYear)) known.firstAwardFiscalYear = award;
    if (scored && (known.scoredApplication === null || scored.callRound < known.scoredApplication.callRound)) known.scoredApplication = scored;
  }
  return { cohorts, entryOfUnit };
}

/** A row or application pointing at a unit index outside the units given. */
export class UnitIndexRangeError extends RangeError {
  constructor(
    readonly kind: 'application' | 'panel row',
    readonly position: number,
    readonly index: number,
    readonly unitCount: number,
  ) {
    super(`${kind} ${position} points at unit index ${index}, outside the ${unitCount} units given; each unit index must be a whole number from 0 to ${unitCount - 1}`);
    this.name = 'UnitIndexRangeError';
  }
}

export class UnsupportedCovariateError extends Error {
  constructor(
    readonly covariate: string,
    readonly available: readonly string[],
  ) {
    super(`the study spec conditions on "${covariate}", which the applications do not hold as a number (available: ${available.join(', ')}); correct the spec`);
    this.name = 'UnsupportedCovariateError';
  }
}

export interface SensitivityTask {
  readonly outcome: string;
  run(): OutcomeSensitivity;
}

export interface EffectStudyOptions {
  /** Rambachan–Roth sensitivity of each event study (default true; ad-hoc subgroup studies leave it out). */
  readonly sensitivity?: boolean;
  /** The programme's call rounds, with their review-score cut-offs (a regression-discontinuity design needs them). */
  readonly callRounds?: readonly { readonly round: number; readonly awardFiscalYear: number; readonly reviewCutoff?: number }[];
  /** The firms behind each unit, so that every cell records the distinct firms the disclosure rule counts (absent: not recorded). */
  readonly firmsOfUnit?: FirmsOfUnit;
  /** The panel's rows and the cohorts by unit index, when the caller has numbered the units: the ids are then not looked up. */
  readonly unitsByIndex?: UnitsByIndex;
  /**
   * With `unitsByIndex`, the firms of each of its units, packed by the same index: the staggered DiD's cells then count
   * firms from them with no lookup by id. Give `firmsOfUnit` the same firms: the other designs ask it by id.
   */
  readonly unitFirmsByIndex?: PackedUnitFirms;
}

/**
 * The units of a panel and its cohorts as indices into one list of unit ids: each row's unit (below `entryOfUnit.length`),
 * and each unit's entry among the cohorts (-1 for a unit without one). Unit ids and indices must correspond one to one.
 */
export interface UnitsByIndex {
  readonly ofRow: Int32Array;
  readonly entryOfUnit: Int32Array;
}

/** The design each outcome was evaluated by, as the spec names it. */
export interface DesignRow {
  readonly outcome: string;
  readonly design: DesignKind;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly reason: string | null;
}

/** The panel rows of units that have a cohort entry, with each row's group and unit index. */
export interface CohortUnitRows {
  /** Each kept row's position among the panel's rows. */
  readonly rows: Int32Array;
  /** Each kept row's group: its unit's first award year, 0 for a unit never awarded. */
  readonly group: Float64Array;
  /** Each kept row's unit as an index, numbered in the order the units first appear among the kept rows. */
  readonly units: IndexedUnits & { readonly ids: readonly string[] };
  /** Each unit index's entry in the cohorts. */
  readonly entryOfIndex: Int32Array;
  readonly treatedUnits: number;
  readonly comparisonUnits: number;
}

/**
 * Keeps the rows of units that have a cohort entry and numbers their units in the order they first appear, which is
 * the order the estimators would give them from the ids, so every bootstrap draw falls to the same unit either way.
 * Rows of a unit usually come together (the analysis read puts them in unit order): the unit's entry is then looked up
 * once per unit rather than once per row. A unit listed twice among the cohorts takes its last entry. With `byIndex`
 * the rows' units and their entries are read from it, with no map of the ids (`unitId` then gives only the row count).
 */
export function cohortUnitRows(unitId: readonly string[], cohorts: readonly UnitCohort[], byIndex?: UnitsByIndex): CohortUnitRows {
  const rowCount = unitId.length;
  if (byIndex && byIndex.ofRow.length !== rowCount) throw new UnitIndexMismatchError(`the panel has ${rowCount} rows and ${byIndex.ofRow.length} unit indices; give one index per row`);
  const entryOfRow = byIndex ? entryOfRowByIndex(byIndex) : entryOfRowById(unitId, cohorts);
  const rows = new Int32Array(rowCount);
  const group = new Float64Array(rowCount);
  const ofRow = new Int32Array(rowCount);
  /** Each cohort entry's unit index, once its unit has appeared; and each unit index's entry. */
  const indexOfEntry = new Int32Array(cohorts.length).fill(-1);
  const entryOfIndex: number[] = [];
  let kept = 0;
  let treatedUnits = 0;
  let comparisonUnits = 0;
  let previous: string | number | undefined;
  let previousEntry = -1;
  let previousIndex = -1;
  let previousGroup = 0;
  for (let i = 0; i < rowCount; i++) {
    const unit = byIndex ? byIndex.ofRow[i] : unitId[i];
    if (unit !== previous) {
      previous = unit;
      previousEntry = entryOfRow(i);
      if (previousEntry >= 0) {
        previousGroup = cohorts[previousEntry].firstAwardFiscalYear ?? 0;
        previousIndex = indexOfEntry[previousEntry];
        if (previousIndex < 0) {
          previousIndex = indexOfEntry[previousEntry] = entryOfIndex.length;
          entryOfIndex.push(previousEntry);
          if (previousGroup > 0) treatedUnits++;
          else comparisonUnits++;
        }
      }
    }
    if (previousEntry < 0) continue;
    rows[kept] = i;
    group[kept] = previousGroup;
    ofRow[kept] = previousIndex;
    kept++;
  }
  return {
    rows: rows.subarray(0, kept),
    group: group.slice(0, kept),
    units: { ofRow: ofRow.subarray(0, kept), ids: entryOfIndex.map((entry) => cohorts[entry].unitId) },
    entryOfIndex: Int32Array.from(entryOfIndex),
    treatedUnits,
    comparisonUnits,
  };
}

/**
 * Each estimator unit index's unit in the caller's numbering (`ofRow`), read from the kept rows. Two of the caller's
 * units under one estimator unit (two unit indices sharing a cohort entry) are refused: whose firms would count?
 */
function givenUnitOfIndex(ofRow: Int32Array, keptRows: Int32Array, units: CohortUnitRows['units']): Int32Array {
  const given = new Int32Array(units.ids.length).fill(-1);
  for (let r = 0; r < keptRows.length; r++) {
    const index = units.ofRow[r];
    const unit = ofRow[keptRows[r]];
    if (given[index] >= 0 && given[index] !== unit) {
      throw new UnitIndexMismatchError(`unit indices ${given[index]} and ${unit} share the cohort entry of unit ${units.ids[index]}; give each unit index a cohort entry of its own`);
    }
    given[index] = unit;
  }
  return given;
}

/** The packed firms, once they are known to hold one unit per unit index. */
function checkedPackedFirms(packed: PackedUnitFirms, byIndex: UnitsByIndex): PackedUnitFirms {
  const packedUnits = packed.offsets.length - 1;
  if (packedUnits !== byIndex.entryOfUnit.length) {
    throw new UnitIndexMismatchError(`the packed firms hold ${packedUnits} units and the unit indices number ${byIndex.entryOfUnit.length}; pack one unit's firms per unit index, in its order`);
  }
  return packed;
}

/** Each row's cohort entry (-1 for none) by its unit index; an index outside the units is refused, never read as a unit. */
function entryOfRowByIndex({ ofRow, entryOfUnit }: UnitsByIndex): (row: number) => number {
  return (row) => {
    const unit = ofRow[row];
    if (!(unit >= 0 && unit < entryOfUnit.length)) throw new UnitIndexRangeError('panel row', row, unit, entryOfUnit.length);
    return entryOfUnit[unit];
  };
}

/** Each row's cohort entry (-1 for none) by a map of the cohorts' ids, the last entry of a unit listed twice. */
function entryOfRowById(unitId: readonly string[], cohorts: readonly UnitCohort[]): (row: number) => number {
  const entryOfUnit = new Map(cohorts.map((unit, entry) => [unit.unitId, entry]));
  return (row) => entryOfUnit.get(unitId[row]) ?? -1;
}

export function runEffectStudy(spec: StudySpec, cohorts: readonly UnitCohort[], panel: OutcomePanelColumns, options: EffectStudyOptions = {}): EffectStudy {
  const available = Object.keys(cohorts[0]?.characteristics ?? {});
  for (const covariate of spec.covariates) if (cohorts.length && !available.includes(covariate)) throw new UnsupportedCovariateError(covariate, available);
  // The estimators, the TWFE layout and the firm counts take the units' indices instead of making maps of the ids
  // (a million strings at national scale).
  const { rows: keptRows, group, units: unitIndex, entryOfIndex, treatedUnits, comparisonUnits } = cohortUnitRows(panel.unitId, cohorts, options.unitsByIndex);
  const kept = keptRows.length;
  const rowCount = panel.unitId.length;
  // Plain loops: Float64Array.from with a mapping function takes the iterator path, several times slower.
  const column = (values: ArrayLike<number>) => {
    const selected = new Float64Array(kept);
    for (let r = 0; r < kept; r++) selected[r] = values[keptRows[r]];
    return selected;
  };
  // Every row kept (units without an application are rare): the panel's own ids serve.
  let unitId = panel.unitId;
  if (kept < rowCount) {
    const keptIds: string[] = new Array(kept);
    for (let r = 0; r < kept; r++) keptIds[r] = panel.unitId[keptRows[r]];
    unitId = keptIds;
  }
  const time = column(panel.fiscalYear);
  // By id for the synthetic-DiD and regression-discontinuity designs; by index for the staggered DiD's cells.
  const firms = new FirmCounter(options.firmsOfUnit);
  const firmsByIndex =
    options.unitsByIndex && options.unitFirmsByIndex
      ? new IndexedFirmCounter(selectUnitFirms(checkedPackedFirms(options.unitFirmsByIndex, options.unitsByIndex), givenUnitOfIndex(options.unitsByIndex.ofRow, keptRows, unitIndex)))
      : IndexedFirmCounter.of(unitIndex.ids, options.firmsOfUnit);
  const comparisonFirms = firmsByIndex.count(unitsWhere(unitIndex, (r) => group[r] === 0));
  const sample: SampleSize = { treatedUnits, comparisonUnits, observations: kept, comparisonFirms };
  const shortfall = sampleShortfall(spec, treatedUnits, comparisonUnits);
  const effects: EffectRow[] = [];
  const pretests: PretestRow[] = [];
  const samples: SampleRow[] = [];
  const notes: string[] = [];
  const sensitivityTasks: SensitivityTask[] = [];
  const designs: DesignRow[] = [];
  const trajectories: TrajectoryRow[] = [];
  const unitWeights: UnitWeightRow[] = [];
  const rdSummaries: RdSummaryRow[] = [];
  const rdBins: (ScatterBin & { outcome: string; firms: number | null })[] = [];
  const rdCovariateBalance: CovariateBalanceRow[] = [];
  const missingYears = spec.estimation.missingYears ?? 'balanced';
  let twfeLayout: StaggeredPanel | undefined;
  for (const outcome of spec.outcomes) {
    if (!(outcome in panel.measures)) throw new UnsupportedOutcomeError(outcome, Object.keys(panel.measures));
    const design = designOf(spec, outcome);
    const { design: kind, ...settings } = design;
    const reason = design.design === 'descriptive' ? design.reason : null;
    designs.push({ outcome, design: kind, settings: design.design === 'descriptive' ? {} : settings, reason });
    if (design.design === 'descriptive') {
      notes.push(`${outcome}: monitored only, no effect estimated (${design.reason})`);
      continue;
    }
    if (design.design === 'synthetic_did') {
      const result = syntheticDidOutcome(outcome, design, spec, { unitId, time, group, outcome: column(panel.measures[outcome]) }, firms);
      effects.push(...result.effects);
      trajectories.push(...result.trajectories);
      unitWeights.push(...result.unitWeights);
      notes.push(...result.notes.map((note) => `${outcome}: ${note}`));
      continue;
    }
    if (design.design === 'rd_review_score') {
      const scored: ScoredApplication[] = cohorts.flatMap((unit) =>
        unit.scoredApplication ? [{ unitId: unit.unitId, ...unit.scoredApplication, characteristics: unit.characteristics }] : [],
      );
      const rounds: ScoredRound[] = (options.callRounds ?? []).flatMap((round) =>
        round.reviewCutoff === undefined ? [] : [{ round: round.round, awardFiscalYear: round.awardFiscalYear, reviewCutoff: round.reviewCutoff }],
      );
      const result = reviewScoreOutcome(outcome, design, spec, scored, rounds, { unitId, time, outcome: column(panel.measures[outcome]) }, cohorts.length - scored.length, firms);
      effects.push(...result.effects);
      if (result.summary) rdSummaries.push(result.summary);
      rdBins.push(...result.bins);
      rdCovariateBalance.push(...result.balance);
      notes.push(...result.notes.map((note) => `${outcome}: ${note}`));
      continue;
    }
    if (shortfall) {
      effects.push(notEstimated(outcome, 'cs_simple', spec.confidenceLevel, sample, shortfall));
      pretests.push({ outcome, statistic: null, df: null, pValue: null, note: shortfall });
      continue;
    }
    const outcomeValues = column(panel.measures[outcome]);
    const covariates = Object.fromEntries(
      spec.covariates.map((name) => {
        // A unit's characteristics are its cohort entry's, read by each of its rows.
        const ofIndex = Float64Array.from(entryOfIndex, (entry) => cohorts[entry].characteristics[name] ?? Number.NaN);
        const values = new Float64Array(kept);
        for (let r = 0; r < kept; r++) values[r] = ofIndex[unitIndex.ofRow[r]];
        return [name, values];
      }),
    );
    const didColumns = { unitId, unitIndex, time, group, outcome: outcomeValues, covariates };
    const sensitivity = options.sensitivity ?? true;
    const didOptions: StaggeredDidOptions = {
      // The sensitivity analysis needs the universal-base event study: made in the same pass, it costs only the pre-award cells.
      alsoUniversal: sensitivity,
      control: spec.comparisonGroup === 'rejected_applicants' ? 'never' : 'notyet',
      method: spec.estimation.method,
      anticipation: spec.estimation.anticipation,
      basePeriod: spec.estimation.basePeriod,
      sample: missingYears,
      bootstrap: { ...spec.estimation.bootstrap, alpha: 1 - spec.confidenceLevel },
    };
    const estimate = estimateStaggeredDid(didColumns, didOptions);
    const { report, groupTime, sample: account } = estimate;
    if (sensitivity) {
      sensitivityTasks.push({
        outcome,
        run: () => {
          // The bounds are relative to one reference period: with a varying base the pre-award cells differ.
          // The panel designs estimate the universal ones alongside; the row-based ones are estimated again.
          const universal =
            spec.estimation.basePeriod === 'universal'
              ? estimate
              : (estimate.universal ?? estimateStaggeredDid(didColumns, { ...didOptions, basePeriod: 'universal', alsoUniversal: false, bootstrap: undefined }));
          return outcomeSensitivity(outcome, universal, spec.confidenceLevel);
        },
      });
    }
    samples.push({ outcome, missingYears, incompleteUnitsKept: account.incompleteUnitsKept, unitsDropped: account.unitsDropped });
    const analysedSample: SampleSize = {
      ...sample,
      observations: missingYears === 'balanced' ? report.n.units * report.n.periods : countFinite(outcomeValues),
    };
    // The cohort's units in the analysis (not a cell's: with missing years a cell may use fewer of them).
    const cohortSizes = new Map<number, number>();
    groupTime.cohorts.groups.forEach((group, c) => {
      if (group > 0) cohortSizes.set(group, groupTime.cohorts.sizes[c]);
    });
    const analysedUnits = analysedUnitsByCohort(unitIndex, time, group, outcomeValues, missingYears === 'balanced');
    // Every cell of a cohort asks for the same count: counted once per set of cohorts (at 100,000 units the
    // repeated counts took 1.7 s of a 4.5 s effect step).
    const countedFirms = new Map<string, number | null>();
    const firmsOfCohorts = (chosen: readonly number[]): number | null => {
      const distinct = [...new Set(chosen)].sort((a, b) => a - b);
      const key = distinct.join(',');
      if (!countedFirms.has(key)) countedFirms.set(key, countFirmsOfCohorts(distinct));
      return countedFirms.get(key) ?? null;
    };
    const countFirmsOfCohorts = (chosen: readonly number[]): number | null => {
      const counted = firmsByIndex.ofCohorts(analysedUnits, chosen);
      if (counted === null) return null;
      // The engine's own sample rules may leave out a unit this count kept: then the count is capped at the units
      // behind the cell, a lower bound (a firm has at least one unit), so the rule errs towards withholding.
      const exact = chosen.every((cohort) => (analysedUnits.get(cohort)?.length ?? 0) === (cohortSizes.get(cohort) ?? 0));
      return exact ? counted : Math.min(counted, chosen.reduce((sum, cohort) => sum + (cohortSizes.get(cohort) ?? 0), 0));
    };
    effects.push(...groupTimeRows(outcome, report, spec.confidenceLevel, analysedSample, cohortSizes, firmsOfCohorts));
    pretests.push({
      outcome,
      statistic: report.pretest?.statistic ?? null,
      df: report.pretest?.df ?? null,
      pValue: report.pretest?.pvalue ?? null,
      note: report.pretest ? null : report.notes.find((note) => note.startsWith('pre-test')) ?? 'no pre-treatment cells',
    });
    notes.push(...report.notes.map((note) => `${outcome}: ${note}`));
    if (spec.comparisonEstimators.length) {
      // One panel layout for every outcome (the same rows): only the outcome column differs.
      twfeLayout ??= buildStaggeredPanel({ unitId, unitIndex, time, cohort: group, outcome: outcomeValues });
      effects.push(...twfeRows(outcome, spec, { ...twfeLayout, outcome: outcomeValues }, sample, firmsOfCohorts([...cohortSizes.keys()])));
    }
  }
  return { effects, pretests, samples, notes, sensitivityTasks, designs, trajectories, unitWeights, rdSummaries, rdBins, rdCovariateBalance };
}

/** The units of the rows that `keep` accepts, each once, in the order they first appear. */
function unitsWhere(units: IndexedUnits, keep: (row: number) => boolean): Int32Array {
  const met = new Uint8Array(units.ids.length);
  const found = new Int32Array(units.ids.length);
  let count = 0;
  for (let r = 0; r < units.ofRow.length; r++) {
    const unit = units.ofRow[r];
    if (met[unit] || !keep(r)) continue;
    met[unit] = 1;
    found[count++] = unit;
  }
  return found.subarray(0, count);
}

/**
 * The awarded units each cohort contributes to an outcome's estimate: those with the outcome in every year of
 * the panel under the balanced rule, with it in at least one year otherwise.
 */
function analysedUnitsByCohort(units: IndexedUnits, time: Float64Array, group: Float64Array, outcome: Float64Array, balanced: boolean): Map<number, Int32Array> {
  const years = new Set(time).size;
  const unitCount = units.ids.length;
  // Per unit index: its cohort (0 for a unit never awarded, whose rows are passed over) and its years with the outcome.
  const cohortOf = new Float64Array(unitCount);
  const yearsSeen = new Int32Array(unitCount);
  for (let r = 0; r < units.ofRow.length; r++) {
    if (group[r] === 0) continue;
    const unit = units.ofRow[r];
    cohortOf[unit] = group[r];
    if (Number.isFinite(outcome[r])) yearsSeen[unit]++;
  }
  const counts = new Map<number, number>();
  const analysed = (unit: number) => cohortOf[unit] !== 0 && yearsSeen[unit] > 0 && (!balanced || yearsSeen[unit] >= years);
  for (let unit = 0; unit < unitCount; unit++) if (analysed(unit)) counts.set(cohortOf[unit], (counts.get(cohortOf[unit]) ?? 0) + 1);
  const byCohort = new Map<number, Int32Array>();
  const filled = new Map<number, number>();
  for (const [cohort, count] of counts) {
    byCohort.set(cohort, new Int32Array(count));
    filled.set(cohort, 0);
  }
  for (let unit = 0; unit < unitCount; unit++) {
    if (!analysed(unit)) continue;
    const at = filled.get(cohortOf[unit]) ?? 0;
    (byCohort.get(cohortOf[unit]) as Int32Array)[at] = unit;
    filled.set(cohortOf[unit], at + 1);
  }
  return byCohort;
}

function countFinite(values: Float64Array): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) count++;
  return count;
}

function groupTimeRows(
  outcome: string,
  report: DidReport,
  confidenceLevel: number,
  sample: SampleSize,
  cohortSizes: ReadonlyMap<number, number>,
  firmsOf: (cohorts: readonly number[]) => number | null,
): EffectRow[] {
  const unitsOf = (cohorts: readonly number[]) => cohorts.reduce((sum, cohort) => sum + (cohortSizes.get(cohort) ?? 0), 0);
  const allCohorts = [...cohortSizes.keys()];
  const postCells = report.attgt.filter((cell) => cell.att !== null && cell.group <= cell.time);
  const z = normalQuantile(1 - (1 - confidenceLevel) / 2);
  const bootstrap = report.bootstrap;
  const row = (
    estimator: StoredEstimator,
    term: string,
    keys: { eventTime?: number; cohort?: number; period?: number },
    cohorts: readonly number[] | 'all',
    estimate: { att: number | null; se: number | null },
    band: (BandedEstimate & { criticalValue?: number }) | { se: number | null; criticalValue?: number } | undefined,
  ): EffectRow => {
    const estimated = estimate.att !== null;
    const banded = band && 'bandLow' in band ? band : null;
    return {
      outcome,
      estimator,
      term,
      eventTime: keys.eventTime ?? null,
      cohort: keys.cohort ?? null,
      period: keys.period ?? null,
      status: estimated ? 'estimated' : 'insufficient_data',
      estimate: estimate.att,
      stdError: estimate.se,
      ciLow: estimated && estimate.se !== null ? (estimate.att as number) - z * estimate.se : null,
      ciHigh: estimated && estimate.se !== null ? (estimate.att as number) + z * estimate.se : null,
      pValue: estimated && estimate.se !== null ? 2 * normalCdf(-Math.abs((estimate.att as number) / estimate.se)) : null,
      confidenceLevel,
      bootstrapStdError: band?.se ?? null,
      bandLow: banded?.bandLow ?? null,
      bandHigh: banded?.bandHigh ?? null,
      bandCriticalValue: banded ? (band?.criticalValue ?? null) : null,
      comparisonFirms: null,
      ...sample,
      cellUnits: cohorts === 'all' ? sample.treatedUnits : unitsOf(cohorts),
      cellFirms: firmsOf(cohorts === 'all' ? allCohorts : cohorts),
      note: estimated ? null : 'this cell could not be estimated (see run notes)',
    };
  };
  const a = report.aggregations;
  const withCritical = <T extends object>(entry: T | undefined, criticalValue: number | undefined) => (entry ? { ...entry, criticalValue } : undefined);
  return [
    ...report.attgt.map((cell) => {
      const band = bootstrap?.attgt.cells.find((c) => c.group === cell.group && c.time === cell.time);
      return row('cs_attgt', `cohort=${cell.group},year=${cell.time}`, { cohort: cell.group, period: cell.time }, [cell.group], cell, withCritical(band, bootstrap?.attgt.criticalValue));
    }),
    row('cs_simple', 'overall', {}, 'all', a.simple, bootstrap ? { se: bootstrap.simple.se } : undefined),
    row('cs_dynamic', 'overall', {}, 'all', a.dynamic, bootstrap ? { se: bootstrap.dynamic.se } : undefined),
    ...a.dynamic.by.map((entry, i) =>
      row('cs_dynamic', `e=${entry.e}`, { eventTime: entry.e }, report.attgt.filter((cell) => cell.time - cell.group === entry.e).map((cell) => cell.group), entry, withCritical(bootstrap?.dynamic.by[i], bootstrap?.dynamic.criticalValue)),
    ),
    row('cs_group', 'overall', {}, 'all', a.group, bootstrap ? { se: bootstrap.group.se } : undefined),
    ...a.group.by.map((entry, i) => row('cs_group', `cohort=${entry.group}`, { cohort: entry.group }, [entry.group], entry, withCritical(bootstrap?.group.by[i], bootstrap?.group.criticalValue))),
    row('cs_calendar', 'overall', {}, 'all', a.calendar, bootstrap ? { se: bootstrap.calendar.se } : undefined),
    ...a.calendar.by.map((entry, i) =>
      row('cs_calendar', `year=${entry.time}`, { period: entry.time }, postCells.filter((cell) => cell.time === entry.time).map((cell) => cell.group), entry, withCritical(bootstrap?.calendar.by[i], bootstrap?.calendar.criticalValue)),
    ),
  ];
}

function twfeRows(
  outcome: string,
  spec: StudySpec,
  panel: StaggeredPanel,
  sample: SampleSize,
  treatedFirms: number | null,
): EffectRow[] {
  const fromCoefficient = (estimator: StoredEstimator, term: string, eventTime: number | null, c: Coefficient): EffectRow => ({
    outcome,
    estimator,
    term,
    eventTime,
    cohort: null,
    period: null,
    status: 'estimated',
    estimate: c.estimate,
    stdError: c.stdError,
    ciLow: c.ciLow,
    ciHigh: c.ciHigh,
    pValue: c.pValue,
    confidenceLevel: spec.confidenceLevel,
    ...NO_BAND,
    comparisonFirms: null,
    ...sample,
    cellUnits: eventTime === null ? sample.treatedUnits : null,
    cellFirms: eventTime === null ? treatedFirms : null,
    note: null,
  });
  const rows: EffectRow[] = [];
  if (spec.comparisonEstimators.includes('twfe_static')) {
    rows.push(fromCoefficient('twfe_static', 'overall', null, fitStaticTwfe(panel, spec.confidenceLevel).coefficients[0]));
  }
  if (spec.comparisonEstimators.includes('twfe_event_study')) {
    for (const c of fitEventStudyTwfe(panel, spec.confidenceLevel).coefficients) rows.push(fromCoefficient('twfe_event_study', `e=${c.eventTime}`, c.eventTime, c));
  }
  return rows;
}

