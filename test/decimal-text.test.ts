import { describe, expect, it } from 'vitest';
import { readings } from '../schemas/csv-fields.js';
import { doubleText, plainDecimalValue } from '../schemas/decimal-text.js';
import { SeededRandom } from '../stats/random.js';

const random = new SeededRandom(20261207);
const between = (low: number, high: number) => low + random.uniform() * (high - low);
const wholeBelow = (limit: number) => Math.floor(random.uniform() * limit);

/** Numbers of the shapes files hold and arithmetic makes, each drawn many times. */
const NUMBER_SHAPES: readonly (() => number)[] = [
  () => Number(between(0, 1000).toFixed(wholeBelow(8))),
  () => -Number(between(0, 1e6).toFixed(wholeBelow(7))),
  () => Number(between(0, 2e9).toFixed(wholeBelow(3))),
  () => wholeBelow(1e9) / 10 ** wholeBelow(10),
  () => between(-1, 1),
  () => between(-1e-5, 1e-5),
  () => Number(between(0, 3000).toFixed(2)) / 7,
  () => between(2e8, 3e9) / 10 ** wholeBelow(7),
  () => (wholeBelow(2) ? 1 : -1) * 10 ** between(-12, 25),
  () => 0.1 * wholeBelow(100) + 0.2,
];

/** Texts the plain path reads and texts it must leave to the pattern and Number. */
const TEXT_SHAPES: readonly (() => string)[] = [
  () => between(0, 10 ** wholeBelow(16)).toFixed(wholeBelow(9)),
  () => `-${between(0, 1000).toFixed(wholeBelow(5))}`,
  () => `${'0'.repeat(wholeBelow(4))}${wholeBelow(1e6)}`,
  () => String(wholeBelow(10 ** 15) + 10 ** 15),
  () => `${wholeBelow(1e8)}.${String(wholeBelow(1e8)).padStart(8, '0')}`,
];

/** Whether doubleText writes `value` by its places: not whole, and some k ≤ 6 gives it back below 2^31 when scaled. */
function writtenByPlaces(value: number): boolean {
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) || !Number.isFinite(value)) return false;
  for (let places = 1; places <= 6; places++) {
    if (magnitude * 10 ** places < 2 ** 31 - 1 && Number(magnitude.toFixed(places)) === magnitude) return true;
  }
  return false;
}

describe('decimal text and doubles', () => {
  it('writes every number as String does, in a few places after the point or not', () => {
    const special = [0, -0, 0.5, -0.05, 1e-6, -1e-6, 1e-7, 123456789.5, 214748364.7, 2147.483647, -2147.483647, 2147483647.5, 0.1 + 0.2, 1 / 3, 2 ** 53, 1e21, 5e-324, -5e-324, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const value of special) expect(doubleText(value), String(value)).toBe(String(value));
    let byPlaces = 0;
    for (let draw = 0; draw < 300_000; draw++) {
      const value = NUMBER_SHAPES[draw % NUMBER_SHAPES.length]();
      const text = doubleText(value);
      if (text !== String(value)) expect.fail(`doubleText(${String(value)}) gave ${text}`);
      if (writtenByPlaces(value)) byPlaces++;
    }
    // The draws reach the path by places, not only whole numbers and String's own: judged apart from doubleText.
    expect(byPlaces).toBeGreaterThan(50_000);
  });

  it('reads a plain decimal as Number does, and leaves every other text to the pattern', () => {
    for (const [text, value] of [['690.6', 690.6], ['-0', -0], ['-0.000', -0], ['007', 7], ['123456789012345', 123456789012345], ['0.1', 0.1], ['-12.5', -12.5]] as const) {
      expect(Object.is(plainDecimalValue(text), value), text).toBe(true);
    }
    for (const text of ['', '-', '1.', '.5', '-.5', '1e5', '+1', '1.2.3', '--1', '1,000', '1 000', '１２', '1234567890123456', '0.0000000000000001', 'NaN', 'Infinity']) {
      expect(plainDecimalValue(text), text).toBeUndefined();
    }
    let read = 0;
    for (let draw = 0; draw < 300_000; draw++) {
      const text = TEXT_SHAPES[draw % TEXT_SHAPES.length]();
      const value = plainDecimalValue(text);
      if (value === undefined) continue;
      if (!Object.is(value, Number(text))) expect.fail(`plainDecimalValue(${text}) gave ${value}, Number gives ${Number(text)}`);
      read++;
    }
    expect(read).toBeGreaterThan(150_000);
  });

  it('reads a measure the same whichever path its text takes', () => {
    const measure = readings.measure({ type: 'number', required: true, min: -1e9 });
    const expectations: [string, number | string][] = [
      ['690.6', 690.6],
      ['1,234.5', 1234.5],
      ['1e3', 1000],
      ['.5', 0.5],
      ['1.', 1],
      ['1234567890123456.5', 1234567890123456.5],
      ['-0', -0],
      ['12a', 'is not a number'],
      ['1e999', 'is not a finite number'],
      ['-2e9', 'is below -1000000000'],
    ];
    for (const [text, expected] of expectations) {
      const result = measure(text);
      if (typeof expected === 'number') expect(result.ok && Object.is(result.value, expected), text).toBe(true);
      else expect(result).toMatchObject({ ok: false, message: expected });
    }
  });
});
