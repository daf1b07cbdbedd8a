/**
 * Analysts' ad-hoc studies: the programme's registered spec with overrides (outcomes, comparison group,
 * method, covariates, anticipation, missing years), on a subsample chosen by applicant characteristics the
 * catalogue declares, optionally split by one of them with a test that the groups' effects are equal.
 * Pure: the data come in, estimates go out.
 */
import { designOf, MISSING_YEAR_TREATMENTS, type StudySpec } from '../schemas/study-spec.js';
import type { SubgroupField } from '../schemas/catalogue.js';
import { chiSquareSurvival } from '../stats/distributions.js';
import { isHeadline } from './effect-rows.js';
import { runEffectStudy, type EffectRow, type EffectStudyOptions, type OutcomePanelColumns, type UnitCohort } from './effect-study.js';

export interface AdhocOverrides {
  readonly outcomes?: readonly string[];
  /** Keep only units whose field has one of the values; several filters all apply. */
  readonly subgroups?: readonly { readonly field: string; readonly values: readonly string[] }[];
  /** Estimate within each value of this field, and test whether the effects differ. */
  readonly by?: string;
  readonly control?: 'never' | 'notyet';
  readonly method?: 'dr' | 'ipw' | 'reg';
  readonly covariates?: readonly string[];
  readonly anticipation?: number;
  readonly missingYears?: (typeof MISSING_YEAR_TREATMENTS)[number];
}

/** What an analyst asked for that the programme's catalogue or data cannot give, with the valid choices. */
export class AdhocRequestError extends Error {
  constructor(
    readonly what: string,
    readonly offending: string,
    readonly valid: readonly string[],
  ) {
    super(`${what} "${offending}" is not available; choose from: ${valid.join(', ') || '(none)'}`);
    this.name = 'AdhocRequestError';
  }
}

/** The spec an ad-hoc study runs: the registered one with the overrides applied (Callaway–Sant'Anna only). */
export function applyOverrides(spec: StudySpec, overrides: AdhocOverrides): StudySpec {
  return {
    ...spec,
    outcomes: overrides.outcomes ? [...overrides.outcomes] : spec.outcomes,
    comparisonGroup: overrides.control === undefined ? spec.comparisonGroup : overrides.control === 'never' ? 'rejected_applicants' : 'rejected_and_not_yet_awarded',
    covariates: overrides.covariates ? [...overrides.covariates] : spec.covariates,
    estimation: {
      ...spec.estimation,
      ...(overrides.method ? { method: overrides.method } : {}),
      ...(overrides.anticipation !== undefined ? { anticipation: overrides.anticipation } : {}),
      ...(overrides.missingYears ? { missingYears: overrides.missingYears } : {}),
    },
    comparisonEstimators: [],
  };
}

/** A unit's value of a subgroup field: the stored value, or its band's label. */
export function subgroupValue(field: SubgroupField, raw: string | null): string | null {
  if (raw === null || !field.bands) return raw;
  const value = Number(raw);
  if (!Number.isFinite(value)) return null;
  const band = field.bands.upperBounds.findIndex((bound) => value <= bound);
  return field.bands.labels[band < 0 ? field.bands.labels.length - 1 : band];
}

export interface AdhocContext {
  readonly fields: readonly SubgroupField[];
  /** Each unit's value of each declared field (by field name). */
  readonly valuesByUnit: ReadonlyMap<string, Readonly<Record<string, string | null>>>;
  readonly measures: readonly string[];
  readonly numericCharacteristics: readonly string[];
  /** The programme's call rounds with their review-score cut-offs (for outcomes the spec evaluates by regression discontinuity). */
  readonly callRounds?: EffectStudyOptions['callRounds'];
}

/** Refuses any field, value, outcome or covariate the catalogue and the data do not offer, naming the valid ones. */
export function validateOverrides(overrides: AdhocOverrides, context: AdhocContext): void {
  const fieldNames = context.fields.map((field) => field.name);
  const valuesOf = (field: string) => [...new Set([...context.valuesByUnit.values()].map((values) => values[field]).filter((v): v is string => v !== null && v !== undefined))].sort();
  for (const outcome of overrides.outcomes ?? []) if (!context.measures.includes(outcome)) throw new AdhocRequestError('outcome', outcome, context.measures);
  for (const covariate of overrides.covariates ?? []) if (!context.numericCharacteristics.includes(covariate)) throw new AdhocRequestError('covariate', covariate, context.numericCharacteristics);
  for (const filter of overrides.subgroups ?? []) {
    if (!fieldNames.includes(filter.field)) throw new AdhocRequestError('subgroup field', filter.field, fieldNames);
    const present = valuesOf(filter.field);
    for (const value of filter.values) if (!present.includes(value)) throw new AdhocRequestError(`value of ${filter.field}`, value, present);
  }
  if (overrides.by !== undefined && !fieldNames.includes(overrides.by)) throw new AdhocRequestError('--by field', overrides.by, fieldNames);
}

/** An overall estimate of an ad-hoc study, for its whole (sub)sample or one --by group, or the group-difference test. */
export interface AdhocEffectRow
  extends Pick<EffectRow, 'outcome' | 'status' | 'estimate' | 'stdError' | 'ciLow' | 'ciHigh' | 'pValue' | 'confidenceLevel' | 'treatedUnits' | 'comparisonUnits' | 'note'> {
  readonly groupField: string | null;
  readonly groupValue: string | null;
  /** cs_simple and cs_dynamic (staggered DiD), sdid (synthetic DiD), rd_robust (regression discontinuity), or the group test. */
  readonly estimator: 'cs_simple' | 'cs_dynamic' | 'sdid' | 'rd_robust' | 'group_difference_test';
}

