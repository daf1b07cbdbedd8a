/**
 * Loading the published review sheets: list the files a load names (a folder's CSVs, a zip's entries), then load
 * each (read, check, store) in one transaction, so a retried attempt finds the file either wholly loaded (and
 * skips it) or not at all. A zip is opened here, where the worker runs, not by the command.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from '../sql/database.js';
import { assertInputAllowed, InputOutsideDirectoryError } from '../ingest/loading/input-confinement.js';
import { parseReviewFileName, ReviewFileNameError, type ReviewFileName } from '../review-sheets/file-name.js';
import { FILE_PIECE_BYTES, filePieces } from '../review-sheets/file-pieces.js';
import { ReviewHeaderError } from '../review-sheets/header-check.js';
import type { FindingCheckId } from '../review-sheets/finding-checks.js';
import { HAS_INDICATORS_WITHOUT_TARGETS, SUMMARIES_OF_FILES_WITHOUT_THEM, TARGETS_OF_INDICATORS_WITHOUT_THEM } from '../review-sheets/indicator-summaries.js';
import { listReviewSheetRefs, ReviewPathError, type ReviewSheetRef } from '../review-sheets/list-files.js';
import { isLoadedTable } from '../review-sheets/published-headers.js';
import { takeEncodingAhead } from '../review-sheets/encoding-ahead.js';
import { encodeReviewFileOnThread, readsOnItsThread, ReviewParseMemoryError, type SheetEncoding } from '../review-sheets/parse-thread.js';
import { ReviewCsvError } from '../review-sheets/read-file.js';
import { ReviewCopyCountError, storeReviewSheet, type ReviewFileAccount, type ReviewSheetSource } from '../review-sheets/store-file.js';
import { ReviewZipError, zipEntryLabel, zipEntryReader } from '../review-sheets/zip-entries.js';
import { analyseLoadedTable, inTransaction, withOwnConnection, withRawClient } from '../runtime/database.js';
import { activityCancellationSignal, permanentFailure, whileHeartbeating } from './activity-context.js';

export type { ReviewFileAccount } from '../review-sheets/store-file.js';
export type { ReviewSheetRef } from '../review-sheets/list-files.js';

/** A file to load with the table and review year its name gives (the workflow loads different ones side by side). */
export type ListedReviewSheet = ReviewSheetRef & { readonly sheet?: ReviewFileName };

/** The account of a file of which nothing was read into the tables. */
interface NothingLoaded {
  readonly file: string;
  readonly table: string;
  readonly reviewYear: number;
  readonly records: 0;
  readonly loaded: 0;
  readonly quarantined: 0;
}

/**
 * A file refused for what it holds (a header that is not the published one, a header that cannot be read, no header
 * at all): nothing of it is stored, and the load's other files go on. Not `skipped`, which says a file is in already:
 * its account is all zeros, with what is wrong and the fix.
 */
export interface ReviewFileRefused extends NothingLoaded {
  readonly skipped: false;
  readonly refused: string;
}

/** What refuses one file and leaves the others to load; any other failure stops the load (the workflow's rule). */
function isFileRefusal(error: unknown): error is ReviewHeaderError | ReviewCsvError {
  return error instanceof ReviewHeaderError || error instanceof ReviewCsvError;
}

/** The account of a file of which nothing is read, under the name it has in the accounts (ZIP/ENTRY for a zip's entry). */
function nothingLoaded(ref: ReviewSheetRef, table: string, reviewYear: number): NothingLoaded {
  const file = ref.entry === undefined ? basename(ref.path).normalize('NFC') : zipEntryLabel(ref.path, ref.entry);
  return { file, table, reviewYear, records: 0, loaded: 0, quarantined: 0 };
}

/** A file of a table not loaded yet (1-1, 1-3, …): listed as skipped, with the reason, untouched. */
export interface ReviewFileNotLoaded extends NothingLoaded {
  readonly skipped: true;
  readonly notLoaded: string;
}

/**
 * Failures a retry cannot mend: the user's input, or (ReviewCopyCountError, ReviewParseMemoryError) a fault that would
 * recur. A file's header or CSV (ReviewHeaderError, ReviewCsvError) never gets here: it refuses that file alone
 * (isFileRefusal).
 */
