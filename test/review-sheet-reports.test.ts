/**
 * A programme's own published review sheets in its HTML report and its progress-table workbook: loaded through the
 * real workflow (the real fixture project 3522, and a crafted copy whose names carry markup and formulas), the
 * page read in Chromium and the workbook read back with ExcelJS, every number compared with the bi views.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../config/project-root.js';
import { getProgramme, type Programme } from '../programmes/catalogue.js';
import { BUDGET_LABEL, buildProgressWorkbook, RECONCILIATION_LABEL, REVIEW_SERIES, reviewSheetSheetName } from '../report/progress-workbook.js';
import { millionYen, publishedNumber, roundedNumber, shiftDecimal } from '../report/review-sheet/decimal-text.js';
import { reviewSheetSection } from '../report/review-sheet/html-section.js';
import { reconcile, referencedSheetIndicator, sheetIndicatorKey } from '../report/review-sheet/reconcile.js';
import { readReviewSheetData } from '../report/review-sheet/sheet-data.js';
import { writeReports } from '../report/write-reports.js';
import { HEADER_ROW } from '../report/xlsx/sheet-layout.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { catalogueDraft } from '../review-sheets/catalogue-draft.js';
import { readProjectSheet } from '../review-sheets/project-sheet.js';
import { LOGIC_MODEL_STAGE_KEYS, programmeFileSchema } from '../schemas/catalogue.js';
import { loadReviewSheetsWorkflow } from '../workflows/index.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

const CHROMIUM = process.env.EBPM_CHROMIUM ?? '/usr/bin/chromium';
const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const PROJECT = 3522;
const ATTRIBUTION = '出典: 行政事業レビュー見える化サイトのデータを加工して作成（公共データ利用規約 第1.0版 PDL1.0）';

/** Text that must stay text: markup, formulas, and what spreadsheets read as formulas. */
const HOSTILE = {
  project: '<script>alert(1)</script><img src=x onerror="window.__xss=1">=HYPERLINK("http://x","y")',
  names: ['=HYPERLINK("http://x","y")', '+1', '-1+1', '@SUM(A1)', '<script>alert(2)</script>'],
  units: ['<b>件</b>', '=1+1', '+%', '-1', '@A1'],
  goal: '<img src=x onerror="window.__xss=2">=SUM(A1:A9)',
  rationale: '<script>window.__xss=3</script>',
  // Starting with = and @, as a formula would, and carrying markup after.
  payee: '=HYPERLINK("http://x","p")<script>window.__xss=4</script>',
  block: '@SUM(A1)<img src=x onerror="window.__xss=5">',
};

type Cells = Record<string, string>;

function readFixture(name: string): { header: string[]; records: Cells[] } {
  const text = readFileSync(join(FIXTURES, name));
  const [header] = parse(text, { bom: true, to_line: 1 }) as string[][];
  return { header, records: parse(text, { bom: true, columns: true }) as Cells[] };
}

/** A CSV as the RS system writes it: UTF-8 with BOM, every cell quoted. */
function writeCsv(path: string, header: readonly string[], records: readonly Cells[]): void {
  const quote = (cell: string) => `"${cell.replaceAll('"', '""')}"`;
  writeFileSync(path, `\uFEFF${[header.map(quote).join(','), ...records.map((record) => header.map((column) => quote(record[column] ?? '')).join(','))].join('\r\n')}\r\n`);
}

/** The fixture files of project 3522 with hostile text in its name, its indicators' names and units, goals, links, payees and their blocks. */
function writeHostileSheets(folder: string): void {
  mkdirSync(folder, { recursive: true });
  for (const name of readdirSync(FIXTURES).filter((file) => file.endsWith('.csv'))) {
    const { header, records } = readFixture(name);
    const own = records.filter((record) => Number(record['予算事業ID']) === PROJECT);
    const nodes = [...new Set(own.filter((record) => record['活動指標／成果指標']).map((record) => `${record['種別（アクティビティ・アウトプット・アウトカム）']}${record['アクティビティ・アウトプット・アウトカムの番号']}`))];
    const crafted = own.map((record) => {
      const node = nodes.indexOf(`${record['種別（アクティビティ・アウトプット・アウトカム）']}${record['アクティビティ・アウトプット・アウトカムの番号']}`);
      return {
        ...record,
        事業名: HOSTILE.project,
        ...(name.startsWith('3-1') && node >= 0 ? { '活動指標／成果指標': HOSTILE.names[node % HOSTILE.names.length], 単位: HOSTILE.units[node % HOSTILE.units.length] } : {}),
        ...(name.startsWith('3-1') && record['種別（アクティビティ・アウトプット・アウトカム）'] === 'アクティビティ' ? { 'アクティビティ／活動目標／成果目標': HOSTILE.goal } : {}),
        ...(name.startsWith('3-2') ? { 後続アウトカムへのつながり: HOSTILE.rationale } : {}),
        ...(name.startsWith('5-1') && record['支出先名'].trim() ? { 支出先名: HOSTILE.payee } : {}),
        ...(name.startsWith('5-1') && record['支出先ブロック名'].trim() ? { 支出先ブロック名: HOSTILE.block } : {}),
      };
    });
    writeCsv(join(folder, name), header, crafted);
  }
}

/** post5g-quantum as a test copy naming project 3522, its indicators paired with the sheet's as `changes` says. */
function programmeNaming(projectIds: readonly number[], changes: (logicModel: Record<string, Record<string, unknown>[]>) => void = () => {}, names: { nameJa?: string; nameEn?: string } = {}): Programme {
  const base = getProgramme('post5g-quantum');
  const json = JSON.parse(readFileSync(join(projectRoot(), 'programmes', 'catalogue', 'post5g-quantum.json'), 'utf8')) as Record<string, unknown> & { logicModel: Record<string, Record<string, unknown>[]> };
  changes(json.logicModel);
  const file = programmeFileSchema.parse({ ...json, ...names, reviewSheetProjects: projectIds.map((projectId) => ({ projectId, provenance: 'test copy' })) });
  return { ...base, ...names, file };
}

