/** The published review-sheet fixtures rewritten as another review year, for tests that load two years. */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

export const REVIEW_SHEET_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'review-sheets-2024');

/** Writes the fixtures' CSVs into `folder` as review year `year`: each file renamed, its 事業年度 cells rewritten. */
export function writeFixturesAsReviewYear(folder: string, year: number): void {
  mkdirSync(folder);
  for (const name of readdirSync(REVIEW_SHEET_FIXTURES).filter((file) => /_RS_2024_.*\.csv$/.test(file))) {
    const rows = parse(readFileSync(join(REVIEW_SHEET_FIXTURES, name)), { bom: true }) as string[][];
    const yearColumn = rows[0].indexOf('事業年度');
    const quote = (cell: string) => `"${cell.replaceAll('"', '""')}"`;
    const lines = rows.map((row, index) => row.map((cell, column) => (index > 0 && column === yearColumn ? String(year) : cell)).map(quote).join(','));
    writeFileSync(join(folder, name.replace('_RS_2024_', `_RS_${year}_`)), `\uFEFF${lines.join('\n')}\n`);
  }
}
