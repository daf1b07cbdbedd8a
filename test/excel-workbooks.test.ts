import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestAccount, InputKind } from '../activities/contracts.js';
import { createIngestActivities } from '../activities/ingest-file.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import { ebpmWith } from './support/compiled-cli.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';
import { savedByLibreOffice, withBuiltinFormats, writeBuffer } from './support/workbooks.js';

/**
 * A corpus of workbooks as ministry staff make them, one everyday trait each, every row with what a
 * careful load stores (or the quarantine reason it gets). Each is loaded into a real database and the
 * stored rows are compared field by field: no value may be stored wrong, every row that should load does,
 * and a workbook that cannot be read is refused with a message naming the rows, the sheet or the cell.
 */

const JA_HEADER = ['法人番号', '法人名', '申請回', '申請日', '採択結果', '採択年度', '交付決定額', '申請額', '業種コード', '都道府県コード', '従業員数', '同意'];

interface Applicant {
  readonly corporate_number: string;
  readonly firm_name: string;
  readonly call_round: number;
  readonly application_date: string;
  readonly decision: 'awarded' | 'rejected';
  readonly award_fiscal_year: number | null;
  readonly subsidy_amount_yen: number | null;
  readonly requested_amount_yen: number;
  readonly industry_code: string;
  readonly prefecture_code: string;
  readonly employees_at_application: number;
  readonly consent: boolean;
}

let serial = 0;
/** A new firm for every row of the corpus, so that no case's rows meet another's. */
function applicant(awarded: boolean): Applicant {
  serial++;
  return {
    corporate_number: withCheckDigit(String(300_000_000_000 + serial * 7919)),
    firm_name: `合成データ株式会社${serial}`,
    call_round: 1 + (serial % 3),
    application_date: `2021-06-${String(1 + (serial % 28)).padStart(2, '0')}`,
    decision: awarded ? 'awarded' : 'rejected',
    award_fiscal_year: awarded ? 2021 : null,
    subsidy_amount_yen: awarded ? 5_000_000 + serial * 1000 : null,
    requested_amount_yen: 10_000_000 + serial * 1000,
    industry_code: 'E',
    prefecture_code: '13',
    employees_at_application: 10 + serial,
    consent: true,
  };
}

const isoDate = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** The row as staff type it: numbers as numbers, the date as a date cell, words in Japanese. */
function typed(row: Applicant): ExcelJS.CellValue[] {
  return [
    row.corporate_number,
    row.firm_name,
    row.call_round,
    isoDate(row.application_date),
    row.decision === 'awarded' ? '採択' : '不採択',
    row.award_fiscal_year,
    row.subsidy_amount_yen,
    row.requested_amount_yen,
    row.industry_code,
    '東京都',
    row.employees_at_application,
    'はい',
  ];
}

type Expected = { readonly line: number; readonly stored: Record<string, unknown> } | { readonly line: number; readonly quarantined: string; readonly message?: RegExp };

interface CorpusCase {
  readonly name: string;
  readonly programmeId?: string;
  readonly kind?: InputKind;
  readonly sheet?: string;
  /** Writes the file; returns its path. */
  readonly make: (directory: string) => Promise<string>;
  readonly rows: readonly Expected[];
  readonly refused?: RegExp;
  readonly account?: (account: IngestAccount) => void;
}

const stored = (line: number, row: Applicant): Expected => ({ line, stored: { ...row } });

function sheetWith(workbook: ExcelJS.Workbook, name: string, rows: readonly ExcelJS.CellValue[][], options: Partial<ExcelJS.AddWorksheetOptions> = {}): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, options);
  for (const row of rows) sheet.addRow(row);
  return sheet;
}

async function save(workbook: ExcelJS.Workbook, directory: string, name: string): Promise<string> {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, name);
  await workbook.xlsx.writeFile(path);
  return path;
}

