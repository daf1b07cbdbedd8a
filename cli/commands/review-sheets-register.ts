/**
 * ebpm review-sheets files [--year Y] [--history] [--json]: the register of review-sheet files loaded
 * (raw.review_sheet_files), each with its account and whether it is in force, or with --history what happened to each
 * (raw.review_sheet_file_events); ebpm review-sheets quarantine FILE_ID [--limit N] [--json]: the records of one file
 * that were not loaded (raw.review_sheet_quarantine), with their lines and reasons. Each reads in one snapshot, and
 * prints the attribution the data require.
 */
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { readEnvironment } from '../../config/environment.js';
import { originsOf, reviewSheetSourceText } from '../../review-sheets/attribution.js';
import { openingOf } from '../../review-sheets/one-line.js';
import { SYNTHETIC_FILE_MARK } from '../../review-sheets/published-file-names.js';
import { inReadOnlySnapshot } from '../../runtime/database.js';
import type { Database } from '../../sql/database.js';
import { CommandFailure, UsageError } from '../errors.js';
import { formatTable } from '../format.js';
import { openDatabaseReady } from '../services.js';
import { reviewYearOption } from './review-sheets-options.js';

/** How many characters of a file id the text output shows; `quarantine` takes any unique prefix of six or more. */
const SHOWN_ID = 12;
const DEFAULT_LIMIT = 50;
/** How much of a quarantined record the text output shows (--json gives every cell). */
const RECORD_SHOWN = 120;
/** The migration from which every change of what is in force is recorded. */
const HISTORY_MIGRATION = '0043_review_sheet_file_history';

export interface RegisteredFile {
  readonly reviewYear: number;
  readonly table: string;
  readonly file: string;
  /** The file's SHA-256: its id. */
  readonly id: string;
  readonly inForce: boolean;
  readonly records: number;
  readonly loaded: number;
  readonly quarantined: number;
  readonly loadedAt: string;
  readonly retiredAt: string | null;
  /** The file that took its place (its id and name), while it is retired. */
  readonly retiredBy: { readonly id: string; readonly file: string } | null;
  /** Made up by `ebpm generate` (its name carries the mark), not the RS system's. */
  readonly synthetic: boolean;
}

interface RegisterRow {
  review_year: number;
  sheet_table: string;
  file_name: string;
  file_sha256: string;
  status: 'loaded' | 'retired';
  records: number;
  loaded: number;
  quarantined: number;
  loaded_at: Date;
  retired_at: Date | null;
  retired_by: string | null;
  retired_by_name: string | null;
  synthetic: boolean;
}

/** The files of a review year (every year when none is given) or whose id starts with `idPrefix`; in force first. */
async function registeredFiles(db: Kysely<Database>, filter: { readonly year?: number; readonly idPrefix?: string }): Promise<RegisteredFile[]> {
  const year = filter.year ?? null;
  const prefix = filter.idPrefix ?? null;
  const { rows } = await sql<RegisterRow>`
    SELECT f.review_year, f.sheet_table, f.file_name, f.file_sha256, f.status, f.records, f.loaded, f.quarantined, f.loaded_at,
           f.retired_at, f.retired_by, r.file_name AS retired_by_name, f.synthetic
      FROM raw.review_sheet_files f LEFT JOIN raw.review_sheet_files r ON r.file_sha256 = f.retired_by
     WHERE (${year}::integer IS NULL OR f.review_year = ${year}) AND (${prefix}::text IS NULL OR f.file_sha256 LIKE ${prefix}::text || '%')
     ORDER BY f.review_year DESC, f.sheet_table, f.status = 'loaded' DESC, f.loaded_at DESC, f.file_name`.execute(db);
  return rows.map((row) => ({
    reviewYear: row.review_year,
    table: row.sheet_table,
    file: row.file_name,
    id: row.file_sha256,
    inForce: row.status === 'loaded',
    records: row.records,
    loaded: row.loaded,
    quarantined: row.quarantined,
    loadedAt: row.loaded_at.toISOString(),
    retiredAt: row.status === 'retired' && row.retired_at ? row.retired_at.toISOString() : null,
    retiredBy: row.status === 'retired' && row.retired_by ? { id: row.retired_by, file: row.retired_by_name ?? row.retired_by } : null,
    synthetic: row.synthetic,
  }));
}

/** One change of what is in force (raw.review_sheet_file_events, migration 0043). */
export interface FileEvent {
  readonly at: string;
  /** loaded; retired (another file took its place: `by`); reinstated (put back in force). */
  readonly event: 'loaded' | 'retired' | 'reinstated';
  readonly reviewYear: number;
  readonly table: string;
  readonly file: string;
  readonly id: string;
  /** For a retirement, the file that took its place. */
  readonly by: { readonly id: string; readonly file: string } | null;
  /** The file was made up by `ebpm generate`. */
  readonly synthetic: boolean;
}

