/**
 * `ebpm review-sheets files` and `quarantine`: the register of the files loaded, what happened to each, and the records
 * a file could not load, read back through the compiled command after loads through the command itself (its own
 * worker, the test server). Review years 2024 (the published fixtures, then a copy of 1-2 with two bad records under
 * another published-form name, then the published 1-2 again) and 2023 (the fixtures renamed).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FileEvent, RegisteredFile } from '../cli/commands/review-sheets-register.js';
import { REVIEW_SHEET_ATTRIBUTION } from '../review-sheets/attribution.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { ebpmWith } from './support/compiled-cli.js';
import { writeFixturesAsReviewYear } from './support/review-sheet-years.js';
import { connectAsBiReader, createTestDatabase, type TestDatabase } from './support/services.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const PROJECTS_FILE = readdirSync(FIXTURES).find((name) => name.startsWith('1-2_RS_2024_'))!;
/** The bad copy's name: of the published form, but not the published file's, so that the two can be told apart. */
const BAD_PROJECTS_FILE = PROJECTS_FILE.replace(/\.csv$/, '_corrected.csv');

let database: TestDatabase;
let scratch: string;
let environment: Record<string, string>;

/** The published 1-2 with two bad records appended (one of three columns, one whose quote is never closed), alone. */
function withBadRecords(folder: string): void {
  mkdirSync(folder);
  const text = readFileSync(join(FIXTURES, PROJECTS_FILE), 'utf8');
  writeFileSync(join(folder, BAD_PROJECTS_FILE), `${text.endsWith('\n') ? text : `${text}\n`}"a","b","c"\n"<script>never closed\n`);
}

/** The ids of 2024's two 1-2 files: the published one, then the one with the bad records. */
async function projectFileIds(): Promise<[string, string]> {
  const { rows } = await sql<{ file_sha256: string; file_name: string }>`SELECT file_sha256, file_name FROM raw.review_sheet_files WHERE sheet_table = '1-2' AND review_year = 2024`.execute(database.db);
  expect(rows).toHaveLength(2);
  const idOf = (name: string) => rows.find((row) => row.file_name === name)!.file_sha256;
  return [idOf(PROJECTS_FILE), idOf(BAD_PROJECTS_FILE)];
}

const lineCount = (path: string) => readFileSync(path, 'utf8').replace(/\n$/, '').split('\n').length;

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-register-'));
  environment = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
  writeFixturesAsReviewYear(join(scratch, '2023'), 2023);
  expect(ebpmWith(environment, 'review-sheets', 'load', join(scratch, '2023')).status).toBe(0);
  const published = ebpmWith(environment, 'review-sheets', 'load', FIXTURES);
  expect(published.status).toBe(0);
  // Nothing quarantined: no word of the quarantine commands.
  expect(published.stdout).not.toContain('review-sheets quarantine');
  withBadRecords(join(scratch, 'bad'));
}, 120_000);

afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('ebpm review-sheets files', () => {
  it('lists every file of the register with its account, and a file replaced as retired by the one that took its place', async () => {
    const loading = ebpmWith(environment, 'review-sheets', 'load', join(scratch, 'bad'));
    expect(loading.status).toBe(0);
    expect(loading.stdout).toContain('2 quarantined; replaces');
    expect(loading.stdout).toContain('`ebpm review-sheets quarantine FILE_ID` lists them');

    const listed = ebpmWith(environment, 'review-sheets', 'files', '--json');
    expect(listed.status).toBe(0);
    const { files, attribution } = JSON.parse(listed.stdout) as { files: RegisteredFile[]; attribution: string };
    expect(attribution).toBe(REVIEW_SHEET_ATTRIBUTION);
    const register = (await sql<{ file_sha256: string; status: string; records: number; loaded: number; quarantined: number; retired_by: string | null }>`
      SELECT file_sha256, status, records, loaded, quarantined, retired_by FROM raw.review_sheet_files`.execute(database.db)).rows;
    expect(files).toHaveLength(register.length);
    for (const file of files) {
      const row = register.find((candidate) => candidate.file_sha256 === file.id)!;
      expect({ inForce: file.inForce, records: file.records, loaded: file.loaded, quarantined: file.quarantined, retiredBy: file.retiredBy?.id ?? null }).toEqual({
        inForce: row.status === 'loaded', records: row.records, loaded: row.loaded, quarantined: row.quarantined, retiredBy: row.retired_by,
      });
    }
    const [published, bad] = await projectFileIds();
    const projects = files.filter((file) => file.table === '1-2' && file.reviewYear === 2024);
    expect(projects.map((file) => ({ id: file.id, file: file.file, inForce: file.inForce, quarantined: file.quarantined, retiredBy: file.retiredBy }))).toEqual([
      { id: bad, file: BAD_PROJECTS_FILE, inForce: true, quarantined: 2, retiredBy: null },
      { id: published, file: PROJECTS_FILE, inForce: false, quarantined: 0, retiredBy: { id: bad, file: BAD_PROJECTS_FILE } },
    ]);
    expect(projects[0].records).toBe(lineCount(join(FIXTURES, PROJECTS_FILE)) - 1 + 2);
    // Newest review year first.
    expect(files.map((file) => file.reviewYear)).toEqual([...files.map((file) => file.reviewYear)].sort((a, b) => b - a));

    const text = ebpmWith(environment, 'review-sheets', 'files');
    expect(text.stdout).toContain(`retired ${projects[1].retiredAt!.slice(0, 10)} ${projects[1].retiredAt!.slice(11, 19)} by ${bad.slice(0, 12)}`);
    expect(text.stdout).toContain('1 of these files had records quarantined');
    expect(text.stdout).toContain(REVIEW_SHEET_ATTRIBUTION);
  });

  it('lists only the review year asked for, and refuses one no file is loaded for with exit 2, naming the years loaded', () => {
    const only2023 = JSON.parse(ebpmWith(environment, 'review-sheets', 'files', '--year', '2023', '--json').stdout) as { files: RegisteredFile[] };
    expect(only2023.files.map((file) => [file.reviewYear, file.table])).toEqual(['1-2', '2-1', '3-1', '3-2', '4-1', '5-1'].map((table) => [2023, table]));
    const { status, stderr } = ebpmWith(environment, 'review-sheets', 'files', '--year', '2019');
    expect(status).toBe(2);
    expect(stderr).toContain('no review-sheet file of review year 2019 is loaded (loaded: review years 2024, 2023)');
  });
});