/** Formula columns: a cached '' for rejected applicants, Excel errors, and (when asked) a formula never calculated. */
function formulaCase(withUncalculated: boolean): CorpusCase {
  const awarded = applicant(true);
  const rejected = [applicant(false), applicant(false)];
  const divided = applicant(true);
  const notAvailable = applicant(true);
  const uncached = applicant(true);
  const referenced = applicant(true);
  const valueError = applicant(false);
  return {
    name: `formula columns: cached empty strings, errors${withUncalculated ? ', no cached value' : ''}`,
    make: (directory) => {
      const workbook = new ExcelJS.Workbook();
      const sheet = sheetWith(workbook, 'データ', [JA_HEADER]);
      const add = (row: Applicant, subsidy: ExcelJS.CellValue, requested?: ExcelJS.CellValue) => {
        const cells = typed(row);
        cells[6] = subsidy;
        if (requested !== undefined) cells[7] = requested;
        sheet.addRow(cells);
      };
      const line = () => sheet.rowCount + 1;
      add(awarded, { formula: `IF(E${line()}="採択",H${line()}-${awarded.requested_amount_yen - awarded.subsidy_amount_yen!},"")`, result: awarded.subsidy_amount_yen! } as ExcelJS.CellFormulaValue);
      for (const row of rejected) add(row, { formula: `IF(E${line()}="採択",ROUNDDOWN(H${line()}/2,-3),"")`, result: '' } as ExcelJS.CellFormulaValue);
      add(divided, { formula: `H${line()}/0`, result: { error: '#DIV/0!' } } as ExcelJS.CellFormulaValue);
      add(notAvailable, { formula: 'NA()', result: { error: '#N/A' } } as ExcelJS.CellFormulaValue);
      if (withUncalculated) add(uncached, { formula: `ROUNDDOWN(H${line()}/2,-3)` } as ExcelJS.CellFormulaValue);
      add(referenced, { formula: '#REF!*2', result: { error: '#REF!' } } as ExcelJS.CellFormulaValue);
      add(valueError, null, { formula: `"abc"+1`, result: { error: '#VALUE!' } } as ExcelJS.CellFormulaValue);
      return save(workbook, directory, `formula-columns${withUncalculated ? '' : '-calculated'}.xlsx`);
    },
    rows: [
      stored(2, awarded),
      stored(3, rejected[0]),
      stored(4, rejected[1]),
      { line: 5, quarantined: 'excel_error', message: /#DIV\/0!.*in G5/ },
      { line: 6, quarantined: 'excel_error', message: /#N\/A.*in G6/ },
      ...(withUncalculated ? [{ line: 7, quarantined: 'formula_without_result', message: /in G7.*save it/ }] : []),
      { line: withUncalculated ? 8 : 7, quarantined: 'excel_error', message: new RegExp(`#REF!.*in G${withUncalculated ? 8 : 7}`) },
      { line: withUncalculated ? 9 : 8, quarantined: 'excel_error', message: new RegExp(`#VALUE!.*in H${withUncalculated ? 9 : 8}`) },
    ],
  };
}

function buildCorpus(): CorpusCase[] {
  const corpus: CorpusCase[] = [];

  {
    const rows = [applicant(true), applicant(false), applicant(true)];
    corpus.push({
      name: 'title and 作成日 lines above the header',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        sheetWith(workbook, '申請者一覧', [['令和3年度 省力化投資補助金 申請者一覧'], ['作成日', isoDate('2021-06-30')], [], JA_HEADER, ...rows.map(typed)]);
        return save(workbook, directory, 'title-lines.xlsx');
      },
      rows: rows.map((row, i) => stored(5 + i, row)),
      account: (account) => expect(account.reading).toMatchObject({ headerLines: [4], linesAboveHeader: 2 }),
    });
  }

  {
    const rows = [applicant(true), applicant(false)];
    corpus.push({
      name: 'two-row header with merged group cells',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        const sheet = sheetWith(workbook, 'データ', [
          ['法人番号', '法人名', '申請情報', '', '', '', '', '', '企業情報', '', '', '同意'],
          ['', '', '申請回', '申請日', '採択結果', '採択年度', '交付決定額', '申請額', '業種コード', '都道府県コード', '従業員数', ''],
          ...rows.map(typed),
        ]);
        for (const range of ['A1:A2', 'B1:B2', 'C1:H1', 'I1:K1', 'L1:L2']) sheet.mergeCells(range);
        return save(workbook, directory, 'two-row-header.xlsx');
      },
      rows: rows.map((row, i) => stored(3 + i, row)),
      account: (account) => expect(account.reading.headerLines).toEqual([1, 2]),
    });
  }

  {
    const rows = [applicant(true), applicant(false)];
    corpus.push({
      name: 'header with units, full-width brackets and line breaks',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        const header = ['法人番号', '法人名', '申請回', '申請日\n（西暦）', '採択結果', '採択年度', '交付決定額（円）', '申請額\n（円）', '業種コード', '都道府県コード', '従業員数\n(人)', '同意'];
        sheetWith(workbook, 'データ', [header, ...rows.map(typed)]);
        return save(workbook, directory, 'header-units.xlsx');
      },
      rows: rows.map((row, i) => stored(2 + i, row)),
    });
  }

  {
    const rows = [applicant(true), applicant(false), applicant(true)];
    corpus.push({
      name: 'amounts in 千円 under a header that says so',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        const header = JA_HEADER.map((name) => (name === '申請額' ? '申請額(千円)' : name === '交付決定額' ? '交付決定額（千円）' : name));
        const cells = rows.map((row, i) => {
          const values = typed(row);
          values[6] = row.subsidy_amount_yen === null ? null : row.subsidy_amount_yen / 1000;
          // One written as text, as pasted from a system export.
          values[7] = i === 2 ? (row.requested_amount_yen / 1000).toLocaleString('en-US') : row.requested_amount_yen / 1000;
          return values;
        });
        sheetWith(workbook, 'データ', [header, ...cells]);
        return save(workbook, directory, 'header-thousand-yen.xlsx');
      },
      rows: rows.map((row, i) => stored(2 + i, row)),
      account: (account) => expect(account.reading.conversions).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'requested_amount_yen', shown: '千円', declared: '円', exponent: 3, cells: 3 })])),
    });
  }

  {
    const stale = [applicant(true), applicant(true)];
    const current = [{ ...stale[0], requested_amount_yen: stale[0].requested_amount_yen + 777_000 }, { ...stale[1], employees_at_application: 99 }, applicant(false)];
    corpus.push({
      name: 'hidden stale copy as the first sheet',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        sheetWith(workbook, '旧データ', [JA_HEADER, ...stale.map(typed)], { state: 'hidden' });
        sheetWith(workbook, '申請者', [JA_HEADER, ...current.map(typed)]);
        return save(workbook, directory, 'hidden-stale-sheet.xlsx');
      },
      rows: current.map((row, i) => stored(2 + i, row)),
      account: (account) => expect(account.sheet).toBe('申請者'),
    });
  }

  {
    const rows = [applicant(true), applicant(false)];
    corpus.push({
      name: 'cover sheet first',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        sheetWith(workbook, '表紙', [['中小企業省力化投資補助金'], ['申請者データ'], ['担当', '経済産業省 中小企業庁'], ['作成日', '令和3年6月30日']]);
        sheetWith(workbook, 'データ', [JA_HEADER, ...rows.map(typed)]);
        return save(workbook, directory, 'cover-sheet.xlsx');
      },
      rows: rows.map((row, i) => stored(2 + i, row)),
      account: (account) => expect(account.sheet).toBe('データ'),
    });
  }

  {
    const rows = [applicant(true), applicant(false), applicant(true), applicant(true)];
    corpus.push({
      name: '千円 and 万円 shown by the number format',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        const sheet = sheetWith(workbook, 'データ', [JA_HEADER]);
        rows.forEach((row, i) => {
          const values = typed(row);
          const added = sheet.addRow(values);
          const requested = added.getCell(8);
          const subsidy = added.getCell(7);
          if (i === 0) {
            requested.value = row.requested_amount_yen / 1000;
            requested.numFmt = '#,##0"千円"';
          } else if (i === 1) {
            requested.value = row.requested_amount_yen / 10_000;
            requested.numFmt = '#,##0.0"万円"';
          } else if (i === 2) {
            // A yen value shown in thousands: the comma scales the display, not the value.
            requested.numFmt = '#,##0,"千円"';
          } else {
            requested.value = row.requested_amount_yen / 1000;
            requested.numFmt = 'G/標準"千円"';
          }
          if (row.subsidy_amount_yen !== null) {
            subsidy.value = row.subsidy_amount_yen / 1_000_000;
            subsidy.numFmt = '0.000"百万円"';
          }
        });
        return save(workbook, directory, 'thousand-yen-format.xlsx');
      },
      rows: rows.map((row, i) => stored(2 + i, row)),
    });
  }

  {
    const exact = applicant(true);
    const exactGeneral = applicant(false);
    const scientific = applicant(true);
    const lostBase = 400_010_000_000; // twelve digits ending in seven zeros
    const lost = { ...applicant(true), corporate_number: withCheckDigit(String(lostBase)) };
    const fraction = applicant(false);
    corpus.push({
      name: '法人番号 as numbers, some with lost digits',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        const sheet = sheetWith(workbook, 'データ', [JA_HEADER]);
        const put = (row: Applicant, value: number, numFmt?: string) => {
          const cells = typed(row);
          cells[0] = value;
          const added = sheet.addRow(cells);
          if (numFmt) added.getCell(1).numFmt = numFmt;
        };
        put(exact, Number(exact.corporate_number), '0');
        put(exactGeneral, Number(exactGeneral.corporate_number));
        put(scientific, Number(scientific.corporate_number), '0.00000E+00');
        put(lost, Number(lost.corporate_number));
        put(fraction, Number(fraction.corporate_number) + 0.5, '0.0');
        return save(workbook, directory, 'corporate-number-cells.xlsx');
      },
      rows: [
        stored(2, exact),
        stored(3, exactGeneral),
        { line: 4, quarantined: 'corporate_number_lost_digits', message: /E\+12.*in A4.*format the column as text/ },
        { line: 5, quarantined: 'corporate_number_lost_digits', message: /\d\.\d{5}E\+12.*in A5.*re-enter/ },
        { line: 6, quarantined: 'corporate_number_format', message: /in A6/ },
      ],
    });
  }

  corpus.push(formulaCase(true));

  {
    const rows = [applicant(true), applicant(false), applicant(true), applicant(true), applicant(false)];
    const formats = ['yyyy"年"m"月"d"日"', 'dd.mm.yyyy', 'mm.dd.yyyy', '[$-ja-JP]ggge"年"m"月"d"日";@', '[$-411]gee.mm.dd'];
    corpus.push({
      name: 'Japanese date formats (built-in 31, 57, 58 and custom)',
      make: async (directory) => {
        const workbook = new ExcelJS.Workbook();
        const sheet = sheetWith(workbook, 'データ', [JA_HEADER]);
        rows.forEach((row, i) => {
          const added = sheet.addRow(typed(row));
          // A serial number, as Excel stores a date, shown through a Japanese format.
          added.getCell(4).value = (isoDate(row.application_date).getTime() - Date.UTC(1899, 11, 30)) / 86_400_000;
          added.getCell(4).numFmt = formats[i];
        });
        // The first three stand for Excel's built-in ids, which carry no format code in the file.
        const bytes = await withBuiltinFormats(workbook, { 'yyyy"年"m"月"d"日"': 31, 'dd.mm.yyyy': 57, 'mm.dd.yyyy': 58 });
        return writeBuffer(join(directory, 'japanese-dates.xlsx'), bytes);
      },
      rows: rows.map((row, i) => stored(2 + i, row)),
    });
  }

  {
    const years: [ExcelJS.CellValue, number][] = [
      ['令和3年度', 2021],
      ['令和元年度', 2019],
      ['R3', 2021],
      ['2021年度', 2021],
      ['FY2022', 2022],
      [2020, 2020],
      ['Ｒ４', 2022],
    ];
    const rows = years.map(([, year]) => ({ ...applicant(true), award_fiscal_year: year }));
    corpus.push({
      name: '年度 written as 令和3年度, 令和元年度, R3, 2021年度, FY2022',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        const sheet = sheetWith(workbook, 'データ', [JA_HEADER]);
        rows.forEach((row, i) => {
          const added = sheet.addRow(typed(row));
          added.getCell(6).value = years[i][0];
          if (typeof years[i][0] === 'number') added.getCell(6).numFmt = '0"年度"';
        });
        return save(workbook, directory, 'fiscal-years.xlsx');
      },
      rows: rows.map((row, i) => stored(2 + i, row)),
    });
  }

  return corpus;
}

