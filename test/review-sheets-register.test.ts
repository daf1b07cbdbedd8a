/**
 * `ebpm review-sheets files` and `quarantine`: the register of the files loaded and the records a file could not load,
 * read back through the compiled command after loads through the command itself (its own worker, the test server).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FileEvent, RegisteredFile } from '../cli/commands/review-sheets-register.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { ebpmWith } from './support/compiled-cli.js';
import { connectAsBiReader, createTestDatabase, type TestDatabase } from './support/services.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const PROJECTS_FILE = readdirSync(FIXTURES).find((name) => name.startsWith('1-2_RS_2024_'))!;

let database: TestDatabase;
let scratch: string;
let environment: Record<string, string>;

/** The fixtures with two bad records appended to 1-2: one of three columns, one whose quote is never closed. */
function withBadRecords(folder: string): void {
  mkdirSync(folder);
  for (const name of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, name), join(folder, name));
  const text = readFileSync(join(folder, PROJECTS_FILE), 'utf8');
  writeFileSync(join(folder, PROJECTS_FILE), `${text.endsWith('\n') ? text : `${text}\n`}"a","b","c"\n"<script>never closed\n`);
}

/** The ids of 1-2's two files: the published one first, then the one with the bad records. */
async function projectFileIds(): Promise<[string, string]> {
  const { rows } = await sql<{ file_sha256: string }>`SELECT file_sha256 FROM raw.review_sheet_files WHERE sheet_table = '1-2' ORDER BY loaded_at`.execute(database.db);
  expect(rows).toHaveLength(2);
  return [rows[0].file_sha256, rows[1].file_sha256];
}

const lineCount = (path: string) => readFileSync(path, 'utf8').replace(/\n$/, '').split('\n').length;

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-register-'));
  environment = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
  expect(ebpmWith(environment, 'review-sheets', 'load', FIXTURES, '--json').status).toBe(0);
  withBadRecords(join(scratch, 'bad'));
}, 120_000);

afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('ebpm review-sheets files', () => {
  it('lists every file of the register with its account, and a file replaced as retired by the one that replaced it', async () => {
    const loading = ebpmWith(environment, 'review-sheets', 'load', join(scratch, 'bad'));
    expect(loading.status).toBe(0);
    expect(loading.stdout).toContain('2 quarantined; replaces');
    expect(loading.stdout).toContain('`ebpm review-sheets quarantine ID` lists them');

    const listed = ebpmWith(environment, 'review-sheets', 'files', '--json');
    expect(listed.status).toBe(0);
    const { files } = JSON.parse(listed.stdout) as { files: RegisteredFile[] };
    const register = (await sql<{ file_sha256: string; status: string; records: number; loaded: number; quarantined: number; retired_by: string | null }>`
      SELECT file_sha256, status, records, loaded, quarantined, retired_by FROM raw.review_sheet_files`.execute(database.db)).rows;
    expect(files).toHaveLength(register.length);
    for (const file of files) {
      const row = register.find((candidate) => candidate.file_sha256 === file.id)!;
      expect({ inForce: file.inForce, records: file.records, loaded: file.loaded, quarantined: file.quarantined, retiredBy: file.retiredBy?.id ?? null }).toEqual({
        inForce: row.status === 'loaded', records: row.records, loaded: row.loaded, quarantined: row.quarantined, retiredBy: row.retired_by,
      });
    }
    const projects = files.filter((file) => file.table === '1-2');
    expect(projects.map((file) => ({ inForce: file.inForce, quarantined: file.quarantined }))).toEqual([{ inForce: true, quarantined: 2 }, { inForce: false, quarantined: 0 }]);
    expect(projects[1].retiredBy).toEqual({ id: projects[0].id, file: PROJECTS_FILE });
    expect(projects[0].records).toBe(lineCount(join(FIXTURES, PROJECTS_FILE)) - 1 + 2);

    const text = ebpmWith(environment, 'review-sheets', 'files');
    expect(text.stdout).toContain(`retired ${projects[1].retiredAt!.slice(0, 10)} ${projects[1].retiredAt!.slice(11, 19)} by ${projects[0].id.slice(0, 12)}`);
    expect(text.stdout).toContain('1 of these files had records quarantined');
  });

  it('refuses a review year no file is loaded for with exit 2, naming the years loaded', () => {
    const { status, stderr } = ebpmWith(environment, 'review-sheets', 'files', '--year', '2019');
    expect(status).toBe(2);
    expect(stderr).toContain('no review-sheet file of review year 2019 is loaded (loaded: review year 2024)');
  });
});

