import { describe, expect, it } from 'vitest';
import { mergeParts, runEffectJob, splitOutcomes, type EffectJobInput } from '../analysis/effect-job.js';
import { cohortsFromApplications, runEffectStudy } from '../analysis/effect-study.js';
import { getProgramme } from '../programmes/catalogue.js';
import { studySpecSchema } from '../schemas/study-spec.js';
import { SeededRandom } from '../stats/random.js';
import { DenseCodes } from '../analysis/dense-codes.js';
import { packUnitFirms } from '../activities/effect-job-input.js';
import { codeRunFirms } from '../analysis/run-firm-codes.js';
import { UnitIndexMismatchError } from '../stats/indexed-units.js';

/** 400 firms over 2018–2025, awarded in 2021, 2022 or never; each outcome rises by its own effect after the award. */
function simulatedJob(outcomes: readonly string[]): EffectJobInput {
  const random = new SeededRandom(5);
  const programme = getProgramme('sme-labour-saving');
  const spec = studySpecSchema.parse({ ...programme.studySpec, outcomes, estimation: { ...programme.studySpec.estimation, bootstrap: { draws: 199, seed: 3 } } });
  const units = Array.from({ length: 400 }, (_, i) => String(1_000_000_000_000 + i));
  const award = units.map((_, i) => [2021, 2022, Number.NaN][i % 3]);
  const years = [2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025];
  const rows = units.length * years.length;
  const unit = Int32Array.from({ length: rows }, (_, row) => Math.floor(row / years.length));
  const fiscalYear = Int32Array.from({ length: rows }, (_, row) => years[row % years.length]);
  const measures = Object.fromEntries(
    outcomes.map((outcome, o) => [
      outcome,
      Float64Array.from({ length: rows }, (_, row) => 100 + unit[row] * 0.1 + (fiscalYear[row] - 2018) * 2 + (fiscalYear[row] >= award[unit[row]] ? 5 * (o + 1) : 0) + random.normal()),
    ]),
  );
  return {
    spec,
    callRounds: programme.file.callRounds.map(({ round, awardFiscalYear }) => ({ round, awardFiscalYear })),
    units,
    applications: {
      unit: Int32Array.from(units, (_, i) => i),
      awardFiscalYear: Float64Array.from(award),
      callRound: Int32Array.from(award, (year) => (Number.isNaN(year) ? 1 : year - 2020)),
      reviewScore: new Float64Array(units.length).fill(Number.NaN),
      characteristics: { employees: new Float64Array(units.length).fill(20), requested_amount_yen: new Float64Array(units.length).fill(1e7) },
    },
    outcomes: { unit, fiscalYear, measures },
  };
}

describe('effect jobs split over threads', () => {
  it('give the same study, sensitivity and moments in parts as in one job, in the spec order of outcomes', () => {
    const job = simulatedJob(['labour_productivity', 'average_wage', 'employees']);
    const whole = runEffectJob(job, () => undefined);
    const parts = splitOutcomes(job, 2);
    expect(parts.map((part) => part.spec.outcomes)).toEqual([['labour_productivity', 'average_wage'], ['employees']]);
    expect(Object.keys(parts[1].outcomes.measures)).toEqual(['employees']);
    const merged = mergeParts(parts.map((part) => runEffectJob(part, () => undefined)));
    expect(merged).toEqual(whole);
    // The estimates are the simulated effects, so the comparison is between real studies.
    const overall = whole.study.effects.filter((row) => row.estimator === 'cs_simple').map((row) => [row.outcome, row.estimate]);
    expect(overall.map(([outcome]) => outcome)).toEqual(['labour_productivity', 'average_wage', 'employees']);
    overall.forEach(([, estimate], o) => expect(estimate as number).toBeCloseTo(5 * (o + 1), 0));
  });

  it('is not split when one thread runs it, or when there is one outcome', () => {
    const job = simulatedJob(['labour_productivity', 'average_wage']);
    expect(splitOutcomes(job, 1)).toEqual([job]);
    expect(splitOutcomes(simulatedJob(['average_wage']), 4)).toHaveLength(1);
  });

  it('keeps every measure in a part whose outcome the panel lacks, so that the error lists what there is', () => {
    const job = simulatedJob(['labour_productivity', 'average_wage']);
    const lacking = { ...job, spec: { ...job.spec, outcomes: ['labour_productivity', 'turnover'] } };
    const parts = splitOutcomes(lacking, 2);
    expect(Object.keys(parts[1].outcomes.measures)).toEqual(['labour_productivity', 'average_wage']);
    expect(() => runEffectJob(parts[1], () => undefined)).toThrow(/holds labour_productivity, average_wage/);
  });
});

