import { describe, expect, it } from 'vitest';
import { columnsInKeyOrder, YearValues } from '../review-sheets/year-values.js';

/** The cells set one by one in the given order, as the parse sets a row's cells in its header's order. */
function setInOrder(inKeyOrder: boolean, cells: readonly (readonly [string, string])[]): YearValues {
  const values = new YearValues(inKeyOrder);
  for (const [year, value] of cells) values.set(year, value);
  return values;
}

describe('a 3-1 row’s cells by fiscal year', () => {
  it('writes the JSON text and lists the entries as an object keyed by year would, escaping the values', () => {
    const cells = [['2007', '1'], ['2024', '34482000'], ['2060', '"引用"\\\t改行\n']] as const;
    const object = Object.fromEntries(cells);
    const values = setInOrder(columnsInKeyOrder(cells.map(([year]) => year)), cells);
    expect(values.jsonText()).toBe(JSON.stringify(object));
    expect(JSON.parse(values.jsonText())).toEqual(object);
    expect(values.entries()).toEqual(Object.entries(object));
    expect(values.toJSON()).toEqual(object);
    expect(values.size).toBe(3);
    expect(new YearValues(true).jsonText()).toBe('{}');
  });

  it('orders years that came out of order, or are not whole numbers, as an object would, a repeated year keeping its last value', () => {
    const cells = [['2024', 'a'], ['2008', 'b'], ['0999', 'c'], ['2024', 'd']] as const;
    expect(columnsInKeyOrder(cells.map(([year]) => year))).toBe(false);
    const object: Record<string, string> = {};
    for (const [year, value] of cells) object[year] = value;
    const values = setInOrder(false, cells);
    expect(values.jsonText()).toBe(JSON.stringify(object));
    expect(values.entries()).toEqual(Object.entries(object));
    expect(values.entries().map(([year]) => year)).toEqual(['2008', '2024', '0999']);
    expect(YearValues.of(object).jsonText()).toBe(JSON.stringify(object));
  });

  it('takes only ascending whole numbers without a leading zero as in key order', () => {
    expect(columnsInKeyOrder(['2007', '2008', '2060'])).toBe(true);
    expect(columnsInKeyOrder([])).toBe(true);
    expect(columnsInKeyOrder(['2008', '2007'])).toBe(false);
    expect(columnsInKeyOrder(['2007', '2007'])).toBe(false);
    expect(columnsInKeyOrder(['0999', '2007'])).toBe(false);
    expect(columnsInKeyOrder(['4294967295'])).toBe(false);
  });
});
