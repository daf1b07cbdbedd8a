/**
 * A review-sheet file's COPY text made on a thread of its own (review-sheets/parse-thread.ts) is the one made on the
 * calling thread, byte for byte, with the same rows, quarantined records and 3-1 indicator values, whatever the size of
 * the pieces; what refuses a file there is thrown here as the same error; a thread that read its file to the end is
 * kept for the next file, and a reader that stops early (a COPY that failed) stops the thread and closes the file; a
 * file on disk read and hashed by the thread gives the same text and the digest of its bytes. The load through
 * the database on the thread: test/review-sheets-thread-load.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReviewHeaderError } from '../review-sheets/header-check.js';
import { encodeReviewFileOnThread, encodeReviewSheet, idleParseThreads, stopIdleParseThreads, type EncodedSource } from '../review-sheets/parse-thread.js';
import { ReviewFileChangedError } from '../review-sheets/parse-thread-messages.js';
import { ReviewCsvError, sha256Of } from '../review-sheets/read-file.js';
import { descriptorsOpenOn, processThreads as threads, threadsSettledAt } from './support/process-threads.js';
import { everything } from './support/sheet-encodings.js';
import { publishedRecordsRepeated } from './support/review-sheet-copies.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const fixture = (table: string) => readdirSync(FIXTURES).find((name) => name.startsWith(`${table}_RS_2024_`))!;

/** The bytes in pieces of `size`, read afresh on each call, as a file's stream gives them. */
function sourceOf(fileName: string, bytes: Uint8Array, size: number): EncodedSource {
  return {
    fileName,
    sha256: sha256Of(bytes),
    async *pieces() {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    },
  };
}

