import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputKind } from '../activities/contracts.js';
import { createIngestActivities } from '../activities/ingest-file.js';
import type { ParsedBatch } from '../ingest/validating/parse-batches.js';
import { firstLoadMeasureSlots } from '../ingest/loading/measure-slots.js';
import { Permits, runParseSession, type ParseMessage } from '../ingest/loading/parse-session.js';
import { findCharacterProblem } from '../ingest/validating/text-safety.js';
import { getProgramme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { generateProgrammeData } from '../synth/programme-data.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';
import { seededRandom } from './support/seeded-random.js';

/**
 * Random byte mutations of valid files, seeded: whatever the bytes, a load either refuses the file as not
 * a table (a typed, permanent failure, nothing loaded) or accounts for every record it read as loaded or
 * quarantined, and hands the database only text it can store.
 */
const PARSE_CASES = Number(process.env.FUZZ_CASES ?? 3000);
/** Every this-many-th case is also loaded into the database. */
const LOAD_EVERY = 12;
const BATCH_ROWS = 7;


interface BaseFile {
  readonly name: string;
  readonly programmeId: string;
  readonly kind: InputKind;
  readonly bytes: Buffer;
}

function firstLines(csv: string, count: number): string {
  return `${csv.split('\n').slice(0, count).join('\n')}\n`;
}

/** Valid files of each kind, unit of analysis, encoding and text format the loader reads. */
function baseFiles(): BaseFile[] {
  const files: BaseFile[] = [];
  for (const programmeId of ['sme-labour-saving', 'ev-charging-infrastructure', 'critical-minerals']) {
    const data = generateProgrammeData(getProgramme(programmeId).file, { applicants: 10, seed: 7, withInvalidRows: true });
    const applicants = firstLines(data.applicantsCsv, 14);
    const outcomes = firstLines(data.outcomesCsv, 24);
    files.push({ name: `${programmeId}-applicants.csv`, programmeId, kind: 'applicants', bytes: Buffer.from(applicants) });
    files.push({ name: `${programmeId}-outcomes.csv`, programmeId, kind: 'outcomes', bytes: Buffer.from(outcomes) });
    files.push({ name: `${programmeId}-applicants-sjis.csv`, programmeId, kind: 'applicants', bytes: iconv.encode(applicants.replace(/\n/g, '\r\n'), 'cp932') });
    const rows = parse(applicants, { relax_column_count: true }) as string[][];
    files.push({ name: `${programmeId}-applicants.tsv`, programmeId, kind: 'applicants', bytes: Buffer.from(rows.map((row) => row.join('\t')).join('\n')) });
    const objects = rows.slice(1).map((row) => JSON.stringify(Object.fromEntries(rows[0].map((column, i) => [column, row[i] ?? '']))));
    files.push({ name: `${programmeId}-applicants.jsonl`, programmeId, kind: 'applicants', bytes: Buffer.from(`${objects.join('\n')}\n`) });
    if (data.statisticsCsv) files.push({ name: `${programmeId}-statistics.csv`, programmeId, kind: 'statistics', bytes: Buffer.from(data.statisticsCsv) });
  }
  return files;
}

/** Bytes that break parsers: NUL, control characters, quotes, line ends, invalid UTF-8 lead and continuation bytes. */
const NASTY = [0x00, 0x01, 0x1b, 0x7f, 0x22, 0x2c, 0x09, 0x0a, 0x0d, 0x80, 0xbf, 0xc3, 0xe3, 0xef, 0xfe, 0xff];

function mutate(bytes: Buffer, random: () => number): Buffer {
  let out = Buffer.from(bytes);
  const at = () => Math.floor(random() * (out.length + 1));
  const byte = () => (random() < 0.5 ? NASTY[Math.floor(random() * NASTY.length)] : Math.floor(random() * 256));
  const mutations = 1 + Math.floor(random() * 6);
  for (let m = 0; m < mutations; m++) {
    const position = at();
    const operation = Math.floor(random() * 7);
    if (operation === 0 && out.length > 0) out[Math.min(position, out.length - 1)] = byte();
    else if (operation === 1) out = Buffer.concat([out.subarray(0, position), Buffer.from([byte()]), out.subarray(position)]);
    else if (operation === 2) out = Buffer.concat([out.subarray(0, position), out.subarray(position + 1 + Math.floor(random() * 8))]);
    else if (operation === 3) out = Buffer.concat([out.subarray(0, position), Buffer.alloc(1 + Math.floor(random() * 20), 0), out.subarray(position)]);
    else if (operation === 4) out = out.subarray(0, position);
    else if (operation === 5) {
      const from = at();
      out = Buffer.concat([out.subarray(0, position), out.subarray(from, from + Math.floor(random() * 200)), out.subarray(position)]);
    } else {
      const noise = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
      out = Buffer.concat([out.subarray(0, position), noise, out.subarray(position)]);
    }
  }
  return out;
}

interface ParseOutcome {
  readonly refused: string | null;
  readonly loaded: number;
  readonly rejected: number;
  readonly rowsRead: number;
  readonly batches: readonly ParsedBatch[];
}

async function parseOnly(path: string, base: Pick<BaseFile, 'programmeId' | 'kind'>): Promise<ParseOutcome> {
  const messages: ParseMessage[] = [];
  const permits = new Permits();
  for (let i = 0; i < 10_000; i++) permits.grant();
  const declaration = fileDeclaration(getProgramme(base.programmeId).file, base.kind);
  // No database: an outcome file's measures in the places a programme's first load gives them.
  await runParseSession(
    { path, declaration, measureSlots: firstLoadMeasureSlots(declaration), resumeAfterLine: null, batchSize: BATCH_ROWS },
    (message) => messages.push(message),
    permits,
  );
  const failed = messages.find((message): message is Extract<ParseMessage, { type: 'failed' }> => message.type === 'failed');
  if (failed) {
    if (!failed.formatError) throw new Error(`unexpected parse failure: ${failed.message}`);
    return { refused: failed.message, loaded: 0, rejected: 0, rowsRead: 0, batches: [] };
  }
  expect(messages.at(-1)?.type).toBe('done');
  const batches = messages.flatMap((message) => (message.type === 'batch' ? [message.batch] : []));
  return {
    refused: null,
    loaded: batches.reduce((sum, batch) => sum + batch.loaded, 0),
    rejected: batches.reduce((sum, batch) => sum + batch.rejected, 0),
    rowsRead: batches.at(-1)?.rowsRead ?? 0,
    batches,
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsIn(inner)]);
  return [];
}

