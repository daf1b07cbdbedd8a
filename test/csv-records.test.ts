import { describe, expect, it } from 'vitest';
import { csvRecords, type CsvRecord } from '../ingest/reading/csv-records.js';

async function* inChunksOf(text: string, size: number): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

async function records(text: string, chunkSize = text.length || 1, maxRecordCharacters = 1 << 20): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const read of csvRecords(inChunksOf(text, chunkSize), ',', maxRecordCharacters)) out.push(...read);
  return out;
}

const TRICKY =
  '\uFEFFid,name,note\r\n' +
  '1,"株式会社 ""試験""",plain\r\n' +
  '\r\n' +
  '2,"two\nlines",引用"符\n' +
  '3,"引用"符株式会社,"a,b"\n' +
  '4,,\n' +
  '5,last,no newline';

describe('reading CSV records', () => {
  it('reads quoted fields, doubled quotes, embedded newlines and CRLF, numbering records by their first line', async () => {
    expect(await records(TRICKY)).toEqual([
      { line: 1, fields: ['id', 'name', 'note'] },
      { line: 2, fields: ['1', '株式会社 "試験"', 'plain'] },
      { line: 4, fields: ['2', 'two\nlines', '引用"符'] },
      { line: 6, fields: ['3', '"引用"符株式会社', 'a,b'] },
      { line: 7, fields: ['4', '', ''] },
      { line: 8, fields: ['5', 'last', 'no newline'] },
    ]);
  });

  it('keeps a carriage return without a line feed as text, so no two records start on the same line', async () => {
    const text = 'a,b\n1,"x"\ry\n2,z\rw\n\r3,v\r\n\r';
    for (const size of [1, 2, 5, text.length]) {
      expect(await records(text, size)).toEqual([
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '"x"\ry'] },
        { line: 3, fields: ['2', 'z\rw'] },
        { line: 4, fields: ['\r3', 'v'] },
      ]);
    }
  });

  it('gives the same records whatever the size of the chunks the text arrives in', async () => {
    const whole = await records(TRICKY);
    for (const size of [1, 2, 3, 7, 16]) expect(await records(TRICKY, size)).toEqual(whole);
  });

  it('quarantines the line of a quote never closed with its raw text, and reads the lines after it', async () => {
    const result = await records('a,b\n1,2\n"open,3\n4,5\n', 4);
    expect(result).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, unreadable: expect.stringContaining('never closed'), raw: '"open,3' },
      { line: 4, fields: ['4', '5'] },
    ]);
  });

  it('cuts a record longer than the limit, keeping a bounded part of it, and reads on from the next line', async () => {
    const long = 'x'.repeat(5000);
    const result = await records(`a,b\n${long}\n1,2\n`, 100, 1000);
    expect(result).toHaveLength(3);
    expect(result[1]).toMatchObject({ line: 2, unreadable: expect.stringContaining('longer than 1,000 characters') });
    expect((result[1] as { raw: string }).raw.length).toBeLessThanOrEqual(4096);
    expect(result[2]).toEqual({ line: 3, fields: ['1', '2'] });
  });
});
