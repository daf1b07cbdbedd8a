/** Refuses a header that is not the published one, naming the columns that differ. */
import { PUBLISHED_HEADERS, type ReviewTable } from './published-headers.js';

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
  ) {
    const parts = [
      missing.length ? `missing ${missing.map((c) => `「${c}」`).join(', ')}` : '',
      unexpected.length ? `not published ${unexpected.map((c) => `「${c}」`).join(', ')}` : '',
      misplaced.length ? `out of order ${misplaced.map((c) => `「${c}」`).join(', ')}` : '',
    ].filter(Boolean);
    super(`${fileName}: the header is not the published header of table ${table} (${parts.join('; ')}); load the file as downloaded from the RS system`);
    this.name = 'ReviewHeaderError';
  }
}

export function checkHeader(fileName: string, table: ReviewTable, header: readonly string[]): void {
  const published: readonly string[] = PUBLISHED_HEADERS[table];
  const got = header.map((column) => column.trim());
  const missing = published.filter((column) => !got.includes(column));
  const unexpected = got.filter((column) => !published.includes(column));
  const misplaced =
    missing.length || unexpected.length ? [] : got.filter((column, index) => published[index] !== column);
  if (missing.length || unexpected.length || misplaced.length || got.length !== published.length) {
    throw new ReviewHeaderError(fileName, table, missing, unexpected, misplaced);
  }
}