/** What COPY and jsonb would refuse: invalid UTF-8, NUL, and in JSON a NUL or half a surrogate pair. */
function expectStorable(batch: ParsedBatch, label: string): void {
  for (const chunk of [...batch.staged, ...batch.quarantined]) expect(strictUtf8.decode(chunk).includes('\0'), label).toBe(false);
  const quarantined = batch.quarantined.map((chunk) => strictUtf8.decode(chunk)).join('');
  for (const line of quarantined.split('\n').filter(Boolean)) {
    for (const field of line.split('\t').slice(1)) {
      const json: unknown = JSON.parse(field.replace(/\\(.)/g, (_, char: string) => COPY_ESCAPES[char] ?? char));
      const problem = findCharacterProblem(stringsIn(json));
      expect(problem === null || problem.kind === 'invalid_encoding', `${label}: ${field}`).toBe(true);
    }
  }
}

let database: TestDatabase;
let scratch: string;

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-fuzz-'));
});
afterAll(async () => {
  await database?.drop();
  if (!process.env.FUZZ_KEEP) rmSync(scratch, { recursive: true, force: true });
});

describe('loading randomly corrupted files', () => {
  it(`never fails unexpectedly and accounts for every record, over ${PARSE_CASES} seeded mutations`, { timeout: 600_000 }, async () => {
    const bases = baseFiles();
    const ingestFile = createIngestActivities(database.db, { parseIn: 'process', batchSize: BATCH_ROWS }).ingestFile;
    const tally = { refused: 0, withQuarantine: 0, loadedIntoDatabase: 0 };
    for (let caseNumber = Number(process.env.FUZZ_FROM ?? 0); caseNumber < PARSE_CASES; caseNumber++) {
      const random = seededRandom(caseNumber);
      const base = bases[caseNumber % bases.length];
      const path = join(scratch, `case-${caseNumber}-${base.name}`);
      writeFileSync(path, mutate(base.bytes, random));
      const label = `case ${caseNumber} (${base.name})`;
      const parsed = await parseOnly(path, base).catch((error: Error) => {
        throw new Error(`${label}: ${error.message}`);
      });
      if (parsed.refused) tally.refused++;
      if (parsed.rejected > 0) tally.withQuarantine++;
      expect(parsed.loaded + parsed.rejected, label).toBe(parsed.rowsRead);
      for (const batch of parsed.batches) expectStorable(batch, label);

      if (caseNumber % LOAD_EVERY !== 0) continue;
      try {
        const account = await ingestFile({ programmeId: base.programmeId, kind: base.kind, path });
        expect(parsed.refused, label).toBeNull();
        expect({ total: account.rowsTotal, rejected: account.rowsRejected }, label).toEqual({ total: parsed.loaded + parsed.rejected, rejected: parsed.rejected });
        const stored = await database.db.selectFrom('raw.rejected_rows').select((eb) => eb.fn.countAll<string>().as('n')).where('file_sha256', '=', account.fileSha256).executeTakeFirstOrThrow();
        // Identical mutations of the same base file share a hash and were loaded once.
        if (!account.skippedDuplicateFile) expect(Number(stored.n), label).toBe(account.rowsRejected);
        tally.loadedIntoDatabase++;
      } catch (error) {
        if (!(error instanceof ApplicationFailure && error.type === 'UnreadableInputFile')) throw new Error(`${label}: ${(error as Error).message}`);
        expect(parsed.refused, label).not.toBeNull();
      }
      if (!process.env.FUZZ_KEEP) rmSync(path);
      else console.log(`kept ${path}`);
    }
    console.log(`fuzz: ${PARSE_CASES} cases, ${tally.refused} refused as not a table, ${tally.withQuarantine} with quarantined records, ${tally.loadedIntoDatabase} loaded into PostgreSQL`);
    // The mutations reach both outcomes: some files refused outright, many loaded with quarantined records.
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.withQuarantine).toBeGreaterThan(PARSE_CASES / 4);
    expect(tally.loadedIntoDatabase).toBeGreaterThan(PARSE_CASES / LOAD_EVERY / 2);
  });
});

