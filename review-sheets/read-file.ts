/**
 * Reads one published review-sheet file into rows and quarantined records: the name gives the table and the
 * review year, the header must be the published one, and every record after it becomes exactly one of the two.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseReviewFileName } from './file-name.js';
import { checkHeader } from './header-check.js';
import { isLoadedTable, type ReviewTable } from './published-headers.js';
import type { Row } from './records.js';
import { mappingFor } from './tables.js';

export interface QuarantinedRecord {
  /** The record's first line in the file (the header is line 1). */
  readonly line: number;
  readonly reason: string;
  readonly record: readonly string[];
}

export interface ReviewSheetFile {
  readonly fileName: string;
  readonly sha256: string;
  readonly table: ReviewTable;
  readonly reviewYear: number;
  readonly rows: readonly (Row & { line: number })[];
  readonly quarantined: readonly QuarantinedRecord[];
}

export class UnsupportedReviewTableError extends Error {
  constructor(readonly fileName: string, readonly table: string) {
    super(`${fileName}: table ${table} is not loaded yet (loaded: 1-2, 2-1, 3-1, 3-2, 4-1, 5-1)`);
    this.name = 'UnsupportedReviewTableError';
  }
}

export class ReviewCsvError extends Error {
  constructor(readonly fileName: string, cause: unknown) {
    super(`${fileName} cannot be read as CSV: ${cause instanceof Error ? cause.message : String(cause)}; load the file as downloaded from the RS system`, { cause });
    this.name = 'ReviewCsvError';
  }
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function readReviewSheetFile(path: string): Promise<ReviewSheetFile> {
  const bytes = await readFile(path);
  return parseReviewSheet(basename(path).normalize('NFC'), bytes);
}

export function parseReviewSheet(fileName: string, bytes: Uint8Array): ReviewSheetFile {
  const { table, reviewYear } = parseReviewFileName(fileName);
  if (!isLoadedTable(table)) throw new UnsupportedReviewTableError(fileName, table);
  // A byte that is not UTF-8 becomes U+FFFD and stays visible in the text instead of stopping the load.
  // NUL cannot be stored in Postgres text: it becomes U+FFFD too.
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes).replaceAll('\u0000', '\uFFFD');
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, { bom: true, info: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    throw new ReviewCsvError(fileName, error);
  }
  if (parsed.length === 0) throw new ReviewCsvError(fileName, new Error('the file is empty'));
  const header = parsed[0].record;
  checkHeader(fileName, table, header);
  const mapping = mappingFor(table);
  const rows: (Row & { line: number })[] = [];
  const quarantined: QuarantinedRecord[] = [];
  let line = parsed[0].info.lines + 1;
  for (const { record, info } of parsed.slice(1)) {
    const firstLine = line;
    line = info.lines + 1;
    if (record.length !== header.length) {
      quarantined.push({ line: firstLine, reason: `${record.length} columns where the header has ${header.length}`, record });
      continue;
    }
    const cells = Object.fromEntries(header.map((column, index) => [column.trim(), record[index]]));
    const mapped = mapping.map(cells, reviewYear);
    if ('reason' in mapped) quarantined.push({ line: firstLine, reason: mapped.reason, record });
    else rows.push({ ...mapped.row, line: firstLine });
  }
  return { fileName, sha256: sha256Of(bytes), table, reviewYear, rows, quarantined };
}
