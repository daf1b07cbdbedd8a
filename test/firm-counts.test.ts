import { describe, expect, it } from 'vitest';
import { FirmCounter, IndexedFirmCounter, PackedUnitRangeError, selectUnitFirms, unpackUnitFirms } from '../analysis/firm-counts.js';
import { SeededRandom } from '../stats/random.js';

/** Units with a few firms each, firms shared between units (a firm with several sites, a consortium member of several projects). */
function randomUnits(random: SeededRandom, unitCount: number, firmCount: number): Map<string, number[]> {
  const units = new Map<string, number[]>();
  for (let u = 0; u < unitCount; u++) {
    const firms = Array.from({ length: 1 + Math.floor(random.uniform() * 3) }, () => Math.floor(random.uniform() * firmCount));
    units.set(`unit-${u}`, [...new Set(firms)]);
  }
  return units;
}

function distinctFirms(units: ReadonlyMap<string, readonly number[]>, chosen: Iterable<string>): number {
  const seen = new Set<number>();
  for (const unit of chosen) for (const firm of units.get(unit) ?? []) seen.add(firm);
  return seen.size;
}

describe('counting the firms behind units for disclosure', () => {
  it('counts each firm once however many of the units it stands behind, count after count', () => {
    const random = new SeededRandom(3);
    const units = randomUnits(random, 5_000, 3_000);
    const counter = new FirmCounter((unit) => units.get(unit));
    const ids = [...units.keys()];
    for (let round = 0; round < 20; round++) {
      const chosen = ids.filter(() => random.uniform() < 0.3);
      expect(counter.count(chosen)).toBe(distinctFirms(units, chosen));
    }
    // Units it does not know add no firm.
    expect(counter.count(['unit-0', 'no-such-unit'])).toBe(units.get('unit-0')?.length);
    expect(counter.count([])).toBe(0);
  });

  it('counts the union of cohorts, a cohort named twice or absent adding nothing', () => {
    const shared = new Map([
      ['a', [0, 1]],
      ['b', [1, 2]],
      ['c', [2]],
      ['d', [5_000]],
    ]);
    const counter = new FirmCounter((unit) => shared.get(unit));
    const byCohort = new Map([
      [2021, new Set(['a', 'b'])],
      [2022, new Set(['c'])],
      [2023, new Set(['d'])],
    ]);
    expect(counter.ofCohorts(byCohort, [2021])).toBe(3);
    expect(counter.ofCohorts(byCohort, [2021, 2022, 2022, 2030])).toBe(3);
    // A code far beyond those met so far is counted too.
    expect(counter.ofCohorts(byCohort, [2022, 2023])).toBe(2);
  });

  it('keeps counting right when its stamps run out and start again', () => {
    const shared = new Map([
      ['a', [0, 1]],
      ['b', [1, 2]],
    ]);
    const counter = new FirmCounter((unit) => shared.get(unit));
    // The stamps a counter gives its counts are 32-bit: put this one next to the last, as 2^31 − 2 counts would.
    const marks = (counter as unknown as { marks: { stamp: number } }).marks;
    marks.stamp = 0x7fffffff - 1;
    expect([counter.count(['a', 'b']), counter.count(['a', 'b']), counter.count(['b']), counter.count(['a', 'b'])]).toEqual([3, 3, 2, 3]);
    // The first count took the last stamp; the second started again from clean marks, so the fourth has stamp 3.
    expect(marks.stamp).toBe(3);
  });

  it('counts units named by their indices as it counts them by their ids, unknown ids adding no firm', () => {
    const random = new SeededRandom(11);
    const units = randomUnits(random, 4_000, 2_500);
    // The indices follow an order of their own, and two of the ids have no firms known.
    const ids = [...units.keys()].reverse().concat(['no-such-unit', 'nor-this']);
    const byId = new FirmCounter((unit) => units.get(unit));
    const byIndex = IndexedFirmCounter.of(ids, (unit) => units.get(unit));
    for (let round = 0; round < 20; round++) {
      const chosen = ids.flatMap((_, index) => (random.uniform() < 0.3 ? [index] : []));
      expect(byIndex.count(Int32Array.from(chosen))).toBe(byId.count(chosen.map((index) => ids[index])));
    }
    const cohorts = new Map([
      [2021, Int32Array.from([0, 1, 2, ids.length - 1])],
      [2022, Int32Array.from([2, 3])],
    ]);
    const cohortIds = new Map([...cohorts].map(([cohort, indices]) => [cohort, [...indices].map((index) => ids[index])]));
    expect(byIndex.ofCohorts(cohorts, [2021, 2022, 2022, 2030])).toBe(byId.ofCohorts(cohortIds, [2021, 2022]));
    expect(IndexedFirmCounter.of(ids, undefined).count(Int32Array.from([0]))).toBeNull();
  });

  it('refuses, when packing firms by index, a firm code an Int32Array would truncate', () => {
    for (const code of [-1, 1.5, 2 ** 31]) expect(() => IndexedFirmCounter.of(['a'], () => [code])).toThrow(`firm code ${code} is not an integer from 0 to 2,147,483,647`);
  });

  it('selects packed units in a new order, each keeping its own firms, and refuses a unit not packed', () => {
    const packed = { offsets: Int32Array.from([0, 2, 2, 5]), firms: Int32Array.from([4, 7, 1, 2, 3]) };
    const selected = selectUnitFirms(packed, Int32Array.from([2, 0, 1, 2]));
    expect([...selected.offsets]).toEqual([0, 3, 5, 5, 8]);
    expect([...selected.firms]).toEqual([1, 2, 3, 4, 7, 1, 2, 3]);
    expect(new IndexedFirmCounter(selected).count(Int32Array.from([1, 2]))).toBe(2);
    expect(() => selectUnitFirms(packed, Int32Array.from([3]))).toThrow(PackedUnitRangeError);
    expect(() => selectUnitFirms(packed, Int32Array.from([-1]))).toThrow('unit -1 is not one of the 3 packed units; select units by their index in the packing, from 0 to 2');
  });

  it('reads packed firms by unit and refuses a firm code that is not a dense integer', () => {
    const firmsOf = unpackUnitFirms(['x', 'y'], { offsets: Int32Array.from([0, 2, 3]), firms: Int32Array.from([4, 7, 4]) });
    const counter = new FirmCounter(firmsOf);
    expect(counter.count(['x', 'y'])).toBe(2);
    expect(counter.count(['y'])).toBe(1);
    expect(() => new FirmCounter(() => [-1]).count(['any'])).toThrow(/firm code -1 is not an integer from 0 to 2,147,483,647/);
    expect(new FirmCounter(undefined).count(['x'])).toBeNull();
  });
});
