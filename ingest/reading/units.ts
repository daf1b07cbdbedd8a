/**
 * Units a column's values are written in, as a power of ten over a base ("千円" is 10³ × 円), and the exact
 * decimal shift that converts a value from the unit shown to the unit the programme declares. Conversions
 * are between units of the same base only: anything else is a mismatch the caller quarantines.
 */

export interface Unit {
  /** As written, e.g. 千円, %, 万円/人. */
  readonly text: string;
  /** The power of ten the prefix stands for: 千 3, 万 4, 百万 6, 億 8. */
  readonly exponent: number;
  /** What is counted: 円, %, 人, 円/人, t-CO2 … */
  readonly base: string;
}

const PREFIXES: readonly (readonly [string, number])[] = [
  ['百万', 6],
  ['十万', 5],
  ['千万', 7],
  ['兆', 12],
  ['億', 8],
  ['万', 4],
  ['千', 3],
  ['百', 2],
];

/** Bases a bracket in a header may name; other bracketed text is an annotation such as （任意）. */
const KNOWN_BASES = ['円', '%', '人', '件', '口', '回', '社', '台', '枚', 't', 'kg', 'kWh', 'qubit'];

export function parseUnit(raw: string): Unit | null {
  const text = raw.normalize('NFKC').replace(/\s+/g, '').replace(/^単位[:：]?/, '');
  if (text === '') return null;
  const yen = text.replace(/^[¥￥]$/, '円').replace(/^JPY$/i, '円').replace(/^yen$/i, '円');
  for (const [prefix, exponent] of PREFIXES) {
    if (yen.startsWith(prefix) && yen.length > prefix.length) return { text: yen, exponent, base: yen.slice(prefix.length) };
  }
  return { text: yen, exponent: 0, base: yen };
}

/** A bracketed text that names a unit the way staff write one (円, 千円, %, 人, 万t-CO2 …). */
export function looksLikeUnit(raw: string, declared: Unit | null): Unit | null {
  const unit = parseUnit(raw);
  if (!unit) return null;
  if (declared && sameBase(unit, declared)) return unit;
  return KNOWN_BASES.some((base) => unit.base === base || unit.base.startsWith(`${base}/`)) ? unit : null;
}

/**
 * Whether a value in `shown` can be converted to `declared`: the same base, or a money unit shown on a
 * per-something money column (千円 on a 万円/人 column: the "/人" is in the column's meaning, not the cell).
 */
export function sameBase(shown: Unit, declared: Unit): boolean {
  return shown.base === declared.base || declared.base.startsWith(`${shown.base}/`);
}

/** Powers of ten that take a value in `shown` to `declared` (千円 → 円: 3), or null when they measure different things. */
export function conversionExponent(shown: Unit, declared: Unit): number | null {
  return sameBase(shown, declared) ? shown.exponent - declared.exponent : null;
}

/**
 * Multiplies a decimal written as text by 10^exponent without binary rounding: "1,234.5" shifted by 3 is
 * "1234500". Returns null when the text is not a plain decimal number.
 */
export function shiftDecimal(text: string, exponent: number): string | null {
  const plain = text.normalize('NFKC').replace(/[,\s]/g, '');
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(plain);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const [, sign, whole, fraction = ''] = match;
  let digits = whole + fraction;
  let point = whole.length + exponent;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const decimals = digits.slice(point).replace(/0+$/, '');
  const result = decimals ? `${integer}.${decimals}` : integer;
  return sign && /[1-9]/.test(result) ? `-${result}` : result;
}

/** A number read from a cell, written out exactly enough to be shifted (up to 15 significant digits, as Excel keeps). */
export function numberText(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  return String(Number(value.toPrecision(15)));
}
