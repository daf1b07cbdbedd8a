import { describe, expect, it } from 'vitest';
import { OutcomeRowChunks } from '../runtime/outcome-row-chunks.js';
import { InternedIds } from '../runtime/interned-ids.js';

/** COPY text lines of `count` rows: unit u{i mod 7}, fiscal year 2000 + i, one measure i / 4 (empty, \N, every fifth row). */
function copyLines(count: number): Buffer {
  const lines = Array.from({ length: count }, (_, i) => `u${i % 7}\t${2000 + i}\t${i % 5 === 4 ? '\\N' : String(i / 4)}\n`);
  return Buffer.from(lines.join(''));
}

function readAll(count: number, sizes?: { first: number; largest: number }) {
  const ids = new InternedIds((bytes, start, end) => bytes.toString('utf8', start, end));
  const chunks = new OutcomeRowChunks(1, ids, sizes);
  const bytes = copyLines(count);
  for (let start = 0, end = bytes.indexOf(10); end !== -1; start = end + 1, end = bytes.indexOf(10, start)) chunks.addLine(bytes, start, end);
  const parts = chunks.finish();
  const rows = parts.flatMap((part) => Array.from(part.fiscalYear, (year, r) => ({ id: ids.ids[part.rowIds[r]], year, value: part.measures[0][r] })));
  return { parts, rows };
}

describe('the analysis read\'s outcome rows in chunks', () => {
  it('hands over every row in the order added, across chunks that double up to the largest', () => {
    const { parts, rows } = readAll(1000, { first: 8, largest: 64 });
    // 8 + 16 + 32 + 14 × 64 = 952 rows in full chunks, then the last 48.
    expect(parts.map((part) => part.fiscalYear.length)).toEqual([8, 16, 32, ...Array<number>(14).fill(64), 48]);
    expect(rows).toHaveLength(1000);
    rows.forEach((row, i) => {
      expect(row.id).toBe(`u${i % 7}`);
      expect(row.year).toBe(2000 + i);
      if (i % 5 === 4) expect(row.value).toBeNaN();
      else expect(row.value).toBe(i / 4);
    });
  });

  it('hands over a read of no row as one empty part, and a read that fills its chunk exactly with no empty chunk made', () => {
    expect(readAll(0).parts.map((part) => part.fiscalYear.length)).toEqual([0]);
    expect(readAll(8, { first: 8, largest: 64 }).parts.map((part) => part.fiscalYear.length)).toEqual([8]);
    expect(readAll(9, { first: 8, largest: 64 }).parts.map((part) => part.fiscalYear.length)).toEqual([8, 1]);
  });
});