const PERMANENT_ERRORS = [ReviewPathError, ReviewFileNameError, ReviewZipError, InputOutsideDirectoryError, ReviewCopyCountError, ReviewParseMemoryError];

function asPermanent(error: unknown): unknown {
  const known = PERMANENT_ERRORS.find((type) => error instanceof type);
  return known && error instanceof Error ? permanentFailure(error.name, error.message) : error;
}

/** The view the load's last step writes (see refreshReviewViews). */
const WRITTEN_REVIEW_VIEWS = ['bi.review_findings'] as const;

/**
 * The tables the findings and the review views read, analysed before the findings are written (see
 * refreshReviewViews), in two lists, each analysed on one connection, table after table, beside the other: the work
 * (mostly summarising a table's new block ranges, which reads the table) is spread over the two cores by about the
 * pages each list held after a national year's load (payee rows 4,814, budget 917, edges 711 and indicators 520 pages;
 * 3-1's rows 3,945 and indicators by year 2,511, projects 280). Each table on a connection of its own made the pool
 * open six more, which PostgreSQL started and which met the tables' pages for the first time, for no more cores.
 */
const REVIEW_VIEW_READS: readonly (readonly string[])[] = [
  ['core.review_payee_rows', 'core.review_budget', 'core.review_edges', 'core.review_indicators'],
  ['core.review_indicator_rows', 'core.review_indicator_values', 'core.review_projects', 'raw.review_sheet_files'],
];

/**
 * Waits for every statement, then throws the first failure: a retried attempt must not find the statements of the
 * failed one still running (and wait behind them for their locks).
 */
async function allSettledOrFirstFailure(statements: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(statements)).find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

async function sha256Of(pieces: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of pieces) hash.update(piece);
  return hash.digest('hex');
}

/**
 * The file or zip entry as a source for the store, with its digest. A large file on disk is read by its parse thread,
 * which hashes it there and parses it when the store asks (`encoding`); the command's own worker may have begun it
 * already (review-sheets/encoding-ahead.ts). Any other is read here twice: once for its digest, once to load it.
 */
async function sourceOf(ref: ReviewSheetRef): Promise<{ readonly source: ReviewSheetSource; readonly encoding?: SheetEncoding }> {
  if (ref.entry === undefined) {
    const pieces = () => filePieces(ref.path, FILE_PIECE_BYTES);
    const name = basename(ref.path).normalize('NFC');
    const size = (await stat(ref.path)).size;
    const onThread = takeEncodingAhead(ref.path) ?? (readsOnItsThread(size) ? encodeReviewFileOnThread(ref.path, name, { size }) : undefined);
    if (onThread) {
      try {
        return { source: { label: name, fileName: name, sha256: await onThread.sha256(), size, pieces }, encoding: onThread.encoding };
      } catch (error) {
        await onThread.encoding.close();
        throw error;
      }
    }
    return { source: { label: name, fileName: name, sha256: await sha256Of(pieces()), size, pieces } };
  }
  const pieces = await zipEntryReader(ref.path, ref.entry);
  return { source: { label: zipEntryLabel(ref.path, ref.entry), fileName: basename(ref.entry), sha256: await sha256Of(pieces()), pieces } };
}