/** The events of a review year's files (every year when none is given), newest first: the order they were written. */
async function fileEvents(db: Kysely<Database>, year: number | undefined): Promise<FileEvent[]> {
  const { rows } = await sql<{ at: Date; event: FileEvent['event']; review_year: number; sheet_table: string; file_name: string; file_sha256: string; by_file: string | null; by_name: string | null; synthetic: boolean }>`
    SELECT e.at, e.event, f.review_year, f.sheet_table, f.file_name, e.file_sha256, e.by_file, b.file_name AS by_name, f.synthetic
      FROM raw.review_sheet_file_events e
      JOIN raw.review_sheet_files f USING (file_sha256)
      LEFT JOIN raw.review_sheet_files b ON b.file_sha256 = e.by_file
     WHERE ${year ?? null}::integer IS NULL OR f.review_year = ${year ?? null}
     ORDER BY e.id DESC`.execute(db);
  return rows.map((row) => ({
    at: row.at.toISOString(),
    event: row.event,
    reviewYear: row.review_year,
    table: row.sheet_table,
    file: row.file_name,
    id: row.file_sha256,
    by: row.by_file ? { id: row.by_file, file: row.by_name ?? row.by_file } : null,
    synthetic: row.synthetic,
  }));
}

/**
 * When the history began to be recorded (the day its migration ran here), where files were loaded before it, whose
 * history is partial; null where every file came after it.
 */
async function partialHistoryBefore(db: Kysely<Database>): Promise<string | null> {
  const { rows } = await sql<{ timestamp: string }>`
    SELECT m.timestamp FROM ebpm_migrations m
     WHERE m.name = ${HISTORY_MIGRATION} AND EXISTS (SELECT 1 FROM raw.review_sheet_files f WHERE f.loaded_at < m.timestamp::timestamptz)`.execute(db);
  return rows[0]?.timestamp.slice(0, 10) ?? null;
}

/** A timestamp as the terminal shows it: UTC to the second. */
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
const count = (n: number) => n.toLocaleString('en-US');

/** In force, or retired: when, and by which file (its id, as the table shows ids). */
function statusOf(file: RegisteredFile): string {
  if (file.inForce) return 'in force';
  return ['retired', file.retiredAt && utc(file.retiredAt), file.retiredBy && `by ${file.retiredBy.id.slice(0, SHOWN_ID)}`].filter(Boolean).join(' ');
}

function eventText(event: FileEvent): string {
  if (event.event === 'retired') return `retired by ${event.by ? event.by.id.slice(0, SHOWN_ID) : '?'}`;
  return event.event === 'reinstated' ? 'put back in force' : 'loaded';
}

function yearNotLoaded(year: number, files: readonly RegisteredFile[]): CommandFailure {
  const years = [...new Set(files.map((file) => file.reviewYear))];
  const loaded = years.length === 0 ? 'no review-sheet file is loaded yet; run `ebpm review-sheets load FOLDER` first' : `loaded: review year${years.length > 1 ? 's' : ''} ${years.join(', ')}`;
  return new CommandFailure(`no review-sheet file of review year ${year} is loaded (${loaded})`, 2);
}

export async function filesCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, allowPositionals: false, options: { year: { type: 'string' }, history: { type: 'boolean' }, json: { type: 'boolean' } } });
  const year = reviewYearOption(values.year);
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    const read = await inReadOnlySnapshot(db, async (trx) => {
      const files = await registeredFiles(trx, { ...(year === undefined ? {} : { year }) });
      if (year !== undefined && files.length === 0) throw yearNotLoaded(year, await registeredFiles(trx, {}));
      return { files, ...(values.history ? { events: await fileEvents(trx, year), partialBefore: await partialHistoryBefore(trx) } : {}) };
    });
    if (read.events) {
      const source = reviewSheetSourceText(originsOf(read.events));
      if (values.json) return void console.log(JSON.stringify({ events: read.events, attribution: source }, null, 2));
      if (read.events.length === 0) return void console.log('No review-sheet file is loaded: `ebpm review-sheets load FOLDER` loads one review year.');
      const since = read.partialBefore
        ? ` Of what happened before ${read.partialBefore}, when this history began, only each file's load is here and, for a file that was retired at that moment, its retirement.`
        : '';
      console.log(
        `What happened to each review-sheet file (raw.review_sheet_file_events), newest first.${since}\n\n` +
          formatTable(
            ['at (UTC)', 'event', 'year', 'table', 'id', 'file'],
            read.events.map((event) => [utc(event.at), eventText(event), String(event.reviewYear), event.table, event.id.slice(0, SHOWN_ID), event.file]),
          ) +
          `\n\n${source}`,
      );
      return;
    }
    const { files } = read;
    const origins = originsOf(files);
    const source = reviewSheetSourceText(origins);
    if (values.json) return void console.log(JSON.stringify({ files, origins, attribution: source }, null, 2));
    if (files.length === 0) return void console.log('No review-sheet file is loaded: `ebpm review-sheets load FOLDER` loads one review year.');
    const table = formatTable(
      ['year', 'table', 'status', 'records', 'loaded', 'quarantined', 'loaded at (UTC)', 'id', 'file'],
      files.map((file) => [
        String(file.reviewYear),
        file.table,
        statusOf(file),
        count(file.records),
        count(file.loaded),
        count(file.quarantined),
        utc(file.loadedAt),
        file.id.slice(0, SHOWN_ID),
        file.file,
      ]),
    );
    const withQuarantine = files.filter((file) => file.quarantined > 0);
    const footer = withQuarantine.length
      ? `${withQuarantine.length} of these files had records quarantined: \`ebpm review-sheets quarantine FILE_ID\` lists a file's quarantined records with their lines and reasons.`
      : 'No file had a record quarantined.';
    console.log(`Review-sheet files loaded (raw.review_sheet_files), newest review year first, each table's file in force first; the views show the files in force.\n\n${table}\n\n${footer}\n\n${source}`);
  } finally {
    await db.destroy();
  }
}