describe('the effect job\'s units by index', () => {
  it('give the study that cohorts and rows keyed by unit id give, with units applying twice in a shuffled order', () => {
    const job = simulatedJob(['labour_productivity', 'average_wage']);
    const random = new SeededRandom(6);
    // Every third unit also applied in a later round and was rejected; the applications come shuffled.
    const extra = job.units.flatMap((_, u) => (u % 3 === 0 ? [u] : []));
    const order = [...job.units.map((_, u) => ({ unit: u, first: true })), ...extra.map((u) => ({ unit: u, first: false }))].sort(() => random.uniform() - 0.5);
    const first = job.applications;
    const applications = {
      unit: Int32Array.from(order, (entry) => entry.unit),
      awardFiscalYear: Float64Array.from(order, (entry) => (entry.first ? first.awardFiscalYear[entry.unit] : Number.NaN)),
      callRound: Int32Array.from(order, (entry) => (entry.first ? first.callRound[entry.unit] : 3)),
      reviewScore: new Float64Array(order.length).fill(Number.NaN),
      characteristics: Object.fromEntries(Object.entries(first.characteristics).map(([name, values]) => [name, Float64Array.from(order, (entry) => values[entry.unit] + (entry.first ? 0 : 1))])),
    };
    const reordered: EffectJobInput = { ...job, applications };
    const { study } = runEffectJob(reordered, () => undefined);
    const records = Array.from(order, (entry, row) => ({
      unitId: job.units[entry.unit],
      awardFiscalYear: Number.isNaN(applications.awardFiscalYear[row]) ? null : applications.awardFiscalYear[row],
      callRound: applications.callRound[row],
      reviewScore: null,
      characteristics: Object.fromEntries(Object.entries(applications.characteristics).map(([name, values]) => [name, values[row]])),
    }));
    const panel = { unitId: Array.from(job.outcomes.unit, (u) => job.units[u]), fiscalYear: job.outcomes.fiscalYear, measures: job.outcomes.measures };
    const { sensitivityTasks, ...byId } = runEffectStudy(job.spec, cohortsFromApplications(records), panel, { callRounds: job.callRounds });
    expect(sensitivityTasks.length).toBe(2);
    expect(study).toEqual(byId);
    expect(study.effects.filter((row) => row.estimator === 'cs_simple').map((row) => row.estimate as number)[0]).toBeCloseTo(5, 0);
  });

  it('count the firms behind each cell from the firms packed by unit index as a lookup by id does, the rows in another order of units and some units without an application', () => {
    const full = simulatedJob(['labour_productivity']);
    // Every seventh unit has no application: its rows are left out, so the kept rows are not the panel's rows.
    const applied = full.units.flatMap((_, u) => (u % 7 === 3 ? [] : [u]));
    const pick = <Column extends Float64Array | Int32Array>(column: Column, make: (values: number[]) => Column) => make(applied.map((u) => column[u]));
    const applications = {
      unit: Int32Array.from(applied),
      awardFiscalYear: pick(full.applications.awardFiscalYear, (values) => Float64Array.from(values)),
      callRound: pick(full.applications.callRound, (values) => Int32Array.from(values)),
      reviewScore: pick(full.applications.reviewScore, (values) => Float64Array.from(values)),
      characteristics: Object.fromEntries(Object.entries(full.applications.characteristics).map(([name, values]) => [name, pick(values, (picked) => Float64Array.from(picked))])),
    };
    // 400 units, 150 firms: several units share a firm, and every fifth unit has a second firm.
    const unitFirms = packUnitFirms(full.units.length, applications.unit, {
      ofApplication: Int32Array.from(applied, (u) => u % 150),
      membersOfUnit: new Map(full.units.flatMap((_, u) => (u % 5 === 0 ? [[u, [149 - (u % 37)]] as const] : []))),
    });
    // The rows list the units last to first, so the estimators number the units unlike the job does.
    const years = full.outcomes.fiscalYear.length / full.units.length;
    const rowOf = (row: number) => (full.units.length - 1 - Math.floor(row / years)) * years + (row % years);
    const rows = full.outcomes.fiscalYear.length;
    const outcomes = {
      unit: Int32Array.from({ length: rows }, (_, row) => full.outcomes.unit[rowOf(row)]),
      fiscalYear: Int32Array.from({ length: rows }, (_, row) => full.outcomes.fiscalYear[rowOf(row)]),
      measures: { labour_productivity: Float64Array.from({ length: rows }, (_, row) => full.outcomes.measures.labour_productivity[rowOf(row)]) },
    };
    const job: EffectJobInput = { ...full, applications, outcomes, unitFirms };
    const { study } = runEffectJob(job, () => undefined);
    const firmsOfId = new Map(full.units.map((id, u) => [id, unitFirms.firms.subarray(unitFirms.offsets[u], unitFirms.offsets[u + 1])]));
    const records = applied.map((u, row) => ({
      unitId: full.units[u],
      awardFiscalYear: Number.isNaN(applications.awardFiscalYear[row]) ? null : applications.awardFiscalYear[row],
      callRound: applications.callRound[row],
      reviewScore: null,
      characteristics: Object.fromEntries(Object.entries(applications.characteristics).map(([name, values]) => [name, values[row]])),
    }));
    const panel = { unitId: Array.from(outcomes.unit, (u) => full.units[u]), fiscalYear: outcomes.fiscalYear, measures: outcomes.measures };
    const { sensitivityTasks, ...byId } = runEffectStudy(job.spec, cohortsFromApplications(records), panel, { callRounds: job.callRounds, firmsOfUnit: (id) => firmsOfId.get(id) });
    expect(sensitivityTasks.length).toBe(1);
    expect(study).toEqual(byId);
    // The units without an application are out of the sample, and fewer firms than units stand behind the cells.
    const simple = study.effects.find((row) => row.estimator === 'cs_simple');
    expect((simple?.treatedUnits ?? 0) + (simple?.comparisonUnits ?? 0)).toBe(applied.length);
    expect(simple?.comparisonFirms).toBeGreaterThan(0);
    expect(simple?.comparisonFirms).toBeLessThan(simple?.comparisonUnits ?? 0);
    expect(study.effects.some((row) => row.cellFirms !== null && row.cellUnits !== null && row.cellFirms < row.cellUnits)).toBe(true);
  });

  it('refuses firms packed for other units than the job numbers, saying both counts', () => {
    const job = simulatedJob(['labour_productivity']);
    const unitFirms = packUnitFirms(job.units.length - 1, job.applications.unit.subarray(0, job.units.length - 1), {
      ofApplication: Int32Array.from({ length: job.units.length - 1 }, (_, u) => u),
      membersOfUnit: new Map(),
    });
    expect(() => runEffectJob({ ...job, unitFirms }, () => undefined)).toThrow(UnitIndexMismatchError);
    expect(() => runEffectJob({ ...job, unitFirms }, () => undefined)).toThrow('the packed firms hold 399 units and the unit indices number 400');
  });
});

