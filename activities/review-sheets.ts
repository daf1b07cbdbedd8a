/**
 * Loading the published review sheets: list the files a load names (a folder's CSVs, a zip's entries), then load
 * each (read, check, store) in one transaction, so a retried attempt finds the file either wholly loaded (and
 * skips it) or not at all. A zip is opened here, where the worker runs, not by the command.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../sql/database.js';
import { assertInputAllowed, InputOutsideDirectoryError } from '../ingest/input-confinement.js';
import { parseReviewFileName, ReviewFileNameError } from '../review-sheets/file-name.js';
import { ReviewHeaderError } from '../review-sheets/header-check.js';
import { listReviewSheetRefs, ReviewPathError, type ReviewSheetRef } from '../review-sheets/list-files.js';
import { isLoadedTable } from '../review-sheets/published-headers.js';
import { ReviewCsvError } from '../review-sheets/read-file.js';
import { storeReviewSheet, type ReviewFileAccount, type ReviewSheetSource } from '../review-sheets/store-file.js';
import { ReviewZipError, zipEntryLabel, zipEntryReader } from '../review-sheets/zip-entries.js';
import { permanentFailure } from './activity-context.js';

export type { ReviewFileAccount } from '../review-sheets/store-file.js';
export type { ReviewSheetRef } from '../review-sheets/list-files.js';

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

const USER_ERRORS = [ReviewPathError, ReviewFileNameError, ReviewHeaderError, ReviewCsvError, ReviewZipError, InputOutsideDirectoryError];

function asPermanent(error: unknown): unknown {
  const known = USER_ERRORS.find((type) => error instanceof type);
  return known && error instanceof Error ? permanentFailure(error.name, error.message) : error;
}

const PIECE_BYTES = 1 << 20;

async function sha256Of(pieces: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of pieces) hash.update(piece);
  return hash.digest('hex');
}

/** The file or zip entry as a source the store reads twice: once for its digest, once to load it. */
async function sourceOf(ref: ReviewSheetRef): Promise<ReviewSheetSource> {
  if (ref.entry === undefined) {
    const pieces = () => createReadStream(ref.path, { highWaterMark: PIECE_BYTES });
    const name = basename(ref.path).normalize('NFC');
    return { label: name, fileName: name, sha256: await sha256Of(pieces()), pieces };
  }
  const pieces = await zipEntryReader(ref.path, ref.entry);
  return { label: zipEntryLabel(ref.path, ref.entry), fileName: basename(ref.entry), sha256: await sha256Of(pieces()), pieces };
}

export function createReviewSheetActivities(db: Kysely<Database>, options: { inputDir?: string } = {}) {
  return {
    async listReviewSheetFiles(paths: readonly string[]): Promise<ReviewSheetRef[]> {
      try {
        for (const path of paths) assertInputAllowed(path, options.inputDir);
        const refs = await listReviewSheetRefs(paths);
        for (const ref of refs) {
          assertInputAllowed(ref.path, options.inputDir);
          parseReviewFileName(ref.entry ?? ref.path);
        }
        return refs;
      } catch (error) {
        throw asPermanent(error);
      }
    },

    async loadReviewSheetFile(ref: ReviewSheetRef): Promise<ReviewFileAccount | ReviewFileNotLoaded> {
      try {
        assertInputAllowed(ref.path, options.inputDir);
        const { table, reviewYear } = parseReviewFileName(ref.entry ?? ref.path);
        if (!isLoadedTable(table)) {
          const file = ref.entry === undefined ? basename(ref.path).normalize('NFC') : zipEntryLabel(ref.path, ref.entry);
          return { file, table, reviewYear, records: 0, loaded: 0, quarantined: 0, skipped: true, notLoaded: `table ${table} is not loaded yet (loaded: 1-2, 2-1, 3-1, 3-2, 4-1, 5-1)` };
        }
        return await storeReviewSheet(db, await sourceOf(ref));
      } catch (error) {
        throw asPermanent(error);
      }
    },
  };
}
