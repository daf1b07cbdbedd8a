/**
 * Stores one file in one transaction: a file already in force is skipped, and one retired by a newer file is put
 * back in force (its rows were kept); otherwise the earlier file of the same table and review year is retired (its
 * rows stay, out of the views), and this file's rows are copied into their core table as they are read (COPY, never
 * the whole file in memory; a large file is parsed on a thread of its own, parse-thread.ts), then its quarantined
 * records and a 3-1 file's indicators by fiscal year (core.review_indicator_values, indicator-values.ts) and its
 * indicators (core.review_indicators, indicator-summaries.ts), and its account is written last. A load that dies
 * leaves nothing behind and is simply run again.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { inTransaction, withRawClient } from '../runtime/database.js';
import type { Database } from '../sql/database.js';
import { parseReviewFileName } from './file-name.js';
import { isSyntheticFileName } from './published-file-names.js';
import { isLoadedTable, type ReviewTable } from './published-headers.js';
import { UnsupportedReviewTableError } from './read-file.js';
import { encodeReviewSheet, type EncodedSource, type SheetEncoding } from './parse-thread.js';
import { DERIVED, DERIVED_TABLES, QUARANTINE_COLUMNS, STORED } from './sheet-copy-text.js';
import { untilAborted } from './until-aborted.js';

export interface ReviewFileAccount {
  readonly file: string;
  readonly table: string;
  readonly reviewYear: number;
  readonly records: number;
  readonly loaded: number;
  readonly quarantined: number;
  /**
   * True for a file `ebpm generate` made up (its name carries SYNTHETIC_FILE_MARK): its outputs say so instead of citing
   * the RS system. For a skipped file, as registered when its bytes were first loaded.
   */
  readonly synthetic: boolean;
  /** True when bytes registered as published came again under a name marked synthetic, and are registered as synthetic now. */
  readonly markedSynthetic?: boolean;
  /** True when these bytes (by their SHA-256) were loaded before: nothing else was done (see `loadedBefore`). */
  readonly skipped: boolean;
  /**
   * For a skipped file: the table and review year its bytes were loaded as, and whether that file is in force. Not the
   * same as this account's table and year when the same bytes come again under another name: nothing is stored for it.
   */
  readonly loadedBefore?: { readonly table: string; readonly reviewYear: number; readonly inForce: boolean };
  /**
   * True when this file was loaded before, then retired by a newer one, and is now put back in force: its rows, kept
   * when it was retired, count again, and the file in force until now is retired (listed in `retired`).
   */
  readonly reinstated: boolean;
  /** Files this one retired: the file of its table and review year in force until now, if any. */
  readonly retired: readonly string[];
}

/** A file to store: its name as published (table and review year), its digest, and its bytes in pieces. */
export interface ReviewSheetSource extends EncodedSource {
  /** As shown in the account: the file's name, or the zip's name and the entry's. */
  readonly label: string;
  /** The published file name (N-N_RS_YYYY_….csv). */
  readonly fileName: string;
}

const QUARANTINE_TABLE = 'raw.review_sheet_quarantine';

/** How often a load waiting for another load of the same table and review year asks for the lock again. */
const LOCK_POLL_MS = 250;

export interface StoreOptions {
  /**
   * The load's cancellation (the activity's): when it aborts before the file's transaction commits, the load stops,
   * waiting for the lock or in the middle of a COPY (once the COPY's stream asks for its next chunk), its transaction
   * rolls back, and it throws the signal's reason (for an activity, the CancelledFailure Temporal reads as cancelled).
   */
  readonly signal?: AbortSignal;
  /**
   * The file's COPY text already begun from `source`'s very bytes (a file on disk read and hashed on its parse thread,
   * parse-thread.ts, encodeReviewFileOnThread), taken instead of encoding the pieces, and closed whether it was used or
   * not (a file loaded before, a failure).
   */
  readonly encoding?: SheetEncoding;
}