const XLSX_CASES = Number(process.env.FUZZ_XLSX_CASES ?? 240);

/** Rows of valid files as workbook cells: numbers where the text is a number, as staff would type them. */
function workbookBases(): { readonly programmeId: string; readonly kind: InputKind; readonly rows: ExcelJS.CellValue[][] }[] {
  return baseFiles()
    .filter((base) => base.name.endsWith('applicants.csv') || base.name.endsWith('outcomes.csv'))
    .map((base) => {
      const rows = parse(base.bytes.toString('utf8'), { relax_column_count: true }) as string[][];
      return { programmeId: base.programmeId, kind: base.kind, rows: rows.map((row, i) => (i === 0 ? row : row.map((cell) => (/^-?\d+(\.\d+)?$/.test(cell) && cell.length < 16 ? Number(cell) : cell)))) };
    });
}

const FORMATS = ['General', '0', '#,##0"千円"', '#,##0,"千円"', '0.0"万円"', '0%', '0.00E+00', 'yyyy"年"m"月"d"日"', '[$-411]ggge"年"m"月"d"日"', '@', '0"年度"', 'G/標準"円"', '"', ';;;', '[Red]#,##0;[Blue]-#,##0'];

/** A random cell value of any shape a workbook can hold. */
function randomValue(random: () => number): ExcelJS.CellValue {
  const pick = Math.floor(random() * 14);
  const number = Math.floor(random() * 1e13) / (random() < 0.5 ? 1 : 1000);
  switch (pick) {
    case 0: return null;
    case 1: return number;
    case 2: return -number;
    case 3: return String(number);
    case 4: return new Date(Date.UTC(1900 + Math.floor(random() * 200), Math.floor(random() * 12), 1 + Math.floor(random() * 28)));
    case 5: return { formula: 'A1*2', result: number } as ExcelJS.CellFormulaValue;
    case 6: return { formula: 'IF(1=2,1,"")', result: '' } as ExcelJS.CellFormulaValue;
    case 7: return { formula: 'B2/0' } as ExcelJS.CellFormulaValue;
    case 8: return { error: ['#DIV/0!', '#N/A', '#VALUE!', '#REF!', '#NAME?'][Math.floor(random() * 5)] } as ExcelJS.CellErrorValue;
    case 9: return { richText: [{ text: '令和' }, { text: String(Math.floor(random() * 40)) + '年度' }] };
    case 10: return random() < 0.5;
    case 11: return '\u0000\u001b\ud800' + String.fromCharCode(Math.floor(random() * 0xffff));
    case 12: return 'x'.repeat(Math.floor(random() * 40_000));
    default: return ['採択', '不採択', '令和3年度', 'R3', '1.23457E+12', '#DIV/0!', '合計', ''][Math.floor(random() * 8)];
  }
}

