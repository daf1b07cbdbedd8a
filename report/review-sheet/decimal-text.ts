/**
 * Numbers of the review sheets as text, at the precision they were published with: the views hold them as exact
 * decimals, read as text, so formatting works on the digits and never goes through a rounding float.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Trailing zeros after the point dropped (the view's numeric may carry them: 100.00 → 100). */
function trimmed(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** A decimal with thousands separators and every published decimal: "291.66667" → "291.66667", "12154717" → "12,154,717". */
export function publishedNumber(text: string): string {
  const match = DECIMAL.exec(trimmed(text));
  if (!match) return text;
  const [, sign, whole, fraction] = match;
  return `${sign}${groupThousands(whole)}${fraction ? `.${fraction}` : ''}`;
}

/** Decimals a published number was written with ("0.6" → 1, "80" → 0). */
export function publishedDecimals(text: string): number {
  return DECIMAL.exec(trimmed(text))?.[3]?.length ?? 0;
}

/** The decimal point moved right by `places` (a ratio as a percentage: "0.97162", 2 → "97.162"), exactly. */
export function shiftDecimal(text: string, places: number): string {
  const match = DECIMAL.exec(trimmed(text));
  if (!match) return text;
  const [, sign, whole, fraction = ''] = match;
  const digits = `${whole}${fraction.padEnd(places, '0')}`;
  const point = whole.length + places;
  const shifted = `${digits.slice(0, point).replace(/^0+(?=\d)/, '')}${digits.length > point ? `.${digits.slice(point)}` : ''}`;
  return `${sign}${trimmed(shifted)}`;
}

/** A number rounded to `decimals` for a derived figure (computed achievement), with thousands separators. */
export function roundedNumber(text: string, decimals: number): string {
  const value = Number(text);
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }) : text;
}

/** Yen in 百万円 (millions of yen), rounded to a whole million: "990178535000" → "990,179". */
export function millionYen(text: string): string {
  const value = Number(text);
  return Number.isFinite(value) ? Math.round(value / 1e6).toLocaleString('en-US', { maximumFractionDigits: 0 }) : text;
}