describe('the history of the review-sheet files', () => {
  it('records each load, retirement and return to force, which files --history lists newest first', async () => {
    // The published 1-2 again: back in force, retiring the file with the bad records.
    expect(ebpmWith(environment, 'review-sheets', 'load', FIXTURES).status).toBe(0);
    const { events } = JSON.parse(ebpmWith(environment, 'review-sheets', 'files', '--history', '--json').stdout) as { events: FileEvent[] };
    const [published, bad] = await projectFileIds();
    expect(events.filter((event) => event.table === '1-2' && event.reviewYear === 2024).map((event) => [event.event, event.file, event.by?.file ?? null])).toEqual([
      ['reinstated', PROJECTS_FILE, null],
      ['retired', BAD_PROJECTS_FILE, PROJECTS_FILE],
      ['loaded', BAD_PROJECTS_FILE, null],
      ['retired', PROJECTS_FILE, BAD_PROJECTS_FILE],
      ['loaded', PROJECTS_FILE, null],
    ]);
    expect(events.filter((event) => event.table !== '1-2' || event.reviewYear !== 2024).map((event) => event.event)).toEqual(Array(11).fill('loaded'));
    // The 2023 files were loaded first: last in the list, newest first.
    expect(events.slice(-6).every((event) => event.reviewYear === 2023)).toBe(true);
    const only2023 = JSON.parse(ebpmWith(environment, 'review-sheets', 'files', '--history', '--year', '2023', '--json').stdout) as { events: FileEvent[] };
    expect(only2023.events).toEqual(events.filter((event) => event.reviewYear === 2023));
    const text = ebpmWith(environment, 'review-sheets', 'files', '--history').stdout;
    expect(text).toContain(`put back in force        2024  1-2    ${published.slice(0, 12)}`);
    expect(text).toContain(`retired by ${published.slice(0, 12)}  2024  1-2    ${bad.slice(0, 12)}`);
    expect(text).toContain(REVIEW_SHEET_ATTRIBUTION);
    // Every file came after the history began: nothing is said of a partial history.
    expect(text).not.toContain('Of what happened before');
  });

  it('shows BI tools the register (bi.review_sheet_files), every column commented, the file in force of each table and year', async () => {
    const [published, bad] = await projectFileIds();
    const reader = await connectAsBiReader(database);
    try {
      const { rows } = await reader.query<{ file_sha256: string; file_name: string; in_force: boolean; retired_by_sha256: string | null; retired_by_file_name: string | null; quarantined: number }>(
        "SELECT file_sha256, file_name, in_force, retired_by_sha256, retired_by_file_name, quarantined FROM bi.review_sheet_files WHERE sheet_table = '1-2' AND review_year = 2024 ORDER BY loaded_at",
      );
      expect(rows).toEqual([
        { file_sha256: published, file_name: PROJECTS_FILE, in_force: true, retired_by_sha256: null, retired_by_file_name: null, quarantined: 0 },
        { file_sha256: bad, file_name: BAD_PROJECTS_FILE, in_force: false, retired_by_sha256: published, retired_by_file_name: PROJECTS_FILE, quarantined: 2 },
      ]);
      const uncommented = await reader.query("SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'bi.review_sheet_files'::regclass AND a.attnum > 0 AND col_description(a.attrelid, a.attnum) IS NULL");
      expect(uncommented.rows).toEqual([]);
      const [{ comment }] = (await reader.query<{ comment: string }>("SELECT obj_description('bi.review_sheet_files'::regclass) AS comment")).rows;
      expect(comment).toContain('PDL1.0');
    } finally {
      await reader.end();
    }
    const [{ granted }] = (await sql<{ granted: boolean }>`
      SELECT EXISTS (SELECT 1 FROM information_schema.role_table_grants WHERE grantee = 'bi_reader' AND table_schema = 'bi' AND table_name = 'review_sheet_files' AND privilege_type = 'SELECT') AS granted`.execute(database.db)).rows;
    expect(granted).toBe(true);
  });

  it('takes, for files loaded before migration 0043, each file\'s load and its present retirement, at the register\'s times, in that order', async () => {
    const [published, bad] = await projectFileIds();
    await migrateTo(database.db, '0042_review_findings_due');
    await migrateToLatest(database.db);
    const events = (await sql<{ file_sha256: string; event: string; by_file: string | null; at: Date; loaded_at: Date; retired_at: Date | null }>`
      SELECT e.file_sha256, e.event, e.by_file, e.at, f.loaded_at, f.retired_at
        FROM raw.review_sheet_file_events e JOIN raw.review_sheet_files f USING (file_sha256)
       WHERE e.file_sha256 IN (${published}, ${bad}) ORDER BY e.id`.execute(database.db)).rows;
    // The published file in force again (its put-back and first retirement not kept by the register), the bad one retired.
    expect(events.map((event) => [event.event, event.file_sha256, event.by_file])).toEqual([
      ['loaded', published, null],
      ['loaded', bad, null],
      ['retired', bad, published],
    ]);
    for (const event of events) expect(event.at).toEqual(event.event === 'loaded' ? event.loaded_at : event.retired_at);
    const today = new Date().toISOString().slice(0, 10);
    expect(ebpmWith(environment, 'review-sheets', 'files', '--history').stdout).toContain(`Of what happened before ${today}, when this history began, only each file's load is here`);
  });
});