export function createReviewSheetActivities(db: Kysely<Database>, options: { inputDir?: string } = {}) {
  return {
    async listReviewSheetFiles(paths: readonly string[]): Promise<ListedReviewSheet[]> {
      try {
        for (const path of paths) assertInputAllowed(path, options.inputDir);
        // Heartbeating too: the workflow gives every activity of the load its heartbeat timeout, and the directory of
        // a large zip on a slow disk may take a while to read.
        const refs = await whileHeartbeating(() => listReviewSheetRefs(paths));
        return refs.map((ref) => {
          assertInputAllowed(ref.path, options.inputDir);
          return { ...ref, sheet: parseReviewFileName(ref.entry ?? ref.path) };
        });
      } catch (error) {
        throw asPermanent(error);
      }
    },

    async loadReviewSheetFile(ref: ReviewSheetRef): Promise<ReviewFileAccount | ReviewFileNotLoaded | ReviewFileRefused> {
      try {
        assertInputAllowed(ref.path, options.inputDir);
        const { table, reviewYear } = parseReviewFileName(ref.entry ?? ref.path);
        if (!isLoadedTable(table)) {
          return { ...nothingLoaded(ref, table, reviewYear), skipped: true, notLoaded: `table ${table} is not loaded yet (loaded: 1-2, 2-1, 3-1, 3-2, 4-1, 5-1)` };
        }
        try {
          // Heartbeating while the file is hashed and loaded: a worker that dies mid-file is noticed within the
          // workflow's heartbeat timeout, and the file (rolled back with its transaction) is loaded again elsewhere.
          // Cancelled (the workflow cancelled, this attempt timed out, the worker stopping), the load stops and rolls
          // back: an attempt taken for dead must not commit the file while its retry waits for the lock.
          const signal = activityCancellationSignal();
          return await whileHeartbeating(async () => {
            const { source, encoding } = await sourceOf(ref);
            return storeReviewSheet(db, source, { ...(signal ? { signal } : {}), ...(encoding ? { encoding } : {}) });
          });
        } catch (error) {
          // Rolled back with its transaction: the file is reported, and the files beside it load as if it were not
          // there.
          if (isFileRefusal(error)) return { ...nothingLoaded(ref, table, reviewYear), skipped: false, refused: error.message };
          throw error;
        }
      } catch (error) {
        throw asPermanent(error);
      }
    },

    /**
     * Brings bi.review_findings up to the sheets in force of the given review years (those of the load's files; all
     * loaded years when none are given, as loads started before migration 0041 ask) and of the years marked due
     * (migration 0042: changed by a load whose last step never ran); the load's last step. The other years' findings
     * are left as they are. The tables are analysed first, their new block ranges summarised (analyseLoadedTable): just
     * after a bulk load autovacuum has not seen them yet, and without statistics the planner took the findings'
     * recursive 3-2 walk for one row and nested-looped it (40 s instead of 2 s at 5,700 projects).
     */
    async refreshReviewViews(reviewYears?: readonly number[]): Promise<string[]> {
      return whileHeartbeating(() => writeReviewFindings(db, reviewYears));
    },
  };
}

/** The tables analysed side by side, then the findings of the review years written again (see refreshReviewViews). */
async function writeReviewFindings(db: Kysely<Database>, reviewYears: readonly number[] | undefined): Promise<string[]> {
  // Two lists of tables side by side, so PostgreSQL uses both cores (REVIEW_VIEW_READS).
  // At 5,700 projects the findings kept their plans at the loaded tables' statistics target, and five tables of
  // sheet rows were analysed in 0.05 s against 0.34 s at the default (measured before core.review_indicator_values
  // was added; the files' register holds a row per file).
  await allSettledOrFirstFailure(
    REVIEW_VIEW_READS.map(async (tables) => {
      for (const table of tables) await analyseLoadedTable(db, table);
    }),
  );
  await withRawClient(db, (client) =>
    inTransaction(client, async () => {
      // JIT compiling cost more than it saved (1.9 s against 1.4 s, when the findings were a materialized view).
      await client.query('SET LOCAL jit = off');
      // Two loads of one review year at once write its findings one after the other: the second deletes the rows
      // the first wrote (each statement sees what was committed before it began). Readers are not held up.
      await client.query('LOCK TABLE core.review_findings IN SHARE ROW EXCLUSIVE MODE');
      // The years marked due by committed changes of what is in force (migration 0042), whichever load made them: a
      // load whose own last step never ran is caught up here. The marks come back if this transaction fails.
      const due = (await client.query<{ years: number[] }>('WITH due AS (DELETE FROM core.review_findings_due RETURNING review_year) SELECT ARRAY(SELECT DISTINCT review_year FROM due) AS years')).rows[0].years;
      const asked =
        reviewYears === undefined
          ? (await client.query<{ years: number[] }>('SELECT ARRAY(SELECT DISTINCT review_year FROM raw.review_sheet_files UNION SELECT DISTINCT review_year FROM core.review_findings) AS years')).rows[0].years
          : reviewYears;
      const years = [...new Set([...asked, ...due])];
      const summarised = await client.query(SUMMARIES_OF_FILES_WITHOUT_THEM, [years]);
      // Indicators without has_target (written just above, or by a worker older than 0052) have it before the checks
      // read it; the check outcome_without_target would otherwise search the indicators by year for each of them.
      if ((await client.query<{ pending: boolean }>(HAS_INDICATORS_WITHOUT_TARGETS, [years])).rows[0].pending) {
        for (const statement of TARGETS_OF_INDICATORS_WITHOUT_THEM) await client.query(statement, [years]);
      }
      await client.query('DELETE FROM core.review_findings WHERE review_year = ANY ($1::integer[])', [years]);
      // Indicators just written by this transaction (a 3-1 file loaded by a worker older than 0045) are not seen by
      // another connection until it commits: every check is then computed here.
      if ((summarised.rowCount ?? 0) > 0) await client.query(INSERT_FINDINGS, [years]);
      else await insertFindingsInTwoGroups(db, client, years);
    }),
  );
  return [...WRITTEN_REVIEW_VIEWS];
}

