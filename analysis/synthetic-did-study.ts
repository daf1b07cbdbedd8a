/**
 * An outcome evaluated by synthetic DiD: each award cohort's units against a synthetic comparison weighted
 * from the never-awarded applicants, over the balanced panel, averaged over the cohorts (stats/sdid/cohorts.ts),
 * with the synthetic-control and plain DiD estimates on the same cohorts beside it.
 */
import type { DesignSpec, StudySpec } from '../schemas/study-spec.js';
import { cohortPanel, estimateCohorts, type CohortPanels, type CohortRows } from '../stats/sdid/cohorts.js';
import type { SdidEstimator } from '../stats/sdid/estimate.js';
import { jackknifeStandardError } from '../stats/sdid/standard-errors.js';
import { FirmCounter } from './firm-counts.js';
import { normalRow, notEstimated, sampleShortfall, type EffectRow, type StoredEstimator } from './effect-rows.js';

export interface TrajectoryRow {
  readonly outcome: string;
  readonly cohort: number;
  readonly fiscalYear: number;
  readonly treatedMean: number;
  readonly syntheticMean: number;
  readonly syntheticShifted: number;
  readonly timeWeight: number | null;
  readonly treatedUnits: number;
  /** Distinct firms behind the cohort's units (null when not known), for disclosure control. */
  readonly treatedFirms: number | null;
}

export interface UnitWeightRow {
  readonly outcome: string;
  readonly cohort: number;
  readonly unitId: string;
  readonly weight: number;
}

export interface SyntheticDidResult {
  readonly effects: readonly EffectRow[];
  readonly trajectories: readonly TrajectoryRow[];
  readonly unitWeights: readonly UnitWeightRow[];
  readonly notes: readonly string[];
}

export interface OutcomeColumns {
  readonly unitId: readonly string[];
  readonly time: Float64Array;
  /** First award year per row (0 for never awarded). */
  readonly group: Float64Array;
  readonly outcome: Float64Array;
}

const STORED: Readonly<Record<SdidEstimator, StoredEstimator>> = { synthdid: 'sdid', sc: 'sc', did: 'did_block' };

/** Units observed in every year of the panel, by cohort, as the block layout wants them. */
function balancedCohorts(data: OutcomeColumns): {
  panels: CohortPanels;
  donorIds: string[];
  /** The units of each estimated cohort, by its label. */
  cohortIds: Map<number, string[]>;
  skipped: string[];
  incomplete: number;
  years: number[];
} {
  const years = [...new Set(data.time)].sort((a, b) => a - b);
  const yearIndex = new Map(years.map((year, t) => [year, t]));
  const byUnit = new Map<string, { group: number; values: Float64Array }>();
  for (let i = 0; i < data.unitId.length; i++) {
    let unit = byUnit.get(data.unitId[i]);
    if (!unit) {
      unit = { group: data.group[i], values: new Float64Array(years.length).fill(Number.NaN) };
      byUnit.set(data.unitId[i], unit);
    }
    unit.values[yearIndex.get(data.time[i]) as number] = data.outcome[i];
  }
  let incomplete = 0;
  const donors: { id: string; values: Float64Array }[] = [];
  const cohortUnits = new Map<number, Float64Array[]>();
  const cohortIds = new Map<number, string[]>();
  for (const [id, unit] of [...byUnit].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (unit.values.some((value) => !Number.isFinite(value))) {
      incomplete++;
      continue;
    }
    if (unit.group === 0) donors.push({ id, values: unit.values });
    else {
      cohortUnits.set(unit.group, [...(cohortUnits.get(unit.group) ?? []), unit.values]);
      cohortIds.set(unit.group, [...(cohortIds.get(unit.group) ?? []), id]);
    }
  }
  const skipped: string[] = [];
  const cohorts: CohortRows[] = [];
  for (const [label, rows] of [...cohortUnits].sort(([a], [b]) => a - b)) {
    const firstTreatedPeriod = years.findIndex((year) => year >= label);
    if (firstTreatedPeriod === -1) {
      skipped.push(`cohort ${label} left out: the panel ends before its award`);
      cohortIds.delete(label);
      continue;
    }
    if (firstTreatedPeriod < 2) {
      skipped.push(`cohort ${label} left out: synthetic DiD needs at least two years before the award (the panel has ${firstTreatedPeriod})`);
      cohortIds.delete(label);
      continue;
    }
    const outcomes = new Float64Array(rows.length * years.length);
    rows.forEach((values, i) => outcomes.set(values, i * years.length));
    cohorts.push({ label, firstTreatedPeriod, outcomes, units: rows.length });
  }
  const donorValues = new Float64Array(donors.length * years.length);
  donors.forEach((donor, i) => donorValues.set(donor.values, i * years.length));
  return { panels: { donors: donorValues, donorCount: donors.length, periods: years.length, cohorts }, donorIds: donors.map((donor) => donor.id), cohortIds, skipped, incomplete, years };
}

