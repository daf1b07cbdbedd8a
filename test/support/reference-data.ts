import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

const here = dirname(fileURLToPath(import.meta.url));

/** The reference data and the R packages' numbers live in the repository (test/fixtures/reference, see its NOTICE.md). */
export function referenceDataPath(relative: string): string {
  const path = join(resolve(here, '../fixtures/reference'), relative);
  if (!existsSync(path)) throw new Error(`reference file ${path} is missing from test/fixtures/reference; restore it from git (git checkout -- test/fixtures/reference)`);
  return path;
}

export interface Mpdta {
  countyreal: number[];
  year: number[];
  lpop: number[];
  lemp: number[];
  firstTreat: number[];
  /** Sampling weights, in the files that have a w column. */
  w?: number[];
}

/** mpdta.csv or one of its variants (mpdta-unbalanced.csv, mpdta-weighted.csv). */
export function readMpdta(file = 'mpdta.csv'): Mpdta {
  const rows = parse(readFileSync(referenceDataPath(file), 'utf8'), { columns: true }) as Record<string, string>[];
  return {
    ...(rows.length > 0 && 'w' in rows[0] ? { w: rows.map((row) => Number(row.w)) } : {}),
    countyreal: rows.map((row) => Number(row.countyreal)),
    year: rows.map((row) => Number(row.year)),
    lpop: rows.map((row) => Number(row.lpop)),
    lemp: rows.map((row) => Number(row.lemp)),
    firstTreat: rows.map((row) => Number(row['first.treat'])),
  };
}