/** Outcome rows of sme-labour-saving, keyed by firm. */
interface Outcome {
  readonly unit_id: string;
  readonly fiscal_year: number;
  readonly measures: Record<string, number>;
}

function outcomeCorpus(): CorpusCase[] {
  const corpus: CorpusCase[] = [];
  const firms = [applicant(true), applicant(false)];
  const outcomes: Outcome[] = firms.flatMap((firm, i) =>
    [2021, 2022].map((year) => ({ unit_id: firm.corporate_number, fiscal_year: year, measures: { labour_productivity: 512.5 + i, average_wage: 420 + year - 2021, employees: 20 + i } })),
  );
  const outcomeHeader = ['法人番号', '年度', '労働生産性', '平均給与', '従業員数'];
  const outcomeCells = (outcome: Outcome): ExcelJS.CellValue[] => [outcome.unit_id, `令和${outcome.fiscal_year - 2018}年度`, outcome.measures.labour_productivity, outcome.measures.average_wage, outcome.measures.employees];
  const twoSheets = async (directory: string) => {
    const workbook = new ExcelJS.Workbook();
    sheetWith(workbook, '申請者', [JA_HEADER, ...firms.map(typed)]);
    const sheet = sheetWith(workbook, '成果', [outcomeHeader]);
    outcomes.forEach((outcome, i) => {
      const added = sheet.addRow(outcomeCells(outcome));
      if (i === 0) {
        // 平均給与 is declared in 万円: one value typed in 千円 through the number format.
        added.getCell(4).value = outcome.measures.average_wage * 10;
        added.getCell(4).numFmt = '#,##0"千円"';
      }
    });
    return save(workbook, directory, 'applicants-and-outcomes.xlsx');
  };
  corpus.push({ name: 'applicants and outcomes on two sheets: the applicants', make: twoSheets, rows: firms.map((row, i) => stored(2 + i, row)), account: (account) => expect(account.sheet).toBe('申請者') });
  corpus.push({
    name: 'applicants and outcomes on two sheets: the outcomes',
    kind: 'outcomes',
    make: twoSheets,
    rows: outcomes.map((outcome, i) => ({ line: 2 + i, stored: { ...outcome } })),
    account: (account) => expect(account.sheet).toBe('成果'),
  });
  {
    const project = 'GI-PROJ-7';
    corpus.push({
      name: '% number format on a share declared in %',
      programmeId: 'green-innovation-fund',
      kind: 'outcomes',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        const sheet = sheetWith(workbook, '成果', [['事業ID', '年度', 'マイルストーン達成率', '実用化技術数', 'CO2削減量（万t-CO2）']]);
        const first = sheet.addRow([project, 2022, 0.45, 1, 12.5]);
        first.getCell(3).numFmt = '0%';
        const second = sheet.addRow([project, 2023, 0.625, 2, 30]);
        second.getCell(3).numFmt = '0.0%';
        const third = sheet.addRow([project, 2024, 70, 2, 0.4]);
        third.getCell(5).numFmt = '0%';
        return save(workbook, directory, 'share-percent.xlsx');
      },
      rows: [
        { line: 2, stored: { unit_id: project, fiscal_year: 2022, measures: { milestones_met_share: 45, technologies_commercialised: 1, co2_reduction: 12.5 } } },
        { line: 3, stored: { unit_id: project, fiscal_year: 2023, measures: { milestones_met_share: 62.5, technologies_commercialised: 2, co2_reduction: 30 } } },
        { line: 4, quarantined: 'unit_mismatch', message: /percentage.*in E4.*万t-CO2/ },
      ],
    });
  }
  return corpus;
}