describe('a review-sheet file parsed on a thread of its own', () => {
  it('gives the COPY text, rows, quarantined records, indicator values and indicators it gives on the calling thread, in pieces of any size', async () => {
    // 3-1 with indicator values; 5-1 with a bad record appended (a column short), which is quarantined.
    const payees = readFileSync(join(FIXTURES, fixture('5-1')));
    const cases = [
      { name: fixture('3-1'), bytes: readFileSync(join(FIXTURES, fixture('3-1'))) },
      { name: fixture('5-1'), bytes: Buffer.concat([payees, Buffer.from('"2024","1","only three"\r\n')]) },
    ];
    for (const { name, bytes } of cases) {
      const here = await everything(encodeReviewSheet(sourceOf(name, bytes, 1 << 20), false));
      expect(here.rows, name).toBeGreaterThan(0);
      for (const size of [7, 4096, 1 << 20]) {
        const there = await everything(encodeReviewSheet(sourceOf(name, bytes, size), true));
        for (const part of ['text', 'quarantine', 'values', 'indicators'] as const) expect(there[part].equals(here[part]), `${name}'s ${part} in pieces of ${size}`).toBe(true);
        const counts = ({ rows, quarantined, valueRows, indicatorRows }: typeof here) => ({ rows, quarantined, valueRows, indicatorRows });
        expect(counts(there)).toEqual(counts(here));
      }
      if (name.startsWith('3-1')) {
        expect(here.valueRows, name).toBeGreaterThan(0);
        expect(here.indicatorRows, name).toBeGreaterThan(0);
        expect(here.indicators.toString('utf8').split('\n').length - 1, name).toBe(here.indicatorRows);
      } else {
        expect({ values: here.values.length, indicators: here.indicators.length }, name).toEqual({ values: 0, indicators: 0 });
        // The bad record's line of raw.review_sheet_quarantine: the file, its line, the reason, the record as received.
        expect(here.quarantined, name).toBe(1);
        expect(here.quarantine.toString('utf8'), name).toMatch(/^[0-9a-f]{64}\t\d+\t3 columns where the header has \d+\t\["2024","1","only three"\]\n$/);
      }
    }
  });

  it('throws a header that is not the published one, and a file with no header, as the errors the calling thread throws', async () => {
    const name = fixture('1-2');
    const bytes = readFileSync(join(FIXTURES, name));
    const renamed = Buffer.from(bytes.toString('utf8').replace('事業名', '事業の名前'), 'utf8');
    for (const [content, type] of [[renamed, ReviewHeaderError], [Buffer.alloc(0), ReviewCsvError]] as const) {
      const outcomes = await Promise.all(
        [false, true].map((onThread) =>
          everything(encodeReviewSheet(sourceOf(name, content, 4096), onThread)).then(
            () => null,
            (error: unknown) => error,
          ),
        ),
      );
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(type);
      expect((outcomes[1] as Error).message).toBe((outcomes[0] as Error).message);
    }
  });

  it('keeps the thread of a file read to its end for the next file, which reads there as on a new thread; stops a refused file\'s; keeps two at most', async () => {
    await stopIdleParseThreads();
    const before = threads();
    // 3-1 first: the thread then holds its derived tables, which the next file must not see.
    const files = [fixture('3-1'), fixture('5-1'), fixture('3-1')].map((name) => ({ name, bytes: readFileSync(join(FIXTURES, name)) }));
    const counts: number[] = [];
    for (const { name, bytes } of files) {
      const here = await everything(encodeReviewSheet(sourceOf(name, bytes, 4096), false));
      const there = await everything(encodeReviewSheet(sourceOf(name, bytes, 4096), true));
      for (const part of ['text', 'quarantine', 'values', 'indicators'] as const) expect(there[part].equals(here[part]), `${name}'s ${part}`).toBe(true);
      expect([there.rows, there.quarantined, there.valueRows, there.indicatorRows]).toEqual([here.rows, here.quarantined, here.valueRows, here.indicatorRows]);
      counts.push(threads());
    }
    // One thread, started for the first file and kept for the others.
    expect(counts).toEqual([before + 1, before + 1, before + 1]);
    expect(idleParseThreads()).toBe(1);
    // A file refused for its header takes the kept thread, which is stopped with it, not kept.
    const renamed = Buffer.from(readFileSync(join(FIXTURES, fixture('1-2')), 'utf8').replace('事業名', '事業の名前'), 'utf8');
    await expect(everything(encodeReviewSheet(sourceOf(fixture('1-2'), renamed, 4096), true))).rejects.toBeInstanceOf(ReviewHeaderError);
    expect(idleParseThreads()).toBe(0);
    expect(await threadsSettledAt(before)).toBe(before);
    // Three files at once: three threads, two of them kept.
    await Promise.all(files.map(({ name, bytes }) => everything(encodeReviewSheet(sourceOf(name, bytes, 4096), true))));
    expect(idleParseThreads()).toBe(2);
    expect(await threadsSettledAt(before + 2)).toBe(before + 2);
    await stopIdleParseThreads();
    expect(await threadsSettledAt(before)).toBe(before);
  });

  it('stops the thread and closes the file when its reader stops part-way, as a failed COPY does', async () => {
    const name = fixture('5-1');
    // The published records forty times over: far more COPY text than one chunk, so the first is handed on long before the end.
    const bytes = publishedRecordsRepeated(name, 40);
    let read = 0;
    let closed = false;
    const source: EncodedSource = {
      fileName: name,
      sha256: sha256Of(bytes),
      async *pieces() {
        try {
          for (let at = 0; at < bytes.length; at += 1024) {
            read = at + 1024;
            yield bytes.subarray(at, at + 1024);
          }
        } finally {
          closed = true;
        }
      },
    };
    // A thread kept from an earlier file would be taken instead of a new one.
    await stopIdleParseThreads();
    const before = threads();
    const encoding = encodeReviewSheet(source, true);
    let during = 0;
    for await (const chunk of encoding.rowChunks()) {
      expect(chunk.length).toBeGreaterThan(0);
      during = threads();
      break;
    }
    expect(during).toBeGreaterThan(before);
    expect(closed).toBe(true);
    expect(read).toBeLessThan(bytes.length / 2);
    await encoding.close();
    expect(await threadsSettledAt(before)).toBe(before);
  });
});