describe('ebpm review-sheets quarantine', () => {
  it('lists a file\'s quarantined records by line with their reasons, the free text as text, and says when --limit cuts them', async () => {
    const [, bad] = await projectFileIds();
    const json = ebpmWith(environment, 'review-sheets', 'quarantine', bad.slice(0, 8), '--json');
    expect(json.status).toBe(0);
    const shown = JSON.parse(json.stdout) as { id: string; inForce: boolean; quarantined: number; shown: number; quarantinedRecords: { line: number; reason: string; record: string[] }[]; attribution: string };
    const lines = lineCount(join(scratch, 'bad', BAD_PROJECTS_FILE));
    expect(shown).toMatchObject({ id: bad, inForce: false, quarantined: 2, shown: 2, attribution: REVIEW_SHEET_ATTRIBUTION });
    expect(shown.quarantinedRecords.map((record) => [record.line, record.record])).toEqual([
      [lines - 1, ['a', 'b', 'c']],
      [lines, ['"<script>never closed']],
    ]);
    expect(shown.quarantinedRecords[0].reason).toBe('3 columns where the header has 32');
    expect(shown.quarantinedRecords[1].reason).toMatch(/^a quoted field is never closed/);

    const cut = ebpmWith(environment, 'review-sheets', 'quarantine', bad, '--limit', '1');
    expect(cut.status).toBe(0);
    expect(cut.stdout).toContain(`${BAD_PROJECTS_FILE} (table 1-2, review year 2024, retired): 2 of its`);
    expect(cut.stdout).toContain('a | b | c');
    expect(cut.stdout).not.toContain('<script>');
    expect(cut.stdout).toContain('Showing 1 of 2, by line; --limit 2 shows all of them');
    // A retired file's records are out of the views with it: no word of how to bring them in.
    expect(cut.stdout).not.toContain('Quarantined records are not in the views');
    expect(cut.stdout).toContain(REVIEW_SHEET_ATTRIBUTION);
  });

  it('refuses an id no file has, or that several share, with exit 2, and a malformed one with its usage', async () => {
    const none = ebpmWith(environment, 'review-sheets', 'quarantine', '000000');
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('no review-sheet file\'s id starts with 000000; `ebpm review-sheets files` lists the files loaded with their ids');
    // Two registered files whose ids share their first six characters (written here: real digests rarely do).
    const twins = ['abcdef'.padEnd(64, '0'), 'abcdef'.padEnd(64, '1')];
    for (const [index, id] of twins.entries()) {
      await sql`INSERT INTO raw.review_sheet_files (file_sha256, file_name, sheet_table, review_year, records, loaded, quarantined, status)
                VALUES (${id}, ${`twin-${index}.csv`}, '6-1', 2024, 0, 0, 0, 'retired')`.execute(database.db);
    }
    try {
      const shared = ebpmWith(environment, 'review-sheets', 'quarantine', 'abcdef');
      expect(shared.status).toBe(2);
      expect(shared.stderr).toContain("2 files' ids start with abcdef (");
      expect(shared.stderr).toContain('); give more of the id');
      for (const [index, id] of twins.entries()) expect(shared.stderr).toContain(`${id.slice(0, 12)} twin-${index}.csv`);
      expect(ebpmWith(environment, 'review-sheets', 'quarantine', twins[1].slice(0, 7)).stdout).toContain('twin-1.csv (table 6-1, review year 2024, retired): 0 of its 0 records quarantined; every record was loaded.');
    } finally {
      await sql`DELETE FROM raw.review_sheet_files WHERE file_sha256 = ANY (${twins}::text[])`.execute(database.db);
    }
    const malformed = ebpmWith(environment, 'review-sheets', 'quarantine', 'xyz');
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('give one file id');
  });
});