/** A valid workbook changed at random: cells, number formats, and the sheets' structure. */
async function mutatedWorkbook(rows: readonly ExcelJS.CellValue[][], random: () => number): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  const sheets = 1 + Math.floor(random() * 3);
  const data = Math.floor(random() * sheets);
  for (let s = 0; s < sheets; s++) {
    const sheet = workbook.addWorksheet(`シート${s + 1}`, { state: s !== data && random() < 0.4 ? 'hidden' : 'visible' });
    if (s !== data) {
      if (random() < 0.5) for (const row of rows.slice(0, 3)) sheet.addRow([...row]);
      else sheet.addRow(['表紙', '作成日']);
      continue;
    }
    const titles = random() < 0.4 ? Math.floor(random() * 4) : 0;
    for (let t = 0; t < titles; t++) sheet.addRow([`タイトル ${t}`]);
    for (const row of rows) sheet.addRow([...row]);
    const width = rows[0].length;
    const mutations = Math.floor(random() * 12);
    for (let m = 0; m < mutations; m++) {
      const row = 1 + Math.floor(random() * (rows.length + titles + 2));
      const column = 1 + Math.floor(random() * (width + 2));
      const operation = Math.floor(random() * 6);
      if (operation <= 1) sheet.getCell(row, column).value = randomValue(random);
      else if (operation === 2) sheet.getCell(row, column).numFmt = FORMATS[Math.floor(random() * FORMATS.length)];
      else if (operation === 3) {
        try {
          sheet.mergeCells(row, column, row + Math.floor(random() * 2), column + Math.floor(random() * 3));
        } catch {
          // Overlapping merges are refused by exceljs itself: not a file staff could make.
        }
      } else if (operation === 4) sheet.spliceRows(row, 0, []);
      else sheet.spliceColumns(column, random() < 0.5 ? 1 : 0, ...(random() < 0.5 ? [[]] : []));
    }
  }
  return workbook;
}

describe('loading randomly changed workbooks', () => {
  it(`never fails unexpectedly and accounts for every row, over ${XLSX_CASES} seeded workbooks`, { timeout: 600_000 }, async () => {
    const bases = workbookBases();
    const ingestFile = createIngestActivities(database.db, { parseIn: 'process', batchSize: BATCH_ROWS }).ingestFile;
    const tally = { refused: 0, withQuarantine: 0, loaded: 0 };
    for (let caseNumber = 0; caseNumber < XLSX_CASES; caseNumber++) {
      const random = seededRandom(100_000 + caseNumber);
      const base = bases[caseNumber % bases.length];
      const path = join(scratch, `workbook-${caseNumber}.xlsx`);
      const workbook = await mutatedWorkbook(base.rows, random);
      let bytes: Buffer = Buffer.from(await workbook.xlsx.writeBuffer());
      // Now and then the archive itself is damaged, as a truncated download would be.
      if (random() < 0.05) bytes = mutate(bytes, random);
      writeFileSync(path, bytes);
      const label = `workbook case ${caseNumber} (${base.programmeId} ${base.kind})`;
      const parsed = await parseOnly(path, base).catch((error: Error) => {
        throw new Error(`${label}: ${error.message}`);
      });
      if (parsed.refused) tally.refused++;
      if (parsed.rejected > 0) tally.withQuarantine++;
      expect(parsed.loaded + parsed.rejected, label).toBe(parsed.rowsRead);
      for (const batch of parsed.batches) expectStorable(batch, label);
      if (caseNumber % 6 === 0) {
        try {
          const account = await ingestFile({ programmeId: base.programmeId, kind: base.kind, path });
          expect(parsed.refused, label).toBeNull();
          expect({ total: account.rowsTotal, rejected: account.rowsRejected }, label).toEqual({ total: parsed.loaded + parsed.rejected, rejected: parsed.rejected });
          tally.loaded++;
        } catch (error) {
          if (!(error instanceof ApplicationFailure && error.type === 'UnreadableInputFile')) throw new Error(`${label}: ${(error as Error).message}`);
          expect(parsed.refused, label).not.toBeNull();
        }
      }
      rmSync(path);
    }
    console.log(`workbook fuzz: ${XLSX_CASES} cases, ${tally.refused} refused, ${tally.withQuarantine} with quarantined rows, ${tally.loaded} loaded into PostgreSQL`);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.withQuarantine).toBeGreaterThan(XLSX_CASES / 4);
    expect(tally.loaded).toBeGreaterThan(0);
  });
});
