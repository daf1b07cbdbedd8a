/**
 * Loads one input file: every row is either loaded into the core tables or quarantined in
 * raw.rejected_rows with its reasons, and the file's account (rows in = loaded + rejected) is recorded.
 * A table is identified by its file's content hash (with the sheet and kind for a workbook: file-identity.ts);
 * loading the same table again changes nothing.
 *
 * Rows are bulk-loaded with COPY in committed batches. Each batch commits together with the file's
 * running account, so a crash loses at most the batch under way and a retry continues after the last
 * committed line. A worker thread reads and validates the next batch while this thread commits the
 * previous one, so parsing and the database work side by side (small files are parsed on this thread).
 */
import { statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { IngestAccount, IngestFileInput } from '../../activities/contracts.js';
import type { Database } from '../../sql/database.js';
import { getProgramme } from '../../programmes/catalogue.js';
import { fileDeclaration } from '../../programmes/file-declaration.js';
import { analyseLoadedTable, inTransaction, withRawClient } from '../../runtime/database.js';
import { beforeStoredRowsMet, bulkTargetFor, recordReplacementKeys, retireRows, type BulkTarget } from './bulk-targets.js';
import type { ParsedBatch } from '../validating/parse-batches.js';
import { ParseWorker } from './parse-worker-client.js';
import { InProcessBatchSource, ParseSessionError, type BatchSource, type ParseMessage } from './parse-session.js';
import { sha256OfFile, tableIdentity } from './file-identity.js';
import { outcomeMeasureSlots } from './measure-slots.js';
import { formatOf, InputFormatError, type TableLayout, type TableStream } from '../reading/read-table.js';
import type { UnitConversion } from '../reading/excel-cells.js';

export const DEFAULT_BATCH_SIZE = 50_000;

/** Loads at least this large refresh the planner statistics of the tables they wrote. */
const ANALYZE_AFTER_ROWS = 10_000;

export interface LoadProgress {
  readonly fileName: string;
  /** Every line up to this one is committed: a retried load resumes after it. */
  readonly committedThroughLine: number;
  readonly rowsRead: number;
  /** Of the batch just committed: rows loaded into the core tables, and rows quarantined. */
  readonly batchLoaded: number;
  readonly batchQuarantined: number;
}

export interface LoadOptions {
  /** Called after each committed batch. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Rows per committed batch. */
  readonly batchSize?: number;
  /** Where to parse: a worker thread beside the commits, or this thread; by default by the file's size. */
  readonly parseIn?: 'worker' | 'process';
  /**
   * Stops the load at the next batch boundary when it aborts (the activity is cancelled, or its worker shuts
   * down): the batch under way commits whole, and a retry resumes after it.
   */
  readonly signal?: AbortSignal;
  /**
   * Names this load attempt (an activity's workflow run and activity id). A retry with the same name that finds
   * the file complete reports it as its own load, not as a duplicate.
   */
  readonly loadedBy?: string;
  /** Called about once a second while another load of the same file holds it (to heartbeat while waiting). */
  readonly onWaitingForOtherLoad?: () => void;
  /**
   * Called every few seconds while the file's completion runs, which can take a while of its own (a programme's
   * first outcome file has its key built and is attached there: outcome-rows.ts), to heartbeat meanwhile.
   */
  readonly onCompleting?: () => void;
  /** Milliseconds between two onCompleting calls (5 s). */
  readonly completingReportMs?: number;
}

/** Below this size a file is parsed on this thread: starting a worker would take longer than the whole parse. */
const IN_PROCESS_MAX_BYTES = 2 << 20;


async function reasonCounts(db: Kysely<Database>, fileSha256: string): Promise<Record<string, number>> {
  const { rows } = await sql<{ code: string; rows: number }>`
    SELECT reason ->> 'code' AS code, count(DISTINCT line_number)::integer AS rows
      FROM raw.rejected_rows CROSS JOIN LATERAL jsonb_array_elements(reasons) AS reason
     WHERE file_sha256 = ${fileSha256}
     GROUP BY 1`.execute(db);
  return Object.fromEntries(rows.map((row) => [row.code, row.rows]));
}

async function copyInto(client: pg.PoolClient, table: string, chunks: readonly Uint8Array[]): Promise<void> {
  await pipeline(Readable.from(chunks), client.query(copyStreams.from(`COPY ${table} FROM STDIN`)));
}

/**
 * Writes a batch's rows; returns how many were new or changed. A programme's first file of a kind that is built beside
 * its table (outcomes, applications: built-beside.ts) writes there. Otherwise, while a fresh load has met no stored
 * row, outcome rows are copied straight into their table; other rows, and every row from the first stored row met on,
 * are copied into staging and merged. A replacement always merges: it records the keys it loads.
 */
async function writeRows(client: pg.PoolClient, target: BulkTarget<unknown>, batch: ParsedBatch, input: IngestFileInput, fileSha256: string): Promise<number> {
  const straightIn = target.straightIn;
  const beside = target.builtBeside;
  // Where a kind builds a programme's first file beside its table, each load decides once, at its first batch with rows.
  if (beside && beside.table === undefined) {
    if (input.replaces) await beside.beforeReplacement(client, input.programmeId);
    beside.table = input.replaces ? null : await beside.choose(client, input.programmeId, fileSha256);
  }
  if (straightIn && !input.replaces) {
    // The table's defaults read the programme and the file from these (migration 0035); they end with the transaction.
    await client.query("SELECT set_config('ebpm.loading_programme_id', $1, true), set_config('ebpm.loading_file_sha256', $2, true)", [input.programmeId, fileSha256]);
    if (beside?.table) {
      // No key to meet there: the file's own repeated keys were quarantined by the parse.
      await copyInto(client, `${beside.table} (${straightIn.columnNames})`, batch.staged);
      return batch.loaded;
    }
    const copied = await beforeStoredRowsMet(client, straightIn.state, async () => {
      await copyInto(client, `${straightIn.table} (${straightIn.columnNames})`, batch.staged);
      return batch.loaded;
    });
    if (copied !== undefined) return copied;
  }
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${target.staging.table} (${target.staging.columns}) ON COMMIT DELETE ROWS`);
  await copyInto(client, `pg_temp.${target.staging.table}`, batch.staged);
  const written = await target.merge(client, input.programmeId, fileSha256, beside?.table ?? null);
  if (input.replaces) await recordReplacementKeys(client, target, fileSha256);
  return written;
}

/** One batch in one transaction: loaded rows written (writeRows), quarantined rows stored, the account advanced. */
function commitBatch(client: pg.PoolClient, target: BulkTarget<unknown>, batch: ParsedBatch, input: IngestFileInput, fileSha256: string): Promise<void> {
  return inTransaction(client, async () => {
    // The firm merge sorts the batch; the default 4 MB would spill it to disk. The applications' statement is costed
    // high enough for JIT compilation, which took about 19 ms a batch (EXPLAIN ANALYZE) for a statement run once.
    await client.query("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off");
    const written = batch.loaded > 0 ? await writeRows(client, target, batch, input, fileSha256) : 0;
    if (batch.rejected > 0) {
      await client.query('CREATE TEMP TABLE IF NOT EXISTS ingest_rejected (line_number integer, raw_record text, reasons text) ON COMMIT DELETE ROWS');
      await copyInto(client, 'pg_temp.ingest_rejected', batch.quarantined);
      await client.query(
        `INSERT INTO raw.rejected_rows (file_sha256, line_number, raw_record, reasons)
         SELECT $1, line_number, raw_record::jsonb, reasons::jsonb FROM pg_temp.ingest_rejected
         ON CONFLICT (file_sha256, line_number) DO NOTHING`,
        [fileSha256],
      );
    }
    await client.query(
      `UPDATE raw.input_files
          SET rows_total = rows_total + $2, rows_loaded = rows_loaded + $3, rows_rejected = rows_rejected + $4,
              rows_without_consent = rows_without_consent + $5, rows_unchanged = rows_unchanged + $6, committed_through_line = $7
        WHERE file_sha256 = $1`,
      [fileSha256, batch.loaded + batch.rejected, batch.loaded, batch.rejected, batch.withoutConsent, batch.loaded - written, batch.lastLine],
    );
  });
}

/** Commits the parsed batches in order, each after the one before; the parse runs one batch ahead. */
async function commitBatches(client: pg.PoolClient, parser: BatchSource, target: BulkTarget<unknown>, input: IngestFileInput, fileSha256: string, options: LoadOptions): Promise<readonly UnitConversion[]> {
  for (;;) {
    const message = await parser.next();
    if (message.type === 'done') return message.conversions;
    if (message.type === 'failed') throw message.formatError ? new InputFormatError(message.message) : new ParseSessionError(`reading ${basename(input.path)} failed: ${message.message}`);
    if (message.type !== 'batch') throw new ParseSessionError(`the parse sent ${message.type} out of turn`);
    await commitBatch(client, target, message.batch, input, fileSha256);
    options.onProgress?.({
      fileName: basename(input.path),
      committedThroughLine: message.batch.lastLine,
      rowsRead: message.batch.rowsRead,
      batchLoaded: message.batch.loaded,
      batchQuarantined: message.batch.rejected,
    });
    // A safe point: everything read so far is committed with the file's account.
    options.signal?.throwIfAborted();
    parser.grant();
  }
}

/**
 * Marks the file loaded; rows built beside their table are first attached to it (outcome-rows.ts), and a replacement
 * file first retires the rows it no longer holds. One transaction, so a load that dies here attaches and retires
 * nothing twice and is completed by its retry.
 */
async function complete(client: pg.PoolClient, target: BulkTarget<unknown>, input: IngestFileInput, fileSha256: string, reading: ReadingAccount, loadedBy: string | null): Promise<void> {
  await inTransaction(client, async () => {
    let retired = 0;
    const unchanged = (await target.builtBeside?.attach(client, input.programmeId, fileSha256)) ?? 0;
    if (input.replaces) {
      await target.builtBeside?.beforeReplacement(client, input.programmeId);
      retired = await retireRows(client, target.replacement, input.programmeId, fileSha256);
      await client.query('DELETE FROM raw.replacement_keys WHERE file_sha256 = $1', [fileSha256]);
    }
    const marked = await client.query(
      `UPDATE raw.input_files SET status = 'complete', loaded_at = now(), rows_retired = $2, reading = $3, loaded_by = $4, rows_unchanged = rows_unchanged + $5
        WHERE file_sha256 = $1`,
      [fileSha256, retired, JSON.stringify(reading), loadedBy, unchanged],
    );
    // Rows written in this transaction must not outlive their file's account.
    if (marked.rowCount !== 1) throw new ParseSessionError(`the account of ${basename(input.path)} vanished during its load`);
  });
}

/** How often a load waiting for another load of the same file asks again. */
const OTHER_LOAD_POLL_MS = 250;

/**
 * Holds the file for this load on `client` (a session advisory lock keyed by the file's identity) until `work`
 * ends. Two loads of one file at once (a triggered run beside a scheduled one, or an analyst sending the file
 * twice) would otherwise both resume from the same committed line and add every batch to the account twice; the
 * second now waits, then finds the file complete. The lock goes with the connection if this process dies, so a
 * dead load never blocks its retry.
 */
async function holdingFile<T>(client: pg.PoolClient, fileSha256: string, options: LoadOptions, work: () => Promise<T>): Promise<T> {
  let waitedMs = 0;
  for (;;) {
    const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held', [fileSha256]);
    if (rows[0]?.held) break;
    options.signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, OTHER_LOAD_POLL_MS));
    waitedMs += OTHER_LOAD_POLL_MS;
    if (waitedMs % 1_000 === 0) options.onWaitingForOtherLoad?.();
  }
  const unlock = () => client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [fileSha256]);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // The load's own error is the one to report; a connection that cannot unlock is destroyed with the lock
    // (withRawClient does not return a client to the pool after an error).
    await unlock().catch(() => undefined);
    throw error;
  }
  // A pooled connection must not keep the lock; if unlocking fails the error goes up and the connection with it.
  await unlock();
  return result;
}

/** A load that died is resumed with the other choice between adding and replacing. */
export class ResumeMismatchError extends Error {
  constructor(fileName: string, startedAsReplacement: boolean) {
    const flag = startedAsReplacement ? 'with --replaces' : 'without --replaces';
    super(`the load of ${fileName} was started ${flag} and has not finished; run it again ${flag} to finish it (a load cannot switch between adding and replacing half-way)`);
    this.name = 'ResumeMismatchError';
  }
}

/** How a file was read, kept in its account: where the header was, what stood above it, the unit conversions applied. */
export interface ReadingAccount extends Omit<TableLayout, 'sheet'> {
  readonly conversions: readonly UnitConversion[];
}

/** A text file loaded before as another kind: it holds one table, so it cannot be the other kind too. */
function kindClash(fileName: string, loadedAs: string, kind: string): InputFormatError {
  return new InputFormatError(
    `${fileName} was loaded before as the ${loadedAs} file (the same bytes); a CSV, TSV or JSON Lines file holds one table, so it cannot also be the ${kind} file. Check the file you meant to send as ${kind}`,
  );
}

export async function loadFile(db: Kysely<Database>, input: IngestFileInput, options: LoadOptions = {}): Promise<IngestAccount> {
  const contentSha256 = await sha256OfFile(input.path);
  const fileName = basename(input.path);
  const format = formatOf(input.path, input.format);
  const findLoad = (key: string) => db.selectFrom('raw.input_files').selectAll().where('file_sha256', '=', key).executeTakeFirst();
  type LoadRow = NonNullable<Awaited<ReturnType<typeof findLoad>>>;
  const account = async (row: LoadRow, skippedDuplicateFile: boolean, readAs: TableStream['format'] | null): Promise<IngestAccount> => ({
    kind: input.kind,
    fileName,
    fileSha256: row.file_sha256,
    contentSha256,
    sheet: row.sheet,
    rowsTotal: row.rows_total,
    rowsLoaded: row.rows_loaded,
    rowsRejected: row.rows_rejected,
    rowsWithoutConsent: row.rows_without_consent,
    rowsUnchanged: row.rows_unchanged,
    rowsRetired: row.rows_retired,
    encoding: skippedDuplicateFile ? null : (row.encoding as 'utf8' | 'cp932' | null),
    format: readAs,
    skippedDuplicateFile,
    reasons: await reasonCounts(db, row.file_sha256),
    reading: row.reading as ReadingAccount,
  });
  // A file found complete: by an earlier load (a duplicate, skipped), or by this load's own earlier attempt, which
  // died after completing it (reported as this load's, read as `readAs`).
  const completedAccount = (row: LoadRow, readAs: TableStream['format']): Promise<IngestAccount> => {
    const ownEarlierAttempt = options.loadedBy !== undefined && row.loaded_by === options.loadedBy;
    return account(row, !ownEarlierAttempt, ownEarlierAttempt ? readAs : null);
  };
  // A text file's identity is known before it is read: a repeat is answered without reading it.
  if (format !== 'xlsx') {
    const previous = await findLoad(contentSha256);
    if (previous && previous.kind !== input.kind) throw kindClash(fileName, previous.kind, input.kind);
    if (previous?.status === 'complete') return completedAccount(previous, format);
  }

  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const declaration = fileDeclaration(getProgramme(input.programmeId).file, input.kind);
  // An outcome row's measures are written in the places the programme's names hold in the table (migration 0053).
  const measureSlots = input.kind === 'outcomes' ? await outcomeMeasureSlots(db, input.programmeId, declaration.measures.map((measure) => measure.name)) : undefined;
  const request = { path: input.path, declaration, measureSlots, format: input.format, encoding: input.encoding, sheet: input.sheet, batchSize };
  const target = bulkTargetFor(declaration, measureSlots);
  const parseIn = options.parseIn ?? (statSync(input.path).size < IN_PROCESS_MAX_BYTES ? 'process' : 'worker');
  const parser: BatchSource = parseIn === 'worker' ? new ParseWorker(request) : new InProcessBatchSource(request);
  let opened: Extract<ParseMessage, { type: 'opened' }>;
  let fileSha256: string;
  let finished: LoadRow;
  try {
    const first = await parser.next();
    if (first.type === 'failed') throw first.formatError ? new InputFormatError(first.message) : new ParseSessionError(first.message);
    if (first.type !== 'opened') throw new ParseSessionError(`the parse sent ${first.type} before opening the file`);
    opened = first;
    // A workbook's identity includes the sheet, known once the header has chosen it.
    const sheet = opened.format === 'xlsx' ? (opened.layout.sheet ?? null) : null;
    fileSha256 = tableIdentity(contentSha256, sheet, input.kind);
    const loaded = await withRawClient(db, (client) =>
      holdingFile(client, fileSha256, options, async () => {
        // On the held connection: a load holds one connection at a time, however many run at once.
        const readLoad = async () => (await client.query<LoadRow>('SELECT * FROM raw.input_files WHERE file_sha256 = $1', [fileSha256])).rows[0];
        const previous = await readLoad();
        // Asked again under the lock: two loads of one text file as different kinds (a run's files load side by side)
        // can both pass the check before it, and the second would otherwise report the first's load as its own.
        if (previous && previous.kind !== input.kind) throw kindClash(fileName, previous.kind, input.kind);
        if (previous?.status === 'complete') return { row: previous };
        // A replacement records its keys batch by batch: a load cannot switch between adding and replacing half-way.
        if (previous && previous.replaces_earlier !== (input.replaces === true)) throw new ResumeMismatchError(fileName, previous.replaces_earlier);
        if (!previous) {
          await client.query(
            `INSERT INTO raw.input_files (file_sha256, content_sha256, sheet, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected,
                                          encoding, status, committed_through_line, replaces_earlier)
             VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, $7, 'loading', $8, $9)
             ON CONFLICT (file_sha256) DO NOTHING`,
            [fileSha256, contentSha256, sheet, input.programmeId, input.kind, fileName, opened.encoding, opened.headerLines, input.replaces === true],
          );
        }
        parser.grant(previous?.committed_through_line ?? opened.headerLines);
        const conversions = await commitBatches(client, parser, target, input, fileSha256, options);
        const { sheet: _sheet, ...layout } = opened.layout;
        const completing = options.onCompleting ? setInterval(options.onCompleting, options.completingReportMs ?? 5_000) : undefined;
        try {
          await complete(client, target, input, fileSha256, { ...layout, conversions }, options.loadedBy ?? null);
        } finally {
          clearInterval(completing);
        }
        const row = await readLoad();
        if (!row) throw new ParseSessionError(`the account of ${fileName} vanished during its load`);
        return { row, fresh: true };
      }),
    );
    if (!('fresh' in loaded)) return await completedAccount(loaded.row, opened.format);
    finished = loaded.row;
  } finally {
    await parser.stop();
  }
  if (finished.rows_loaded >= ANALYZE_AFTER_ROWS) {
    // The analysis runs right after the load, before autovacuum would notice: without fresh statistics the
    // planner took 800,000 outcome rows for 5,765 and read them with a sort where the key order would do.
    for (const table of target.loadedTables) await analyseLoadedTable(db, table);
  }
  return account(finished, false, opened.format);
}

export { InputFormatError, sha256OfFile };
