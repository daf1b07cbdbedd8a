/**
 * Cell conventions of the published sheets: trailing spaces (numbers and 法人番号 in 5-1), the many dashes that
 * mean "none", and amounts written with a decimal point (34482000.0).
 */

/** -, ー, －, --, ｰ, ―, ‐ and their repetitions: written where a field has nothing to say. */
const NONE_DASHES = /^[-ー－ｰ―‐—–−]+$/u;

/** The cell's text without surrounding spaces, or null when it is empty or a dash meaning none. */
export function presentText(cell: string | undefined): string | null {
  if (cell === undefined || cell === '') return null;
  // Most cells have no surrounding space: the trim is skipped for them (millions of cells a national year).
  const text = isSpace(cell.charCodeAt(0)) || isSpace(cell.charCodeAt(cell.length - 1)) ? cell.replace(/^[\s\u3000]+|[\s\u3000]+$/gu, '') : cell;
  if (text === '' || NONE_DASHES.test(text)) return null;
  return text;
}

function isSpace(code: number): boolean {
  return code <= 0x20 || code === 0x3000 || code === 0xa0 || code === 0xfeff || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x1680 || code === 0x85;
}

/**
 * A number as text: digits, an optional minus and decimal part. The test the numbers of the stored cells pass, and the
 * one PostgreSQL applies to them (core.review_indicator_values' generated columns, migration 0039:
 * `'^-?[0-9]+(\.[0-9]+)?$'`, where ^ and $ are the text's ends, as here without the m flag; \d is ASCII digits only).
 */
export const NUMBER_CELL = /^-?\d+(\.\d+)?$/;

/**
 * The most characters a number may have. PostgreSQL's numeric refuses more than 131,072 digits before the point or
 * 16,383 after it, which would fail the whole file's COPY (or, in 3-1's yearly values, every refresh of the views that
 * read them); no published sheet comes near a thousand.
 */
export const MAX_NUMBER_CHARACTERS = 1_000;

/** `tooLong`: a number, but longer than MAX_NUMBER_CHARACTERS. */
export type NumberCell = { readonly ok: true; readonly value: string | null } | { readonly ok: false; readonly text: string; readonly tooLong: boolean };

/**
 * A number as a decimal string (exact, for numeric columns): "34482000.0" → "34482000", commas between digit
 * groups allowed; null for none; not ok for any other text, nor for a number longer than MAX_NUMBER_CHARACTERS.
 */
export function numberCell(cell: string | undefined): NumberCell {
  const text = presentText(cell);
  if (text === null) return { ok: true, value: null };
  const plain = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text) ? text.replaceAll(',', '') : text;
  if (!NUMBER_CELL.test(plain)) return { ok: false, text, tooLong: false };
  if (plain.length > MAX_NUMBER_CHARACTERS) return { ok: false, text, tooLong: true };
  return { ok: true, value: plain.includes('.') ? plain.replace(/\.?0+$/, '') || '0' : plain };
}