describe('the firms behind each unit, packed for the effect thread', () => {
  /** What a set per unit gives: each unit's firms once, in the order first met (applications, then members). */
  function firmsBySets(units: readonly string[], applications: readonly { unitId: string; corporateNumber: string }[], members: ReadonlyMap<string, readonly string[]>) {
    const codes = new DenseCodes();
    const firmsOf = new Map<string, Set<number>>();
    const add = (unit: string, firm: string) => firmsOf.set(unit, (firmsOf.get(unit) ?? new Set()).add(codes.code(firm)));
    for (const application of applications) add(application.unitId, application.corporateNumber);
    for (const [unit, firms] of members) for (const firm of firms) add(unit, firm);
    return units.map((unit) => [...(firmsOf.get(unit) ?? [])]);
  }

  it('lists each unit\'s applicants and consortium members once, in the order first met, as a set per unit would', () => {
    const random = new SeededRandom(41);
    const units = new DenseCodes();
    // Projects applying in several rounds, some led by the same firm, members repeating the lead or one another.
    const applications = Array.from({ length: 3_000 }, (_, i) => ({ unitId: `P${Math.floor(i / 3)}`, corporateNumber: `F${random.pick([0, 1, 2, 3, 4, 5, 6, 7]) + Math.floor(i / 30) * 8}` }))
      .map((application) => ({ ...application, employees: 10, requestedAmountYen: 1, awarded: false, awardFiscalYear: null, callRound: 1, reviewScore: null, applicationDate: '2022-05-01', subsidyAmountYen: null }));
    const applicationUnits = Int32Array.from(applications, (application) => units.code(application.unitId));
    units.code('P-without-applications');
    const members = new Map<string, string[]>([
      ['P3', ['F900', 'F901', 'F900']],
      ['P7', [applications[21].corporateNumber, 'F902']],
      ['P-unknown', ['F903']],
      ['P-without-applications', ['F904']],
    ]);
    const packed = packUnitFirms(units.ids.length, applicationUnits, codeRunFirms({ applications, units: units.ids }, members));
    const unpacked = units.ids.map((_, u) => [...packed.firms.subarray(packed.offsets[u], packed.offsets[u + 1])]);
    expect(unpacked).toEqual(firmsBySets(units.ids, applications, members));
    expect(unpacked[units.ids.length - 1]).toHaveLength(1);
  });
});