/** The crafted reconciliation: two indicators paired by reference (one target year differs; value and unit differ), one by name, one reference to a node the sheet lacks. */
function reconciledProgramme(): Programme {
  return programmeNaming([PROJECT], (model) => {
    const at = (stage: string, id: string) => model[stage].find((indicator) => indicator.id === id)!;
    at('output', 'projects_awarded').reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'output', nodeNumber: 3 };
    at('shortTermOutcome', 'qubits_demonstrated').reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 4 };
    Object.assign(at('midTermOutcome', 'quantum_services_launched'), {
      // The sheet's outcome 5 by its name, written with full-width characters and a space: NFKC and spaces do not matter.
      nameJa: '開発した技術が実用化に至ったテーマ数　／先導研究以外の採択テーマ数',
      unit: '%',
      target: { value: 50, fiscalYear: 2032, scale: 'programme_total', provenance: 'test copy' },
    });
    at('input', 'subsidy_granted').reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 99 };
  });
}

let temporal: TemporalSession;
let real: TestDatabase;
let hostile: TestDatabase;
let scratch: string;
let browser: Browser;

async function loadInto(database: TestDatabase, folder: string): Promise<void> {
  const taskQueue = uniqueTaskQueue('review-sheet-reports');
  const worker = await createTestWorker(temporal, database.db, taskQueue);
  await worker.runUntil(temporal.client.workflow.execute(loadReviewSheetsWorkflow, { taskQueue, workflowId: `${taskQueue}-load`, args: [{ paths: [folder] }] }));
}

async function open(path: string): Promise<{ page: Page; errors: string[]; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : route.abort()));
  await page.goto(`file://${path}`);
  return { page, errors, dialogs };
}

async function readWorkbook(workbook: ExcelJS.Workbook): Promise<ExcelJS.Workbook> {
  const path = join(scratch, `${Math.random().toString(36).slice(2)}.xlsx`);
  await workbook.xlsx.writeFile(path);
  const read = new ExcelJS.Workbook();
  await read.xlsx.readFile(path);
  return read;
}

