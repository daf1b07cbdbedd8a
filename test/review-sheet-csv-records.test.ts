import { describe, expect, it } from 'vitest';
import { CsvRecordReader } from '../review-sheets/csv-records.js';
import { seededRandom } from './support/seeded-random.js';

type Read = readonly [cells: readonly string[], line: number];

function readInPieces(text: string, pieceSizes: () => number): Read[] {
  const records: Read[] = [];
  const handlers = {
    record: (cells: string[], line: number) => records.push([cells, line]),
    unreadable: (raw: string, line: number, problem: string) => {
      throw new Error(`line ${line} read as unreadable (${problem}): ${raw}`);
    },
  };
  const reader = new CsvRecordReader();
  for (let at = 0; at < text.length; ) {
    const size = pieceSizes();
    reader.push(text.slice(at, at + size), handlers);
    at += size;
  }
  reader.end(handlers);
  return records;
}

/**
 * The review sheets' CSV rules read one character at a time, for well-formed text: a quoted field ends at a quote
 * followed by a comma, a line break or the end; LF, CRLF and a bare CR each end a record; empty lines are skipped; a
 * record's line is the one it starts on, and only LFs inside quotes move the line on.
 */
function referenceRecords(s: string): Read[] {
  const records: Read[] = [];
  let i = 0;
  let line = 1;
  while (i < s.length) {
    if (s[i] === '\n' || s[i] === '\r') {
      i += s[i] === '\r' && s[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    const recordLine = line;
    const cells: string[] = [];
    for (;;) {
      if (s[i] === '"') {
        let value = '';
        for (let j = i + 1; ; ) {
          const quote = s.indexOf('"', j);
          value += s.slice(j, quote);
          if (s[quote + 1] === '"') {
            value += '"';
            j = quote + 2;
          } else {
            i = quote + 1;
            break;
          }
        }
        line += value.split('\n').length - 1;
        cells.push(value);
      } else {
        let end = i;
        while (end < s.length && s[end] !== ',' && s[end] !== '\r' && s[end] !== '\n') end++;
        cells.push(s.slice(i, end));
        i = end;
      }
      if (i >= s.length) break;
      if (s[i] === ',') {
        i++;
        continue;
      }
      i += s[i] === '\r' && s[i + 1] === '\n' ? 2 : 1;
      line++;
      break;
    }
    records.push([cells, recordLine]);
  }
  return records;
}


const PLAIN = ['', '合成事業', '34482000.0 ', '－', 'a', '9153857434121 ', '事業を実施する。'];
const QUOTED_INSIDE = ['', 'a,b', '株式会社 ""試験""', 'two\nlines', 'cr\ronly', 'crlf\r\nend', '""'];
const STRAY = ['引用"符', 'x"', 'a"b"c'];
const BREAKS = ['\n', '\r\n', '\r'];

function randomText(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  let text = random() < 0.3 ? pick(BREAKS) : '';
  const records = 1 + Math.floor(random() * 8);
  for (let record = 0; record < records; record++) {
    const fields = 1 + Math.floor(random() * 6);
    const cells: string[] = [];
    for (let field = 0; field < fields; field++) {
      const kind = random();
      cells.push(kind < 0.7 ? pick(PLAIN) : kind < 0.9 ? `"${pick(QUOTED_INSIDE)}"` : pick(STRAY));
    }
    // A record of one empty field is an empty line, which is skipped rather than read.
    if (cells.length === 1 && cells[0] === '') cells[0] = 'x';
    text += cells.join(',');
    if (record < records - 1 || random() < 0.5) text += pick(BREAKS);
    if (random() < 0.15) text += pick(BREAKS);
  }
  return text;
}

describe('reading the review sheets’ CSV records', () => {
  it('reads records without quotes, with quoted fields, stray quotes and every kind of line break as the rules say, in pieces of any size', () => {
    const random = seededRandom(20261207);
    let quoted = 0;
    let plainLines = 0;
    for (let round = 0; round < 2_000; round++) {
      const text = randomText(random);
      if (text.includes('"')) quoted++;
      if (/(^|\n)[^"\r\n]+\n/.test(text)) plainLines++;
      const expected = referenceRecords(text);
      expect(readInPieces(text, () => text.length || 1), JSON.stringify(text)).toEqual(expected);
      expect(readInPieces(text, () => 1 + Math.floor(random() * 7)), JSON.stringify(text)).toEqual(expected);
    }
    // Both kinds of record were read many times over.
    expect(quoted).toBeGreaterThan(500);
    expect(plainLines).toBeGreaterThan(500);
  });

  it('hands over each record as soon as the text holds its end, whether lines end in LF, CRLF or a bare CR', () => {
    for (const lineEnd of ['\n', '\r\n', '\r']) {
      const delivered: number[] = [];
      const handlers = {
        record: (_cells: string[], line: number) => delivered.push(line),
        unreadable: (raw: string) => {
          throw new Error(`read as unreadable: ${raw}`);
        },
      };
      const reader = new CsvRecordReader();
      // 20,000 records in pieces of 4,096 characters: before the end, every record but the last is handed over (a file
      // of bare-CR lines was once held whole until its end, and searched again at every piece).
      const text = Array.from({ length: 20_000 }, (_, index) => `${index},合成事業,34482000.0 `).join(lineEnd);
      for (let at = 0; at < text.length; at += 4_096) {
        const before = delivered.length;
        reader.push(text.slice(at, at + 4_096), handlers);
        if (at > 0) expect(delivered.length, JSON.stringify(lineEnd)).toBeGreaterThan(before);
      }
      expect(delivered.length, JSON.stringify(lineEnd)).toBe(19_999);
      reader.end(handlers);
      expect(delivered, JSON.stringify(lineEnd)).toEqual(Array.from({ length: 20_000 }, (_, index) => index + 1));
    }
  });

  it('cuts a line without quotes at every comma, keeping empty fields, trailing spaces and the CR of a bare-CR line apart', () => {
    const text = 'a,,34482000.0 ,－\r\nb,"c"\rd,e\n\n,\n';
    expect(readInPieces(text, () => text.length)).toEqual([
      [['a', '', '34482000.0 ', '－'], 1],
      [['b', 'c'], 2],
      [['d', 'e'], 3],
      [['', ''], 5],
    ]);
  });
});