function refusals(): CorpusCase[] {
  return [
    {
      name: 'no row names the declared columns',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        sheetWith(workbook, 'データ', [['申請者一覧'], ['番号', '会社名', '申請金額', '住所'], [1, 'A社', 1000, '東京都']]);
        return save(workbook, directory, 'no-header.xlsx');
      },
      rows: [],
      refused: /sheet "データ": no header row found in rows 1–3; the closest, row 2, has .*"申請金額" \(nearest declared name: 申請額\)/,
    },
    {
      name: 'two visible sheets look like applicant files',
      make: (directory) => {
        const workbook = new ExcelJS.Workbook();
        sheetWith(workbook, '第1回', [JA_HEADER, typed(applicant(true))]);
        sheetWith(workbook, '第2回', [JA_HEADER, typed(applicant(true))]);
        return save(workbook, directory, 'two-applicant-sheets.xlsx');
      },
      rows: [],
      refused: /several sheets have a header naming the columns of an applicants file; name the sheet to read with --sheet NAME[^]*"第1回": header in row 1: 法人番号/,
    },
  ];
}

let database: TestDatabase;
let scratch: string;
let ingestFile: ReturnType<typeof createIngestActivities>['ingestFile'];

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-workbooks-'));
  ingestFile = createIngestActivities(database.db).ingestFile;
});
afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

