import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestActivities } from '../activities/ingest-file.js';
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

/**
 * The bad-file corpus: each file is written by the test, loaded into a real database, and must yield an
 * account (rows = loaded + quarantined) with the expected reasons, never a crash, and lose no valid row.
 */
const HEADER = APPLICANT_COLUMNS.join(',');
const VALID = [
  '1180301018771,合成データ株式会社A,1,2021-07-15,awarded,2021,5000000,10000000,E,23,12,true',
  '7000012050002,合成データ株式会社B,1,令和3年7月15日,rejected,,,8000000,I,東京都,30,true',
  '4010001008772,合成データ株式会社C,2,R4.7.15,awarded,2022,"4,000千円",8百万円,D,大阪,5,はい',
];

let database: TestDatabase;
let scratch: string;
let ingestFile: ReturnType<typeof createIngestActivities>['ingestFile'];

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-bad-files-'));
  ingestFile = createIngestActivities(database.db).ingestFile;
});
afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The fields of one of the CSV lines above (quoted commas respected). */
function parseRow(line: string): string[] {
  return (parse(line) as string[][])[0];
}

/** A valid 法人番号 for index i, built with the check digit. */
function corporateNumber(i: number): string {
  return withCheckDigit(String(100000000000 + i));
}

function file(name: string, content: string | Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

async function load(path: string) {
  const account = await ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path });
  expect(account.rowsTotal).toBe(account.rowsLoaded + account.rowsRejected);
  return account;
}

