import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeApplicantsCsv } from '../bench/applicants-csv.js';
import { CopyTextChunks } from '../ingest/loading/copy-text-chunks.js';
import { Permits, runParseSession, type ParseMessage } from '../ingest/loading/parse-session.js';
import type { ParsedBatch } from '../ingest/validating/parse-batches.js';
import { getProgramme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { withCheckDigit } from '../schemas/corporate-number.js';

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

  it('keeps lines longer than a chunk, characters outside the BMP and quarantined rows whole, each chunk its own exact bytes', async () => {
    // Firm names of 20,000 and 100,000 characters (more than one encoding step, and more than a 256 KB chunk as UTF-8),
    // with kanji and 🏭 (a surrogate pair); every fifth row has a call round of 0, which is refused.
    const names = ['株式会社🏭'.repeat(4_000), '合同会社'.repeat(25_000), '有限会社𠮷野'];
    const rows = Array.from({ length: 600 }, (_, i) => {
      const round = i % 5 === 4 ? 0 : 1;
      return `${withCheckDigit(String(200_000_000_000 + i))},${names[i % 3]}${i},${round},2024-04-01,rejected,,,5000000,E,13,10,true`;
    });
    const path = join(scratch, 'long-names.csv');
    writeFileSync(path, `${APPLICANT_COLUMNS.join(',')}\n${rows.join('\n')}\n`);
    const batches = await parsedBatches(path, 1_000);
    expect(batches).toHaveLength(1);
    const [batch] = batches;
    expect([batch.loaded, batch.rejected]).toEqual([480, 120]);
    const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
    for (const chunk of [...batch.staged, ...batch.quarantined]) {
      // A chunk that is a view of a larger buffer would carry the whole buffer through postMessage.
      expect(chunk.buffer.byteLength).toBe(chunk.byteLength);
      expect(chunk.at(-1)).toBe(0x0a);
    }
    const staged = batch.staged.map((chunk) => strictUtf8.decode(chunk)).join('').split('\n').slice(0, -1);
    const expected = rows.flatMap((row, i) => (i % 5 === 4 ? [] : [{ line: String(i + 2), name: row.split(',')[1] }]));
    expect(staged.map((line) => ({ line: line.split('\t')[0], name: line.split('\t')[3] }))).toEqual(expected);
    const quarantinedLines = batch.quarantined.map((chunk) => strictUtf8.decode(chunk)).join('').split('\n').slice(0, -1);
    expect(quarantinedLines.map((line) => line.split('\t')[0])).toEqual(rows.flatMap((_, i) => (i % 5 === 4 ? [String(i + 2)] : [])));
    expect(quarantinedLines.some((line) => line.includes('合同会社合同会社'))).toBe(true);
  });

  it('hands over, drained as it goes and finished at the end, every line once, in order, in whole lines', () => {
    // The review-sheet load drains after each piece of the file read and finishes at its end.
    const lines = Array.from({ length: 40_000 }, (_, i) => `${i}\t${'事業'.repeat(i % 50)}${i % 7 === 0 ? '𠮷' : ''}\t${i % 1_000 === 0 ? 'x'.repeat(300_000) : ''}\n`);
    const out = new CopyTextChunks();
    const chunks: Uint8Array[] = [];
    lines.forEach((line, i) => {
      out.add(line);
      if (i % 777 === 0) chunks.push(...out.drain());
    });
    chunks.push(...out.finish());
    expect(out.rows).toBe(lines.length);
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk[chunk.length - 1]).toBe(0x0a);
    expect(Buffer.concat(chunks).equals(Buffer.from(lines.join('')))).toBe(true);
  });
});