interface Tally {
  readonly name: string;
  readonly rows: number;
  readonly loaded: number;
  readonly quarantined: number;
  readonly refused: string;
  readonly matched: boolean;
}
const table: Tally[] = [];

async function storedApplicants(fileSha256: string) {
  const { rows } = await sql<Record<string, unknown> & { source_line: number }>`
    SELECT a.source_line, a.corporate_number, f.firm_name, a.call_round, to_char(a.application_date, 'YYYY-MM-DD') AS application_date, a.decision,
           a.award_fiscal_year, a.subsidy_amount_yen::float8 AS subsidy_amount_yen, a.requested_amount_yen::float8 AS requested_amount_yen,
           f.industry_code, f.prefecture_code, a.employees_at_application, a.consent
      FROM core.applications a JOIN core.firms f USING (corporate_number)
     WHERE a.source_file_sha256 = ${fileSha256}`.execute(database.db);
  return rows;
}

async function storedOutcomes(fileSha256: string) {
  const { rows } = await sql<Record<string, unknown> & { source_line: number }>`
    SELECT source_line, unit_id, fiscal_year, core.outcome_measures_json(programme_id, measure_values) AS measures FROM core.outcomes WHERE source_file_sha256 = ${fileSha256}`.execute(database.db);
  return rows;
}

