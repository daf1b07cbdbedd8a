/**
 * A run's analysis data shaped for the effect job's compute thread: unit ids once, rows pointing at them by
 * index, numbers in typed arrays. Posting the rows as objects and strings cost the thread a quarter of a
 * second to rebuild them at 100,000 applicants; typed arrays are copied at memory speed.
 */
import type { ApplicationColumnsOfJob, CallRoundOfJob, EffectJobInput, OutcomeColumnsOfJob } from '../analysis/effect-job.js';
import { DenseCodes } from '../analysis/dense-codes.js';
import type { PackedUnitFirms } from '../analysis/firm-counts.js';
import type { StudySpec } from '../schemas/study-spec.js';
import { APPLICANT_CHARACTERISTICS, type ApplicationRecord, type RunAnalysisData } from './analysis-data.js';

export function effectJobInput(spec: StudySpec, callRounds: readonly CallRoundOfJob[], data: RunAnalysisData): EffectJobInput {
  const units = new DenseCodes();
  const { applications, outcomes } = data;
  const rows = applications.length;
  const applicationColumns: ApplicationColumnsOfJob = {
    unit: new Int32Array(rows),
    awardFiscalYear: new Float64Array(rows),
    callRound: new Int32Array(rows),
    reviewScore: new Float64Array(rows),
    characteristics: Object.fromEntries(Object.keys(APPLICANT_CHARACTERISTICS).map((name) => [name, new Float64Array(rows)])),
  };
  const characteristics = Object.entries(APPLICANT_CHARACTERISTICS).map(([name, valueOf]) => ({ column: applicationColumns.characteristics[name], valueOf }));
  for (let row = 0; row < rows; row++) {
    const application = applications[row];
    applicationColumns.unit[row] = units.code(application.unitId);
    applicationColumns.awardFiscalYear[row] = application.awardFiscalYear ?? Number.NaN;
    applicationColumns.callRound[row] = application.callRound;
    applicationColumns.reviewScore[row] = application.reviewScore ?? Number.NaN;
    for (const { column, valueOf } of characteristics) column[row] = valueOf(application);
  }
  // Outcome rows come in unit order: each unit is looked up once, not once per year.
  const unit = new Int32Array(outcomes.unitId.length);
  let previous: string | undefined;
  let index = -1;
  for (let row = 0; row < unit.length; row++) {
    const unitId = outcomes.unitId[row];
    if (unitId !== previous) {
      previous = unitId;
      index = units.code(unitId);
    }
    unit[row] = index;
  }
  const outcomeColumns: OutcomeColumnsOfJob = { unit, fiscalYear: outcomes.fiscalYear, measures: outcomes.measures };
  return {
    unitFirms: packUnitFirms(units.ids, applications, data.unitMembers),
    spec,
    callRounds: callRounds.map(({ round, awardFiscalYear, reviewCutoff }) => ({ round, awardFiscalYear, ...(reviewCutoff === undefined ? {} : { reviewCutoff }) })),
    units: units.ids,
    applications: applicationColumns,
    outcomes: outcomeColumns,
  };
}

/**
 * Each unit's firms as codes, in the order of the job's unit ids: its applicants (the firm itself, a project's
 * lead applicant, a site's operator) and a project's consortium members.
 */
export function packUnitFirms(units: readonly string[], applications: readonly ApplicationRecord[], members: ReadonlyMap<string, readonly string[]>): PackedUnitFirms {
  const firmCodes = new DenseCodes();
  const firmsOf = new Map<string, Set<number>>();
  const add = (unit: string, firm: string) => {
    let set = firmsOf.get(unit);
    if (!set) firmsOf.set(unit, (set = new Set()));
    set.add(firmCodes.code(firm));
  };
  for (const application of applications) add(application.unitId, application.corporateNumber);
  for (const [unit, firms] of members) for (const firm of firms) add(unit, firm);
  const offsets = new Int32Array(units.length + 1);
  const packed: number[] = [];
  units.forEach((unit, i) => {
    for (const firm of firmsOf.get(unit) ?? []) packed.push(firm);
    offsets[i + 1] = packed.length;
  });
  return { offsets, firms: Int32Array.from(packed) };
}
