/**
 * A review-sheet file's COPY text made ahead of its load (review-sheets/encoding-ahead.ts, which `ebpm review-sheets
 * load` starts for the first 3-1 file while it starts its worker) is the text a parse at load time makes, byte for
 * byte, with the digest of the file's bytes; it is taken by its path, once; stopped and let go of when closed early
 * or never taken; and a file stored with it has the rows a file parsed at its load has.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../sql/database.js';
import { closeEncodingsAhead, encodingsAheadLeft, startEncodingAhead, startEncodingAheadForLoad, takeEncodingAhead } from '../review-sheets/encoding-ahead.js';
import { encodeReviewFileOnThread, encodeReviewSheet, idleParseThreads, stopIdleParseThreads } from '../review-sheets/parse-thread.js';
import { sha256Of } from '../review-sheets/read-file.js';
import { storeReviewSheet, type ReviewSheetSource } from '../review-sheets/store-file.js';
import { descriptorsOpenOn, processThreads, threadsSettledAt } from './support/process-threads.js';
import { everything } from './support/sheet-encodings.js';
import { publishedRecordsRepeated } from './support/review-sheet-copies.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const fixture = (table: string) => readdirSync(FIXTURES).find((name) => name.startsWith(`${table}_RS_2024_`))!;

let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-encoding-ahead-'));
});

afterAll(async () => {
  await closeEncodingsAhead();
  await stopIdleParseThreads();
  rmSync(scratch, { recursive: true, force: true });
});

/** `bytes` written under the published name `fileName` in a folder of its own. */
function fileOf(folder: string, fileName: string, bytes: Uint8Array): string {
  mkdirSync(join(scratch, folder), { recursive: true });
  const path = join(scratch, folder, fileName);
  writeFileSync(path, bytes);
  return path;
}

/** The file as the load's activity reads it (activities/review-sheets.ts): its name in NFC, its digest, its bytes in pieces. */
function sourceAtLoad(path: string): ReviewSheetSource {
  const bytes = readFileSync(path);
  const name = basename(path).normalize('NFC');
  return {
    label: name,
    fileName: name,
    sha256: sha256Of(bytes),
    size: bytes.length,
    async *pieces() {
      for (let at = 0; at < bytes.length; at += 1 << 20) yield bytes.subarray(at, at + (1 << 20));
    },
  };
}

describe('a review-sheet file made ahead of its load', () => {
  it('gives the COPY text, counts, quarantined records and derived tables a parse at load time gives, with the digest of its bytes, once', async () => {
    // 3-1 with its derived tables; 5-1 with a record a column short, quarantined.
    const cases = [
      fileOf('texts', fixture('3-1'), readFileSync(join(FIXTURES, fixture('3-1')))),
      fileOf('texts', fixture('5-1'), Buffer.concat([readFileSync(join(FIXTURES, fixture('5-1'))), Buffer.from('"2024","1","only three"\r\n')])),
    ];
    for (const path of cases) {
      const source = sourceAtLoad(path);
      const atLoad = await everything(encodeReviewSheet(source, false));
      startEncodingAhead(path);
      expect(takeEncodingAhead(`${path}.other`)).toBeUndefined();
      const taken = takeEncodingAhead(path);
      expect(taken, path).toBeDefined();
      // Taken once: a second asking finds nothing.
      expect(takeEncodingAhead(path)).toBeUndefined();
      expect(await taken!.sha256()).toBe(source.sha256);
      const ahead = await everything(taken!.encoding);
      for (const part of ['text', 'quarantine', 'values', 'indicators'] as const) expect(ahead[part].equals(atLoad[part]), `${path}: ${part}`).toBe(true);
      expect([ahead.rows, ahead.quarantined, ahead.valueRows, ahead.indicatorRows]).toEqual([atLoad.rows, atLoad.quarantined, atLoad.valueRows, atLoad.indicatorRows]);
      expect(atLoad.rows, path).toBeGreaterThan(0);
      if (path.includes('3-1_')) expect(atLoad.valueRows).toBeGreaterThan(0);
      else expect(atLoad.quarantined).toBe(1);
    }
  });

  it('stops its thread and closes the file when closed before its text is all made, and the command\'s end lets go of what was never taken', async () => {
    await stopIdleParseThreads();
    const before = processThreads();
    // A large file (about 28 MB): its parse is still going when the first chunk is taken.
    const path = fileOf('large', fixture('5-1'), publishedRecordsRepeated(fixture('5-1'), 400));
    startEncodingAhead(path);
    const taken = takeEncodingAhead(path)!;
    const first = await taken.encoding.rowChunks()[Symbol.asyncIterator]().next();
    expect(first.done).toBe(false);
    expect(descriptorsOpenOn(path)).toBe(1);
    await taken.encoding.close();
    // Stopped, not kept for the next file: it had not finished.
    expect(idleParseThreads()).toBe(0);
    expect(descriptorsOpenOn(path)).toBe(0);
    expect(await threadsSettledAt(before)).toBe(before);
    // Never taken (the load failed before that file): closed with the rest when the command ends.
    startEncodingAhead(path);
    startEncodingAhead(fileOf('never', fixture('3-1'), readFileSync(join(FIXTURES, fixture('3-1')))));
    expect(encodingsAheadLeft()).toBe(2);
    await closeEncodingsAhead();
    expect(encodingsAheadLeft()).toBe(0);
    expect(descriptorsOpenOn(path)).toBe(0);
    await stopIdleParseThreads();
    expect(await threadsSettledAt(before)).toBe(before);
  });

  it("chooses a load's first 3-1 file on disk of the size parsed on a thread, inside the worker's input folder, and nothing for paths it cannot list", async () => {
    const year = join(scratch, 'year');
    mkdirSync(year);
    for (const table of ['1-2', '3-1', '5-1']) copyFileSync(join(FIXTURES, fixture(table)), join(year, fixture(table)));
    const elsewhere = join(scratch, 'elsewhere');
    mkdirSync(elsewhere);
    // The fixtures are far below the size a load parses on a thread of its own: not made ahead unless the least size is 0.
    expect(await startEncodingAheadForLoad([year], undefined)).toBeUndefined();
    expect(await startEncodingAheadForLoad([year], undefined, 0)).toBe(join(year, fixture('3-1')));
    expect(await startEncodingAheadForLoad([year], year, 0)).toBe(join(year, fixture('3-1')));
    // A zip named beside the folder is left to the load, unopened (this one is not even a zip).
    writeFileSync(join(scratch, 'not-a.zip'), 'not a zip');
    expect(await startEncodingAheadForLoad([join(scratch, 'not-a.zip'), year], undefined, 0)).toBe(join(year, fixture('3-1')));
    expect(encodingsAheadLeft()).toBe(3);
    await closeEncodingsAhead();
    expect(await startEncodingAheadForLoad([year], elsewhere, 0)).toBeUndefined();
    expect(await startEncodingAheadForLoad([join(year, fixture('5-1'))], undefined, 0)).toBeUndefined();
    expect(await startEncodingAheadForLoad([join(scratch, 'no-such-folder')], undefined, 0)).toBeUndefined();
    expect(encodingsAheadLeft()).toBe(0);
  });
});