async function runCase(corpusCase: CorpusCase, directory: string): Promise<void> {
  const path = await corpusCase.make(directory);
  const kind = corpusCase.kind ?? 'applicants';
  let account: IngestAccount;
  try {
    account = await ingestFile({ programmeId: corpusCase.programmeId ?? 'sme-labour-saving', kind, path, ...(corpusCase.sheet ? { sheet: corpusCase.sheet } : {}) });
  } catch (error) {
    if (!(error instanceof ApplicationFailure) || error.type !== 'UnreadableInputFile' || !corpusCase.refused) throw error;
    expect(error.message, corpusCase.name).toMatch(corpusCase.refused);
    table.push({ name: corpusCase.name, rows: 0, loaded: 0, quarantined: 0, refused: error.message.split(';')[0].replace(/^.*?: /, ''), matched: true });
    return;
  }
  expect(corpusCase.refused, `${corpusCase.name} should have been refused`).toBeUndefined();
  const loads = corpusCase.rows.filter((row): row is Extract<Expected, { stored: unknown }> => 'stored' in row);
  const quarantines = corpusCase.rows.filter((row): row is Extract<Expected, { quarantined: string }> => 'quarantined' in row);
  const quarantineMessages = async () =>
    (await sql<{ reasons: unknown }>`SELECT reasons FROM raw.rejected_rows WHERE file_sha256 = ${account.fileSha256}`.execute(database.db)).rows.map((row) => JSON.stringify(row.reasons)).join('\n');
  expect({ rows: account.rowsTotal, loaded: account.rowsLoaded, quarantined: account.rowsRejected }, `${corpusCase.name}\n${await quarantineMessages()}`).toEqual({
    rows: corpusCase.rows.length,
    loaded: loads.length,
    quarantined: quarantines.length,
  });
  const storedRows = kind === 'outcomes' ? await storedOutcomes(account.fileSha256) : await storedApplicants(account.fileSha256);
  const byLine = new Map(storedRows.map((row) => [row.source_line, row]));
  let matched = true;
  for (const expected of loads) {
    const { source_line: _line, ...actual } = byLine.get(expected.line) ?? { source_line: 0 };
    // Field by field, so a failure names the field.
    for (const [field, value] of Object.entries(expected.stored)) {
      expect(actual[field], `${corpusCase.name}, row ${expected.line}, ${field}`).toEqual(value);
      if (!isDeepStrictEqual(actual[field], value)) matched = false;
    }
  }
  const { rows: rejected } = await sql<{ line_number: number; reasons: { code: string; message: string }[] }>`
    SELECT line_number, reasons FROM raw.rejected_rows WHERE file_sha256 = ${account.fileSha256} ORDER BY line_number`.execute(database.db);
  expect(rejected.map((row) => row.line_number), corpusCase.name).toEqual(quarantines.map((row) => row.line));
  for (const expected of quarantines) {
    const reasons = rejected.find((row) => row.line_number === expected.line)!.reasons;
    expect(reasons.map((reason) => reason.code), `${corpusCase.name}, row ${expected.line}`).toContain(expected.quarantined);
    if (expected.message) expect(reasons.map((reason) => reason.message).join(' | '), `${corpusCase.name}, row ${expected.line}`).toMatch(expected.message);
  }
  corpusCase.account?.(account);
  table.push({ name: corpusCase.name, rows: account.rowsTotal, loaded: account.rowsLoaded, quarantined: account.rowsRejected, refused: '', matched });
}

