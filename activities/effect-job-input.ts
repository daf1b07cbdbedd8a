/**
 * A run's analysis data shaped for the effect job's compute thread: unit ids once, rows pointing at them by
 * index, numbers in typed arrays. Posting the rows as objects and strings cost the thread a quarter of a
 * second to rebuild them at 100,000 applicants; typed arrays are copied at memory speed.
 */
import type { ApplicationColumnsOfJob, CallRoundOfJob, EffectJobInput, OutcomeColumnsOfJob } from '../analysis/effect-job.js';
import type { PackedUnitFirms } from '../analysis/firm-counts.js';
import type { StudySpec } from '../schemas/study-spec.js';
import { APPLICANT_CHARACTERISTICS, type RunAnalysisData } from './analysis-data.js';
import type { RunFirmCodes } from '../analysis/run-firm-codes.js';

export function effectJobInput(spec: StudySpec, callRounds: readonly CallRoundOfJob[], data: RunAnalysisData): EffectJobInput {
  const { applications, outcomes } = data;
  const rows = applications.length;
  const applicationColumns: ApplicationColumnsOfJob = {
    unit: data.applicationUnits,
    awardFiscalYear: new Float64Array(rows),
    callRound: new Int32Array(rows),
    reviewScore: new Float64Array(rows),
    characteristics: Object.fromEntries(Object.keys(APPLICANT_CHARACTERISTICS).map((name) => [name, new Float64Array(rows)])),
  };
  const characteristics = Object.entries(APPLICANT_CHARACTERISTICS).map(([name, valueOf]) => ({ column: applicationColumns.characteristics[name], valueOf }));
  for (let row = 0; row < rows; row++) {
    const application = applications[row];
    applicationColumns.awardFiscalYear[row] = application.awardFiscalYear ?? Number.NaN;
    applicationColumns.callRound[row] = application.callRound;
    applicationColumns.reviewScore[row] = application.reviewScore ?? Number.NaN;
    for (const { column, valueOf } of characteristics) column[row] = valueOf(application);
  }
  const outcomeColumns: OutcomeColumnsOfJob = { unit: outcomes.unit, fiscalYear: outcomes.fiscalYear, measures: outcomes.measures };
  return {
    unitFirms: packUnitFirms(data.units.length, applicationColumns.unit, data.firms),
    spec,
    callRounds: callRounds.map(({ round, awardFiscalYear, reviewCutoff }) => ({ round, awardFiscalYear, ...(reviewCutoff === undefined ? {} : { reviewCutoff }) })),
    units: data.units,
    applications: applicationColumns,
    outcomes: outcomeColumns,
  };
}

/**
 * Each unit's firms as codes, in the order of the job's unit ids: its applicants (the firm itself, a project's
 * lead applicant, a site's operator) and a project's consortium members, each once, in the order first met.
 * `applicationUnits` holds each application's unit, as its index in the units; the firms' codes are the run's
 * (analysis/run-firm-codes.ts). Packed in two passes over typed arrays (a count per unit, then the firms in place)
 * with no object per unit: with the coding of the firms it then did too, a Set per unit took 1.9 s at 1,000,000
 * units and this 0.6 s.
 */
export function packUnitFirms(unitCount: number, applicationUnits: Int32Array, firmCodes: RunFirmCodes): PackedUnitFirms {
  const applicationFirms = firmCodes.ofApplication;
  // Pass one: how many firm entries each unit has, duplicates included.
  const start = new Int32Array(unitCount + 1);
  for (let row = 0; row < applicationUnits.length; row++) start[applicationUnits[row] + 1]++;
  for (const [unit, members] of firmCodes.membersOfUnit) start[unit + 1] += members.length;
  for (let unit = 0; unit < unitCount; unit++) start[unit + 1] += start[unit];
  // Pass two: the entries in the order met (applications, then members), then each unit's run without repeats.
  const entries = new Int32Array(start[unitCount]);
  const next = start.slice(0, unitCount);
  for (let row = 0; row < applicationUnits.length; row++) entries[next[applicationUnits[row]]++] = applicationFirms[row];
  for (const [unit, members] of firmCodes.membersOfUnit) for (const firm of members) entries[next[unit]++] = firm;
  const offsets = new Int32Array(unitCount + 1);
  const firms = new Int32Array(entries.length);
  let packed = 0;
  for (let unit = 0; unit < unitCount; unit++) {
    const first = packed;
    for (let entry = start[unit]; entry < start[unit + 1]; entry++) {
      let seen = false;
      // A unit has a handful of firms: a scan of those kept is cheaper than a set.
      for (let kept = first; kept < packed && !seen; kept++) seen = firms[kept] === entries[entry];
      if (!seen) firms[packed++] = entries[entry];
    }
    offsets[unit + 1] = packed;
  }
  return { offsets, firms: firms.slice(0, packed) };
}