function cellText(cell: ExcelJS.Cell): string {
  const value = cell.value;
  return value === null || value === undefined ? '' : typeof value === 'object' && 'text' in value ? String(value.text) : String(value);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package or set EBPM_CHROMIUM`);
  temporal = await connectTestTemporal();
  real = await createTestDatabase();
  hostile = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-sheet-reports-'));
  writeHostileSheets(join(scratch, 'hostile-sheets'));
  await loadInto(real, FIXTURES);
  await loadInto(hostile, join(scratch, 'hostile-sheets'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await real?.drop();
  await hostile?.drop();
  await temporal?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('a programme\'s own review sheet in its HTML report', () => {
  let pages: Record<'internal' | 'public', string>;
  beforeAll(async () => {
    const programme = reconciledProgramme();
    pages = {
      internal: (await writeReports(real.db, [programme], join(scratch, 'internal'))).pages[0],
      public: (await writeReports(real.db, [programme], join(scratch, 'public'), { variant: 'public' })).pages[0],
    };
  }, 120_000);

  it.each(['internal', 'public'] as const)('shows every target, actual and achievement of the %s page as bi.review_indicator_values holds it, at its published precision', async (variant) => {
    const { rows } = await sql<{ node_kind: string; node_number: number; indicator_seq: number; fiscal_year: number; target_value: string | null; actual_value: string | null; achievement_reported: string | null; achievement_computed: string | null }>`
      SELECT node_kind, node_number, indicator_seq, fiscal_year, target_value::text, actual_value::text, achievement_reported::text, achievement_computed::text
        FROM bi.review_indicator_values WHERE project_id = ${PROJECT} AND node_kind IN ('output', 'outcome')`.execute(real.db);
    expect(rows.length).toBeGreaterThan(10);
    const { page, errors } = await open(pages[variant]);
    const shown = (await page.evaluate(`[...document.querySelectorAll('section.review-sheets tr[data-indicator]')].map((tr) => ({
      key: tr.getAttribute('data-indicator') + '|' + tr.getAttribute('data-fy'),
      cells: Object.fromEntries([...tr.querySelectorAll('[data-field]')].map((td) => [td.getAttribute('data-field'), { value: td.getAttribute('data-value'), text: td.textContent }])),
    }))`)) as { key: string; cells: Record<string, { value: string; text: string }> }[];
    expect(shown.map((row) => row.key).sort()).toEqual(rows.map((row) => `${PROJECT}:${row.node_kind}:${row.node_number}:${row.indicator_seq}|${row.fiscal_year}`).sort());
    for (const row of rows) {
      const cells = shown.find((entry) => entry.key === `${PROJECT}:${row.node_kind}:${row.node_number}:${row.indicator_seq}|${row.fiscal_year}`)!.cells;
      const expectText = (field: string, value: string | null, text: (v: string) => string) => {
        expect(cells[field].value, `${field} ${row.node_kind}${row.node_number} FY${row.fiscal_year}`).toBe(value ?? '');
        expect(cells[field].text, `${field} ${row.node_kind}${row.node_number} FY${row.fiscal_year}`).toBe(value === null ? '—' : text(value));
      };
      expectText('target', row.target_value, publishedNumber);
      expectText('actual', row.actual_value, publishedNumber);
      expectText('achievement-reported', row.achievement_reported, (v) => `${publishedNumber(v)} %`);
      expectText('achievement-computed', row.achievement_computed, (v) => `${roundedNumber(v, 1)} %`);
    }
    // Published precision: the sheet's 291.66667 and 102.5 are shown as published, not rounded.
    const text = (await page.textContent('section.review-sheets')) ?? '';
    expect(text).toContain('291.66667 %');
    expect(text).toContain('102.5 %');
    expect(text).toContain(ATTRIBUTION);
    expect(text).toContain('公表シート / Published sheet');
    expect(await page.textContent('body')).toContain('事前登録（カタログ） / Pre-registered (catalogue)');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the budget by year in 百万円 and the execution rate in %, equal to bi.review_budget_execution', async () => {
    const { rows } = await sql<{ budget_year: number; review_year: number; initial_budget_yen: string; supplementary_yen: string; current_budget_yen: string; executed_yen: string; execution_rate: string | null }>`
      SELECT budget_year, review_year, initial_budget_yen::text, supplementary_yen::text, current_budget_yen::text, executed_yen::text, execution_rate::text
        FROM bi.review_budget_execution WHERE project_id = ${PROJECT} ORDER BY budget_year`.execute(real.db);
    expect(rows.map((row) => row.budget_year)).toEqual([2021, 2022, 2023, 2024]);
    const { page } = await open(pages.internal);
    for (const row of rows) {
      const cell = (field: string) => page.locator(`section.review-sheets tr[data-budget-year="${row.budget_year}"] [data-field="${field}"]`);
      expect(await cell('currentBudgetYen').getAttribute('data-value')).toBe(row.current_budget_yen);
      expect(await cell('currentBudgetYen').textContent()).toBe(millionYen(row.current_budget_yen));
      expect(await cell('supplementaryYen').textContent()).toBe(millionYen(row.supplementary_yen));
      if (row.budget_year < row.review_year) {
        expect(await cell('executedYen').textContent()).toBe(millionYen(row.executed_yen));
        expect(await cell('executionRate').textContent()).toBe(`${roundedNumber(String(Number(row.execution_rate) * 100), 1)} %`);
      } else {
        // The review year's execution is not known yet: said so, never shown as 0.
        expect(await cell('executedYen').textContent()).toContain('未確定');
        expect(await cell('executionRate').textContent()).toBe('—');
      }
    }
    // FY2024's 補正予算 of 990,178,535,000 yen reads 990,179 百万円; FY2023 was executed in full.
    expect(await page.locator('section.review-sheets tr[data-budget-year="2024"] [data-field="supplementaryYen"]').textContent()).toBe('990,179');
    expect(await page.locator('section.review-sheets tr[data-budget-year="2023"] [data-field="executionRate"]').textContent()).toBe('100.0 %');
    expect(await page.locator('section.review-sheets tr[data-budget-year="2023"] [data-field="executionRateReported"]').textContent()).toBe('100 %');
    expect(await page.textContent('section.review-sheets h4:has-text("予算と執行")')).toContain('百万円');
    await page.close();
  });

  it('draws the official logic model: every node of 3-1 in its kind and term column, each leading where 3-2 says', async () => {
    // A node is its kind, number and, for outcomes, term: outcome numbers restart per term.
    const key = (kind: string, number: number, term: string | null) => `${kind}:${number}${kind === 'outcome' && term ? `:${term}` : ''}`;
    const { rows: nodes } = await sql<{ node_kind: string; node_number: number; outcome_term: string | null }>`
      SELECT node_kind, node_number, outcome_term FROM bi.review_logic_model_nodes WHERE project_id = ${PROJECT}`.execute(real.db);
    const { rows: edges } = await sql<{ from_kind: string; from_node: number; from_term: string | null; to_kind: string; to_node: number; to_term: string | null }>`
      SELECT from_kind, from_node, from_term, to_kind, to_node, to_term FROM bi.review_logic_model_edges WHERE project_id = ${PROJECT}`.execute(real.db);
    expect(nodes).toHaveLength(7);
    const { page } = await open(pages.public);
    const drawn = await page.locator('.logic-model.official [data-node]').evaluateAll((elements) => elements.map((element) => element.getAttribute('data-node')));
    expect(drawn.sort()).toEqual(nodes.map((node) => key(node.node_kind, node.node_number, node.outcome_term)).sort());
    expect(await page.locator('.sheet-edges tr[data-edge]').evaluateAll((elements) => elements.map((element) => element.getAttribute('data-edge')))).toEqual(
      expect.arrayContaining(edges.map((edge) => `${key(edge.from_kind, edge.from_node, edge.from_term)}-${key(edge.to_kind, edge.to_node, edge.to_term)}`)),
    );
    expect(await page.locator('.sheet-edges tr[data-edge]').count()).toBe(edges.length);
    expect(await page.locator('[data-node="output:3"] .leads-to').textContent()).toBe('→ アウトカム4（短期）');
    expect(await page.locator('[data-node^="outcome:7"] .leads-to').textContent()).toBe('→ アウトカム5（長期）');
    const longTerm = page.locator('.logic-model.official .stage', { hasText: '長期アウトカム' });
    expect(await longTerm.locator('[data-node]').evaluateAll((elements) => elements.map((element) => element.getAttribute('data-node')))).toEqual(['outcome:5:long']);
    await page.close();
  });

  it('lists the payees (count and sum of the payee level, the largest by name) and the checks\' findings, equal to the views', async () => {
    const { rows: [summary] } = await sql<{ payees: number; total_yen: string }>`
      SELECT count(*)::integer AS payees, sum(payee_total_yen)::text AS total_yen FROM bi.review_payees WHERE project_id = ${PROJECT}`.execute(real.db);
    const { rows: largest } = await sql<{ payee_name: string; total_yen: string }>`
      SELECT payee_name, payee_total_yen::text AS total_yen FROM bi.review_payees WHERE project_id = ${PROJECT}
       ORDER BY payee_total_yen DESC NULLS LAST, block_number, payee_name LIMIT 10`.execute(real.db);
    const { rows: found } = await sql<{ check_id: string; detail: string }>`SELECT check_id, detail FROM bi.review_findings WHERE project_id = ${PROJECT}`.execute(real.db);
    expect(summary.payees).toBeGreaterThan(0);
    const { page } = await open(pages.internal);
    const section = page.locator(`div.review-sheet-project[data-project="${PROJECT}"]`);
    expect(await section.locator('[data-payee-count]').getAttribute('data-payee-count')).toBe(String(summary.payees));
    // In yen as published: a whole 百万円 would show a payee of 499,000 yen as 0.
    expect(await section.locator('[data-payee-count]').textContent()).toContain(`${publishedNumber(summary.total_yen)} 円`);
    const shown = await section.locator('tr[data-payee]').evaluateAll((rows) =>
      rows.map((row) => [row.children[1].textContent, row.querySelector('[data-field="payeeTotalYen"]')?.getAttribute('data-value'), row.querySelector('[data-field="payeeTotalYen"]')?.textContent]),
    );
    expect(shown).toEqual(largest.map((row) => [row.payee_name, row.total_yen, publishedNumber(row.total_yen)]));
    const findings = await section.locator('li[data-finding]').evaluateAll((items) => items.map((item) => [item.getAttribute('data-finding'), item.textContent?.split('：').slice(1).join('：')]));
    expect(findings.sort()).toEqual(found.map((row) => [row.check_id, row.detail]).sort());
    if (found.length === 0) expect(await section.locator('[data-findings="none"]').count()).toBe(1);
    await page.close();
  });

  it('is linked from the index row of its programme, and the link lands on the section', async () => {
    const { page } = await open(join(scratch, 'internal', 'index.html'));
    // Only the programme whose page this folder holds is linked; the others have no page to land on.
    const links = await page.locator('a[data-link="review-sheets"]').evaluateAll((elements) => elements.map((element) => [element.closest('tr')?.getAttribute('data-programme'), element.getAttribute('href'), element.textContent]));
    expect(links.map(([programme, href]) => [programme, href])).toEqual([['post5g-quantum', 'post5g-quantum.html#review-sheets']]);
    expect(links[0][2]).toMatch(/^行政事業レビューシート \/ review sheet \(予算事業ID \d+\)$/);
    await page.locator('a[data-link="review-sheets"]').click();
    await page.waitForURL(/post5g-quantum\.html#review-sheets$/);
    const top = await page.locator('section#review-sheets').evaluate((section) => section.getBoundingClientRect().top);
    expect(Math.abs(top)).toBeLessThan(5);
    await page.close();
  });

  it('reconciles the pre-registered indicators with the sheet\'s: exactly the crafted pairs, gaps and differences', async () => {
    const { page } = await open(pages.internal);
    const matched = (await page.evaluate(`[...document.querySelectorAll('tr[data-reconcile="matched"]')].map((tr) => ({
      id: tr.getAttribute('data-indicator-id'),
      sheet: tr.getAttribute('data-sheet-indicator'),
      differences: [...tr.querySelectorAll('[data-difference]')].map((d) => d.getAttribute('data-difference') + ': ' + (d.textContent.split('：')[1] ?? d.textContent)),
    }))`)) as { id: string; sheet: string; differences: string[] }[];
    expect(matched).toEqual([
      { id: 'projects_awarded', sheet: '3522:output:3:1', differences: ['year: 事前登録 / pre-registered FY2026 ／ 公表シート / sheet FY2024'] },
      {
        id: 'qubits_demonstrated',
        sheet: '3522:outcome:4:1',
        differences: ['value: 事前登録 / pre-registered 1,000 qubit ／ 公表シート / sheet 80 ％', 'unit: 事前登録 / pre-registered qubit ／ 公表シート / sheet ％'],
      },
      // The catalogue's mid-term outcome is the sheet's 3.長期 outcome 5: the target agrees, the stage does not.
      {
        id: 'quantum_services_launched',
        sheet: '3522:outcome:5:1',
        differences: ['stage: 事前登録 / pre-registered 中期アウトカム (mid-term outcome) ／ 公表シート / sheet 長期アウトカム (long-term outcome)'],
      },
    ]);
    const listed = async (kind: string, attribute: string) => page.locator(`li[data-reconcile="${kind}"] [${attribute}]`).evaluateAll((elements, name) => elements.map((element) => element.getAttribute(name)), attribute);
    expect(await listed('only-catalogue', 'data-indicator-id')).toEqual(['quantum_market']);
    expect(await listed('only-sheet', 'data-sheet-indicator')).toEqual(['3522:output:6:1', '3522:outcome:7:1']);
    expect(await listed('unresolved', 'data-indicator-id')).toEqual(['subsidy_granted']);
    expect(await page.locator('li[data-reconcile="unresolved"]').textContent()).toContain('参照先 予算事業ID 3522 アウトカム99 が公表シートにない');
    await page.close();
    // The same reading as the pure function gives from the views.
    const programme = reconciledProgramme();
    const result = reconcile(programme, (await readReviewSheetData(real.db, programme)).projects);
    expect(result.matched.map((m) => [m.indicator.id, m.how, m.differences.map((d) => d.kind)])).toEqual([
      ['projects_awarded', 'reference', ['year']],
      ['qubits_demonstrated', 'reference', ['value', 'unit']],
      ['quantum_services_launched', 'name', ['stage']],
    ]);
  });

  it('shows a qualitative outcome stated in text only, and labels a node\'s only indicator without a number', async () => {
    // 884's アウトカム1（長期） is qualitative with no yearly cell, only its result in text; アウトカム2 has a 短期 and a
    // 長期 node, whose indicators the loader numbers 1 and 2 across the two.
    const programme = programmeNaming([884]);
    const reportPage = (await writeReports(real.db, [programme], join(scratch, 'qualitative'))).pages[0];
    const html = readFileSync(reportPage, 'utf8');
    const [indicator] = (await sql<{ indicator_name: string; qualitative_result: string }>`
      SELECT indicator_name, qualitative_result FROM core.review_indicator_rows
       WHERE project_id = 884 AND node_kind = 'outcome' AND outcome_term = 'long' AND node_number = 1 AND qualitative_result IS NOT NULL LIMIT 1`.execute(real.db)).rows;
    const { page } = await open(reportPage);
    const result = page.locator('tr[data-qualitative-result][data-indicator="884:outcome:1:2"]');
    expect(await result.textContent()).toContain(indicator.indicator_name);
    expect(await result.textContent()).toContain(`成果実績（定性的） / qualitative result：${indicator.qualitative_result}`);
    const longTermTwo = page.locator('tr[data-indicator="884:outcome:2:2"]').first();
    expect(await longTermTwo.locator('td b').first().textContent()).toBe('アウトカム2（長期）');
    expect(html).not.toMatch(/アウトカム[12]（長期） #2/);
    await page.close();
    // The workbook notes its opening beside the indicator's actual row, as text.
    const workbook = await readWorkbook(await buildProgressWorkbook(real.db, [programme], 'internal'));
    const notes: string[] = [];
    (workbook.getWorksheet(reviewSheetSheetName('post5g-quantum')) as ExcelJS.Worksheet).eachRow((row) => row.eachCell((cell) => {
      if (cellText(cell).startsWith('成果実績（定性的）')) notes.push(cellText(cell));
    }));
    const opening = [...indicator.qualitative_result.replace(/\s+/gu, ' ').trim()].slice(0, 80).join('');
    expect(notes).toEqual([`成果実績（定性的） qualitative result: ${opening}…（全文は HTML 報告書 / full text in the HTML report）`]);
  });

  it('names a reference to an outcome\'s second indicator as counted across its terms, in the page and the workbook', async () => {
    const programme = programmeNaming([884], (model) => {
      model.input.find((indicator) => indicator.id === 'subsidy_granted')!.reviewSheetIndicator = { projectId: 884, nodeKind: 'outcome', nodeNumber: 1, indicator: 3 };
    });
    const { page } = await open((await writeReports(real.db, [programme], join(scratch, 'reference'))).pages[0]);
    expect(await page.locator('li[data-reconcile="unresolved"]').textContent()).toContain('参照先 予算事業ID 884 アウトカム1 の指標 3（短期・中期・長期を通した番号） が公表シートにない');
    await page.close();
    const workbook = await readWorkbook(await buildProgressWorkbook(real.db, [programme], 'internal'));
    const notes: string[] = [];
    (workbook.getWorksheet(reviewSheetSheetName('post5g-quantum')) as ExcelJS.Worksheet).eachRow((row) => row.eachCell((cell) => {
      if (cellText(cell).startsWith('参照先が公表シートにない')) notes.push(cellText(cell));
    }));
    expect(notes).toEqual(['参照先が公表シートにない reference not in the sheet: 予算事業ID 884 アウトカム1 の指標 3（短期・中期・長期を通した番号）\nproject 884, Outcome 1, indicator 3, counted across its terms']);
  });

  it('resolves a reference that names an outcome\'s term by the node\'s own indicators, and labels one not found as the page names the node', async () => {
    // 884's long-term outcome 1 has one indicator; the loader numbers it 2, after short-term outcome 1's.
    const programme = programmeNaming([884], (model) => {
      model.input.find((indicator) => indicator.id === 'subsidy_granted')!.reviewSheetIndicator = { projectId: 884, nodeKind: 'outcome', nodeNumber: 1, term: 'long', indicator: 1 };
      model.activity.find((indicator) => indicator.id === 'applications_received')!.reviewSheetIndicator = { projectId: 884, nodeKind: 'outcome', nodeNumber: 1, term: 'long', indicator: 2 };
    });
    const result = reconcile(programme, (await readReviewSheetData(real.db, programme)).projects);
    const matched = result.matched.find((match) => match.indicator.id === 'subsidy_granted');
    expect(matched && { how: matched.how, key: sheetIndicatorKey(matched.sheet), term: matched.sheet.term }).toEqual({ how: 'reference', key: '884:outcome:1:2', term: 'long' });
    expect(result.unresolved.map((entry) => entry.indicator.id)).toEqual(['applications_received']);
    const { page } = await open((await writeReports(real.db, [programme], join(scratch, 'term-reference'))).pages[0]);
    expect(await page.locator('li[data-reconcile="unresolved"]').textContent()).toContain('参照先 予算事業ID 884 アウトカム1（長期） の指標 2 が公表シートにない');
    expect(await page.locator('li[data-reconcile="unresolved"]').textContent()).not.toContain('を通した番号');
    await page.close();
  });

  it('resolves every reference a catalogue draft writes to the sheet indicator it was drafted from', async () => {
    for (const projectId of [884, 3522, 18556, PROJECT]) {
      const draft = catalogueDraft(await readProjectSheet(real.db, projectId, 2024));
      const { projects } = await readReviewSheetData(real.db, programmeNaming([projectId]));
      const drafted = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => draft.logicModel[stage].flatMap((entry) => (typeof entry !== 'string' && entry.reviewSheetIndicator ? [entry] : [])));
      expect(drafted.length).toBeGreaterThan(0);
      const sheets = drafted.map((entry) => referencedSheetIndicator(entry.reviewSheetIndicator!, projects[0].indicators));
      expect(sheets.map((sheet) => sheet && { name: sheet.name, unit: sheet.unit, term: sheet.term ?? undefined })).toEqual(
        // Where the sheet gives no name or unit, the draft leaves a placeholder for the author.
        drafted.map((entry) => ({ name: entry.nameJa.startsWith('TO COMPLETE: ') ? null : entry.nameJa, unit: entry.unit.startsWith('TO COMPLETE: ') ? null : entry.unit, term: entry.reviewSheetIndicator!.term })),
      );
      // Each sheet indicator once: no two references resolve to the same one.
      expect(new Set(sheets.map((sheet) => sheet && sheetIndicatorKey(sheet))).size).toBe(drafted.length);
    }
  });

  it('pairs an activity of the catalogue with a sheet output\'s 活動指標 as agreeing in stage, and with a sheet outcome as differing', async () => {
    const programme = programmeNaming([PROJECT], (model) => {
      model.activity.find((indicator) => indicator.id === 'applications_received')!.reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'output', nodeNumber: 6 };
      model.activity.find((indicator) => indicator.id === 'award_rate')!.reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 7 };
    });
    const result = reconcile(programme, (await readReviewSheetData(real.db, programme)).projects);
    const stageOf = (id: string) => result.matched.find((match) => match.indicator.id === id)?.differences.filter((difference) => difference.kind === 'stage');
    expect(stageOf('applications_received')).toEqual([]);
    expect(stageOf('award_rate')).toEqual([{ kind: 'stage', catalogue: '活動 (activity)', sheet: '短期アウトカム (short-term outcome)' }]);
    // An input has no indicator in the sheet (its money is the budget): paired with any, its stage differs.
    const input = programmeNaming([PROJECT], (model) => {
      model.input.find((indicator) => indicator.id === 'subsidy_granted')!.reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'output', nodeNumber: 3 };
    });
    const inputResult = reconcile(input, (await readReviewSheetData(real.db, input)).projects);
    expect(inputResult.matched.find((match) => match.indicator.id === 'subsidy_granted')?.differences.filter((difference) => difference.kind === 'stage')).toEqual([
      { kind: 'stage', catalogue: 'インプット (input)', sheet: 'アウトプット (output)' },
    ]);
  });

  it('gives an indicator the sheet publishes no value for one row saying so, under its own head cells', async () => {
    const data = await readReviewSheetData(real.db, programmeNaming([PROJECT]));
    const [project] = data.projects;
    const emptied = { ...data, projects: [{ ...project, indicators: project.indicators.map((indicator, index) => (index === 0 ? { ...indicator, years: [], qualitativeResult: null } : indicator)) }] };
    const key = `${project.indicators[0].projectId}:${project.indicators[0].kind}:${project.indicators[0].nodeNumber}:${project.indicators[0].seq}`;
    const rows = [...reviewSheetSection(emptied, null).matchAll(new RegExp(`<tr data-indicator="${key}"[^>]*>.*?</tr>`, 'g'))].map((match) => match[0]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('data-no-values');
    expect(rows[0]).toContain('<td rowspan="1">');
    expect(rows[0]).toContain('シートに値なし / no value in the sheet');
  });

  it('says in one line how to load a named project that is not loaded, and shows no section for a programme naming none', async () => {
    const waiting = programmeNaming([999_999]);
    const page = (await writeReports(real.db, [waiting], join(scratch, 'waiting'))).pages[0];
    const html = readFileSync(page, 'utf8');
    const section = /<section class="review-sheets"[^]*?<\/section>/.exec(html)![0];
    expect(section).toContain('予算事業ID 999999 のレビューシートは未取込です');
    expect(section).toContain('ebpm review-sheets load');
    expect(section.match(/<p/g)).toHaveLength(1);
    expect(section).not.toContain(ATTRIBUTION);
    const none = (await writeReports(real.db, [programmeNaming([])], join(scratch, 'none'))).pages[0];
    expect(readFileSync(none, 'utf8')).not.toContain('data-section="review-sheets"');
    expect(readFileSync(none, 'utf8')).not.toContain('行政事業レビューシート');
  });
});

describe('a programme\'s own review sheet in the progress-table workbook', () => {
  let sheet: ExcelJS.Worksheet;
  let workbook: ExcelJS.Workbook;
  beforeAll(async () => {
    workbook = await readWorkbook(await buildProgressWorkbook(real.db, [reconciledProgramme()], 'public'));
    sheet = workbook.getWorksheet(reviewSheetSheetName('post5g-quantum')) as ExcelJS.Worksheet;
  });

  function yearColumns(): Map<number, number> {
    const columns = new Map<number, number>();
    sheet.getRow(HEADER_ROW).eachCell((cell, column) => {
      const match = /^FY(\d{4})$/.exec(cellText(cell));
      if (match) columns.set(Number(match[1]), column);
    });
    return columns;
  }

  it('follows the programme sheet, which points to it, and prints A4 landscape one page wide', () => {
    expect(workbook.worksheets.map((each) => each.name)).toEqual(['目次 index', 'post5g-quantum', 'RS post5g-quantum']);
    let pointer = '';
    (workbook.getWorksheet('post5g-quantum') as ExcelJS.Worksheet).eachRow((row) => {
      if (cellText(row.getCell(1)).startsWith('行政事業レビューシート')) pointer = cellText(row.getCell(1));
    });
    expect(pointer).toContain('"RS post5g-quantum"');
    expect(sheet.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 2, printTitlesRow: `1:${HEADER_ROW}` });
    let attribution = '';
    sheet.eachRow((row) => {
      if (cellText(row.getCell(1)).startsWith('出典')) attribution = cellText(row.getCell(1));
    });
    expect(attribution).toContain(ATTRIBUTION);
  });

  it('holds each target and actual as the view does, shown to its published decimals', async () => {
    const { rows } = await sql<{ node_kind: string; node_number: number; fiscal_year: number; target_value: string | null; actual_value: string | null; achievement_reported: string | null }>`
      SELECT node_kind, node_number, fiscal_year, target_value::text, actual_value::text, achievement_reported::text
        FROM bi.review_indicator_values WHERE project_id = ${PROJECT} AND node_kind IN ('output', 'outcome')`.execute(real.db);
    const years = yearColumns();
    const rowsOf = new Map<string, number>();
    sheet.eachRow((row, number) => {
      const node = cellText(row.getCell(2)).split('\n')[0];
      const series = cellText(row.getCell(5));
      if (number > HEADER_ROW && Object.values(REVIEW_SERIES).includes(series as never)) rowsOf.set(`${node}|${series}`, rowsOf.get(`${node}|${series}`) ?? number);
    });
    const label = (kind: string, number: number) => `${kind === 'output' ? 'アウトプット' : 'アウトカム'}${number}`;
    for (const row of rows) {
      for (const [series, value] of [[REVIEW_SERIES.target, row.target_value], [REVIEW_SERIES.actual, row.actual_value], [REVIEW_SERIES.achievementReported, row.achievement_reported]] as const) {
        const key = [...rowsOf.keys()].find((k) => k.startsWith(label(row.node_kind, row.node_number)) && k.endsWith(`|${series}`))!;
        const cell = sheet.getRow(rowsOf.get(key)!).getCell(years.get(row.fiscal_year)!);
        if (value === null) expect(cell.value, `${key} FY${row.fiscal_year}`).toBeNull();
        else {
          expect(cell.value, `${key} FY${row.fiscal_year}`).toBe(Number(value));
          const decimals = value.includes('.') ? value.split('.')[1].length : 0;
          expect(cell.numFmt, `${key} FY${row.fiscal_year}`).toBe(decimals ? `#,##0.${'0'.repeat(decimals)}` : '#,##0');
        }
      }
    }
  });

  it('gives the budget in 百万円 per budget year and the execution rate as %, equal to the view', async () => {
    const { rows } = await sql<{ budget_year: number; current_budget_yen: string; executed_yen: string; execution_rate: string | null }>`
      SELECT budget_year, current_budget_yen::text, executed_yen::text, execution_rate::text FROM bi.review_budget_execution WHERE project_id = ${PROJECT}`.execute(real.db);
    const years = yearColumns();
    const row = (label: string) => {
      let found = 0;
      let inBudget = false;
      sheet.eachRow((each, number) => {
        if (cellText(each.getCell(1)) === BUDGET_LABEL) inBudget = true;
        else if (inBudget && !found && cellText(each.getCell(3)).startsWith(label)) found = number;
      });
      return sheet.getRow(found);
    };
    for (const year of rows) {
      const current = row('計（歳出予算現額）').getCell(years.get(year.budget_year)!);
      expect(current.value).toBe(Number(year.current_budget_yen) / 1e6);
      expect(current.numFmt).toBe('#,##0');
      expect(cellText(row('計（歳出予算現額）').getCell(4))).toBe('百万円');
      const rate = row('執行率\n').getCell(years.get(year.budget_year)!);
      if (year.budget_year < 2024) expect(rate.value).toBe(Number(year.execution_rate));
      expect(rate.numFmt ?? '0.0%').toBe('0.0%');
    }
    expect(row('執行額').getCell(years.get(2024)!).value).toBe('未確定');
  });

  it('prints through LibreOffice on at most two A4 pages, every page headed by the sheet\'s name, the attribution on the last', async () => {
    const path = join(scratch, 'print.xlsx');
    await workbook.xlsx.writeFile(path);
    const out = join(scratch, 'print');
    execFileSync('soffice', [`-env:UserInstallation=file://${join(scratch, 'lo-profile')}`, '--headless', '--convert-to', 'pdf', '--outdir', out, path], { stdio: 'pipe', timeout: 240_000 });
    const pdf = join(out, 'print.pdf');
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);
    const printed = Array.from({ length: pages }, (_, index) => {
      const text = execFileSync('pdftotext', ['-f', String(index + 1), '-l', String(index + 1), '-layout', pdf, '-'], { encoding: 'utf8' });
      return { header: text.split('\n').find((line) => line.trim() !== '') ?? '', text: text.replace(/\s+/g, '') };
    });
    const review = printed.filter((page) => page.header.includes(reviewSheetSheetName('post5g-quantum')));
    expect(review.length).toBeGreaterThanOrEqual(1);
    expect(review.length).toBeLessThanOrEqual(2);
    expect(review[review.length - 1].text).toContain(ATTRIBUTION.replace(/\s+/g, ''));
  }, 300_000);

  it('places each paired target in its own year\'s column, the pre-registered above the sheet\'s, and names the difference', () => {
    const years = yearColumns();
    let start = 0;
    sheet.eachRow((row, number) => {
      if (cellText(row.getCell(1)) === RECONCILIATION_LABEL) start = number;
    });
    const pre = sheet.getRow(start + 1);
    const official = sheet.getRow(start + 2);
    expect(cellText(pre.getCell(1))).toBe('projects_awarded');
    expect(pre.getCell(years.get(2026)!).value).toBe(15);
    expect(official.getCell(years.get(2024)!).value).toBe(15);
    expect(official.getCell(1).value).toBe(PROJECT);
    const notes = Math.max(...years.values()) + 1;
    expect(cellText(pre.getCell(notes))).toContain('目標年度が異なる target year differs: FY2026 / FY2024');
  });
});