interface QuarantineRow {
  line: number;
  reason: string;
  record: string[];
}

export async function quarantineCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { limit: { type: 'string' }, json: { type: 'boolean' } } });
  const prefix = positionals[0]?.toLowerCase();
  // Refused before connecting: opening the database creates and migrates it, which a mistyped command must not do.
  if (!prefix || !/^[0-9a-f]{6,64}$/.test(prefix) || positionals.length > 1) {
    throw new UsageError('give one file id (its SHA-256, or its first 6 or more characters, from `ebpm review-sheets files`)');
  }
  const limitText = values.limit ?? String(DEFAULT_LIMIT);
  if (!/^[1-9]\d*$/.test(limitText)) throw new UsageError(`--limit must be a positive whole number of records, not "${limitText}"`);
  const limit = Number(limitText);
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    const { file, rows } = await inReadOnlySnapshot(db, async (trx) => {
      const matches = await registeredFiles(trx, { idPrefix: prefix });
      if (matches.length === 0) throw new CommandFailure(`no review-sheet file's id starts with ${prefix}; \`ebpm review-sheets files\` lists the files loaded with their ids`, 2);
      if (matches.length > 1) {
        throw new CommandFailure(`${matches.length} files' ids start with ${prefix} (${matches.map((match) => `${match.id.slice(0, SHOWN_ID)} ${match.file}`).join(', ')}); give more of the id`, 2);
      }
      const [match] = matches;
      const quarantined = await sql<QuarantineRow>`
        SELECT line, reason, record FROM raw.review_sheet_quarantine WHERE file_sha256 = ${match.id} ORDER BY line LIMIT ${limit}`.execute(trx);
      return { file: match, rows: quarantined.rows };
    });
    const source = reviewSheetSourceText(originsOf([file]));
    if (values.json) {
      return void console.log(
        JSON.stringify(
          { file: file.file, id: file.id, table: file.table, reviewYear: file.reviewYear, inForce: file.inForce, records: file.records, quarantined: file.quarantined, shown: rows.length, quarantinedRecords: rows, synthetic: file.synthetic, attribution: source },
          null,
          2,
        ),
      );
    }
    const head = `${file.file} (table ${file.table}, review year ${file.reviewYear}, ${file.inForce ? 'in force' : 'retired'}): ${count(file.quarantined)} of its ${count(file.records)} records quarantined`;
    if (rows.length === 0) return void console.log(`${head}; every record was loaded.\n\n${source}`);
    const shown = rows.length < file.quarantined ? `\n\nShowing ${count(rows.length)} of ${count(file.quarantined)}, by line; --limit ${file.quarantined} shows all of them, with --json each record's cells in full.` : '';
    const remedy = !file.inForce
      ? ''
      : file.synthetic
        ? // A corrected copy named as published would be taken for the RS system's data.
          '\n\nQuarantined records are not in the views. This file is synthetic (ebpm generate made it): they come in only when a file whose records read cleanly takes its place, ' +
          'generated again with another seed (the same seed gives the same bytes, which are skipped), ' +
          `or a copy you correct yourself that keeps ${SYNTHETIC_FILE_MARK} in its name, so that it is still registered as synthetic.`
        : '\n\nQuarantined records are not in the views. They come in only when a file whose records read cleanly takes this one\'s place: a newer download once the RS system has corrected the sheet ' +
          '(a download with the same bytes is skipped), or a copy you correct yourself, named as published (N-N_RS_YYYY_….csv); the views then differ from the published sheet, and loading the original again puts it back.';
    console.log(
      `${head}:\n\n` +
        formatTable(
          ['line', 'reason', 'record as received (cells joined by " | ")'],
          rows.map((row) => [String(row.line), row.reason, openingOf(row.record.join(' | '), RECORD_SHOWN)]),
        ) +
        shown +
        '\n\nThe line is where the record starts in the file (the header is line 1).' +
        remedy +
        `\n\n${source}`,
    );
  } finally {
    await db.destroy();
  }
}
