import { describe, expect, it } from 'vitest';
import { cohortsFromApplications, cohortUnitRows, firstAwardOfUnits, type UnitCohort } from '../analysis/effect-study.js';
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
});