describe('a programme\'s review sheet with earlier review years loaded', () => {
  let twoYears: TestDatabase;
  beforeAll(async () => {
    // The fixtures again as review year 2023 (file names and 事業年度): the project has two review years loaded.
    const earlier = join(scratch, 'review-year-2023');
    mkdirSync(earlier, { recursive: true });
    for (const name of readdirSync(FIXTURES).filter((file) => file.endsWith('.csv'))) {
      const { header, records } = readFixture(name);
      writeCsv(join(earlier, name.replace('_RS_2024_', '_RS_2023_')), header, records.map((record) => ({ ...record, 事業年度: '2023' })));
    }
    twoYears = await createTestDatabase();
    await loadInto(twoYears, FIXTURES);
    await loadInto(twoYears, earlier);
  }, 120_000);
  afterAll(async () => {
    await twoYears?.drop();
  });

  it('shows the latest review year and names the earlier ones with the command that shows them', async () => {
    const programme = programmeNaming([PROJECT]);
    const data = await readReviewSheetData(twoYears.db, programme);
    expect(data.projects.map((project) => [project.reviewYear, project.earlierReviewYears])).toEqual([[2024, [2023]]]);
    const { page } = await open((await writeReports(twoYears.db, [programme], join(scratch, 'two-years'))).pages[0]);
    const block = page.locator(`div.review-sheet-project[data-project="${PROJECT}"]`);
    expect(await block.getAttribute('data-review-year')).toBe('2024');
    const line = block.locator('[data-earlier-review-years]');
    expect(await line.getAttribute('data-earlier-review-years')).toBe('2023');
    expect(await line.textContent()).toContain(`ebpm review-sheets show ${PROJECT} --year 2023`);
    await page.close();
  });
});

