import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvColumns, type CsvColumns, type CsvColumnsRequest } from '../panel-csv/csv-columns.js';
import { readCsvColumnsInParallel, startReadingCsvColumns } from '../panel-csv/parallel-reading.js';
import { SeededRandom } from '../stats/random.js';
import { descriptorsOpenOn } from './support/process-threads.js';

const folder = mkdtempSync(join(tmpdir(), 'ebpm-csv-columns-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Files from 8 MB up are read by two threads; these are made a little larger. */
const TWO_THREAD_BYTES = 8 << 20;

function writeFile(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

/** Rows of a 100-unit × n-period panel with a text column the readers skip. */
function panelRows(count: number, from = 0, id: (row: number) => string = (row) => String(100_000 + Math.floor(row / 10))): string[] {
  return Array.from({ length: count }, (_, i) => {
    const row = from + i;
    return `${id(row)},${2010 + (row % 10)},note ${row % 7},${((row * 7919) % 100_003) / 1000 - 50}`;
  });
}

const HEADER = 'id,period,note,y';
const REQUEST: CsvColumnsRequest = { id: 'id', period: 'number', y: 'number' };

/** Typed arrays compared as plain arrays, so a difference names its index. */
function plain(columns: CsvColumns): unknown {
  const arrays = (record: Readonly<Record<string, Float64Array | string[]>>) => Object.fromEntries(Object.entries(record).map(([name, values]) => [name, Array.from<number | string>(values)]));
  return { rowCount: columns.rowCount, header: columns.header, numbers: arrays(columns.numbers), ids: arrays(columns.ids) };
}

async function expectBothReadersAgree(path: string, expectedRows: number): Promise<CsvColumns> {
  expect(statSync(path).size).toBeGreaterThan(TWO_THREAD_BYTES);
  const parallel = await readCsvColumnsInParallel(path, REQUEST);
  const single = readCsvColumns(path, REQUEST);
  expect(parallel.rowCount).toBe(expectedRows);
  expect(plain(parallel)).toEqual(plain(single));
  return parallel;
}

describe('columns named like what every object inherits', () => {
  // Computed keys make own properties, as the commands' requests from their flags do (a `__proto__:` literal key would set the prototype).
  const request: CsvColumnsRequest = { ['__proto__']: 'id' as const, ['constructor']: 'number' as const, ['toString']: 'number' as const };
  const rowsOf = (count: number) => Array.from({ length: count }, (_, row) => `u${row % 977},${row % 10},${(row * 31) % 1000}`);

  it.each([
    ['one thread', 5, (path: string) => Promise.resolve(readCsvColumns(path, request))],
    ['two threads', 800_000, (path: string) => readCsvColumnsInParallel(path, request)],
  ])('are read under their own names (%s)', async (_readers, rows, read) => {
    const path = writeFile(`inherited-names-${rows}.csv`, `__proto__,constructor,toString\n${rowsOf(rows).join('\n')}\n`);
    if (rows > 5) expect(statSync(path).size).toBeGreaterThan(TWO_THREAD_BYTES);
    const columns = await read(path);
    expect(Object.keys(columns.ids)).toEqual(['__proto__']);
    expect(Object.keys(columns.numbers)).toEqual(['constructor', 'toString']);
    const last = rows - 1;
    expect([columns.ids['__proto__'][0], columns.ids['__proto__'][last]]).toEqual(['u0', `u${last % 977}`]);
    expect([columns.numbers['constructor'][last], columns.numbers['toString'][last]]).toEqual([last % 10, (last * 31) % 1000]);
    // Nothing inherited answers for a column the file lacks.
    expect(columns.numbers['valueOf']).toBeUndefined();
  });
});

describe('reading numeric CSV columns on two threads, chunk by chunk from both ends', () => {
  const rows = 420_000;

  it('gives the same columns as one thread, rows in file order across the chunks of both threads', async () => {
    const path = writeFile('panel.csv', `${HEADER}\n${panelRows(rows).join('\n')}\n`);
    const columns = await expectBothReadersAgree(path, rows);
    // The calling thread's last row and the worker's first meet without a gap.
    const ids = columns.ids.id as Float64Array;
    for (let row = 1; row < rows; row++) if (ids[row] < ids[row - 1]) throw new Error(`row ${row} is out of order`);
    expect(Array.from(columns.numbers.period.subarray(rows - 3))).toEqual([2017, 2018, 2019]);
  });

  it('gives the same rows with blank lines and CRLF line ends, where a chunk holds fewer rows than lines', async () => {
    const lines = panelRows(rows);
    // Blank lines early in the file make the first chunks hold fewer rows than lines.
    for (let at = 10; at < 2_000; at += 100) lines.splice(at, 0, '');
    const path = writeFile('blank-lines.csv', `${HEADER}\r\n${lines.join('\r\n')}\r\n`);
    await expectBothReadersAgree(path, rows);
  });

  it('turns an id column to text in every chunk when only the last chunk has text ids', async () => {
    const path = writeFile('text-ids.csv', `${HEADER}\n${panelRows(rows, 0, (row) => (row < rows - 5 ? String(row) : `unit-${row}`)).join('\n')}`);
    const columns = await expectBothReadersAgree(path, rows);
    const ids = columns.ids.id as string[];
    expect([ids[0], ids[rows - 6], ids[rows - 1]]).toEqual(['0', String(rows - 6), `unit-${rows - 1}`]);
  });

  it('keeps ids as written when the column turns to text: 00196 read before the first text id is not made 196', async () => {
    // Zero-padded unit codes, numeric until the last rows: each unit's rows must keep one id in both readers.
    const code = (row: number) => String(Math.floor(row / 10)).padStart(6, '0');
    const path = writeFile('padded-ids.csv', `${HEADER}\n${panelRows(rows, 0, (row) => (row < rows - 10 ? code(row) : `X${code(row)}`)).join('\n')}\n`);
    const columns = await expectBothReadersAgree(path, rows);
    const ids = columns.ids.id as string[];
    expect([ids[0], ids[1_965], ids[rows / 2 + 3], ids[rows - 11], ids[rows - 1]]).toEqual(['000000', '000196', code(rows / 2 + 3), code(rows - 11), `X${code(rows - 1)}`]);
    // On one thread too, when the text id comes in the first rows read.
    const small = writeFile('padded-ids-small.csv', `${HEADER}\n00196,2010,a,1\n00196,2011,a,2\nunit-7,2010,a,3\n`);
    expect(readCsvColumns(small, REQUEST).ids.id).toEqual(['00196', '00196', 'unit-7']);
    // Spaces around an id, quoted or not, are not part of it: " 8 " is unit 8 as a number, and as text too.
    const spaced = writeFile('spaced-ids.csv', `${HEADER}\n8,2010,a,1\n" 8 ",2011,a,2\nx,2010,a,3\n" x ",2011,a,4\n`);
    expect(readCsvColumns(spaced, REQUEST).ids.id).toEqual(['8', '8', 'x', 'x']);
  });

  it('gives the same columns when a quoted field of many lines spans the middle of the file', async () => {
    // A note of many short quoted lines sits across the middle of the file, so the last newline before the
    // middle is inside its quotes.
    const half = panelRows(rows / 2);
    const note = `"${Array.from({ length: 2_000 }, (_, i) => `line ${i}`).join('\n')}"`;
    const path = writeFile('quoted-middle.csv', `${HEADER}\n${half.join('\n')}\n1,2000,${note},1.5\n${panelRows(rows / 2, rows / 2).join('\n')}\n`);
    const columns = await expectBothReadersAgree(path, rows + 1);
    expect(columns.numbers.y[rows / 2]).toBe(1.5);
  });

  it('names the file line of a bad value in the file\'s last chunk, the worker\'s first', async () => {
    const lines = panelRows(rows);
    lines[rows - 10] = lines[rows - 10].replace(/,[^,]*$/, ',n/a');
    const path = writeFile('bad-value.csv', `${HEADER}\n${lines.join('\n')}\n`);
    expect(statSync(path).size).toBeGreaterThan(TWO_THREAD_BYTES);
    // The header is line 1, so data row k (from 0) is line k + 2.
    await expect(readCsvColumnsInParallel(path, REQUEST)).rejects.toThrow(`bad-value.csv line ${rows - 10 + 2}: column "y" has "n/a", which is not a number`);
  });

  it('names the file line of a bad value after quoted fields with line breaks, on either thread and in the header', async () => {
    const lines = panelRows(rows);
    // Two notes of three lines each in the first chunk: every later row is four lines further down the file.
    for (const at of [5, 50]) lines[at] = lines[at].replace(/note \d/, '"note\non three\nlines"');
    lines[rows - 10] = lines[rows - 10].replace(/,[^,]*$/, ',n/a');
    lines[300] = lines[300].replace(/,[^,]*$/, ',n/a');
    const path = writeFile('multi-line-notes.csv', `${HEADER}\n${lines.join('\n')}\n`);
    await expect(readCsvColumnsInParallel(path, REQUEST)).rejects.toThrow(`multi-line-notes.csv line ${300 + 2 + 4}: column "y" has "n/a"`);
    lines[300] = panelRows(1, 300)[0];
    writeFileSync(path, `${HEADER}\n${lines.join('\n')}\n`);
    await expect(readCsvColumnsInParallel(path, REQUEST)).rejects.toThrow(`multi-line-notes.csv line ${rows - 10 + 2 + 4}: column "y" has "n/a"`);
    // A blank line where the file's middle falls is a line of the file too.
    const first = `${HEADER}\n${panelRows(rows / 2).join('\n')}\n\n`;
    const second = panelRows(rows / 2, rows / 2);
    second[1_000] = second[1_000].replace(/,[^,]*$/, ',n/a');
    // The last row is padded so that the file's middle falls just after the blank line.
    const secondText = `${second.join('\n')}\n`;
    const padding = first.length - secondText.length - '1,2000,,1\n'.length;
    expect(padding).toBeGreaterThan(0);
    const blankAtMiddle = writeFile('blank-at-middle.csv', `${first}${secondText}1,2000,${'x'.repeat(padding)},1\n`);
    const firstLines = first.split('\n').length - 1;
    await expect(readCsvColumnsInParallel(blankAtMiddle, REQUEST)).rejects.toThrow(`blank-at-middle.csv line ${firstLines + 1_000 + 1}: column "y" has "n/a"`);
    expect(() => readCsvColumns(blankAtMiddle, REQUEST)).toThrow(`blank-at-middle.csv line ${firstLines + 1_000 + 1}: column "y" has "n/a"`);
    // One thread, with a header of two lines.
    const small = writeFile('multi-line-header.csv', `id,period,"note\n(free text)",y\n1,2010,"a\nb",1\n1,2011,c,x\n`);
    expect(() => readCsvColumns(small, { id: 'id', period: 'number', y: 'number' })).toThrow('multi-line-header.csv line 5: column "y" has "x"');
  });

  it('ends a row at a bare CR (old Mac files) as at LF or CRLF, keeping the first byte of the next row', () => {
    const bareCr = writeFile('bare-cr.csv', `${HEADER}\r7,2010,a,1\r8,2011,"b\rc",2\r\r9,2012,d,3\n10,2013,e,4\r\n`);
    const columns = readCsvColumns(bareCr, REQUEST);
    expect(plain(columns)).toEqual({ rowCount: 4, header: ['id', 'period', 'note', 'y'], numbers: { period: [2010, 2011, 2012, 2013], y: [1, 2, 3, 4] }, ids: { id: [7, 8, 9, 10] } });
    // Lines: the header 1, 7 on 2, 8 on 3 and 4 (its note holds a CR), a blank line 5, then 6, and the bad value on 7.
    const bad = writeFile('bare-cr-bad.csv', `${HEADER}\r7,2010,a,1\r8,2011,"b\rc",2\r\r9,2012,d,3\r10,2013,e,x\r`);
    expect(() => readCsvColumns(bad, REQUEST)).toThrow('bare-cr-bad.csv line 7: column "y" has "x"');
  });

  it('reads a file whose line ends are LF, CRLF and bare CR mixed, rows of every length, on two threads as on one', async () => {
    const lines = panelRows(rows).map((line, row) => `${line.replace(/note \d/, `n${'x'.repeat(row % 5)}`)}${['\n', '\r\n', '\r'][row % 3]}`);
    const path = writeFile('mixed-line-ends.csv', `${HEADER}\r${lines.join('')}`);
    const columns = await expectBothReadersAgree(path, rows);
    expect(Array.from(columns.numbers.period.subarray(0, 3))).toEqual([2010, 2011, 2012]);
  });

  it('gives the same columns when the reading is started before the request, and reports a missing file only when the columns are asked for', async () => {
    const path = writeFile('early.csv', `${HEADER}\n${panelRows(rows).join('\n')}\n`);
    const reading = startReadingCsvColumns(path);
    expect(plain(await reading.columns(REQUEST))).toEqual(plain(readCsvColumns(path, REQUEST)));
    // Closed after the columns: closing again is harmless, asking again is refused.
    await reading.close();
    await expect(reading.columns(REQUEST)).rejects.toThrow('gives its columns once');
    const missing = startReadingCsvColumns(join(folder, 'no-such.csv'));
    await expect(missing.columns(REQUEST)).rejects.toThrow(/cannot open .*no-such\.csv: no such file/);
    await missing.close();
  });

  it('releases the file and the worker when closed without reading, and refuses columns after', async () => {
    const path = writeFile('abandoned.csv', `${HEADER}\n${panelRows(rows).join('\n')}\n`);
    const reading = startReadingCsvColumns(path);
    expect(descriptorsOpenOn(path)).toBe(1);
    // Two closes at once: each resolves once the file is released, not when the other has begun releasing it.
    const closes = [reading.close(), reading.close()];
    await closes[1];
    expect(descriptorsOpenOn(path)).toBe(0);
    await closes[0];
    await expect(reading.columns(REQUEST)).rejects.toThrow('gives its columns once, and not after it is closed');
  });

  it('refuses a second request while the first is read, and lets a close wait for the columns under way', async () => {
    const path = writeFile('shared.csv', `${HEADER}\n${panelRows(rows).join('\n')}\n`);
    expect(statSync(path).size).toBeGreaterThan(TWO_THREAD_BYTES);
    const reading = startReadingCsvColumns(path);
    const first = reading.columns(REQUEST);
    // A second request would get columns the worker never wrote (it takes one request): it is refused instead.
    await expect(reading.columns(REQUEST)).rejects.toThrow('gives its columns once');
    const closed = reading.close();
    // The close resolves once the file is released, which is after the columns are read.
    await closed;
    expect(descriptorsOpenOn(path)).toBe(0);
    expect(plain(await first)).toEqual(plain(readCsvColumns(path, REQUEST)));
  });

  it('reads the file on one thread when line feeds inside quotes are everywhere, and names the line of a bad value there', async () => {
    // Three of every four line feeds are inside a quoted note, so chunk boundaries fall inside quotes all over the file.
    const lines = panelRows(rows).map((line) => line.replace(/note \d/, '"a\nb\nc"'));
    const path = writeFile('quoted-everywhere.csv', `${HEADER}\n${lines.join('\n')}\n`);
    const columns = await expectBothReadersAgree(path, rows);
    expect(Array.from(columns.numbers.period.subarray(0, 3))).toEqual([2010, 2011, 2012]);
    lines[rows - 5] = lines[rows - 5].replace(/,[^,]*$/, ',n/a');
    writeFileSync(path, `${HEADER}\n${lines.join('\n')}\n`);
    // Each row before it takes three lines.
    await expect(readCsvColumnsInParallel(path, REQUEST)).rejects.toThrow(`quoted-everywhere.csv line ${(rows - 5) * 3 + 2}: column "y" has "n/a"`);
  });

  it('gives the same columns when started with them and asked for them later, and reads a different request or a missing column right', async () => {
    const path = writeFile('expected.csv', `${HEADER}\n${panelRows(rows).join('\n')}\n`);
    const early = startReadingCsvColumns(path, REQUEST);
    // Long enough for the worker to take every chunk: the calling thread then only joins its rows.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(plain(await early.columns(REQUEST))).toEqual(plain(readCsvColumns(path, REQUEST)));
    const other: CsvColumnsRequest = { period: 'number', id: 'id' };
    const guessedWrong = startReadingCsvColumns(path, REQUEST);
    expect(plain(await guessedWrong.columns(other))).toEqual(plain(readCsvColumns(path, other)));
    // Started with a column the file does not have: the worker is never sent, and the columns asked for are read.
    const missing = startReadingCsvColumns(path, { ...REQUEST, weight: 'number' });
    expect(plain(await missing.columns(REQUEST))).toEqual(plain(readCsvColumns(path, REQUEST)));
    expect(descriptorsOpenOn(path)).toBe(0);
  });

  it('names the line of a short last row after rows of empty fields, the fewest bytes a row can have', async () => {
    // Rows of four empty fields are four bytes, the least a row takes; a two-field row after them is one row more than
    // the bytes could hold in well-formed rows. It is reported as the row it is, on either thread.
    const path = writeFile('empty-fields.csv', `${HEADER}\n${',,,\n'.repeat(2_200_000)},\n`);
    expect(statSync(path).size).toBeGreaterThan(TWO_THREAD_BYTES);
    await expect(readCsvColumnsInParallel(path, REQUEST)).rejects.toThrow(`empty-fields.csv line ${2_200_000 + 2}: 2 fields where the header has 4`);
    expect(() => readCsvColumns(path, REQUEST)).toThrow(`empty-fields.csv line ${2_200_000 + 2}: 2 fields where the header has 4`);
  });

  it('names the file line of a row with too few fields in the first chunk', async () => {
    const lines = panelRows(rows);
    lines[99] = '100009,2019';
    const path = writeFile('short-row.csv', `${HEADER}\n${lines.join('\n')}\n`);
    await expect(readCsvColumnsInParallel(path, REQUEST)).rejects.toThrow('short-row.csv line 101: 2 fields where the header has 4');
  });
});

describe('numbers read exactly as Number() reads them, on the fast path for plain rows and off it', () => {
  /**
   * A number field's text and the value it must give: empty and NA are missing (NaN), a quoted number its number.
   * Seven fields in eight are plain decimals, which the fast path reads, so that it stays on and meets each form.
   */
  function numberField(random: SeededRandom): { text: string; value: number } {
    const digits = (count: number) => Array.from({ length: count }, () => String(random.integerBetween(0, 9))).join('');
    const sign = ['', '', '-', '+'][random.integerBetween(0, 3)];
    let text: string;
    if (random.integerBetween(0, 7) > 0) {
      const kind = random.integerBetween(0, 5);
      if (kind <= 1) text = `${sign}${digits(random.integerBetween(1, 9))}.${digits(random.integerBetween(0, 6))}`;
      else if (kind === 2) text = `${sign}${digits(random.integerBetween(1, 15))}`;
      else if (kind === 3) text = `${sign}${digits(random.integerBetween(1, 4))}.${digits(random.integerBetween(1, 11))}`;
      // Exactly 22 places with few significant digits: the most places the fast path takes.
      else if (kind === 4) text = `${sign}0.${'0'.repeat(20)}${random.integerBetween(10, 99)}`;
      else text = ['-0', '-0.000', '0', '+0.0', '007.50', '5.', '.5', '-.25', '-5.', '+.5'][random.integerBetween(0, 9)];
      return { text, value: Number(text) };
    }
    const kind = random.integerBetween(0, 5);
    if (kind === 0) text = `${sign}${random.integerBetween(1, 9)}${digits(random.integerBetween(15, 19))}.${digits(2)}`; // over 15 significant digits
    else if (kind === 1) text = `${sign}0.${digits(random.integerBetween(23, 26))}`; // over 22 places
    else if (kind === 2) text = ['0.0000000000000000000000125', `-0.${'0'.repeat(21)}${digits(3)}`][random.integerBetween(0, 1)];
    else if (kind === 3) text = `${sign}${random.integerBetween(1, 99)}.${digits(2)}${['e', 'E'][random.integerBetween(0, 1)]}${['', '-', '+'][random.integerBetween(0, 2)]}${random.integerBetween(0, 30)}`;
    else if (kind === 4) return { text: ['', 'NA'][random.integerBetween(0, 1)], value: Number.NaN };
    else {
      const inner = `${sign}${digits(random.integerBetween(1, 6))}.${digits(2)}`;
      return { text: `"${inner}"`, value: Number(inner) };
    }
    return { text, value: Number(text) };
  }

  /**
   * A skipped text field: plain, quoted on one line (with commas and doubled quotes inside, or bytes after the closing
   * quote), with a quote after its start, or, one in sixteen (every time with `withLineBreaks`), quoted across a line
   * break.
   */
  function textField(random: SeededRandom, withLineBreaks: boolean): string {
    if (withLineBreaks || random.integerBetween(0, 15) === 0) {
      // The second holds what would read as two numbers and a row of its own were the quotes ignored.
      return ['"a, b\nc"', '"a,1.5,2.5\nb,3,4"', '"say ""hi"", twice\r\nthen stop"', '"x\ry"'][random.integerBetween(0, 3)];
    }
    return ['"plain words"', '"say ""hi"", twice"', '""', 'ab"c', '"1,2"', '"a"b', '"a"b"c', `note ${random.integerBetween(0, 9)}`][random.integerBetween(0, 7)];
  }

  function readAgainstReference(seed: number, rows: number, withLineBreaks: boolean): void {
    const random = new SeededRandom(seed);
    const expected: { id: number; x: number; y: number; text: string }[] = [];
    let body = '';
    for (let row = 0; row < rows; row++) {
      if (random.integerBetween(0, 40) === 0) body += ['\n', '\r\n', '\r'][random.integerBetween(0, 2)];
      const x = numberField(random);
      const y = numberField(random);
      const id = 1_000 + Math.floor(row / 7);
      const line = `${id},${textField(random, withLineBreaks)},${x.text},${y.text}`;
      expected.push({ id, x: x.value, y: y.value, text: line });
      body += line + ['\n', '\r\n', '\r'][random.integerBetween(0, 5) === 0 ? random.integerBetween(1, 2) : 0];
    }
    const path = writeFile(`numbers-${seed}-${withLineBreaks}.csv`, `id,note,x,y\n${body}`);
    const columns = readCsvColumns(path, { id: 'id', x: 'number', y: 'number' });
    expect(columns.rowCount).toBe(rows);
    const ids = columns.ids.id as Float64Array;
    const mismatches = expected.flatMap((row, index) =>
      Object.is(ids[index], row.id) && Object.is(columns.numbers.x[index], row.x) && Object.is(columns.numbers.y[index], row.y)
        ? []
        : [`row ${index} (${JSON.stringify(row.text)}): read ${ids[index]}, ${columns.numbers.x[index]}, ${columns.numbers.y[index]}; Number() gives ${row.id}, ${row.x}, ${row.y}`],
    );
    expect(mismatches.slice(0, 5)).toEqual([]);
  }

  it.each([1, 2, 3])('reads plain and unusual fields mixed, line ends of every kind and blank lines (seed %i)', (seed) => {
    readAgainstReference(seed, 6_000, false);
  });

  it('reads a file where every row has a line break in a quoted field, which the fast path leaves to the general one', () => {
    readAgainstReference(4, 3_000, true);
  });

  it('reads every plain form, quoted text beside it and every kind of line end as Number() does, bit for bit', () => {
    const forms = ['-0', '-0.000', '0', '+0.0', '007.50', '5.', '.5', '-.25', '-5.', '+.5', '123456789012345', '-0.0000000000000000000012', '99.999999', '1.000000000000001', '', 'NA'];
    // Empty and NA are missing (NaN), as the general path reads them.
    const valueOf = (form: string) => (form === '' || form === 'NA' ? Number.NaN : Number(form));
    const texts = ['note', '"quoted, with a comma"', '"say ""hi"""', '""', 'ab"c', '"a"b', '"a"b"c'];
    const ends = ['\n', '\r\n', '\r'];
    const rows = forms.flatMap((x, i) => forms.map((y, j) => ({ id: i * forms.length + j, text: texts[(i + j) % texts.length], x, y, end: ends[(i * 7 + j) % 3] })));
    const path = writeFile('plain-forms.csv', `id,note,x,y\n${rows.map((row) => `${row.id},${row.text},${row.x},${row.y}${row.end}`).join('')}`);
    const columns = readCsvColumns(path, { id: 'id', x: 'number', y: 'number' });
    expect(columns.rowCount).toBe(rows.length);
    const wrong = rows.filter((row, index) => !Object.is(columns.numbers.x[index], valueOf(row.x)) || !Object.is(columns.numbers.y[index], valueOf(row.y)) || columns.ids.id[index] !== row.id);
    expect(wrong.map((row) => `${row.id}: ${row.x}, ${row.y}`)).toEqual([]);
  });

  it('reads 15 significant digits after leading zeros on the fast path and 16 or 17 off it, each as Number() does', () => {
    // With more than 15 significant digits the fast path's one division would round twice: such a field must leave it.
    // Leading zeros are digits but not significant ones, so 0.000 and 15 digits stay on it.
    const random = new SeededRandom(15);
    const significand = (count: number) => `${random.integerBetween(1, 9)}${Array.from({ length: count - 1 }, () => random.integerBetween(0, 9)).join('')}`;
    const texts = Array.from({ length: 3_000 }, (_, row) => `${['0.000', '0.0', '00'][row % 3]}${significand(15 + (row % 3))}`);
    const path = writeFile('significant-digits.csv', `id,x\n${texts.map((text, row) => `${row},${text}`).join('\n')}\n`);
    const columns = readCsvColumns(path, { id: 'id', x: 'number' });
    const wrong = texts.filter((text, row) => !Object.is(columns.numbers.x[row], Number(text)));
    expect(wrong).toEqual([]);
  });

  it('gives -0 as -0, and numbers of 22 places and more as Number() does', () => {
    const path = writeFile('signed-zero.csv', `id,x\n1,-0\n2,-0.00\n3,0.1234567890123456789012\n4,+12.5\n5,0.0000000000000000000000125\n`);
    const columns = readCsvColumns(path, { id: 'id', x: 'number' });
    expect(Object.is(columns.numbers.x[0], -0)).toBe(true);
    expect(Object.is(columns.numbers.x[1], -0)).toBe(true);
    expect(columns.numbers.x[2]).toBe(Number('0.1234567890123456789012'));
    expect(columns.numbers.x[4]).toBe(Number('0.0000000000000000000000125'));
    expect(columns.numbers.x[3]).toBe(12.5);
  });

  it.each(['unit-700', 'NA', ''])('keeps every id as text, in row order, once one id (%j) in the middle of numeric ones turns the column to text', (odd) => {
    const ids = Array.from({ length: 2_000 }, (_, row) => (row === 700 ? odd : String(row)));
    const path = writeFile(`text-id-in-middle-${odd}.csv`, `id,x\n${ids.map((id, row) => `${id},${row}.5`).join('\n')}\n`);
    const columns = readCsvColumns(path, { id: 'id', x: 'number' });
    expect(columns.ids.id).toEqual(ids);
    expect(columns.numbers.x[1_999]).toBe(1_999.5);
  });

  it('reads more rows than its first guess of the row count, with rows shorter than two bytes a field', () => {
    // "7,\n": three bytes for two fields, so the one-thread reader's first guess (a row per four bytes) is too few.
    const rows = 10_000;
    const path = writeFile('short-rows.csv', `x,note\n${Array.from({ length: rows }, (_, row) => `${row % 10},`).join('\n')}\n`);
    const columns = readCsvColumns(path, { x: 'number' });
    expect(columns.rowCount).toBe(rows);
    expect(Array.from(columns.numbers.x.subarray(rows - 3))).toEqual([7, 8, 9]);
  });

  it('names the file line of a bad value after thousands of plain rows and blank lines of every kind', () => {
    const rows = Array.from({ length: 5_000 }, (_, row) => `${row},${row % 10}.5`);
    // Rows end in LF, then CRLF, then a bare CR; the blank lines are an LF, a CRLF and a bare CR, one of each.
    const text = rows.map((row, index) => row + (index < 2_000 ? '\n' : index < 4_000 ? '\r\n' : '\r') + (index === 999 ? '\n' : index === 2_999 ? '\r\n' : index === 4_499 ? '\r' : '')).join('');
    const path = writeFile('bad-after-plain.csv', `id,x\n${text}5000,abc\n`);
    // Line 1 is the header; the 5,000 rows and three blank lines come before the bad one.
    expect(() => readCsvColumns(path, { id: 'id', x: 'number' })).toThrow('bad-after-plain.csv line 5005: column "x" has "abc", which is not a number');
  });

  it('names the file line of a bad value after the fast path has stepped aside for rows with line breaks in quotes and come back', () => {
    // 20 rows the fast path cannot read (16 tries running make it step aside for 1,024 rows), then plain ones.
    const quoted = Array.from({ length: 20 }, (_, row) => `${row},"two\nlines",${row}.5`);
    const plain = Array.from({ length: 2_000 }, (_, row) => `${20 + row},note,${row}.25`);
    const path = writeFile('bad-after-pause.csv', `id,note,x\n${[...quoted, ...plain, '2020,note,abc'].join('\n')}\n`);
    // The header, 20 rows of two lines each and 2,000 of one: the bad row is line 1 + 40 + 2,000 + 1.
    expect(() => readCsvColumns(path, { id: 'id', x: 'number' })).toThrow('bad-after-pause.csv line 2042: column "x" has "abc", which is not a number');
    const good = writeFile('pause-and-resume.csv', `id,note,x\n${[...quoted, ...plain].join('\n')}\n`);
    const columns = readCsvColumns(good, { id: 'id', x: 'number' });
    expect(columns.rowCount).toBe(2_020);
    expect([columns.numbers.x[19], columns.numbers.x[20], columns.numbers.x[2_019]]).toEqual([19.5, 0.25, 1_999.25]);
  });

  it('reads a missing value in the last field of a file without a final line break, and NA padded or quoted, as missing; NAN as an error', () => {
    for (const last of ['NA', '', ' NA', '"NA"']) {
      const columns = readCsvColumns(writeFile(`last-${last.length}-${last.charCodeAt(0)}.csv`, `id,x\n1,2.5\n3,${last}`), { id: 'id', x: 'number' });
      expect(columns.rowCount).toBe(2);
      expect([columns.numbers.x[0], columns.numbers.x[1]]).toEqual([2.5, Number.NaN]);
    }
    expect(() => readCsvColumns(writeFile('nan-upper.csv', 'id,x\n1,2.5\n3,NAN\n'), { id: 'id', x: 'number' })).toThrow('nan-upper.csv line 3: column "x" has "NAN", which is not a number');
  });
});
