/**
 * `review-sheets load` reads a .zip of one review year's CSVs in the activity: entry names in UTF-8 (flag bit 11)
 * or in CP932 (no flag, as Japanese Windows writes them) load with the same accounts as the folder, each named by
 * the zip and the entry; a zip holding anything but published CSVs is refused, naming what it holds.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporalSession } from '../runtime/temporal.js';
import { loadReviewSheetsWorkflow, type LoadReviewSheetsResult } from '../workflows/index.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';
import { storedZip } from './support/stored-zip.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const CSVS = readdirSync(FIXTURES).filter((name) => name.endsWith('.csv')).sort();

let temporal: TemporalSession;
let scratch: string;
const databases: TestDatabase[] = [];

async function load(paths: string[]): Promise<LoadReviewSheetsResult> {
  const database = await createTestDatabase();
  databases.push(database);
  const taskQueue = uniqueTaskQueue('review-sheets-zip');
  const worker = await createTestWorker(temporal, database.db, taskQueue);
  return worker.runUntil(temporal.client.workflow.execute(loadReviewSheetsWorkflow, { taskQueue, workflowId: `${taskQueue}-${Math.random().toString(36).slice(2)}`, args: [{ paths }] }));
}

async function refusal(paths: string[]): Promise<string> {
  return load(paths).then(
    () => 'loaded',
    (error: Error) => `${error.message} ${(error.cause as Error | undefined)?.message ?? ''} ${((error.cause as Error | undefined)?.cause as Error | undefined)?.message ?? ''}`,
  );
}

const accountsOf = (result: LoadReviewSheetsResult) =>
  result.files.map(({ table, reviewYear, records, loaded, quarantined, skipped }) => ({ table, reviewYear, records, loaded, quarantined, skipped }));

function zipOf(name: string, entries: readonly { name: string; data: Uint8Array; encoding: 'utf8' | 'cp932' }[]): string {
  const path = join(scratch, name);
  writeFileSync(path, storedZip(entries.map((entry) => ({
    nameBytes: entry.encoding === 'utf8' ? Buffer.from(entry.name, 'utf8') : iconv.encode(entry.name, 'cp932'),
    data: entry.data,
    utf8Flag: entry.encoding === 'utf8',
  }))));
  return path;
}

beforeAll(async () => {
  temporal = await connectTestTemporal();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-zip-'));
}, 120_000);

afterAll(async () => {
  for (const database of databases) await database.drop();
  await temporal?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a .zip of one review year', () => {
  it('loads with the same accounts as the folder, names in UTF-8 (flag bit 11) or in CP932 (no flag), each entry named by the zip', async () => {
    const folder = await load([FIXTURES]);
    for (const encoding of ['utf8', 'cp932'] as const) {
      const zip = zipOf(`review-2024-${encoding}.zip`, CSVS.map((name) => ({ name, data: readFileSync(join(FIXTURES, name)), encoding })));
      const zipped = await load([zip]);
      expect(accountsOf(zipped)).toEqual(accountsOf(folder));
      expect(zipped.files.map((file) => file.file)).toEqual(CSVS.map((name) => `review-2024-${encoding}.zip/${name}`));
    }
  });

  it('refuses a zip that holds a file other than a published CSV, or a CSV not named as published, naming it', async () => {
    const notice = zipOf('with-notice.zip', [
      { name: CSVS[1], data: readFileSync(join(FIXTURES, CSVS[1])), encoding: 'utf8' },
      { name: 'NOTICE.md', data: readFileSync(join(FIXTURES, 'NOTICE.md')), encoding: 'utf8' },
    ]);
    expect(await refusal([notice])).toContain('"NOTICE.md", not review-sheet CSVs named as published');
    const renamed = zipOf('renamed.zip', [{ name: '効果発現経路.csv', data: readFileSync(join(FIXTURES, CSVS[3])), encoding: 'cp932' }]);
    expect(await refusal([renamed])).toContain('"効果発現経路.csv"');
    const broken = join(scratch, 'broken.zip');
    writeFileSync(broken, 'not a zip');
    expect(await refusal([broken])).toContain('cannot be read as a zip');
  });
});