/**
 * Takes the transaction's lock on the file's table and review year, one load of them at a time, so that two files of
 * the same year cannot both stay in force. Asked again every LOCK_POLL_MS rather than waited for inside PostgreSQL, so
 * that a cancelled load stops waiting (the lock may be held by a load that runs for minutes). Waiting loads then take
 * the lock in no set order, as they start in none: the files of one table and year in one load come one after another.
 */
async function lockTableAndYear(client: pg.PoolClient, table: string, reviewYear: number, signal: AbortSignal | undefined): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS held', [`review-sheets:${table}:${reviewYear}`]);
    if (rows[0]?.held) return;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/**
 * PostgreSQL stored another number of rows than were sent (a rule or trigger added to the table, or a fault in ebpm):
 * the transaction is rolled back, nothing of the file kept, and the load is not retried (the cause would recur).
 */
export class ReviewCopyCountError extends Error {
  constructor(readonly file: string, readonly table: string, readonly sent: number, readonly stored: number) {
    super(
      `${file}: PostgreSQL stored ${stored} of the ${sent} rows sent to ${table}, so nothing of the file was kept; ` +
        `check ${table} for a rule or trigger that skips rows, or report it with the file`,
    );
    this.name = 'ReviewCopyCountError';
  }
}

/**
 * COPY of `chunks` into `table`, then the check that PostgreSQL stored every row the encoding made (`made`, read once
 * the chunks are taken): the account says what was stored, not only what was sent.
 */
async function copyEveryRow(
  client: pg.PoolClient,
  label: string,
  table: string,
  columns: readonly string[],
  chunks: AsyncIterable<Uint8Array>,
  made: () => number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const copy = client.query(copyStreams.from(`COPY ${table} (file_sha256, ${columns.join(', ')}) FROM STDIN`));
  try {
    // Cancelled, the stream fails: pg-copy-streams ends the COPY with CopyFail, and the transaction rolls back.
    await pipeline(Readable.from(untilAborted(chunks, signal)), copy);
  } catch (error) {
    // Whichever failed first, a cancelled load throws the signal's own reason: Temporal reports the activity as
    // cancelled only for the CancelledFailure it gave.
    signal?.throwIfAborted();
    throw error;
  }
  if (copy.rowCount !== made()) throw new ReviewCopyCountError(label, table, made(), copy.rowCount);
}

export async function storeReviewSheet(db: Kysely<Database>, source: ReviewSheetSource, options: StoreOptions = {}): Promise<ReviewFileAccount> {
  try {
    const { table, reviewYear } = parseReviewFileName(source.fileName);
    // Refused here, before any transaction, whichever thread would parse it (the load lists such files apart).
    if (!isLoadedTable(table)) throw new UnsupportedReviewTableError(source.fileName, table);
    return await storeInTransaction(db, source, options, { file: source.label, table, reviewYear });
  } finally {
    // Closing twice is safe: the store closes the text it used as soon as its COPYs end.
    await options.encoding?.close();
  }
}

