/**
 * How many decimals an estimate, its SE and its interval are shown with, in every output (HTML page, index, XLSX,
 * sentences): two significant digits of the standard error — the digits the estimate's own uncertainty supports —
 * or of the estimate when there is no SE, between 0 and 4. One rule, so the index, the page and the workbook never
 * quote the same headline at different precision.
 */
export function estimateDecimals(stdError: number | null, estimate: number | null): number {
  const scale = stdError !== null && stdError > 0 ? stdError : estimate !== null && estimate !== 0 ? Math.abs(estimate) : null;
  if (scale === null || !Number.isFinite(scale)) return 2;
  return Math.min(4, Math.max(0, 1 - Math.floor(Math.log10(scale))));
}