const INSERT_FINDINGS = 'INSERT INTO core.review_findings SELECT * FROM core.review_findings_of($1::integer[])';

/**
 * The checks computed on a connection of their own beside the others: the walk of 3-2's chains and the repeated names
 * took 229 ms alone, the other five 245 ms alone, all seven 446 ms together, in a national year (EXPLAIN ANALYZE;
 * bench/README.md, "2026-12-07").
 */
const CHECKS_COMPUTED_BESIDE: readonly FindingCheckId[] = ['outcome_unreached', 'output_repeated_as_outcome'];

/**
 * How long the second connection waits for a lock. The step's transaction holds locks on the tables it has written
 * and waits for this connection; a request queued behind those locks (a migration, an ALTER) would make this
 * connection's read wait for it, and so for the step: a cycle PostgreSQL cannot see, since part of it is in node.
 */
const BESIDE_LOCK_TIMEOUT = '5s';
/**
 * PostgreSQL's codes for a second connection that could not read: a lock waited for too long (lock_not_available), or
 * no connection left on the server (too_many_connections). Its checks are then computed by the transaction itself.
 */
const LEFT_TO_THE_TRANSACTION = new Set(['55P03', '53300']);

/**
 * The checks in two groups of about equal cost, side by side: the step's transaction inserts the one, a connection of
 * its own reads the other, whose rows the transaction then inserts, so the year's findings are still replaced in one
 * commit. Both begin after the due marks were taken. Each group reads its own snapshot: a load that commits between
 * them marks its year due, and its own last step, which waits for this one's lock, writes the year again. The function
 * is inlined into each statement, so a group computes its own checks only. A second connection that waited too long
 * for a lock, or found no connection left on the server, leaves its checks to the transaction.
 */
async function insertFindingsInTwoGroups(db: Kysely<Database>, client: pg.ClientBase, years: readonly number[]): Promise<void> {
  const beside: { rows?: string } = {};
  await allSettledOrFirstFailure([
    client.query(`${INSERT_FINDINGS} WHERE check_id <> ALL ($2::text[])`, [years, CHECKS_COMPUTED_BESIDE]),
    findingsAsJson(db, years, CHECKS_COMPUTED_BESIDE).then(
      (rows) => {
        beside.rows = rows;
      },
      (error: unknown) => {
        if (!LEFT_TO_THE_TRANSACTION.has((error as { code?: string }).code ?? '')) throw error;
      },
    ),
  ]);
  if (beside.rows === undefined) await client.query(`${INSERT_FINDINGS} WHERE check_id = ANY ($2::text[])`, [years, CHECKS_COMPUTED_BESIDE]);
  else await client.query('INSERT INTO core.review_findings SELECT * FROM json_populate_recordset(NULL::core.review_findings, $1::json)', [beside.rows]);
}

/**
 * The findings of `checks` in the review years, as a JSON array of core.review_findings rows (numbers kept exact), read
 * on a connection outside the pool: the pool's connections may all be held by steps waiting for the findings' lock,
 * which the step asking for this one holds.
 */
async function findingsAsJson(db: Kysely<Database>, years: readonly number[], checks: readonly FindingCheckId[]): Promise<string> {
  return withOwnConnection(db, (client) =>
    inTransaction(client, async () => {
      await client.query('SET LOCAL jit = off');
      await client.query(`SET LOCAL lock_timeout = '${BESIDE_LOCK_TIMEOUT}'`);
      const { rows } = await client.query<{ rows: string }>(
        `SELECT coalesce(json_agg(f), '[]')::text AS rows FROM core.review_findings_of($1::integer[]) f WHERE f.check_id = ANY ($2::text[])`,
        [years, checks],
      );
      return rows[0].rows;
    }),
  );
}