async function storeInTransaction(
  db: Kysely<Database>,
  source: ReviewSheetSource,
  options: StoreOptions,
  base: { readonly file: string; readonly table: ReviewTable; readonly reviewYear: number },
): Promise<ReviewFileAccount> {
  const { table, reviewYear } = base;
  const stored = STORED[table];
  return withRawClient(db, (client) =>
    inTransaction(client, async () => {
      await lockTableAndYear(client, table, reviewYear, options.signal);
      const known = await client.query<{ records: number; loaded: number; quarantined: number; synthetic: boolean; status: 'loaded' | 'retired'; sheet_table: string; review_year: number }>(
        'SELECT records, loaded, quarantined, synthetic, status, sheet_table, review_year FROM raw.review_sheet_files WHERE file_sha256 = $1',
        [source.sha256],
      );
      const retireInForce = () =>
        client.query<{ file_name: string }>(
          `UPDATE raw.review_sheet_files SET status = 'retired', retired_at = now(), retired_by = $1
            WHERE sheet_table = $2 AND review_year = $3 AND status = 'loaded' AND file_sha256 <> $1 RETURNING file_name`,
          [source.sha256, table, reviewYear],
        );
      if (known.rows.length) {
        const { status, sheet_table: knownTable, review_year: knownYear, synthetic: registeredSynthetic, ...counts } = known.rows[0];
        // Bytes registered as published, now under a name marked synthetic: ebpm generate writes the same bytes for the
        // same seed, so a year it made before the mark existed (migration 0044) is marked when made and loaded again.
        // The mark only ever goes towards synthetic: a name without it says nothing of bytes known to be made up.
        const marked = !registeredSynthetic && isSyntheticFileName(source.fileName);
        if (marked) await client.query('UPDATE raw.review_sheet_files SET synthetic = true WHERE file_sha256 = $1', [source.sha256]);
        const account = { ...counts, synthetic: registeredSynthetic || marked, ...(marked ? { markedSynthetic: true } : {}) };
        // The same bytes under another table's or year's name stay as first loaded: skipped, never moved.
        if (status === 'loaded' || knownTable !== table || knownYear !== reviewYear) {
          const loadedBefore = { table: knownTable, reviewYear: knownYear, inForce: status === 'loaded' };
          return { ...base, ...account, skipped: true, loadedBefore, reinstated: false, retired: [] };
        }
        // Loaded again after a newer file retired it: the user wants this one in force. Its rows were kept, so it is
        // put back as it was, and the file in force until now is retired in its place (its rows kept in turn).
        const retired = await retireInForce();
        await client.query(`UPDATE raw.review_sheet_files SET status = 'loaded', retired_at = NULL, retired_by = NULL WHERE file_sha256 = $1`, [source.sha256]);
        return { ...base, ...account, skipped: false, reinstated: true, retired: retired.rows.map((row) => row.file_name) };
      }
      // The last point before the file's rows are written: a load cancelled since it took the lock stops here.
      options.signal?.throwIfAborted();
      const retired = await retireInForce();
      const synthetic = isSyntheticFileName(source.fileName);
      // Registered first (its rows refer to it), its account written once every record is in.
      await client.query(
        `INSERT INTO raw.review_sheet_files (file_sha256, file_name, sheet_table, review_year, records, loaded, quarantined, status, synthetic)
         VALUES ($1, $2, $3, $4, 0, 0, 0, 'loaded', $5)`,
        [source.sha256, source.label, table, reviewYear, synthetic],
      );
      // The file's COPY text, made as it is read (the whole file is never in memory), parsed on a thread of its own for a
      // large file (parse-thread.ts); its quarantined records and a 3-1 file's derived tables (DERIVED) follow its rows,
      // in the same transaction; or the text the caller began (StoreOptions.encoding).
      const encoding = options.encoding ?? encodeReviewSheet(source);
      let quarantined: number;
      let loaded: number;
      try {
        await copyEveryRow(client, source.label, stored.table, stored.columns, encoding.rowChunks(), () => encoding.rows, options.signal);
        loaded = encoding.rows;
        quarantined = encoding.quarantined;
        if (quarantined > 0) await copyEveryRow(client, source.label, QUARANTINE_TABLE, QUARANTINE_COLUMNS, encoding.quarantineChunks(), () => encoding.quarantined, options.signal);
        if (table === '3-1') {
          for (const derived of DERIVED_TABLES) {
            await copyEveryRow(client, source.label, DERIVED[derived].table, DERIVED[derived].columns, encoding.derivedChunks(derived), () => encoding.derivedRows(derived), options.signal);
          }
        }
      } finally {
        await encoding.close();
      }
      // A cancellation that came while the last COPY was ending: the file is not committed. After this point the
      // transaction commits, and the workflow, which waits for its cancelled files, reads the file as loaded.
      options.signal?.throwIfAborted();
      const records = loaded + quarantined;
      await client.query('UPDATE raw.review_sheet_files SET records = $2, loaded = $3, quarantined = $4 WHERE file_sha256 = $1', [source.sha256, records, loaded, quarantined]);
      return { ...base, records, loaded, quarantined, synthetic, skipped: false, reinstated: false, retired: retired.rows.map((row) => row.file_name) };
    }),
  );
}