describe('the history of the review-sheet files', () => {
  it('records each load, retirement and return to force, which files --history lists newest first', async () => {
    // The published 1-2 again: back in force, retiring the file with the bad records.
    expect(ebpmWith(environment, 'review-sheets', 'load', FIXTURES).status).toBe(0);
    const { events } = JSON.parse(ebpmWith(environment, 'review-sheets', 'files', '--history', '--json').stdout) as { events: FileEvent[] };
    const [published, bad] = await projectFileIds();
    expect(events.filter((event) => event.table === '1-2').map((event) => [event.event, event.id, event.by?.id ?? null])).toEqual([
      ['reinstated', published, null],
      ['retired', bad, published],
      ['loaded', bad, null],
      ['retired', published, bad],
      ['loaded', published, null],
    ]);
    expect(events.filter((event) => event.table !== '1-2').map((event) => event.event)).toEqual(Array(5).fill('loaded'));
    const text = ebpmWith(environment, 'review-sheets', 'files', '--history').stdout;
    expect(text).toContain(`put back in force        2024  1-2    ${published.slice(0, 12)}`);
    expect(text).toContain(`retired by ${published.slice(0, 12)}  2024  1-2    ${bad.slice(0, 12)}`);
  });

  it('shows BI tools the register (bi.review_sheet_files), every column commented, the file in force of each table and year', async () => {
    const [published, bad] = await projectFileIds();
    const reader = await connectAsBiReader(database);
    try {
      const { rows } = await reader.query<{ file_sha256: string; in_force: boolean; retired_by_sha256: string | null; quarantined: number }>(
        "SELECT file_sha256, in_force, retired_by_sha256, quarantined FROM bi.review_sheet_files WHERE sheet_table = '1-2' ORDER BY loaded_at",
      );
      expect(rows).toEqual([
        { file_sha256: published, in_force: true, retired_by_sha256: null, quarantined: 0 },
        { file_sha256: bad, in_force: false, retired_by_sha256: published, quarantined: 2 },
      ]);
      const uncommented = await reader.query("SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'bi.review_sheet_files'::regclass AND a.attnum > 0 AND col_description(a.attrelid, a.attnum) IS NULL");
      expect(uncommented.rows).toEqual([]);
      const [{ comment }] = (await reader.query<{ comment: string }>("SELECT obj_description('bi.review_sheet_files'::regclass) AS comment")).rows;
      expect(comment).toContain('PDL1.0');
    } finally {
      await reader.end();
    }
  });

  it('takes, for files loaded before migration 0043, each file\'s load and its present retirement', async () => {
    const [published, bad] = await projectFileIds();
    await migrateTo(database.db, '0042_review_findings_due');
    await migrateToLatest(database.db);
    const events = (await sql<{ file_sha256: string; event: string; by_file: string | null }>`
      SELECT file_sha256, event, by_file FROM raw.review_sheet_file_events WHERE file_sha256 IN (${published}, ${bad}) ORDER BY at, event`.execute(database.db)).rows;
    expect(events.map((event) => [event.event, event.file_sha256, event.by_file])).toEqual([
      ['loaded', published, null],
      ['loaded', bad, null],
      ['retired', bad, published],
    ]);
  });
});

describe('ebpm review-sheets quarantine', () => {
  it('lists a file\'s quarantined records by line with their reasons, the free text as text, and says when --limit cuts them', async () => {
    const [{ file_sha256: id }] = (await sql<{ file_sha256: string }>`SELECT file_sha256 FROM raw.review_sheet_files WHERE sheet_table = '1-2' AND quarantined > 0`.execute(database.db)).rows;
    const json = ebpmWith(environment, 'review-sheets', 'quarantine', id.slice(0, 8), '--json');
    expect(json.status).toBe(0);
    const shown = JSON.parse(json.stdout) as { id: string; quarantined: number; shown: number; quarantinedRecords: { line: number; reason: string; record: string[] }[] };
    const lines = lineCount(join(scratch, 'bad', PROJECTS_FILE));
    expect(shown).toMatchObject({ id, quarantined: 2, shown: 2 });
    expect(shown.quarantinedRecords.map((record) => [record.line, record.record])).toEqual([
      [lines - 1, ['a', 'b', 'c']],
      [lines, ['"<script>never closed']],
    ]);
    expect(shown.quarantinedRecords[0].reason).toBe('3 columns where the header has 32');
    expect(shown.quarantinedRecords[1].reason).toMatch(/^a quoted field is never closed/);

    const cut = ebpmWith(environment, 'review-sheets', 'quarantine', id, '--limit', '1');
    expect(cut.status).toBe(0);
    expect(cut.stdout).toContain('2 of its');
    expect(cut.stdout).toContain('a | b | c');
    expect(cut.stdout).not.toContain('<script>');
    expect(cut.stdout).toContain('The first 1 by line; --limit 2 shows all of them');
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
