/**
 * ebpm review-sheets files [--year Y] [--history] [--json]: the register of review-sheet files loaded
 * (raw.review_sheet_files), each with its account and whether it is in force, or with --history what happened to each
 * (raw.review_sheet_file_events); ebpm review-sheets quarantine FILE_ID [--limit N] [--json]: the
 * records of one file that were not loaded (raw.review_sheet_quarantine), with their lines and reasons.
 */
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { readEnvironment } from '../../config/environment.js';
import { openingOf } from '../../review-sheets/one-line.js';
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
  /** The file that retired it (its id and name), while it is retired. */
  readonly retiredBy: { readonly id: string; readonly file: string } | null;
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
}

async function registeredFiles(db: Kysely<Database>, year: number | undefined): Promise<RegisteredFile[]> {
  const { rows } = await sql<RegisterRow>`
    SELECT f.review_year, f.sheet_table, f.file_name, f.file_sha256, f.status, f.records, f.loaded, f.quarantined, f.loaded_at,
           f.retired_at, f.retired_by, r.file_name AS retired_by_name
      FROM raw.review_sheet_files f LEFT JOIN raw.review_sheet_files r ON r.file_sha256 = f.retired_by
     WHERE ${year ?? null}::integer IS NULL OR f.review_year = ${year ?? null}
     ORDER BY f.review_year DESC, f.sheet_table, f.loaded_at DESC, f.file_name`.execute(db);
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
  }));
}

/** A timestamp as the terminal shows it: UTC to the second. */
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
const count = (n: number) => n.toLocaleString('en-US');

/** In force, or retired: when, and by which file (its id, as the table shows ids). */
function statusOf(file: RegisteredFile): string {
  if (file.inForce) return 'in force';
  return ['retired', file.retiredAt && utc(file.retiredAt), file.retiredBy && `by ${file.retiredBy.id.slice(0, SHOWN_ID)}`].filter(Boolean).join(' ');
}

/** One change of what is in force (raw.review_sheet_file_events, migration 0043). */
export interface FileEvent {
  readonly at: string;
  readonly event: 'loaded' | 'retired' | 'reinstated';
  readonly reviewYear: number;
  readonly table: string;
  readonly file: string;
  readonly id: string;
  /** For a retirement, the file that took its place. */
  readonly by: { readonly id: string; readonly file: string } | null;
}

/** Within one transaction a load retires the file in force, then registers or puts back its own: that order, reversed. */
const EVENT_ORDER = { retired: 0, loaded: 1, reinstated: 1 } as const;

async function fileEvents(db: Kysely<Database>, year: number | undefined): Promise<FileEvent[]> {
  const { rows } = await sql<{ at: Date; event: FileEvent['event']; review_year: number; sheet_table: string; file_name: string; file_sha256: string; by_file: string | null; by_name: string | null }>`
    SELECT e.at, e.event, f.review_year, f.sheet_table, f.file_name, e.file_sha256, e.by_file, b.file_name AS by_name
      FROM raw.review_sheet_file_events e
      JOIN raw.review_sheet_files f USING (file_sha256)
      LEFT JOIN raw.review_sheet_files b ON b.file_sha256 = e.by_file
     WHERE ${year ?? null}::integer IS NULL OR f.review_year = ${year ?? null}`.execute(db);
  // Newest first; within one transaction (the same time), the file that took the place above the one it retired.
  return rows
    .map((row) => ({
      at: row.at.toISOString(),
      event: row.event,
      reviewYear: row.review_year,
      table: row.sheet_table,
      file: row.file_name,
      id: row.file_sha256,
      by: row.by_file ? { id: row.by_file, file: row.by_name ?? row.by_file } : null,
    }))
    .sort((a, b) => b.at.localeCompare(a.at) || EVENT_ORDER[b.event] - EVENT_ORDER[a.event] || a.table.localeCompare(b.table));
}

function eventText(event: FileEvent): string {
  if (event.event === 'retired') return `retired by ${event.by ? event.by.id.slice(0, SHOWN_ID) : '?'}`;
  return event.event === 'reinstated' ? 'put back in force' : 'loaded';
}