export interface AdhocStudy {
  readonly effects: readonly AdhocEffectRow[];
  readonly notes: readonly string[];
}

/** Each design's headline, and staggered DiD's event-time average beside it. */
const REPORTED = new Set(['cs_simple', 'cs_dynamic', 'sdid', 'rd_robust']);

function overallRows(rows: readonly EffectRow[], groupField: string | null, groupValue: string | null): AdhocEffectRow[] {
  return rows
    .filter((row) => REPORTED.has(row.estimator) && row.term === 'overall')
    .map((row) => ({
      outcome: row.outcome,
      groupField,
      groupValue,
      estimator: row.estimator as 'cs_simple' | 'cs_dynamic' | 'sdid' | 'rd_robust',
      status: row.status,
      estimate: row.estimate,
      stdError: row.stdError,
      ciLow: row.ciLow,
      ciHigh: row.ciHigh,
      pValue: row.pValue,
      confidenceLevel: row.confidenceLevel,
      treatedUnits: row.treatedUnits,
      comparisonUnits: row.comparisonUnits,
      note: row.note,
    }));
}

/**
 * Wald test that the groups' overall effects are equal: the groups hold disjoint units, so their estimates are
 * independent and W = Σ_g ((θ_g − θ̄)/se_g)², θ̄ the inverse-variance weighted mean, is χ² with G − 1 df.
 */
function groupDifferenceTest(outcome: string, field: string, rows: readonly AdhocEffectRow[], confidenceLevel: number): AdhocEffectRow {
  const usable = rows.filter((row) => row.outcome === outcome && isHeadline(row.estimator) && row.estimate !== null && row.stdError !== null && row.stdError > 0);
  const base = { outcome, groupField: field, groupValue: null, estimator: 'group_difference_test' as const, stdError: null, ciLow: null, ciHigh: null, confidenceLevel };
  const treatedUnits = usable.reduce((sum, row) => sum + row.treatedUnits, 0);
  const comparisonUnits = usable.reduce((sum, row) => sum + row.comparisonUnits, 0);
  if (usable.length < 2) {
    return { ...base, status: 'insufficient_data', estimate: null, pValue: null, treatedUnits, comparisonUnits, note: `fewer than two ${field} groups could be estimated` };
  }
  const precision = usable.map((row) => 1 / (row.stdError as number) ** 2);
  const pooled = usable.reduce((sum, row, g) => sum + precision[g] * (row.estimate as number), 0) / precision.reduce((a, b) => a + b, 0);
  const statistic = usable.reduce((sum, row, g) => sum + precision[g] * ((row.estimate as number) - pooled) ** 2, 0);
  const df = usable.length - 1;
  return {
    ...base,
    status: 'estimated',
    estimate: statistic,
    pValue: chiSquareSurvival(statistic, df),
    treatedUnits,
    comparisonUnits,
    note: `Wald test of equal ${usable[0].estimator} estimates across ${usable.length} groups (χ², ${df} df)`,
  };
}

export function runAdhocStudy(
  spec: StudySpec,
  cohorts: readonly UnitCohort[],
  panel: OutcomePanelColumns,
  overrides: AdhocOverrides,
  context: AdhocContext,
  onProgress: (done: number, total: number) => void = () => {},
): AdhocStudy {
  validateOverrides(overrides, context);
  const keep = (unit: UnitCohort) =>
    (overrides.subgroups ?? []).every((filter) => filter.values.includes(context.valuesByUnit.get(unit.unitId)?.[filter.field] ?? '\u0000'));
  const sample = cohorts.filter(keep);
  const notes: string[] = [];
  if (overrides.subgroups?.length) {
    notes.push(`subsample: ${overrides.subgroups.map((f) => `${f.field} in {${f.values.join(', ')}}`).join(' and ')}: ${sample.length} of ${cohorts.length} units`);
  }
  const effects: AdhocEffectRow[] = [];
  const groups = overrides.by === undefined ? [] : [...new Set(sample.map((unit) => context.valuesByUnit.get(unit.unitId)?.[overrides.by as string] ?? null))].filter((v): v is string => v !== null).sort();
  const total = 1 + groups.length;
  const estimate = (units: readonly UnitCohort[], field: string | null, value: string | null) => {
    const study = runEffectStudy(spec, units, panel, { sensitivity: false, callRounds: context.callRounds });
    notes.push(...study.notes.map((note) => (value === null ? note : `${field}=${value}: ${note}`)));
    effects.push(...overallRows(study.effects, field, value));
  };
  estimate(sample, null, null);
  onProgress(1, total);
  groups.forEach((value, index) => {
    estimate(
      sample.filter((unit) => context.valuesByUnit.get(unit.unitId)?.[overrides.by as string] === value),
      overrides.by as string,
      value,
    );
    onProgress(2 + index, total);
  });
  if (overrides.by !== undefined) {
    for (const outcome of spec.outcomes.filter((name) => designOf(spec, name).design !== 'descriptive')) effects.push(groupDifferenceTest(outcome, overrides.by, effects.filter((row) => row.groupValue !== null), spec.confidenceLevel));
  }
  return { effects, notes };
}
