/**
 * Number formats of the progress table, decided by the indicator's unit and its catalogue target: a reader sees
 * counts as whole numbers, percentages with a % sign, a target at its own precision (0.6 stays 0.6) and an
 * estimate at three significant digits, while the cell keeps the exact number the view holds.
 */
import type { ProgrammeFile } from '../../schemas/catalogue.js';
import { estimateDecimals } from '../estimate-precision.js';

type Indicator = ProgrammeFile['logicModel']['output'][number];

/** Units that count things: values summed or counted over records are whole numbers. */
const COUNT_UNITS = new Set(['件', '社', '拠点', '口', 'か国', '人', '回', 'qubit', '者', '事業', '基']);

/** Decimals a catalogue figure was written with (0.6 → 1, 92 → 0, 1e-3 → 3), at most 6. */
export function decimalsOf(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return 0;
  for (let decimals = 1; decimals <= 6; decimals++) if (Math.abs(Number(value.toFixed(decimals)) - value) < 1e-9) return decimals;
  return 6;
}

/** A fixed-point format with thousands separators: `#,##0` or `#,##0.00`. */
export function fixedFormat(decimals: number): string {
  return decimals > 0 ? `#,##0.${'0'.repeat(decimals)}` : '#,##0';
}

/** Percentage points (the catalogue's "%" unit: 43.5 means 43.5 %), shown with the sign but not multiplied. */
export function percentPointFormat(decimals: number): string {
  return `${decimals > 0 ? `0.${'0'.repeat(decimals)}` : '0'}"%"`;
}

/** A share stored as a fraction (0.075), shown as 7.5 %. */
export const SHARE_FORMAT = '0.0%';

/** p-values: three decimals, and "<0.001" below that. */
export const P_VALUE_FORMAT = '[<0.001]"<0.001";0.000';

export const INTEGER_FORMAT = '#,##0';

/** True when the indicator counts whole things: a counting unit, computed by counting or summing records. */
export function isCountIndicator(indicator: Indicator): boolean {
  const computation = indicator.computation;
  if (!computation || computation.source === 'statistics') return false;
  return COUNT_UNITS.has(indicator.unit) && !/op\.(mean|median|average)\(/.test(computation.value) && Number.isInteger(indicator.target.value);
}

/** Format of a catalogue figure (baseline or target): the precision it was written with. */
export function catalogueFigureFormat(indicator: Indicator, value: number): string {
  const decimals = decimalsOf(value);
  return indicator.unit === '%' ? percentPointFormat(decimals) : fixedFormat(decimals);
}

/**
 * Format of a computed value: whole numbers for counts; otherwise one decimal more than the catalogue's
 * baseline and target were written with (a mean against a target of 700 shows 690.6), at most three.
 */
export function indicatorValueFormat(indicator: Indicator): string {
  if (isCountIndicator(indicator)) return INTEGER_FORMAT;
  const decimals = Math.min(3, Math.max(decimalsOf(indicator.target.value), decimalsOf(indicator.baseline?.value ?? 0)) + 1);
  return indicator.unit === '%' ? percentPointFormat(decimals) : fixedFormat(decimals);
}

/** Decimals that show `magnitude` with three significant digits (29.87 → 1, 0.01234 → 4, 1234 → 0), at most 6. */
export function significantDecimals(magnitude: number, digits = 3): number {
  if (!Number.isFinite(magnitude) || magnitude === 0) return 0;
  return Math.min(6, Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(magnitude)))));
}

/** Format of an estimate, its SE and its interval: the decimals every output uses (report/estimate-precision.ts). */
export function effectFormat(_indicator: Indicator | undefined, estimate: number | null, stdError: number | null): string {
  return fixedFormat(estimateDecimals(stdError, estimate));
}

/** The number as the format shows it, for sentences (評価・所見) that quote it. */
export function formatForText(value: number, decimals: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Decimals of a fixed or percent-point format (its zeros after the point). */
export function decimalsOfFormat(format: string): number {
  const match = /\.(0+)/.exec(format);
  return match ? match[1].length : 0;
}
