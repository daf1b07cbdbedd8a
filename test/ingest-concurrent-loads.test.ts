/**
 * One file loaded twice at once (a triggered run beside a scheduled one, an analyst sending it twice), and a load
 * retried after its first attempt had already completed the file: each row is counted once, and each load says
 * truthfully whether it loaded the file or found it loaded by another.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApplicantsCsv } from '../bench/applicants-csv.js';
import { loadFile } from '../ingest/loading/load-file.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

const ROWS = 30_000;

let database: TestDatabase;
let scratch: string;

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-concurrent-loads-'));
});

afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

async function storedAccount(fileName: string) {
  return database.db
    .selectFrom('raw.input_files')
    .select(['rows_total', 'rows_loaded', 'rows_rejected', 'status', 'loaded_by'])
    .where('file_name', '=', fileName)
    .executeTakeFirstOrThrow();
}

describe('loads of one file that meet', () => {
  it('one file sent at once as two kinds (a run\'s files load side by side): the load that comes second is refused, naming the kind it was loaded as', async () => {
    // A wide file that reads as either kind: the applicant columns, and an outcome year's columns beside them.
    const applicantsPath = join(scratch, 'applicants-for-two-kinds.csv');
    await writeApplicantsCsv(applicantsPath, 5_000, 22);
    const [header, ...lines] = readFileSync(applicantsPath, 'utf8').trimEnd().split('\n');
    const path = join(scratch, 'applicants-as-two-kinds.csv');
    writeFileSync(path, [`${header},fiscal_year,labour_productivity,average_wage`, ...lines.map((line) => `${line},2023,600.5,450`)].join('\n') + '\n');
    const load = (kind: 'applicants' | 'outcomes') => loadFile(database.db, { programmeId: 'large-scale-growth-investment', kind, path }, { batchSize: 500, parseIn: 'process' as const });
    const [asApplicants, asOutcomes] = await Promise.allSettled([load('applicants'), load('outcomes')]);
    const outcomes = [asApplicants, asOutcomes].map((result) => result.status);
    // Which one takes the file first is a race; the other must fail, never report the first's load as its own.
    expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
    const refused = [asApplicants, asOutcomes].find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(String(refused.reason)).toMatch(/was loaded before as the (applicants|outcomes) file \(the same bytes\)/);
    const { rows } = await sql<{ kinds: number }>`SELECT count(*)::integer AS kinds FROM raw.input_files WHERE file_name = 'applicants-as-two-kinds.csv'`.execute(database.db);
    expect(rows[0].kinds).toBe(1);
  });

  it('two loads at once count each row once: one loads the file, the other waits and finds it loaded', async () => {
    const path = join(scratch, 'applicants-twice.csv');
    await writeApplicantsCsv(path, ROWS, 21);
    const input = { programmeId: 'sme-labour-saving', kind: 'applicants' as const, path };
    // Small batches, parsed on this thread: both loads are under way together for many commits.
    const options = { batchSize: 1_000, parseIn: 'process' as const };
    const [first, second] = await Promise.all([loadFile(database.db, input, options), loadFile(database.db, input, options)]);

    expect([first.skippedDuplicateFile, second.skippedDuplicateFile].sort()).toEqual([false, true]);
    for (const account of [first, second]) {
      expect(account.rowsTotal).toBe(ROWS);
      expect(account.rowsLoaded + account.rowsRejected).toBe(ROWS);
    }
    const stored = await storedAccount('applicants-twice.csv');
    expect(stored.status).toBe('complete');
    expect(stored.rows_total).toBe(ROWS);
    const { rows } = await sql<{ applications: number }>`SELECT count(*)::integer AS applications FROM core.applications WHERE programme_id = 'sme-labour-saving'`.execute(database.db);
    expect(rows[0].applications).toBe(stored.rows_loaded);
    // No load keeps the file held once it has ended.
    const held = await sql<{ locks: number }>`SELECT count(*)::integer AS locks FROM pg_locks
       WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(database.db);
    expect(held.rows[0].locks).toBe(0);
  });

  it('a retry of the attempt that completed the file reports it as loaded; another load reports a duplicate', async () => {
    const path = join(scratch, 'applicants-retried.csv');
    await writeApplicantsCsv(path, 2_000, 22);
    const input = { programmeId: 'sme-labour-saving', kind: 'applicants' as const, path };
    const completed = await loadFile(database.db, input, { loadedBy: 'run-a/3' });
    expect(completed.skippedDuplicateFile).toBe(false);
    expect((await storedAccount('applicants-retried.csv')).loaded_by).toBe('run-a/3');

    // The same attempt key: its first attempt died after committing; the retry reports the load, with its account.
    const retried = await loadFile(database.db, input, { loadedBy: 'run-a/3' });
    expect(retried.skippedDuplicateFile).toBe(false);
    expect(retried.format).toBe('csv');
    expect({ total: retried.rowsTotal, loaded: retried.rowsLoaded, rejected: retried.rowsRejected }).toEqual({
      total: completed.rowsTotal,
      loaded: completed.rowsLoaded,
      rejected: completed.rowsRejected,
    });

    const other = await loadFile(database.db, input, { loadedBy: 'run-b/3' });
    expect(other.skippedDuplicateFile).toBe(true);
    expect(other.rowsTotal).toBe(2_000);
  });
});
