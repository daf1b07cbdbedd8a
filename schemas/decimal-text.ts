/**
 * Decimal text and doubles, both ways, for the common case done by hand: a national outcome file holds millions of
 * measures written like 690.6, each read from its text (`Number`) and written back into the COPY text (`String`). The
 * two conversions were about a sixth of an outcome file's parse (bench/README.md, "2026-12-07 (22:51 UTC)"). Each fast
 * path gives exactly what the built-in would, and anything else goes to the built-in.
 */

/** 10^0 … 10^15, each exactly a double. */
const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const MINUS = 0x2d;
const POINT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
/** Digits a plain decimal may have for its digits as a whole number to be exact in a double (10^15 < 2^53). */
const MOST_DIGITS = 15;

/**
 * The value of `text` when it is a plain decimal: an optional minus, digits, and optionally a point followed by
 * digits, at most 15 digits in all; undefined for any other text. Then it is what `Number(text)` gives (-0 for "-0"):
 * the digits read as a whole number m are exact, and so is 10^k, so m / 10^k is the double nearest the decimal, as
 * IEEE division rounds, and as `Number` reads it.
 */
export function plainDecimalValue(text: string): number | undefined {
  const length = text.length;
  const negative = length > 0 && text.charCodeAt(0) === MINUS;
  let digits = 0;
  let whole = 0;
  let point = -1;
  for (let index = negative ? 1 : 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= ZERO && code <= NINE) {
      if (++digits > MOST_DIGITS) return undefined;
      whole = whole * 10 + (code - ZERO);
    } else if (code === POINT && point === -1) point = index;
    else return undefined;
  }
  // No digits, or a point with no digit before or after it ("1.", ".5", "-.5"): the built-in reads those.
  if (digits === 0 || point === length - 1 || point === (negative ? 1 : 0)) return undefined;
  const value = point === -1 ? whole : whole / POWERS_OF_TEN[length - 1 - point];
  return negative ? -value : value;
}

/** Places after the point tried for a number's text. */
const MOST_PLACES = 6;
/**
 * The scaled whole numbers written by hand stay below 2^31, so that each is a small integer, which V8 writes by its
 * quickest path. Any bound up to 2^53 would give the same text.
 */
const LARGEST_SCALED = 0x7fffffff;

/**
 * `String(value)`, the same text for every number, made faster for a number with a few places after the point: for
 * the fewest places k (up to 6) where the whole number r nearest value × 10^k gives value back as r / 10^k, the text
 * is r's digits with the point put k places from the end. Why that is `String`'s text:
 * - r / 10^k is correctly rounded (r and 10^k are exact doubles), so the decimal r / 10^k reads back as value;
 * - below 2^31 the decimals with k places are much further apart than the doubles near value, so at most one of them
 *   reads back as value, and `Math.round` finds it when there is one;
 * - `String` writes the decimal with the fewest significant digits that reads back as value, and within so narrow a
 *   range fewer digits means fewer places: a power of ten in the range, 10^-j, is found at its own j places, and one of
 *   1 or more would be a whole number, which reads back as itself, never as a value that is not whole;
 * - r ≥ 1 and k ≤ 6 make value at least 10^-6, which `String` writes without an exponent.
 */
export function doubleText(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const magnitude = value < 0 ? -value : value;
  for (let places = 1; places <= MOST_PLACES; places++) {
    const scaled = magnitude * POWERS_OF_TEN[places];
    if (!(scaled < LARGEST_SCALED)) break;
    const whole = Math.round(scaled);
    if (whole / POWERS_OF_TEN[places] !== magnitude) continue;
    const digits = String(whole).padStart(places + 1, '0');
    const cut = digits.length - places;
    return `${value < 0 ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }
  return String(value);
}