export async function filesCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, allowPositionals: false, options: { year: { type: 'string' }, history: { type: 'boolean' }, json: { type: 'boolean' } } });
  const year = reviewYearOption(values.year);
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    const files = await registeredFiles(db, year);
    if (year !== undefined && files.length === 0) {
      const years = (await registeredFiles(db, undefined)).map((file) => file.reviewYear);
      const loaded = [...new Set(years)];
      throw new CommandFailure(`no review-sheet file of review year ${year} is loaded (${loaded.length ? `loaded: review year ${loaded.join(', ')}` : 'none is loaded; run `ebpm review-sheets load FOLDER` first'})`, 2);
    }
    if (values.history) {
      const events = await fileEvents(db, year);
      if (values.json) return void console.log(JSON.stringify({ events }, null, 2));
      if (events.length === 0) return void console.log('No review-sheet file is loaded: `ebpm review-sheets load FOLDER` loads one review year.');
      console.log(
        'What happened to each review-sheet file (raw.review_sheet_file_events), newest first; for files loaded before migration 0043, only their load and their last retirement.\n\n' +
          formatTable(
            ['at (UTC)', 'event', 'year', 'table', 'id', 'file'],
            events.map((event) => [utc(event.at), eventText(event), String(event.reviewYear), event.table, event.id.slice(0, SHOWN_ID), event.file]),
          ),
      );
      return;
    }
    if (values.json) return void console.log(JSON.stringify({ files }, null, 2));
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
      ? `${withQuarantine.length} of these files had records quarantined: \`ebpm review-sheets quarantine ID\` lists a file's, with their lines and reasons.`
      : 'No file had a record quarantined.';
    console.log(`Review-sheet files loaded (raw.review_sheet_files), newest review year first; the views show the files in force.\n\n${table}\n\n${footer}`);
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
    const matches = (await registeredFiles(db, undefined)).filter((file) => file.id.startsWith(prefix));
    if (matches.length === 0) throw new CommandFailure(`no review-sheet file's id starts with ${prefix}; \`ebpm review-sheets files\` lists the files loaded with their ids`, 2);
    if (matches.length > 1) {
      throw new CommandFailure(`${matches.length} files' ids start with ${prefix} (${matches.map((file) => `${file.id.slice(0, SHOWN_ID)} ${file.file}`).join(', ')}); give more of the id`, 2);
    }
    const [file] = matches;
    const { rows } = await sql<QuarantineRow>`
      SELECT line, reason, record FROM raw.review_sheet_quarantine WHERE file_sha256 = ${file.id} ORDER BY line LIMIT ${limit}`.execute(db);
    if (values.json) {
      return void console.log(JSON.stringify({ file: file.file, id: file.id, table: file.table, reviewYear: file.reviewYear, records: file.records, quarantined: file.quarantined, shown: rows.length, quarantinedRecords: rows }, null, 2));
    }
    const head = `${file.file} (table ${file.table}, review year ${file.reviewYear}, ${file.inForce ? 'in force' : 'retired'}): ${count(file.quarantined)} of its ${count(file.records)} records quarantined`;
    if (rows.length === 0) return void console.log(`${head}; every record was loaded.`);
    const shown = rows.length < file.quarantined ? `\n\nThe first ${count(rows.length)} by line; --limit ${file.quarantined} shows all of them, --json every cell.` : '';
    console.log(
      `${head}:\n\n` +
        formatTable(
          ['line', 'reason', 'record as received (cells joined by " | ")'],
          rows.map((row) => [String(row.line), row.reason, openingOf(row.record.join(' | '), RECORD_SHOWN)]),
        ) +
        shown +
        '\n\nThe line is where the record starts in the file (the header is line 1). A new download of the same table and review year, loaded, replaces this file; ' +
        'so does a corrected copy, but the views then no longer show the sheet exactly as published.',
    );
  } finally {
    await db.destroy();
  }
}