describe('text from the sheets that looks like markup or a formula', () => {
  let programme: Programme;
  beforeAll(() => {
    programme = programmeNaming([PROJECT], () => {}, { nameJa: '\t=HYPERLINK("http://x","y")', nameEn: '\r+1 <i>x</i>' });
  });

  it('is shown literally in the HTML report, and no script of it runs', async () => {
    for (const variant of ['internal', 'public'] as const) {
      const page = (await writeReports(hostile.db, [programme], join(scratch, `hostile-${variant}`), { variant })).pages[0];
      const { page: opened, errors, dialogs } = await open(page);
      await opened.waitForTimeout(300);
      expect(dialogs).toEqual([]);
      expect(await opened.evaluate('window.__xss')).toBeUndefined();
      expect(await opened.locator('section.review-sheets script, section.review-sheets img, section.review-sheets b:has-text("件")').count()).toBe(0);
      const text = (await opened.textContent('section.review-sheets')) ?? '';
      for (const literal of [HOSTILE.project, ...HOSTILE.names, ...HOSTILE.units, HOSTILE.goal, HOSTILE.rationale, HOSTILE.payee, HOSTILE.block]) expect(text, literal).toContain(literal);
      expect(errors).toEqual([]);
      const artifacts = join(projectRoot(), '.data', 'test-artifacts');
      mkdirSync(artifacts, { recursive: true });
      await opened.locator('section.review-sheets').screenshot({ path: join(artifacts, `review-sheet-hostile-${variant}.png`) });
      await opened.close();
    }
  });

  it('is written as text, never as a formula, in the workbook', async () => {
    const workbook = await readWorkbook(await buildProgressWorkbook(hostile.db, [programme], 'internal'));
    const strings: string[] = [];
    for (const sheet of workbook.worksheets) {
      sheet.eachRow((row) =>
        row.eachCell((cell) => {
          expect(cell.type, `${sheet.name}!${cell.address}`).not.toBe(ExcelJS.ValueType.Formula);
          expect(cell.formula, `${sheet.name}!${cell.address}`).toBeFalsy();
          if (typeof cell.value === 'string') strings.push(cell.value);
          if (cellText(cell).startsWith('=')) expect(typeof cell.value, `${sheet.name}!${cell.address}`).toBe('string');
        }),
      );
    }
    for (const literal of [...HOSTILE.names, ...HOSTILE.units]) expect(strings, literal).toContain(literal);
    const review = workbook.getWorksheet(reviewSheetSheetName('post5g-quantum')) as ExcelJS.Worksheet;
    expect(cellText(review.getRow(2).getCell(1))).toContain('\t=HYPERLINK("http://x","y")');
    expect(strings.some((value) => value.includes('+1 <i>x</i>') && !value.includes('\r'))).toBe(true);
  });
});

