/**
 * A review-sheet file parsed on a thread of its own (review-sheets/parse-thread.ts) through the store and the database:
 * a COPY that fails half-way rolls the file back and closes it, and leaves no thread at work; a file whose every record is
 * quarantined is accounted and its quarantine stored as on the calling thread. Sources here give no size, so the
 * store parses them on a thread, as it does a zip's entries; one test gives a file on disk that its parse thread reads
 * itself, as the load does a large file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filePieces } from '../review-sheets/file-pieces.js';
import { encodeReviewFileOnThread, encodeReviewSheet, idleParseThreads, readsOnItsThread, stopIdleParseThreads } from '../review-sheets/parse-thread.js';
import { sha256Of } from '../review-sheets/read-file.js';
import { storeReviewSheet, type ReviewSheetSource } from '../review-sheets/store-file.js';
import { descriptorsOpenOn, processThreads, threadsSettledAt } from './support/process-threads.js';
import { publishedRecordsRepeated } from './support/review-sheet-copies.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const PAYEES = readdirSync(FIXTURES).find((name) => name.startsWith('5-1_RS_2024_'))!;

let database: TestDatabase;

/** The published 5-1's records `times` over (more COPY text than one chunk), under `fileName`; `closed` says whether its reading ended. */
function payeesSource(fileName: string, times: number, size?: number): ReviewSheetSource & { readonly state: { closed: boolean } } {
  const bytes = publishedRecordsRepeated(PAYEES, times);
  const state = { closed: false };
  return {
    label: fileName,
    fileName,
    sha256: sha256Of(bytes),
    ...(size === undefined ? {} : { size }),
    state,
    async *pieces() {
      try {
        for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
      } finally {
        state.closed = true;
      }
    },
  };
}

beforeAll(async () => {
  database = await createTestDatabase();
}, 60_000);

afterAll(async () => {
  await database?.drop();
});

