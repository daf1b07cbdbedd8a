import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeApplicantsCsv } from '../bench/applicants-csv.js';
import { Permits, runParseSession, type ParseMessage } from '../ingest/loading/parse-session.js';
import type { ParsedBatch } from '../ingest/validating/parse-batches.js';
import { getProgramme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';

const scratch = mkdtempSync(join(tmpdir(), 'ebpm-copy-chunks-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function parsedBatches(path: string, batchSize: number): Promise<ParsedBatch[]> {
  const messages: ParseMessage[] = [];
  const permits = new Permits();
  for (let i = 0; i < 1_000; i++) permits.grant();
  const declaration = fileDeclaration(getProgramme('sme-labour-saving').file, 'applicants');
  await runParseSession({ path, declaration, resumeAfterLine: null, batchSize }, (message) => messages.push(message), permits);
  expect(messages.at(-1)?.type).toBe('done');
  return messages.flatMap((message) => (message.type === 'batch' ? [message.batch] : []));
}

describe('the COPY text of a parsed batch', () => {
  it('holds every row once, in file order, in chunks of whole lines of valid UTF-8, Japanese names included', async () => {
    // 30,000 rows of about 100 bytes: several encodings of 16,384 characters and several chunks of bytes per batch.
    const path = join(scratch, 'applicants.csv');
    await writeApplicantsCsv(path, 30_000, 3);
    const batches = await parsedBatches(path, 25_000);
    const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
    const staged = batches.flatMap((batch) => batch.staged);
    expect(staged.length).toBeGreaterThan(batches.length);
    for (const chunk of staged) expect(chunk.at(-1)).toBe(0x0a);
    const lines = staged.flatMap((chunk) => strictUtf8.decode(chunk).split('\n').slice(0, -1));
    const fileRows = readFileSync(path, 'utf8').trim().split('\n').slice(1).map((row) => row.split(','));
    expect(batches.reduce((sum, batch) => sum + batch.loaded, 0)).toBe(fileRows.length);
    expect(lines).toHaveLength(fileRows.length);
    lines.forEach((line, index) => {
      const fields = line.split('\t');
      // source_line, unit_id, corporate_number, firm_name: the line of the file (after its header) and the row's own values.
      expect([fields[0], fields[2], fields[3]]).toEqual([String(index + 2), fileRows[index][0], fileRows[index][1]]);
    });
    expect(lines.some((line) => /[^\x00-\x7f]/.test(line))).toBe(true);
  });
});
