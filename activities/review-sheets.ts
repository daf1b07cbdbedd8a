/**
 * Loading the published review sheets: list the files a load names, then load each (read, check, store) in one
 * transaction, so a retried attempt finds the file either wholly loaded (and skips it) or not at all.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../sql/database.js';
import { assertInputAllowed, InputOutsideDirectoryError } from '../ingest/input-confinement.js';
import { parseReviewFileName, ReviewFileNameError } from '../review-sheets/file-name.js';
import { ReviewHeaderError } from '../review-sheets/header-check.js';
import { listReviewSheetPaths, ReviewPathError } from '../review-sheets/list-files.js';
import { isLoadedTable } from '../review-sheets/published-headers.js';
import { readReviewSheetFile, ReviewCsvError } from '../review-sheets/read-file.js';
import { storeReviewSheetFile, type ReviewFileAccount } from '../review-sheets/store-file.js';
import { basename } from 'node:path';
import { permanentFailure } from './activity-context.js';

export type { ReviewFileAccount } from '../review-sheets/store-file.js';

/** A file of a table not loaded yet (1-1, 1-3, …): listed as skipped, with the reason, untouched. */
export interface ReviewFileNotLoaded {
  readonly file: string;
  readonly table: string;
  readonly reviewYear: number;
  readonly records: 0;
  readonly loaded: 0;
  readonly quarantined: 0;
  readonly skipped: true;
  readonly notLoaded: string;
}

const USER_ERRORS = [ReviewPathError, ReviewFileNameError, ReviewHeaderError, ReviewCsvError, InputOutsideDirectoryError];

function asPermanent(error: unknown): unknown {
  const known = USER_ERRORS.find((type) => error instanceof type);
  return known && error instanceof Error ? permanentFailure(error.name, error.message) : error;
}

export function createReviewSheetActivities(db: Kysely<Database>, options: { inputDir?: string } = {}) {
  return {
    async listReviewSheetFiles(paths: readonly string[]): Promise<string[]> {
      try {
        const files = listReviewSheetPaths(paths);
        for (const file of files) {
          assertInputAllowed(file, options.inputDir);
          parseReviewFileName(file);
        }
        return files;
      } catch (error) {
        throw asPermanent(error);
      }
    },

    async loadReviewSheetFile(path: string): Promise<ReviewFileAccount | ReviewFileNotLoaded> {
      try {
        assertInputAllowed(path, options.inputDir);
        const { table, reviewYear } = parseReviewFileName(path);
        if (!isLoadedTable(table)) {
          return { file: basename(path).normalize('NFC'), table, reviewYear, records: 0, loaded: 0, quarantined: 0, skipped: true, notLoaded: `table ${table} is not loaded yet (loaded: 1-2, 2-1, 3-1, 3-2, 4-1, 5-1)` };
        }
        return await storeReviewSheetFile(db, await readReviewSheetFile(path));
      } catch (error) {
        throw asPermanent(error);
      }
    },
  };
}
