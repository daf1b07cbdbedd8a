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

const DECIMAL = /^-?\d+(\.\d+)?$/;

export type NumberCell = { readonly ok: true; readonly value: string | null } | { readonly ok: false; readonly text: string };

/**
 * A number as a decimal string (exact, for numeric columns): "34482000.0" → "34482000", commas between digit
 * groups allowed; null for none; not ok for any other text.
 */
export function numberCell(cell: string | undefined): NumberCell {
  const text = presentText(cell);
  if (text === null) return { ok: true, value: null };
  const plain = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text) ? text.replaceAll(',', '') : text;
  if (!DECIMAL.test(plain)) return { ok: false, text };
  return { ok: true, value: plain.includes('.') ? plain.replace(/\.?0+$/, '') || '0' : plain };
}