describe('workbooks as ministry staff make them', () => {
  const corpus = [...buildCorpus(), ...outcomeCorpus(), ...refusals()];
  for (const corpusCase of corpus) {
    it(`${corpusCase.name}: every row stored as the ledger says`, { timeout: 60_000 }, async () => {
      await runCase(corpusCase, join(scratch, String(corpus.indexOf(corpusCase))));
    });
  }

  it('reads the same rows from workbooks saved by LibreOffice Calc', { timeout: 300_000 }, async () => {
    const sources = [...buildCorpus().filter((corpusCase) => /^(title|Japanese date|千円 and 万円|two-row)/.test(corpusCase.name)), formulaCase(false)];
    for (const [index, source] of sources.entries()) {
      const original = await source.make(join(scratch, 'libreoffice-source', String(index)));
      const saved = savedByLibreOffice(original, join(scratch, 'libreoffice', String(index)));
      // LibreOffice drops a format tagged [$-ja-JP] (it knows [$-411]): that date becomes a bare serial, quarantined, never guessed.
      const rows = source.name.startsWith('Japanese date') ? source.rows.map((row) => (row.line === 5 ? { line: 5, quarantined: 'invalid_date', message: /in D5.*Excel date serial \(2021-06-\d\d\)/ } : row)) : source.rows;
      await runCase({ ...source, rows, name: `${source.name} (saved by LibreOffice)`, make: async () => saved }, join(scratch, 'libreoffice', String(index)));
    }
  });

  it('reads a hidden sheet when it is named, and loads the same workbook again under another sheet', async () => {
    const rows = [applicant(true)];
    const current = [applicant(true)];
    const workbook = new ExcelJS.Workbook();
    sheetWith(workbook, '旧', [JA_HEADER, ...rows.map(typed)], { state: 'hidden' });
    sheetWith(workbook, '新', [JA_HEADER, ...current.map(typed)]);
    const path = await save(workbook, scratch, 'named-hidden.xlsx');
    const first = await ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path });
    expect(first).toMatchObject({ sheet: '新', rowsLoaded: 1, skippedDuplicateFile: false });
    const named = await ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path, sheet: '旧' });
    expect(named).toMatchObject({ sheet: '旧', rowsLoaded: 1, skippedDuplicateFile: false, reading: { hiddenSheetNamed: true } });
    expect(named.contentSha256).toBe(first.contentSha256);
    expect(named.fileSha256).not.toBe(first.fileSha256);
    const again = await ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path });
    expect(again).toMatchObject({ sheet: '新', skippedDuplicateFile: true });
  });

  it('finds the header of CSV and TSV files under title lines, converting a 千円 column', async () => {
    const rows = [applicant(true), applicant(false)];
    const header = JA_HEADER.map((name) => (name === '申請額' ? '申請額(千円)' : name));
    const line = (row: Applicant) =>
      [row.corporate_number, row.firm_name, row.call_round, row.application_date, row.decision === 'awarded' ? '採択' : '不採択', row.award_fiscal_year ?? '', row.subsidy_amount_yen ?? '', row.requested_amount_yen / 1000, 'E', '東京都', row.employees_at_application, 'はい'];
    for (const [name, separator] of [['titled.csv', ','], ['titled.tsv', '\t']] as const) {
      const path = join(scratch, name);
      writeFileSync(path, ['令和3年度 申請者一覧', `作成日${separator}2021/6/30`, '', header.join(separator), ...rows.map((row) => line(row).join(separator))].join('\n') + '\n');
      const account = await ingestFile({ programmeId: 'sme-labour-saving', kind: name.endsWith('.tsv') ? 'applicants' : 'applicants', path });
      expect(account, name).toMatchObject({ rowsTotal: 2, rowsLoaded: 2, reading: { headerLines: [4], linesAboveHeader: 2 } });
      const storedRows = await storedApplicants(account.fileSha256);
      expect(storedRows.map((row) => row.requested_amount_yen).sort()).toEqual(rows.map((row) => row.requested_amount_yen).sort());
      rows.splice(0, rows.length, applicant(true), applicant(false));
    }
  });

  it('refuses a CSV file without a header row naming the declared columns, naming the rows looked at', async () => {
    const path = join(scratch, 'no-header.csv');
    writeFileSync(path, '番号,会社名,申請金額\n1,A社,1000\n');
    await expect(ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path })).rejects.toThrow(/no header row found in rows 1–2.*"申請金額" \(nearest declared name: 申請額\)/);
  });

  it('exits 2 for a refused file, 1 when no row loaded, and 0 with quarantined rows', async () => {
    const environment = { DATABASE_URL: database.url };
    const refusedPath = join(scratch, 'cli-refused.xlsx');
    const refusedBook = new ExcelJS.Workbook();
    sheetWith(refusedBook, 'データ', [['番号', '会社名'], [1, 'A社']]);
    await refusedBook.xlsx.writeFile(refusedPath);
    const refused = ebpmWith(environment, 'ingest', refusedPath, '--programme', 'sme-labour-saving');
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/refused, nothing was loaded: .*no header row found/);

    const emptyPath = join(scratch, 'cli-all-quarantined.xlsx');
    const emptyBook = new ExcelJS.Workbook();
    const sheet = sheetWith(emptyBook, 'データ', [JA_HEADER]);
    const row = typed(applicant(true));
    row[0] = 1.23457e12;
    sheet.addRow(row);
    await emptyBook.xlsx.writeFile(emptyPath);
    const nothing = ebpmWith(environment, 'ingest', emptyPath, '--programme', 'sme-labour-saving');
    expect(nothing.status, nothing.stderr).toBe(1);
    expect(nothing.stderr).toMatch(/no row of .* was loaded: all 1 rows were quarantined \(corporate_number_lost_digits: 1\)/);

    const mixedPath = join(scratch, 'cli-mixed.xlsx');
    const mixedBook = new ExcelJS.Workbook();
    const mixed = sheetWith(mixedBook, 'データ', [['令和3年度 申請者一覧'], JA_HEADER, typed(applicant(true))]);
    const bad = typed(applicant(true));
    bad[6] = { error: '#DIV/0!' } as ExcelJS.CellErrorValue;
    mixed.addRow(bad);
    await mixedBook.xlsx.writeFile(mixedPath);
    const some = ebpmWith(environment, 'ingest', mixedPath, '--programme', 'sme-labour-saving');
    expect(some.status, some.stderr).toBe(0);
    expect(some.stdout).toMatch(/sheet "データ"\nheader in row 2; 1 title lines above it skipped/);
    expect(some.stdout).toMatch(/rows 2 = loaded 1 \+ quarantined 1/);
  });

  afterAll(() => {
    const lines = table.map((row) => `| ${row.name} | ${row.rows} | ${row.loaded} | ${row.quarantined} | ${row.refused || '—'} | ${row.refused ? '—' : row.matched ? 'yes' : 'NO'} |`);
    console.log(['| case | rows | loaded | quarantined | refused | every stored value matched |', '|---|---|---|---|---|---|', ...lines].join('\n'));
  });
});
