/**
 * The synthetic review year is written in the published format (names, headers, BOM, quirks), reads back through
 * the published-format reader with nothing quarantined, has the national shape per project, carries the problems
 * the review's checks look for, and is the same for the same seed. The catalogue programmes' sheets follow their
 * catalogue logic model and count applications from their generated applicants.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReviewSheet, PUBLISHED_HEADERS } from '../review-sheets/index.js';
import { nationalReviewYear } from '../review-sheets/synthetic/national-year.js';
import { writeReviewYear, type WrittenReviewYear } from '../review-sheets/synthetic/write-review-year.js';
import { corporateNumberProblem } from '../schemas/corporate-number.js';
import { writeAllReviewSheets, writeAllSyntheticFiles } from '../cli/commands/generate.js';
import { listProgrammes } from '../programmes/catalogue.js';
import { catalogueProjectModels } from '../review-sheets/synthetic/catalogue-projects.js';

const PROJECTS = 300;
let scratch: string;
let written: WrittenReviewYear;

const records = (table: string): Record<string, string>[] => {
  const file = written.files.find((f) => f.table === table)!;
  return parse(readFileSync(file.path), { bom: true, columns: true }) as Record<string, string>[];
};

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-rs-synthetic-'));
  written = writeReviewYear(join(scratch, 'a'), 2024, nationalReviewYear({ projects: PROJECTS, seed: 7, reviewYear: 2024 }));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a synthetic review year in the published format', () => {
  it('writes the six loaded tables under their published names marked synthetic, UTF-8 with BOM and the published header', () => {
    expect(readdirSync(join(scratch, 'a')).sort()).toEqual([
      '1-2_RS_2024_基本情報_事業概要等_合成データ_synthetic.csv', '2-1_RS_2024_予算・執行_サマリ_合成データ_synthetic.csv',
      '3-1_RS_2024_効果発現経路_目標・実績_合成データ_synthetic.csv', '3-2_RS_2024_効果発現経路_目標のつながり_合成データ_synthetic.csv',
      '4-1_RS_2024_点検・評価_合成データ_synthetic.csv', '5-1_RS_2024_支出先_支出情報_合成データ_synthetic.csv',
    ]);
    for (const file of written.files) {
      const bytes = readFileSync(file.path);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const header = (parse(bytes, { bom: true, to_line: 1 }) as string[][])[0];
      expect(header).toEqual([...PUBLISHED_HEADERS[file.table]]);
    }
  });

  it('reads back through the published-format reader with every record loaded and none quarantined', () => {
    for (const file of written.files) {
      const read = parseReviewSheet(file.path.split('/').pop()!, readFileSync(file.path));
      expect({ table: file.table, rows: read.rows.length, quarantined: read.quarantined }).toEqual({ table: file.table, rows: file.records, quarantined: [] });
    }
  });

  it('has the national shape per project: about 20.7 records in 3-1, 34 in 5-1, four rows per indicator', () => {
    const perProject = (table: string) => written.files.find((f) => f.table === table)!.records / PROJECTS;
    expect(perProject('3-1')).toBeGreaterThan(18.5);
    expect(perProject('3-1')).toBeLessThan(23);
    expect(perProject('5-1')).toBeGreaterThan(29);
    expect(perProject('5-1')).toBeLessThan(39);
    expect(perProject('4-1')).toBe(1);
    const labels = records('3-1').map((r) => r['目標年度／目標値／実績値／達成率']).filter(Boolean);
    const counts = ['1.目標年度', '2.目標値', '3.実績値', '4.達成率'].map((label) => labels.filter((l) => l === label).length);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeGreaterThan(PROJECTS * 4);
  });

  it('carries the published quirks: dashes for none, 3.長期 and 長期, trailing spaces, 34482000.0, quoted line breaks, the 1 flag', () => {
    const text = readFileSync(written.files.find((f) => f.table === '3-2')!.path, 'utf8');
    expect(text).toMatch(/"[^"]*\n[^"]*"/);
    const terms = new Set(records('3-1').map((r) => r['アウトカムの期間']));
    expect(terms).toContain('3.長期');
    expect(terms).toContain('長期');
    const dashes = new Set(records('2-1').map((r) => r['主な増減理由']).filter((cell) => /^[-ー－ｰ―‐]+$/.test(cell)));
    expect(dashes.size).toBeGreaterThan(3);
    expect(records('5-1').some((r) => / $/.test(r['法人番号']) && / $/.test(r['支出先の合計支出額']))).toBe(true);
    expect(records('2-1').filter((r) => r['会計区分'] === '').every((r) => /^\d+\.0$/.test(r['翌年度要求額（合計）']))).toBe(true);
    const targetYearRows = records('3-1').filter((r) => r['目標年度／目標値／実績値／達成率'] === '1.目標年度');
    expect(targetYearRows.some((r) => Object.entries(r).some(([column, cell]) => /^\d{4}$/.test(column) && cell === '1'))).toBe(true);
  });

  it('carries what the checks look for: invalid 法人番号, disagreeing achievement rates, execution under half; totals equal their accounts', () => {
    const numbers = records('5-1').map((r) => r['法人番号'].trim()).filter(Boolean);
    expect(numbers.filter((n) => corporateNumberProblem(n) !== null).length).toBeGreaterThan(0);
    const budget = records('2-1');
    const totals = budget.filter((r) => r['会計区分'] === '' && r['執行率'] !== '');
    expect(totals.some((r) => Number(r['執行率']) < 0.5)).toBe(true);
    for (const total of totals) {
      const accounts = budget.filter((r) => r['予算事業ID'] === total['予算事業ID'] && r['予算年度'] === total['予算年度'] && r['会計区分'] !== '');
      expect(accounts.reduce((sum, r) => sum + Number(r['歳出予算現額']), 0)).toBe(Number(total['計（歳出予算現額合計）']));
    }
    const rows = records('3-1');
    let disagreeing = 0;
    for (let i = 0; i + 3 < rows.length; i++) {
      if (rows[i]['目標年度／目標値／実績値／達成率'] !== '2.目標値' || rows[i]['改善の上向き／下向き'] !== '上がると良い指標') continue;
      for (const year of ['2021', '2022', '2023']) {
        const [target, actual, rate] = [rows[i][year], rows[i + 1][year], rows[i + 2][year]].map(Number);
        if (rows[i + 2][year] !== '' && target > 0 && Math.abs((actual / target) * 100 - rate) > 1) disagreeing++;
      }
    }
    expect(disagreeing).toBeGreaterThan(0);
  });

  it('is the same, byte for byte, for the same seed, and differs for another', () => {
    const digest = (dir: string) => readdirSync(dir).sort().map((name) => createHash('sha256').update(readFileSync(join(dir, name))).digest('hex'));
    writeReviewYear(join(scratch, 'b'), 2024, nationalReviewYear({ projects: PROJECTS, seed: 7, reviewYear: 2024 }));
    writeReviewYear(join(scratch, 'c'), 2024, nationalReviewYear({ projects: PROJECTS, seed: 8, reviewYear: 2024 }));
    expect(digest(join(scratch, 'b'))).toEqual(digest(join(scratch, 'a')));
    expect(digest(join(scratch, 'c'))).not.toEqual(digest(join(scratch, 'a')));
  });
});

describe('the review sheets of the catalogue programmes', () => {
  it('writes each programme\'s review-sheet projects from its logic model: units, target years and targets as catalogued, applications counted from its applicants', () => {
    const programmes = listProgrammes();
    const dir = join(scratch, 'catalogue');
    const { written: generated, failed } = writeAllSyntheticFiles(join(dir, 'data'), true);
    expect(failed).toEqual([]);
    const sheets = writeAllReviewSheets(dir, generated)!;
    const named = programmes.flatMap((p) => p.file.reviewSheetProjects);
    expect(sheets.projects).toBe(named.length);
    expect(named.every((project) => project.projectId >= 900001)).toBe(true);
    for (const file of sheets.files) expect(parseReviewSheet(file.path.split('/').pop()!, readFileSync(file.path)).quarantined).toEqual([]);
    const indicatorRows = parse(readFileSync(sheets.files.find((f) => f.table === '3-1')!.path), { bom: true, columns: true }) as Record<string, string>[];
    for (const programme of programmes) {
      for (const { projectId } of programme.file.reviewSheetProjects) {
        const own = indicatorRows.filter((r) => Number(r['予算事業ID']) === projectId);
        for (const indicator of [...programme.file.logicModel.shortTermOutcome, ...programme.file.logicModel.impact]) {
          const rows = own.filter((r) => r['活動指標／成果指標'] === indicator.nameJa);
          expect(rows.map((r) => r['目標年度／目標値／実績値／達成率'])).toEqual(['1.目標年度', '2.目標値', '3.実績値', '4.達成率']);
          expect(rows[0]['単位']).toBe(indicator.unit);
          expect(rows[0][String(indicator.target.fiscalYear)]).toBe('1');
          expect(Number(rows[1][String(indicator.target.fiscalYear)])).toBe(indicator.target.value);
        }
        const applicants = parse(readFileSync(generated.find((g) => g.programmeId === programme.id)!.applicantsFile), { columns: true }) as Record<string, string>[];
        const received = own.find((r) => r['活動指標／成果指標'] === programme.file.logicModel.activity.find((i) => i.id === 'applications_received')?.nameJa && r['目標年度／目標値／実績値／達成率'] === '3.実績値');
        if (!received) continue;
        for (const [year, cell] of Object.entries(received).filter(([column, value]) => /^\d{4}$/.test(column) && value !== '')) {
          const counted = applicants.filter((a) => /^\d{13}$/.test(a.corporate_number) && ['awarded', 'rejected'].includes(a.decision) && /^\d{4}-\d{2}-\d{2}$/.test(a.application_date)
            && Number(a.application_date.slice(0, 4)) - (Number(a.application_date.slice(5, 7)) < 4 ? 1 : 0) === Number(year)).length;
          expect({ programme: programme.id, year, count: Number(cell) }).toEqual({ programme: programme.id, year, count: counted });
        }
      }
    }
  });

  it('writes the sheet of a national call: 200,000 awarded applicants are too many to spread as arguments', () => {
    const programme = listProgrammes().find((p) => p.file.reviewSheetProjects.length > 0)!.file;
    const year = programme.callRounds[0].awardFiscalYear;
    const lines = Array.from({ length: 200_000 }, (_, i) => `${String(1000000000000 + i)},合成${i},${year}-05-01,awarded,${year},${1_000_000 + i}`);
    const applicantsCsv = ['corporate_number,firm_name,application_date,decision,award_fiscal_year,subsidy_amount_yen', ...lines].join('\n');
    const [model] = catalogueProjectModels({ programme, applicantsCsv }, year + 1, 1);
    const [block] = model.blocks;
    expect(block.payeeCount).toBe(200_000);
    // Twenty named payees, the largest subsidies first, and one その他 row with the rest: the block adds up to every subsidy.
    expect(block.payees.map((payee) => payee.total).slice(0, 2)).toEqual([1_199_999, 1_199_998]);
    expect(block.payees.reduce((sum, payee) => sum + payee.total, 0)).toBe(200_000 * 1_000_000 + (199_999 * 200_000) / 2);
  });
});