describe('a review-sheet file on disk read by its parse thread', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'ebpm-whole-file-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** `bytes` written under the published name `name`, and its path. */
  function onDisk(name: string, bytes: Uint8Array): string {
    const path = join(scratch, name);
    writeFileSync(path, bytes);
    return path;
  }

  it('gives the digest of its bytes and the COPY text, counts and derived tables the calling thread gives', async () => {
    const payees = readFileSync(join(FIXTURES, fixture('5-1')));
    const cases = [
      { name: fixture('3-1'), bytes: readFileSync(join(FIXTURES, fixture('3-1'))) },
      // More than one piece of 1 MiB, with a record a column short.
      { name: fixture('5-1'), bytes: Buffer.concat([publishedRecordsRepeated(fixture('5-1'), 60), Buffer.from('"2024","1","only three"\r\n')]) },
    ];
    expect(cases[1].bytes.length).toBeGreaterThan(payees.length * 30);
    for (const { name, bytes } of cases) {
      const here = await everything(encodeReviewSheet(sourceOf(name, bytes, 1 << 20), false));
      const whole = encodeReviewFileOnThread(onDisk(name, bytes), name, { size: bytes.length });
      expect(await whole.sha256()).toBe(sha256Of(bytes));
      const there = await everything(whole.encoding);
      for (const part of ['text', 'quarantine', 'values', 'indicators'] as const) expect(there[part].equals(here[part]), `${name}'s ${part}`).toBe(true);
      expect([there.rows, there.quarantined, there.valueRows, there.indicatorRows]).toEqual([here.rows, here.quarantined, here.valueRows, here.indicatorRows]);
    }
  });

  it('closed before its rows are asked for (a file loaded before), closes the file and is kept for the next file', async () => {
    await stopIdleParseThreads();
    const before = threads();
    const name = fixture('3-1');
    const path = onDisk(name, readFileSync(join(FIXTURES, name)));
    const whole = encodeReviewFileOnThread(path, name);
    expect(descriptorsOpenOn(path)).toBe(1);
    await whole.sha256();
    await whole.encoding.close();
    expect(descriptorsOpenOn(path)).toBe(0);
    expect(idleParseThreads()).toBe(1);
    expect(await threadsSettledAt(before + 1)).toBe(before + 1);
    await stopIdleParseThreads();
    expect(await threadsSettledAt(before)).toBe(before);
  });

  it('throws a header that is not the published one from its rows, as the calling thread does, and a file it cannot open at once', async () => {
    const name = fixture('1-2');
    const renamed = Buffer.from(readFileSync(join(FIXTURES, name), 'utf8').replace('事業名', '事業の名前'), 'utf8');
    const here = await everything(encodeReviewSheet(sourceOf(name, renamed, 4096), false)).catch((error: unknown) => error);
    const whole = encodeReviewFileOnThread(onDisk(name, renamed), name);
    await whole.sha256();
    const there = await everything(whole.encoding).catch((error: unknown) => error);
    expect(there).toBeInstanceOf(ReviewHeaderError);
    expect((there as Error).message).toBe((here as Error).message);
    expect(() => encodeReviewFileOnThread(join(scratch, 'no-such-file.csv'), fixture('3-1'))).toThrow(/ENOENT/);
  });

  it('refuses a file that changed between its digest and its parse, which might not be the bytes hashed', async () => {
    const name = fixture('3-1');
    const published = readFileSync(join(FIXTURES, name));
    const path = onDisk(name, published);
    const whole = encodeReviewFileOnThread(path, name);
    expect(await whole.sha256()).toBe(sha256Of(published));
    // One record more: the size differs from the one hashed.
    writeFileSync(path, Buffer.concat([published, published.subarray(published.indexOf(10) + 1, published.indexOf(10, published.indexOf(10) + 1) + 1)]));
    await expect(everything(whole.encoding)).rejects.toBeInstanceOf(ReviewFileChangedError);
    // The same size, written again a second later: its modification time tells.
    writeFileSync(path, published);
    const again = encodeReviewFileOnThread(path, name);
    await again.sha256();
    utimesSync(path, new Date(), new Date(Date.now() + 1000));
    await expect(everything(again.encoding)).rejects.toThrow(`${name} changed while it was being loaded`);
    expect(descriptorsOpenOn(path)).toBe(0);
    // Rewritten in place with other bytes of the same size, its modification time set back (as `cp -p` does): its
    // change time tells.
    // (Whole seconds, which utimes sets exactly.)
    writeFileSync(path, published);
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const stamped = statSync(path);
    const third = encodeReviewFileOnThread(path, name);
    await third.sha256();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rewritten = Buffer.from(published);
    // The last record's year (a value, not the header): another byte, the same size.
    rewritten[published.lastIndexOf('2024') + 3] = 0x35;
    writeFileSync(path, rewritten);
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    expect([statSync(path).size, statSync(path).mtimeMs]).toEqual([stamped.size, stamped.mtimeMs]);
    expect(statSync(path).ctimeMs).not.toBe(stamped.ctimeMs);
    await expect(everything(third.encoding)).rejects.toBeInstanceOf(ReviewFileChangedError);
  });

  it('stops its thread and closes the file when its reader stops part-way, as a failed COPY does, a piece at a time', async () => {
    await stopIdleParseThreads();
    const before = threads();
    const name = fixture('5-1');
    // About 28 MB: far more pieces than the two the thread is given ahead.
    const path = onDisk(name, publishedRecordsRepeated(name, 400));
    const whole = encodeReviewFileOnThread(path, name);
    await whole.sha256();
    for await (const chunk of whole.encoding.rowChunks()) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    await whole.encoding.close();
    expect(idleParseThreads()).toBe(0);
    expect(descriptorsOpenOn(path)).toBe(0);
    expect(await threadsSettledAt(before)).toBe(before);
  });
});