describe('a review-sheet file parsed on a thread of its own, stored', () => {
  it('rolls the whole file back when PostgreSQL refuses a row half-way, with the file closed and no thread left at work', async () => {
    // A trigger that refuses the first row from the file's second half (its rows carry their line in the file).
    const source = payeesSource(PAYEES, 40);
    const lines = readFileSync(join(FIXTURES, PAYEES), 'utf8').split('\n').length * 40;
    await sql`CREATE FUNCTION pg_temp_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.line > ${sql.lit(Math.floor(lines / 2))} THEN RAISE EXCEPTION 'refused half-way (test)'; END IF; RETURN NEW; END $$`.execute(database.db);
    await sql`CREATE TRIGGER refuse_half_way BEFORE INSERT ON core.review_payee_rows FOR EACH ROW EXECUTE FUNCTION pg_temp_refuse()`.execute(database.db);
    await stopIdleParseThreads();
    const before = processThreads();
    try {
      await expect(storeReviewSheet(database.db, source)).rejects.toThrow('refused half-way (test)');
    } finally {
      await sql`DROP TRIGGER refuse_half_way ON core.review_payee_rows`.execute(database.db);
      await sql`DROP FUNCTION pg_temp_refuse()`.execute(database.db);
    }
    expect(source.state.closed).toBe(true);
    // Its thread is stopped, or, when it had read the whole file before PostgreSQL refused the row, kept idle for the
    // next file: either way none is left at work.
    expect(idleParseThreads()).toBeLessThanOrEqual(1);
    expect(await threadsSettledAt(before + idleParseThreads())).toBe(before + idleParseThreads());
    await stopIdleParseThreads();
    expect(await threadsSettledAt(before)).toBe(before);
    const left = await sql<{ files: number; rows: number }>`
      SELECT (SELECT count(*)::integer FROM raw.review_sheet_files) AS files, (SELECT count(*)::integer FROM core.review_payee_rows) AS rows`.execute(database.db);
    expect(left.rows[0]).toEqual({ files: 0, rows: 0 });
    // The same file then loads whole.
    const account = await storeReviewSheet(database.db, payeesSource(PAYEES, 40));
    expect(account).toMatchObject({ skipped: false, quarantined: 0 });
    expect(account.loaded).toBeGreaterThan(0);
  });

  it('rolls back a file on disk, read by its parse thread, when PostgreSQL refuses a row half-way: file closed, no thread at work', async () => {
    // The published 5-1 sixty times over (over 4 MiB: the load reads it on its parse thread), written to disk.
    const scratch = mkdtempSync(join(tmpdir(), 'ebpm-thread-load-'));
    try {
      const path = join(scratch, PAYEES);
      writeFileSync(path, publishedRecordsRepeated(PAYEES, 60));
      const size = statSync(path).size;
      expect(readsOnItsThread(size)).toBe(true);
      const lines = readFileSync(join(FIXTURES, PAYEES), 'utf8').split('\n').length * 60;
      const sourceOnDisk = async () => {
        const onThread = encodeReviewFileOnThread(path, PAYEES, { size });
        const source: ReviewSheetSource = { label: PAYEES, fileName: PAYEES, sha256: await onThread.sha256(), size, pieces: () => filePieces(path, 1 << 20) };
        return { source, encoding: onThread.encoding };
      };
      await sql`CREATE FUNCTION pg_temp_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.line > ${sql.lit(Math.floor(lines / 2))} THEN RAISE EXCEPTION 'refused half-way (test)'; END IF; RETURN NEW; END $$`.execute(database.db);
      await sql`CREATE TRIGGER refuse_half_way BEFORE INSERT ON core.review_payee_rows FOR EACH ROW EXECUTE FUNCTION pg_temp_refuse()`.execute(database.db);
      await stopIdleParseThreads();
      const before = processThreads();
      let sha256 = '';
      try {
        const { source, encoding } = await sourceOnDisk();
        sha256 = source.sha256;
        await expect(storeReviewSheet(database.db, source, { encoding })).rejects.toThrow('refused half-way (test)');
      } finally {
        await sql`DROP TRIGGER refuse_half_way ON core.review_payee_rows`.execute(database.db);
        await sql`DROP FUNCTION pg_temp_refuse()`.execute(database.db);
      }
      expect(descriptorsOpenOn(path)).toBe(0);
      expect(idleParseThreads()).toBeLessThanOrEqual(1);
      expect(await threadsSettledAt(before + idleParseThreads())).toBe(before + idleParseThreads());
      const left = await sql<{ files: number; rows: number }>`
        SELECT (SELECT count(*)::integer FROM raw.review_sheet_files WHERE file_sha256 = ${sha256}) AS files,
               (SELECT count(*)::integer FROM core.review_payee_rows WHERE file_sha256 = ${sha256}) AS rows`.execute(database.db);
      expect(left.rows[0]).toEqual({ files: 0, rows: 0 });
      // The same file then loads whole, with as many rows as the file has records.
      const { source, encoding } = await sourceOnDisk();
      const account = await storeReviewSheet(database.db, source, { encoding });
      // As many rows as the same bytes give on the calling thread.
      const bytes = readFileSync(path);
      const here = encodeReviewSheet({ fileName: PAYEES, sha256: source.sha256, size, pieces: async function* () { yield bytes; } }, false);
      for await (const chunk of here.rowChunks()) expect(chunk.length).toBeGreaterThan(0);
      expect(here.rows).toBeGreaterThan(1000);
      expect(account).toMatchObject({ skipped: false, quarantined: 0, loaded: here.rows });
      expect(descriptorsOpenOn(path)).toBe(0);
      await stopIdleParseThreads();
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('accounts a file whose every record is quarantined, and stores its quarantine as the calling thread does', async () => {
    // Named for review year 2023 while every record says 2024: each is quarantined with that reason.
    const misnamed = PAYEES.replace('_RS_2024_', '_RS_2023_');
    const onThread = payeesSource(misnamed, 30);
    const here = payeesSource(misnamed.replace('.csv', '_here.csv'), 31, 1);
    const accounts = [await storeReviewSheet(database.db, onThread), await storeReviewSheet(database.db, here)];
    const stored = await sql<{ file_sha256: string; line: number; reason: string; record: string[] }>`
      SELECT file_sha256, line, reason, record FROM raw.review_sheet_quarantine WHERE file_sha256 IN (${onThread.sha256}, ${here.sha256}) ORDER BY file_sha256, line`.execute(database.db);
    for (const [index, source] of [onThread, here].entries()) {
      const own = stored.rows.filter((row) => row.file_sha256 === source.sha256);
      expect(accounts[index]).toMatchObject({ loaded: 0, quarantined: own.length, records: own.length });
      expect(own.length).toBeGreaterThan(100);
      expect(new Set(own.map((row) => row.reason))).toEqual(new Set(['事業年度 "2024" is not the file\'s review year 2023']));
    }
    // The first 30 repetitions are the same records at the same lines on either thread.
    const linesOf = (sha256: string) => stored.rows.filter((row) => row.file_sha256 === sha256).map((row) => [row.line, row.record]);
    expect(linesOf(here.sha256).slice(0, linesOf(onThread.sha256).length)).toEqual(linesOf(onThread.sha256));
  });
});
