import { describe, expect, it } from 'vitest';
import { UnitIndexMismatchError } from '../stats/indexed-units.js';
import { cohortsFromApplications, cohortsOfIndexedApplications, cohortUnitRows, firstAwardOfUnits, UnitIndexRangeError, type UnitCohort } from '../analysis/effect-study.js';
import { indexUnits } from '../stats/did/balanced-panel.js';
import { SeededRandom } from '../stats/random.js';

const cohort = (unitId: string, firstAwardFiscalYear: number | null): UnitCohort => ({ unitId, firstAwardFiscalYear, characteristics: {} });

describe('the rows an effect study keeps, and its units\' indices', () => {
  it('numbers the units as the estimators would from the ids, however the rows lie, leaving out units without a cohort', () => {
    const random = new SeededRandom(8);
    const units = Array.from({ length: 300 }, (_, u) => `unit-${u}`);
    // Rows stored year by year (a unit's rows far apart), in a shuffled order of units, and rows of 40 units that no application names.
    const years = [2019, 2020, 2021, 2022];
    const unitId = years.flatMap(() => [...units, ...Array.from({ length: 40 }, (_, s) => `stray-${s}`)].sort(() => random.uniform() - 0.5));
    // unit-7 is listed twice: its last entry counts (as a map of the entries would have it).
    const cohorts = [...units.map((id, u) => cohort(id, u % 3 === 0 ? null : 2020 + (u % 3))), cohort('unit-7', 2022)];
    const kept = cohortUnitRows(unitId, cohorts);
    const keptIds = Array.from(kept.rows, (row) => unitId[row]);
    expect(keptIds.every((id) => id.startsWith('unit-'))).toBe(true);
    expect(kept.rows.length).toBe(units.length * years.length);
    const estimators = indexUnits(keptIds);
    expect(kept.units.ofRow).toEqual(estimators.unitOfRow);
    expect(kept.units.ids).toEqual(estimators.ids);
    // Each row carries its unit's group, and each index its cohort entry.
    keptIds.forEach((id, r) => expect(kept.group[r]).toBe(id === 'unit-7' ? 2022 : (cohorts.find((entry) => entry.unitId === id)?.firstAwardFiscalYear ?? 0)));
    expect(cohorts[kept.entryOfIndex[kept.units.ids.indexOf('unit-7')]].firstAwardFiscalYear).toBe(2022);
    expect([kept.treatedUnits, kept.comparisonUnits]).toEqual([200, 100]);
  });

  it('gives each unit the first award year its cohort has, from applications in several rounds, some awarded twice', () => {
    const random = new SeededRandom(9);
    // 500 units, each with one to four applications in a shuffled order of rounds, awarded or not.
    const applications = Array.from({ length: 500 }, (_, u) =>
      Array.from({ length: 1 + Math.floor(random.uniform() * 4) }, () => ({ unitId: `unit-${u}`, awardFiscalYear: random.uniform() < 0.4 ? 2019 + Math.floor(random.uniform() * 5) : null })),
    ).flat();
    const cohorts = cohortsFromApplications(applications);
    const indexOf = new Map(cohorts.map((cohort, index) => [cohort.unitId, index]));
    const awardOfUnit = firstAwardOfUnits(applications, Int32Array.from(applications, (application) => indexOf.get(application.unitId) ?? -1), cohorts.length);
    expect(Array.from(awardOfUnit)).toEqual(cohorts.map((cohort) => cohort.firstAwardFiscalYear ?? Number.NaN));
    // The case the rule is for is there: units awarded in more than one round.
    expect(cohorts.filter((cohort) => applications.filter((a) => a.unitId === cohort.unitId && a.awardFiscalYear !== null).length > 1).length).toBeGreaterThan(10);
  });

  it('keeps the same rows, groups and unit numbering when the rows and cohorts come by unit index as when they come by id', () => {
    const random = new SeededRandom(10);
    const ids = Array.from({ length: 260 }, (_, u) => `unit-${u}`);
    // Units 250 to 259 have no cohort entry: their rows are strays. Rows year by year in a shuffled order of units.
    const cohortUnits = ids.slice(0, 250).sort(() => random.uniform() - 0.5);
    const cohorts = cohortUnits.map((id, entry) => cohort(id, entry % 4 === 0 ? null : 2020 + (entry % 3)));
    const entryOfUnit = Int32Array.from(ids, (id) => cohortUnits.indexOf(id));
    const ofRow = Int32Array.from([2019, 2020, 2021].flatMap(() => ids.map((_, u) => u).sort(() => random.uniform() - 0.5)));
    const unitId = Array.from(ofRow, (u) => ids[u]);
    const byId = cohortUnitRows(unitId, cohorts);
    const byIndex = cohortUnitRows(unitId, cohorts, { ofRow, entryOfUnit });
    expect(byIndex).toEqual(byId);
    expect(byIndex.rows.length).toBe(250 * 3);
    // As the analysis read gives them: each unit's rows together, in order of units.
    const inUnitOrder = Int32Array.from(ids.flatMap((_, u) => [u, u, u]));
    const unitIdInOrder = Array.from(inUnitOrder, (u) => ids[u]);
    expect(cohortUnitRows(unitIdInOrder, cohorts, { ofRow: inUnitOrder, entryOfUnit })).toEqual(cohortUnitRows(unitIdInOrder, cohorts));
    expect(() => cohortUnitRows(unitId, cohorts, { ofRow: ofRow.subarray(1), entryOfUnit })).toThrow(/779 unit indices; give one index per row/);
    expect(() => cohortUnitRows(unitId, cohorts, { ofRow: ofRow.subarray(1), entryOfUnit })).toThrow(UnitIndexMismatchError);
    // An index outside the units is refused, never read as the row before's unit.
    const stray = Int32Array.from(ofRow);
    stray[5] = ids.length;
    expect(() => cohortUnitRows(unitId, cohorts, { ofRow: stray, entryOfUnit })).toThrow(UnitIndexRangeError);
    expect(() => cohortUnitRows(unitId, cohorts, { ofRow: stray, entryOfUnit })).toThrow('panel row 5 points at unit index 260, outside the 260 units given');
  });

  it('makes from indexed application columns the cohorts it makes from application records, in the same order', () => {
    const random = new SeededRandom(11);
    const units = Array.from({ length: 400 }, (_, u) => `unit-${u}`);
    // Applications of 390 units (the last 10 have none) in a shuffled order, one to four each, some scored, some awarded twice.
    const rows = units
      .slice(0, 390)
      .flatMap((_, u) => Array.from({ length: 1 + Math.floor(random.uniform() * 4) }, () => u))
      .sort(() => random.uniform() - 0.5)
      .map((unit) => ({
        unit,
        award: random.uniform() < 0.4 ? 2019 + Math.floor(random.uniform() * 5) : Number.NaN,
        round: 1 + Math.floor(random.uniform() * 3),
        score: random.uniform() < 0.7 ? Math.round(random.uniform() * 1000) / 10 : Number.NaN,
        employees: Math.floor(random.uniform() * 300),
      }));
    const columns = {
      unit: Int32Array.from(rows, (row) => row.unit),
      awardFiscalYear: Float64Array.from(rows, (row) => row.award),
      callRound: Int32Array.from(rows, (row) => row.round),
      reviewScore: Float64Array.from(rows, (row) => row.score),
      characteristics: { employees: Float64Array.from(rows, (row) => row.employees) },
    };
    const records = rows.map((row) => ({
      unitId: units[row.unit],
      awardFiscalYear: Number.isNaN(row.award) ? null : row.award,
      callRound: row.round,
      reviewScore: Number.isNaN(row.score) ? null : row.score,
      characteristics: { employees: row.employees },
    }));
    const { cohorts, entryOfUnit } = cohortsOfIndexedApplications(columns, units);
    expect(cohorts).toEqual(cohortsFromApplications(records));
    expect(Array.from(entryOfUnit.subarray(390))).toEqual(new Array(10).fill(-1));
    cohorts.forEach((entry, index) => expect(entryOfUnit[units.indexOf(entry.unitId)]).toBe(index));
    expect(() => cohortsOfIndexedApplications({ ...columns, unit: Int32Array.from(columns.unit, (unit, row) => (row === 3 ? -1 : unit)) }, units)).toThrow(
      'application 3 points at unit index -1, outside the 400 units given',
    );
    // The rules are exercised: units awarded in more than one round, and units scored in more than one round.
    const awardedTwice = units.filter((_, u) => rows.filter((row) => row.unit === u && !Number.isNaN(row.award)).length > 1);
    const scoredTwice = units.filter((_, u) => new Set(rows.filter((row) => row.unit === u && !Number.isNaN(row.score)).map((row) => row.round)).size > 1);
    expect([awardedTwice.length > 10, scoredTwice.length > 10]).toEqual([true, true]);
  });
});