export function syntheticDidOutcome(
  outcome: string,
  design: Extract<DesignSpec, { design: 'synthetic_did' }>,
  spec: StudySpec,
  data: OutcomeColumns,
  firms: FirmCounter = new FirmCounter(undefined),
): SyntheticDidResult {
  const { panels, donorIds, cohortIds, skipped, incomplete, years } = balancedCohorts(data);
  const treated = panels.cohorts.reduce((sum, cohort) => sum + cohort.units, 0);
  const sample = { treatedUnits: treated, comparisonUnits: panels.donorCount, observations: (treated + panels.donorCount) * panels.periods, comparisonFirms: firms.count(donorIds) };
  const treatedFirms = firms.ofCohorts(cohortIds, cohortIds.keys());
  const notes = [...skipped];
  if (incomplete) notes.push(`${incomplete} units left out of the synthetic DiD for missing years (it needs a balanced panel)`);
  const shortfall = sampleShortfall(spec, treated, panels.donorCount);
  if (shortfall || panels.cohorts.length === 0) {
    return { effects: [notEstimated(outcome, 'sdid', spec.confidenceLevel, sample, shortfall ?? 'Not estimated: no award cohort has two years of outcomes before its award.')], trajectories: [], unitWeights: [], notes };
  }
  const effects: EffectRow[] = [];
  const trajectories: TrajectoryRow[] = [];
  const unitWeights: UnitWeightRow[] = [];
  for (const estimator of ['synthdid', 'sc', 'did'] as const) {
    const result = estimateCohorts(panels, estimator, design.placebo);
    const stored = STORED[estimator];
    const base = { outcome, estimator: stored, confidenceLevel: spec.confidenceLevel, ...sample };
    // Notes reach the public views and the reports as they are: written in both languages here, once.
    const seNote =
      result.seMethod === 'jackknife'
        ? `標準誤差はジャックナイフ法（${panels.donorCount + treated}単位） / standard error by the jackknife over ${panels.donorCount + treated} units`
        : result.seMethod === 'placebo'
          ? `標準誤差はプラセボ法（ドナー${panels.donorCount}件から${design.placebo.draws}回、シード ${design.placebo.seed}） / standard error by ${design.placebo.draws} placebo draws over the ${panels.donorCount} donors (seed ${design.placebo.seed})`
          : '標準誤差なし：採択が1件だけのコホートがあり、プラセボ法に足りるドナーもない / no standard error: a cohort has a single treated unit and there are too few donors for placebo draws';
    effects.push({ ...normalRow({ ...base, term: 'overall', cellUnits: treated, cellFirms: treatedFirms }, result.estimate, result.se), seMethod: result.seMethod, note: seNote });
    result.cohorts.forEach((cohort, g) => {
      const rows = panels.cohorts[g];
      const cohortFirms = firms.count(cohortIds.get(cohort.label) ?? []);
      // A cohort's own SE is the jackknife on its block (null with one treated unit); the overall's covers all cohorts at once.
      const cohortSe = jackknifeStandardError(cohortPanel(panels, rows), cohort.fit);
      effects.push({
        ...normalRow({ ...base, term: `cohort=${cohort.label}`, cohort: cohort.label, cellUnits: rows.units, cellFirms: cohortFirms }, cohort.fit.estimate, cohortSe),
        seMethod: cohortSe === null ? null : 'jackknife',
      });
      if (estimator !== 'synthdid') return;
      years.forEach((fiscalYear, t) => {
        trajectories.push({
          outcome,
          cohort: cohort.label,
          fiscalYear,
          treatedMean: cohort.treatedMean[t],
          syntheticMean: cohort.syntheticMean[t],
          syntheticShifted: cohort.syntheticShifted[t],
          timeWeight: t < rows.firstTreatedPeriod ? cohort.fit.weights.lambda[t] : null,
          treatedUnits: rows.units,
          treatedFirms: cohortFirms,
        });
      });
      cohort.fit.weights.omega.forEach((weight, i) => {
        if (weight !== 0) unitWeights.push({ outcome, cohort: cohort.label, unitId: donorIds[i], weight });
      });
    });
    if (estimator === 'synthdid') {
      notes.push(
        result.seMethod === 'jackknife'
          ? `synthetic DiD standard errors by the jackknife over ${panels.donorCount + treated} units`
          : result.seMethod === 'placebo'
            ? `synthetic DiD standard errors by ${design.placebo.draws} placebo draws (seed ${design.placebo.seed}): a cohort has a single treated unit`
            : 'synthetic DiD has no standard error: a cohort has a single treated unit and there are too few donors for placebo draws',
      );
    }
  }
  return { effects, trajectories, unitWeights, notes };
}