describe('a review-sheet file stored with its text made ahead', () => {
  const databases: TestDatabase[] = [];

  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
  });

  /** The 3-1 tables' rows as text, in a fixed order (the load's time of registering left out). */
  async function indicatorTables(db: Kysely<Database>): Promise<string[]> {
    const tables = ['core.review_indicator_rows', 'core.review_indicator_values', 'core.review_indicators'];
    return Promise.all(
      tables.map(async (table) => (await sql<{ rows: string }>`SELECT string_agg(t::text, E'\n' ORDER BY t::text) AS rows FROM ${sql.table(table)} t`.execute(db)).rows[0].rows),
    );
  }

  it('has the rows, derived tables and account of the file parsed at its load', async () => {
    const path = fileOf('stored', fixture('3-1'), readFileSync(join(FIXTURES, fixture('3-1'))));
    const [atLoad, ahead] = [await createTestDatabase(), await createTestDatabase()];
    databases.push(atLoad, ahead);
    const accountAtLoad = await storeReviewSheet(atLoad.db, sourceAtLoad(path));
    startEncodingAhead(path);
    const taken = takeEncodingAhead(path)!;
    const accountAhead = await storeReviewSheet(ahead.db, { ...sourceAtLoad(path), sha256: await taken.sha256() }, { encoding: taken.encoding });
    expect(encodingsAheadLeft()).toBe(0);
    expect(accountAhead).toEqual(accountAtLoad);
    expect(accountAhead.loaded).toBeGreaterThan(0);
    const [rowsAtLoad, rowsAhead] = [await indicatorTables(atLoad.db), await indicatorTables(ahead.db)];
    expect(rowsAhead).toEqual(rowsAtLoad);
    expect(rowsAhead.every((rows) => rows.length > 0)).toBe(true);
    // The same bytes again, read whole on a thread: skipped, their text never asked for, the thread kept for the next file.
    await stopIdleParseThreads();
    const again = encodeReviewFileOnThread(path, basename(path).normalize('NFC'));
    const skipped = await storeReviewSheet(ahead.db, { ...sourceAtLoad(path), sha256: await again.sha256() }, { encoding: again.encoding });
    expect(skipped).toMatchObject({ skipped: true, loaded: accountAhead.loaded });
    expect(idleParseThreads()).toBe(1);
    await stopIdleParseThreads();
  });
});
