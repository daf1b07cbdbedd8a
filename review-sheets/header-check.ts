/**
 * Refuses a header that is not the published one, naming the columns that differ. The named columns must be the
 * published ones in the published order. The fiscal-year columns of 3-1 (2007–2060 in review year 2024) may span
 * other years in another review year's files: where the published header has them, the file must have a run of
 * consecutive years, in order, each once.
 */
import { isFiscalYearColumn, PUBLISHED_HEADERS, type ReviewTable } from './published-headers.js';

export class ReviewHeaderError extends Error {
  constructor(
    readonly fileName: string,
    readonly table: ReviewTable,
    /** Published columns absent from the file. */
    readonly missing: readonly string[],
    /** Columns of the file that are not published. */
    readonly unexpected: readonly string[],
    /** Positions where both hold a known column but in another order. */
    readonly misplaced: readonly string[],
    /** What is wrong with the fiscal-year columns, if anything. */
    readonly fiscalYears: string | null = null,
  ) {
    const parts = [
      missing.length ? `missing ${missing.map((c) => `「${c}」`).join(', ')}` : '',
      unexpected.length ? `not published ${unexpected.map((c) => `「${c}」`).join(', ')}` : '',
      misplaced.length ? `out of order ${misplaced.map((c) => `「${c}」`).join(', ')}` : '',
      fiscalYears ?? '',
    ].filter(Boolean);
    super(`${fileName}: the header is not the published header of table ${table} (${parts.join('; ')}); load the file as downloaded from the RS system`);
    this.name = 'ReviewHeaderError';
  }
}

/** Where the published header has its fiscal years, the file's run of them: consecutive years, in order, in one place. */
function fiscalYearProblem(published: readonly string[], got: readonly string[]): string | null {
  const publishedAt = published.findIndex(isFiscalYearColumn);
  const positions = got.flatMap((column, index) => (isFiscalYearColumn(column) ? [index] : []));
  if (publishedAt === -1) return positions.length ? `fiscal-year columns ${positions.map((index) => `「${got[index]}」`).join(', ')} where the published header has none` : null;
  if (!positions.length) return `no fiscal-year columns where the published header has ${published[publishedAt]}–${published.findLast(isFiscalYearColumn)}`;
  const years = positions.map((index) => Number(got[index]));
  const inOnePlace = positions[0] === publishedAt && positions.every((position, k) => position === publishedAt + k);
  const consecutive = years.every((year, k) => k === 0 || year === years[k - 1] + 1);
  if (inOnePlace && consecutive) return null;
  return `fiscal-year columns ${years[0]}…${years[years.length - 1]} are not consecutive years in order at column ${publishedAt + 1}`;
}

export function checkHeader(fileName: string, table: ReviewTable, header: readonly string[]): void {
  const published: readonly string[] = PUBLISHED_HEADERS[table];
  const got = header.map((column) => column.trim());
  const publishedNamed = published.filter((column) => !isFiscalYearColumn(column));
  const gotNamed = got.filter((column) => !isFiscalYearColumn(column));
  const missing = publishedNamed.filter((column) => !gotNamed.includes(column));
  const unexpected = gotNamed.filter((column) => !publishedNamed.includes(column));
  const misplaced = missing.length || unexpected.length ? [] : gotNamed.filter((column, index) => publishedNamed[index] !== column);
  const fiscalYears = fiscalYearProblem(published, got);
  if (missing.length || unexpected.length || misplaced.length || gotNamed.length !== publishedNamed.length || fiscalYears) {
    throw new ReviewHeaderError(fileName, table, missing, unexpected, misplaced, fiscalYears);
  }
}