describe('loading applicant files that real systems produce', () => {
  it('reads TSV and JSON Lines, quarantining a line that is not JSON', async () => {
    const tsv = await load(file('applicants.tsv', `${HEADER.replace(/,/g, '\t')}\n${VALID[0].replace(/,/g, '\t')}\n`));
    expect(tsv).toMatchObject({ format: 'tsv', rowsLoaded: 1 });
    const object = (line: string) => JSON.stringify(Object.fromEntries(APPLICANT_COLUMNS.map((column, i) => [column, parseRow(line)[i]])));
    const jsonl = await load(file('applicants.jsonl', `${object(VALID[0])}\n{"corporate_number": "broken\n${object(VALID[1])}\n`));
    expect(jsonl).toMatchObject({ format: 'jsonl', rowsLoaded: 2, rowsRejected: 1, reasons: { unparseable_csv: 1 } });
  });

  it('reads an XLSX sheet, taking merged cells from the top-left cell of their range', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('notes').addRow(['this sheet is not the data']);
    const sheet = workbook.addWorksheet('申請者');
    sheet.addRow([...APPLICANT_COLUMNS]);
    sheet.addRow(['1180301018771', '合成データ株式会社X', 1, new Date(Date.UTC(2021, 6, 15)), 'awarded', 2021, 5_000_000, 10_000_000, 'E', '愛知県', 12, true]);
    sheet.addRow(['1180301018771', null, 2, new Date(Date.UTC(2022, 6, 15)), 'rejected', null, null, 9_000_000, 'E', '愛知県', 12, true]);
    sheet.mergeCells('B2:B3');
    const path = join(scratch, 'applicants.xlsx');
    await workbook.xlsx.writeFile(path);
    const account = await ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path, sheet: '申請者' });
    expect(account).toMatchObject({ format: 'xlsx', rowsLoaded: 2, rowsRejected: 0 });
    // Round 1 repeats a row an earlier test loaded; round 2 is new. Both rows are there, whichever file wrote them.
    const rounds = await database.db.selectFrom('core.applications').select(['call_round', 'decision']).where('corporate_number', '=', '1180301018771').orderBy('call_round').execute();
    expect(rounds).toEqual([{ call_round: 1, decision: 'awarded' }, { call_round: 2, decision: 'rejected' }]);
    const firm = await database.db.selectFrom('core.firms').select('firm_name').where('corporate_number', '=', '1180301018771').executeTakeFirstOrThrow();
    expect(firm.firm_name).toBe('合成データ株式会社X');
    sheet.addRow(['7000012050002', '合成データ株式会社Y', 1, '令和3年7月15日', 'rejected', null, null, 9_000_000, 'I', '13', 3, true]);
    const other = join(scratch, 'applicants-2.xlsx');
    await workbook.xlsx.writeFile(other);
    await expect(ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path: other, sheet: 'missing' })).rejects.toThrow(/no sheet "missing"; its sheets are: notes, 申請者/);
  });

  it('reads Shift_JIS with 和暦 dates, yen units and prefecture names', async () => {
    const path = file('shift-jis.csv', iconv.encode(`${HEADER}\r\n${VALID.join('\r\n')}\r\n`, 'cp932'));
    const account = await load(path);
    expect(account).toMatchObject({ encoding: 'cp932', rowsLoaded: 3, rowsRejected: 0 });
    const stored = await database.db.selectFrom('core.applications').select(['corporate_number', 'subsidy_amount_yen', 'requested_amount_yen']).where('source_file_sha256', '=', account.fileSha256).orderBy('corporate_number').execute();
    expect(stored.find((row) => row.corporate_number === '4010001008772')).toMatchObject({ subsidy_amount_yen: 4_000_000, requested_amount_yen: 8_000_000 });
    const firms = await database.db.selectFrom('core.firms').select(['corporate_number', 'prefecture_code']).where('corporate_number', '=', '7000012050002').execute();
    expect(firms).toEqual([{ corporate_number: '7000012050002', prefecture_code: '13' }]);
  });

  it('reads UTF-8 with a BOM', async () => {
    const account = await load(file('bom.csv', `\uFEFF${HEADER}\n${VALID[0].replace('1180301018771', '5010401067252')}\n`));
    expect(account).toMatchObject({ encoding: 'utf8', rowsLoaded: 1, rowsRejected: 0 });
  });

  it('quarantines a Shift_JIS line inside a UTF-8 file and keeps the others', async () => {
    // 40 lines of UTF-8 (other firms), then one line written in Shift_JIS, then one more UTF-8 line.
    const others = Array.from({ length: 40 }, (_, i) => VALID[0].replace('1180301018771', corporateNumber(i)).replace('株式会社A', `株式会社${i}`));
    const utf8 = Buffer.from(`${HEADER}\n${others.join('\n')}\n`, 'utf8');
    const sjisLine = iconv.encode(`${VALID[1].replace('合成データ株式会社B', '合成データ株式会社Ｂ')}\n`, 'cp932');
    const account = await load(file('mixed.csv', Buffer.concat([utf8, sjisLine, Buffer.from(`${VALID[2]}\n`)])));
    expect(account).toMatchObject({ encoding: 'utf8', rowsLoaded: 41, rowsRejected: 1, reasons: { invalid_encoding: 1 } });
  });

  it('gives an account of zero rows for an empty file and a header-only file', async () => {
    expect(await load(file('empty.csv', ''))).toMatchObject({ rowsTotal: 0, rowsLoaded: 0 });
    expect(await load(file('header-only.csv', `${HEADER}\n`))).toMatchObject({ rowsTotal: 0, rowsLoaded: 0 });
  });

  it('quarantines truncated lines, duplicates, bad check digits, impossible dates and negative amounts, loading the rest', async () => {
    const rows = [
      VALID[0],
      VALID[0], // the same applicant and round again
      '1180301018771,合成データ株式会社A,1,2021-07-15', // truncated
      '2180301018771,誤記株式会社,1,2021-07-15,rejected,,,8000000,E,13,3,true', // check digit
      '5010401067252,日付株式会社,1,令和0年4月1日,rejected,,,8000000,E,13,3,true',
      '5010401067252,日付株式会社,2,2022年2月30日,rejected,,,8000000,E,13,3,true',
      '7000012050002,金額株式会社,2,2022-07-15,rejected,,,-5000,E,13,3,true',
      VALID[2],
    ];
    const account = await load(file('corpus.csv', `${HEADER}\n${rows.join('\n')}\n`));
    expect(account.rowsLoaded).toBe(2);
    expect(account.reasons).toEqual({
      duplicate_key: 1,
      wrong_field_count: 1,
      corporate_number_check_digit: 1,
      invalid_date: 2,
      negative_amount: 1,
    });
  });

  it('keeps a stray quote inside a field as text, and the rows around it', async () => {
    const account = await load(file('stray-quote.csv', `${HEADER}\n${VALID[0]}\n5010401067252,"引用"符株式会社,1,2021-07-15,rejected,,,8000000,E,13,3,true\n${VALID[2]}\n`));
    expect(account).toMatchObject({ rowsLoaded: 3, rowsRejected: 0 });
  });

  it('quarantines the line of a quote that is never closed, raw text included, and loads the rows around it', async () => {
    const account = await load(file('unclosed.csv', `${HEADER}\n${VALID[0]}\n"never closed,row\n${VALID[1]}\n`));
    expect(account).toMatchObject({ rowsLoaded: 2, rowsRejected: 1, reasons: { unparseable_csv: 1 } });
    const [quarantined] = await database.db.selectFrom('raw.rejected_rows').select(['line_number', 'raw_record']).where('file_sha256', '=', account.fileSha256).execute();
    expect(quarantined).toMatchObject({ line_number: 3, raw_record: ['"never closed,row'] });
  });

  it('loses no later row when a stray opening quote meets the quote of a later quoted field', async () => {
    // Line 3 opens a quote that line 4's "4,000千円" seems to close; the stray line alone is quarantined.
    const account = await load(file('stray-opening-quote.csv', `${HEADER}\n${VALID[0]}\n"stray,row\n${VALID[2]}\n`));
    expect(account).toMatchObject({ rowsLoaded: 2, rowsRejected: 1, reasons: { wrong_field_count: 1 } });
  });

  it('gives the same account whether a file is parsed in a worker thread or on this one', async () => {
    const fileFor = (first: number) => {
      const rows = Array.from({ length: 20 }, (_, i) => VALID[0].replace('1180301018771', corporateNumber(first + i)).replace('株式会社A', `株式会社P${first + i}`));
      rows[3] = rows[3].replace(',12,true', ',-4,true');
      rows[7] = rows[7].replace('2021-07-15', '令和0年7月15日');
      rows.push(rows[0]);
      return `${HEADER}\n${rows.join('\n')}\n"open,quote\n`;
    };
    const inWorker = await createIngestActivities(database.db, { parseIn: 'worker', batchSize: 6 }).ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path: file('in-worker.csv', fileFor(900)) });
    const inProcess = await createIngestActivities(database.db, { parseIn: 'process', batchSize: 6 }).ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path: file('in-process.csv', fileFor(950)) });
    const counts = ({ rowsTotal, rowsLoaded, rowsRejected, reasons }: typeof inWorker) => ({ rowsTotal, rowsLoaded, rowsRejected, reasons });
    expect(counts(inWorker)).toEqual({ rowsTotal: 22, rowsLoaded: 18, rowsRejected: 4, reasons: { invalid_employees: 1, invalid_date: 1, duplicate_key: 1, unparseable_csv: 1 } });
    expect(counts(inProcess)).toEqual(counts(inWorker));
  });

  it('quarantines a 64 MB line with no newline without holding it in memory, keeping the row before it', async () => {
    const path = join(scratch, 'runaway.csv');
    writeFileSync(path, `${HEADER}\n${VALID[0]}\n`);
    const block = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < 64; i++) appendFileSync(path, block);
    const heapBefore = process.memoryUsage().heapUsed;
    const account = await load(path);
    expect(account).toMatchObject({ rowsLoaded: 1, rowsRejected: 1, reasons: { unparseable_csv: 1 } });
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(48 * (1 << 20));
  });

  it('resumes after the last committed batch when a load dies part-way, without duplicates', async () => {
    const rows = Array.from({ length: 9 }, (_, i) => VALID[0].replace('1180301018771', corporateNumber(500 + i)).replace('株式会社A', `株式会社R${i}`));
    rows.splice(4, 0, '2180301018771,誤記株式会社,1,2021-07-15,rejected,,,8000000,E,13,3,true');
    // After the crash point: a repeat of the first row, which the resumed load must still see as a duplicate.
    rows.push(rows[0]);
    const path = file('resume.csv', `${HEADER}\n${rows.join('\n')}\n`);
    let batches = 0;
    const dying = createIngestActivities(database.db, {
      batchSize: 3,
      onProgress: () => {
        // Stands for a worker that dies after its second committed batch.
        if (++batches === 2) throw new Error('worker died');
      },
    });
    await expect(dying.ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path })).rejects.toThrow('worker died');
    const partial = await database.db.selectFrom('raw.input_files').select(['status', 'committed_through_line', 'rows_total']).where('file_name', '=', 'resume.csv').executeTakeFirstOrThrow();
    expect(partial).toEqual({ status: 'loading', committed_through_line: 7, rows_total: 6 });

    const resumed = await createIngestActivities(database.db, { batchSize: 3 }).ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path });
    expect(resumed).toMatchObject({ rowsTotal: 11, rowsLoaded: 9, rowsRejected: 2, skippedDuplicateFile: false, reasons: { corporate_number_check_digit: 1, duplicate_key: 1 } });
    const stored = await database.db.selectFrom('core.applications').select('corporate_number').where('source_file_sha256', '=', resumed.fileSha256).execute();
    expect(stored).toHaveLength(9);
    const again = await load(path);
    expect(again).toMatchObject({ skippedDuplicateFile: true, rowsTotal: 11 });
  });

  it('re-loads only what a corrected file changes, keeping the lineage of rows it repeats', async () => {
    const firms = [0, 1, 2].map((i) => VALID[0].replace('1180301018771', corporateNumber(700 + i)).replace('株式会社A', `株式会社K${i}`));
    const original = await load(file('original.csv', `${HEADER}\n${firms.join('\n')}\n`));
    const corrected = [firms[0], firms[1].replace(',12,true', ',15,true'), firms[2], VALID[0].replace('1180301018771', corporateNumber(703))];
    const account = await load(file('corrected.csv', `${HEADER}\n${corrected.join('\n')}\n`));
    expect(account).toMatchObject({ rowsLoaded: 4, rowsUnchanged: 2, rowsRejected: 0 });
    const lineage = await database.db
      .selectFrom('core.applications')
      .select(['corporate_number', 'employees_at_application', 'source_file_sha256'])
      .where('corporate_number', 'in', [700, 701, 702, 703].map(corporateNumber))
      .orderBy('corporate_number')
      .execute();
    const fileOf = Object.fromEntries(lineage.map((row) => [row.corporate_number, row.source_file_sha256]));
    expect(fileOf[corporateNumber(700)]).toBe(original.fileSha256);
    expect(fileOf[corporateNumber(701)]).toBe(account.fileSha256);
    expect(fileOf[corporateNumber(703)]).toBe(account.fileSha256);
    expect(lineage.find((row) => row.corporate_number === corporateNumber(701))?.employees_at_application).toBe(15);
  });

  it('keeps personal data apart, only with consent, and withholds it from quarantined rows', async () => {
    const header = `${HEADER},representative_name,address,phone,email`;
    const personal = ',山田 太郎,東京都千代田区1-1,03-0000-0000,taro@example.jp';
    const rows = [
      `${VALID[0].replace('1180301018771', corporateNumber(800))}${personal}`,
      `${VALID[0].replace('1180301018771', corporateNumber(801)).replace(/true$/, 'false')}${personal}`,
      `${VALID[0].replace('1180301018771', corporateNumber(802)).replace('2021-07-15', '2021-02-30')}${personal}`,
    ];
    const account = await load(file('personal.csv', `${header}\n${rows.join('\n')}\n`));
    expect(account).toMatchObject({ rowsLoaded: 2, rowsRejected: 1, rowsWithoutConsent: 1 });
    const contacts = await database.db.selectFrom('restricted.applicant_contacts').select(['corporate_number', 'representative_name', 'email']).where('source_file_sha256', '=', account.fileSha256).execute();
    expect(contacts).toEqual([{ corporate_number: corporateNumber(800), representative_name: '山田 太郎', email: 'taro@example.jp' }]);
    const [quarantined] = await database.db.selectFrom('raw.rejected_rows').select('raw_record').where('file_sha256', '=', account.fileSha256).execute();
    expect(quarantined.raw_record).toMatchObject({ corporate_number: corporateNumber(802), representative_name: '[personal data withheld]', email: '[personal data withheld]' });
  });

  it('withholds personal data from quarantined rows it cannot match to the header, however their fields shifted', async () => {
    const header = `${HEADER},representative_name,address,phone,email`;
    // An unquoted comma in the address shifts the phone and e-mail one field to the right.
    const shifted = `${VALID[0].replace('1180301018771', corporateNumber(810))},山田 太郎,東京都千代田区,1-1,03-0000-0000,taro@example.jp`;
    const unclosed = `${VALID[0].replace('1180301018771', corporateNumber(811))},"山田 花子,東京都港区,03-1111-1111,hanako@example.jp`;
    const account = await load(file('personal-shifted.csv', `${header}\n${shifted}\n${unclosed}\n`));
    expect(account).toMatchObject({ rowsLoaded: 0, rowsRejected: 2, reasons: { wrong_field_count: 1, unparseable_csv: 1 } });
    const quarantined = await database.db.selectFrom('raw.rejected_rows').select('raw_record').where('file_sha256', '=', account.fileSha256).execute();
    const stored = JSON.stringify(quarantined.map((row) => row.raw_record));
    for (const personal of ['山田', '千代田', '03-0000-0000', 'taro@example.jp', '03-1111-1111', 'hanako@example.jp']) expect(stored).not.toContain(personal);
    expect(stored).toContain(corporateNumber(810));
  });

  it('counts rows without consent, and loading the same file again changes nothing', async () => {
    const path = file('consent.csv', `${HEADER}\n${VALID[1].replace(/true$/, 'いいえ')}\n`);
    const first = await load(path);
    expect(first).toMatchObject({ rowsLoaded: 1, rowsWithoutConsent: 1, skippedDuplicateFile: false });
    const count = async () => (await database.db.selectFrom('core.applications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const before = await count();
    const second = await load(path);
    expect(second).toMatchObject({ skippedDuplicateFile: true, rowsLoaded: 1, rowsWithoutConsent: 1 });
    expect(await count()).toBe(before);
  });
});

