/**
 * Writes one review year in the published format: the six loaded tables (1-2, 2-1, 3-1, 3-2, 4-1, 5-1) under
 * their published names marked as synthetic (syntheticFileName), project after project, so that only one project is
 * ever held in memory.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED_HEADERS, type ReviewTable } from '../published-headers.js';
import { syntheticFileName } from '../published-file-names.js';
import { CsvFileWriter } from './csv-file-writer.js';
import type { ReviewProjectModel } from './project-model.js';
import { RECORDS_OF_TABLE } from './sheet-rows.js';

export interface WrittenReviewYear {
  readonly reviewYear: number;
  readonly projects: number;
  /** Each written file with its records (after the header). */
  readonly files: readonly { readonly table: ReviewTable; readonly path: string; readonly records: number }[];
}

const TABLES = Object.keys(RECORDS_OF_TABLE) as ReviewTable[];

export function writeReviewYear(outDir: string, reviewYear: number, projects: Iterable<ReviewProjectModel>): WrittenReviewYear {
  mkdirSync(outDir, { recursive: true });
  const writers = TABLES.map((table) => ({ table, writer: new CsvFileWriter(join(outDir, syntheticFileName(table, reviewYear)), PUBLISHED_HEADERS[table]) }));
  let count = 0;
  try {
    for (const project of projects) {
      count++;
      for (const { table, writer } of writers) for (const record of RECORDS_OF_TABLE[table](project, reviewYear)) writer.write(record);
    }
  } finally {
    for (const { writer } of writers) writer.close();
  }
  return { reviewYear, projects: count, files: writers.map(({ table, writer }) => ({ table, path: writer.path, records: writer.records })) };
}
