import { describe, expect, it } from 'vitest';
import { inUnitOrder, type StoredOutcomeRows } from '../analysis/unit-ordered-outcomes.js';
import { SeededRandom } from '../stats/random.js';

interface Row {
  readonly unitId: string;
  readonly fiscalYear: number;
  readonly measures: readonly number[];
}

/** Rows as a table might hold them, one part per connection, each row's id given by its index in `ids` (first met first). */
function storedParts(rows: readonly Row[], parts: number, ids: string[]): StoredOutcomeRows[] {
  const size = Math.ceil(rows.length / parts);
  return Array.from({ length: parts }, (_, part) => {
    const own = rows.slice(part * size, (part + 1) * size);
    return {
      rowIds: Int32Array.from(own, (row) => {
        if (!ids.includes(row.unitId)) ids.push(row.unitId);
        return ids.indexOf(row.unitId);
      }),
      fiscalYear: Int32Array.from(own, (row) => row.fiscalYear),
      measures: [0, 1].map((m) => Float64Array.from(own, (row) => row.measures[m])),
    };
  });
}

/** Each id's place among the units, −1 for an id that is not one of them. */
const placesOf = (ids: readonly string[], units: readonly string[]) => Int32Array.from(ids, (id) => units.indexOf(id));

describe('outcome rows put in the order of the consenting units', () => {
  it('keeps only the given units’ rows, in their order and then in year order, wherever the table holds them', () => {
    const random = new SeededRandom(17);
    // The units' order is the database's, not JavaScript's: given, never sorted here.
    const units = ['u-10', 'U_2', 'u-1', 'a 3', 'ü4', 'u-0'];
    const elsewhere = ['not-consenting', 'never-applied'];
    const rows = [...units, ...elsewhere].flatMap((unitId) =>
      [2019, 2020, 2021, 2022, 2023].filter(() => random.uniform() < 0.8).map((fiscalYear) => ({ unitId, fiscalYear, measures: [random.normal(), random.uniform() < 0.2 ? Number.NaN : random.normal()] })),
    );
    // Stored in no order: a unit's rows apart and its years shuffled.
    for (let i = rows.length - 1; i > 0; i--) {
      const j = random.integerBetween(0, i);
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    const expected = rows
      .filter((row) => units.includes(row.unitId))
      .sort((a, b) => units.indexOf(a.unitId) - units.indexOf(b.unitId) || a.fiscalYear - b.fiscalYear);
    for (const parts of [1, 2, 3]) {
      const ids: string[] = [];
      const stored = storedParts(rows, parts, ids);
      const ordered = inUnitOrder(stored, placesOf(ids, units), units.length, ['first', 'second']);
      expect(Array.from(ordered.unit, (index) => units[index])).toEqual(expected.map((row) => row.unitId));
      expect([...ordered.fiscalYear]).toEqual(expected.map((row) => row.fiscalYear));
      expect([...ordered.measures.first]).toEqual(expected.map((row) => row.measures[0]));
      expect([...ordered.measures.second]).toEqual(expected.map((row) => row.measures[1]));
    }
  });

  it('gives empty columns when no unit is given, and leaves a unit without rows out of the rows only', () => {
    const ids: string[] = [];
    const parts = storedParts([{ unitId: 'x', fiscalYear: 2020, measures: [1, 2] }], 1, ids);
    const none = inUnitOrder(parts, placesOf(ids, []), 0, ['first', 'second']);
    expect(none.unit).toHaveLength(0);
    expect(none.measures.first).toHaveLength(0);
    const some = inUnitOrder(parts, placesOf(ids, ['without-rows', 'x']), 2, ['first', 'second']);
    expect([...some.unit]).toEqual([1]);
    expect([...some.measures.second]).toEqual([2]);
  });
});