describe('numbers of the sheets as text', () => {
  it('keeps the published digits, moves the point exactly and rounds yen to the million', () => {
    expect(['291.66667', '0.6', '12154717', '100.00', '-0.5'].map(publishedNumber)).toEqual(['291.66667', '0.6', '12,154,717', '100', '-0.5']);
    expect([['0.97162', 2], ['1', 2], ['0.005', 2], ['12.5', 1]].map(([text, places]) => shiftDecimal(text as string, places as number))).toEqual(['97.162', '100', '0.5', '125']);
    expect(['990178535000', '499999', '500000'].map(millionYen)).toEqual(['990,179', '0', '1']);
  });
});

describe('the catalogue\'s review-sheet references', () => {
  it('refuses a reference to a project the programme does not name, and one sheet indicator named twice', () => {
    const json = JSON.parse(readFileSync(join(projectRoot(), 'programmes', 'catalogue', 'post5g-quantum.json'), 'utf8')) as { logicModel: Record<string, Record<string, unknown>[]> };
    json.logicModel.output[0].reviewSheetIndicator = { projectId: 1, nodeKind: 'output', nodeNumber: 3 };
    json.logicModel.shortTermOutcome[0].reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 4 };
    json.logicModel.impact[0].reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 4, indicator: 1 };
    const result = programmeFileSchema.safeParse({ ...json, reviewSheetProjects: [{ projectId: PROJECT, provenance: 'test' }] });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual([
      'logicModel.output.0.reviewSheetIndicator.projectId: 予算事業ID 1 is not one of the programme\'s reviewSheetProjects; add it there or fix the id',
      'logicModel.impact.0.reviewSheetIndicator: "quantum_market" names the same review-sheet indicator as "qubits_demonstrated"; each sheet indicator is one indicator of the logic model',
    ]);
  });

  it('refuses a term on an output reference and a term the sheet does not use, naming the field; takes an outcome\'s term as a node of its own', () => {
    const json = JSON.parse(readFileSync(join(projectRoot(), 'programmes', 'catalogue', 'post5g-quantum.json'), 'utf8')) as { logicModel: Record<string, Record<string, unknown>[]> };
    const parsed = (edit: (model: Record<string, Record<string, unknown>[]>) => void) => {
      const copy = structuredClone(json);
      edit(copy.logicModel);
      return programmeFileSchema.safeParse({ ...copy, reviewSheetProjects: [{ projectId: PROJECT, provenance: 'test' }] });
    };
    const refused = parsed((model) => {
      model.output[0].reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'output', nodeNumber: 3, term: 'short' };
      model.impact[0].reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 4, term: '長期' };
    });
    expect(refused.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'logicModel.output.0.reviewSheetIndicator.term: only an outcome has a term (アウトカムの期間); remove term from this output reference',
      'logicModel.impact.0.reviewSheetIndicator.term: term is short (短期), mid (中期) or long (長期), as the sheet\'s アウトカムの期間 gives it',
    ]);
    // Outcome 4 of the same project named with a term and without one: the two forms count differently, so refused.
    const mixed = parsed((model) => {
      model.shortTermOutcome[0].reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 4, term: 'short' };
      model.impact[0].reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 4, indicator: 2 };
    });
    expect(mixed.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      `logicModel.impact.0.reviewSheetIndicator.term: "quantum_market" names 予算事業ID ${PROJECT}'s outcome 4 without a term and "qubits_demonstrated" with one; give every reference to that outcome its term (short, mid or long), so that each names one node`,
    ]);
    // Outcome 4 named with two terms: two nodes of the sheet, each with its first indicator, not one named twice (the
    // schema does not read the sheet: whether both nodes exist is the report's to say).
    const accepted = parsed((model) => {
      model.shortTermOutcome[0].reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 4, term: 'short' };
      model.impact[0].reviewSheetIndicator = { projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 4, term: 'long' };
    });
    expect(accepted.error?.issues ?? []).toEqual([]);
    expect(accepted.data!.logicModel.impact[0].reviewSheetIndicator).toEqual({ projectId: PROJECT, nodeKind: 'outcome', nodeNumber: 4, term: 'long', indicator: 1 });
  });
});