describe('bytes that must never crash a load', () => {
  const firm = (i: number) => VALID[0].replace('1180301018771', corporateNumber(1000 + i)).replace('株式会社A', `株式会社B${i}`);
  const quarantinedRaw = async (fileSha256: string) =>
    (await database.db.selectFrom('raw.rejected_rows').select(['line_number', 'raw_record', 'reasons']).where('file_sha256', '=', fileSha256).orderBy('line_number').execute()).map((row) => ({
      line: row.line_number,
      raw: JSON.stringify(row.raw_record),
      codes: (row.reasons as { code: string }[]).map((reason) => reason.code),
    }));

  it('quarantines a record padded with NUL bytes as invalid_bytes, shows where they were, and loads the rest', async () => {
    const padded = firm(2).replace('株式会社B2', '株式会社B2\0\0\0');
    const account = await load(file('nul.csv', `${HEADER}\n${firm(1)}\n${padded}\n${firm(3)}\n`));
    expect(account).toMatchObject({ rowsTotal: 3, rowsLoaded: 2, rowsRejected: 1, reasons: { invalid_bytes: 1 } });
    const [quarantined] = await quarantinedRaw(account.fileSha256);
    expect(quarantined).toMatchObject({ line: 3, codes: ['invalid_bytes'] });
    expect(quarantined.raw).toContain('株式会社B2␀␀␀');
  });

  it('quarantines control characters and, in a file named UTF-8, bytes that are not UTF-8', async () => {
    const escape = firm(4).replace('株式会社B4', '株式会社\x1bB4');
    const latin1 = Buffer.from(`${firm(5).replace('合成データ', 'caf')}`, 'utf8');
    const body = Buffer.concat([Buffer.from(`${HEADER}\n${escape}\n`), latin1.subarray(0, 20), Buffer.from([0xe9, 0xff]), latin1.subarray(20), Buffer.from(`\n${firm(6)}\n`)]);
    const path = file('control.csv', body);
    const account = await ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path, encoding: 'utf8' });
    expect(account).toMatchObject({ rowsTotal: 3, rowsLoaded: 1, rowsRejected: 2, reasons: { invalid_bytes: 1, invalid_encoding: 1 } });
    expect((await quarantinedRaw(account.fileSha256))[0].raw).toContain('株式会社␛B4');
  });

  it('quarantines JSON Lines whose strings escape a NUL or half a surrogate pair', async () => {
    const object = (line: string, name: string) => JSON.stringify(Object.fromEntries(APPLICANT_COLUMNS.map((column, i) => [column, column === 'firm_name' ? name : parseRow(line)[i]])));
    const lines = [object(firm(7), '株式会社B7'), object(firm(8), '株式会社\u0000B8'), object(firm(9), '株式会社\ud800B9')].join('\n');
    const account = await load(file('escapes.jsonl', `${lines}\n`));
    expect(account).toMatchObject({ rowsLoaded: 1, rowsRejected: 2, reasons: { invalid_bytes: 2 } });
    const raws = (await quarantinedRaw(account.fileSha256)).map((row) => row.raw);
    expect(raws[0]).toContain('株式会社␀B8');
    expect(raws[1]).toContain('株式会社\uFFFDB9');
  });

  it('refuses binary data, a workbook or archive under a .csv name and UTF-16 text, loading nothing', async () => {
    const random = Buffer.alloc(20_000);
    let state = 12345;
    for (let i = 0; i < random.length; i++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      random[i] = state >>> 16;
    }
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('applicants').addRow([...APPLICANT_COLUMNS]);
    const cases: [string, Buffer, RegExp][] = [
      ['random.csv', random, /looks like binary data/],
      ['workbook.csv', Buffer.from(await workbook.xlsx.writeBuffer()), /ZIP archive .*name it \.xlsx or pass --format xlsx/],
      ['utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\n${firm(10)}\n`, 'utf16le')]), /UTF-16 text/],
      ['utf16-no-bom.tsv', Buffer.from(`${HEADER}\n${firm(11)}\n`, 'utf16le'), /looks like binary data/],
    ];
    for (const [name, content, message] of cases) {
      const path = file(name, content);
      await expect(ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path }), name).rejects.toThrow(message);
      await expect(ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path }), name).rejects.toThrow(/is not a table ebpm can read as text, so nothing was loaded/);
    }
    const recorded = await database.db.selectFrom('raw.input_files').select('file_name').where('file_name', 'in', cases.map(([name]) => name)).execute();
    expect(recorded).toEqual([]);
  });
});

