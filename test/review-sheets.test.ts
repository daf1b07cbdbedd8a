/**
 * The published review sheets load through the real workflow, and every number the views show equals an
 * independent reading of the CSVs (csv-parse directly, not the reader under test).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ActivityFailure, RetryState } from '@temporalio/common';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ebpmWith } from './support/compiled-cli.js';
import { LOADED_TABLE_STATISTICS_TARGET } from '../runtime/database.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { loadReviewSheetsWorkflow, type LoadReviewSheetsResult } from '../workflows/index.js';
import { MAX_RECORD_CHARACTERS } from '../review-sheets/csv-records.js';
import { parseReviewSheet, PUBLISHED_HEADERS, readReviewSheetStream, ReviewCsvError, ReviewFileNameError, ReviewHeaderError } from '../review-sheets/index.js';
import type { Row } from '../review-sheets/records.js';
import { YearValues } from '../review-sheets/year-values.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');

type Cells = Record<string, string>;

function fixture(table: string): { name: string; records: Cells[] } {
  const name = readdirSync(FIXTURES).find((file) => file.startsWith(`${table}_RS_2024_`))!;
  return { name, records: parse(readFileSync(join(FIXTURES, name)), { bom: true, columns: true }) as Cells[] };
}

const NUMBER = /^-?\d+(\.\d+)?$/;
const numberOf = (cell: string | undefined): number | null => {
  const text = (cell ?? '').trim();
  return NUMBER.test(text) ? Number(text) : null;
};
const countBy = (keys: string[]): Record<string, number> => keys.reduce<Record<string, number>>((counts, key) => ({ ...counts, [key]: (counts[key] ?? 0) + 1 }), {});

let temporal: TemporalSession;
let database: TestDatabase;
let taskQueue: string;
let scratch: string;
let firstLoad: LoadReviewSheetsResult;

/** A worker runs until one workflow ends, so each load has its own. */
async function load(...paths: string[]): Promise<LoadReviewSheetsResult> {
  const worker = await createTestWorker(temporal, database.db, taskQueue);
  return worker.runUntil(
    temporal.client.workflow.execute(loadReviewSheetsWorkflow, { taskQueue, workflowId: `${taskQueue}-${Math.random().toString(36).slice(2)}`, args: [{ paths }] }),
  );
}

async function rows<T>(query: string): Promise<T[]> {
  return (await sql<T>`${sql.raw(query)}`.execute(database.db)).rows;
}

beforeAll(async () => {
  temporal = await connectTestTemporal();
  database = await createTestDatabase();
  taskQueue = uniqueTaskQueue('review-sheets');
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-sheets-'));
  firstLoad = await load(FIXTURES);
}, 120_000);

afterAll(async () => {
  await database?.drop();
  await temporal?.close();
  rmSync(scratch, { recursive: true, force: true });
});


/** A 3-1 row's cells by year as an object, as they are written (JSON) to year_values. */
function yearsOf(row: Row): Record<string, string> | undefined {
  return row.year_values instanceof YearValues ? row.year_values.toJSON() : undefined;
}
describe('loading the published review sheets', () => {
  it('accounts for every record of every file: records = loaded + quarantined = the records in the file, and the stored rows', async () => {
    const tables = ['1-2', '2-1', '3-1', '3-2', '4-1', '5-1'];
    // 1-1 (organisation) is not loaded yet: listed as skipped, with the reason, and nothing stored.
    expect(firstLoad.files.map((file) => file.table).sort()).toEqual(['1-1', ...tables]);
    expect(firstLoad.files.find((file) => file.table === '1-1')).toMatchObject({ skipped: true, records: 0, loaded: 0, quarantined: 0, notLoaded: expect.stringContaining('not loaded yet') });
    const stored: Record<string, string> = { '1-2': 'core.review_projects', '2-1': 'core.review_budget', '3-1': 'core.review_indicator_rows', '3-2': 'core.review_edges', '4-1': 'core.review_checks', '5-1': 'core.review_payee_rows' };
    for (const file of firstLoad.files) {
      if ('notLoaded' in file) continue;
      expect(file.skipped).toBe(false);
      expect(file.reviewYear).toBe(2024);
      expect(file.records).toBe(file.loaded + file.quarantined);
      expect(file.records).toBe(fixture(file.table).records.length);
      const [{ n }] = await rows<{ n: number }>(`SELECT count(*)::integer AS n FROM ${stored[file.table]}`);
      const [{ q }] = await rows<{ q: number }>(`SELECT count(*)::integer AS q FROM raw.review_sheet_quarantine q JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.sheet_table = '${file.table}'`);
      expect({ table: file.table, loaded: n, quarantined: q }).toEqual({ table: file.table, loaded: file.loaded, quarantined: file.quarantined });
    }
  });

  it('analyses every table the review views read, at the loaded tables\' statistics target, so that their plans see the loaded rows, and summarises their block ranges', async () => {
    const read = ['raw.review_sheet_files', 'core.review_projects', 'core.review_budget', 'core.review_indicator_rows', 'core.review_indicator_values', 'core.review_edges', 'core.review_payee_rows'];
    const analysed = await rows<{ relation: string; analysed: boolean; estimated_rows: number }>(
      `SELECT s.schemaname || '.' || s.relname AS relation, s.last_analyze IS NOT NULL AS analysed, c.reltuples::integer AS estimated_rows
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE s.schemaname || '.' || s.relname IN (${read.map((name) => `'${name}'`).join(', ')})
        ORDER BY 1`,
    );
    expect(analysed.map((row) => row.relation)).toEqual([...read].sort());
    for (const row of analysed) {
      const [{ n }] = await rows<{ n: number }>(`SELECT count(*)::integer AS n FROM ${row.relation}`);
      // An ANALYZE of the load's own (autovacuum's would be last_autoanalyze), which left the planner the loaded row
      // count: a COPY alone leaves reltuples at -1, "never counted".
      expect(row, row.relation).toEqual({ relation: row.relation, analysed: true, estimated_rows: n });
      expect(n, row.relation).toBeGreaterThan(0);
    }
    // The payees' source lines are all distinct and more than 101: the default target would keep 101 histogram bounds.
    const [payees] = await rows<{ lines: number; bounds: number }>(
      `SELECT (SELECT count(DISTINCT line)::integer FROM core.review_payee_rows) AS lines, array_length(histogram_bounds::text::text[], 1) AS bounds
         FROM pg_stats WHERE schemaname = 'core' AND tablename = 'review_payee_rows' AND attname = 'line'`,
    );
    expect(payees.lines).toBeGreaterThan(101);
    expect(payees.bounds).toBe(LOADED_TABLE_STATISTICS_TARGET + 1);
    // Every page range of the block-range indexes (migration 0051) summarised by the load's last step: none left to do.
    const ranges = await rows<{ index: string; summarised_now: number }>(
      `SELECT c.relname AS index, brin_summarize_new_values(c.oid::regclass) AS summarised_now
         FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'brin' AND c.relnamespace = 'core'::regnamespace ORDER BY 1`,
    );
    expect(ranges).toEqual(['review_budget', 'review_edges', 'review_indicator_rows', 'review_indicator_values', 'review_payee_rows'].map((table) => ({ index: `${table}_year_project_ranges`, summarised_now: 0 })));
  });

  it('shows one row per project in bi.review_projects, a project with two 主要経費 rows (3522) once with both, its 部 and 終了予定なし', async () => {
    const published = fixture('1-2').records;
    const viewed = await rows<{ project_id: number; project_name: string; main_expense: string; department: string | null; end_year: number | null; no_end_planned: boolean | null }>(
      'SELECT project_id, project_name, main_expense, department, end_year, no_end_planned FROM bi.review_projects WHERE review_year = 2024 ORDER BY project_id',
    );
    expect(viewed.map((row) => row.project_id)).toEqual([...new Set(published.map((record) => Number(record['予算事業ID'])))].sort((a, b) => a - b));
    for (const row of viewed) {
      const own = published.filter((record) => Number(record['予算事業ID']) === row.project_id);
      expect(row.project_name).toBe(own[0]['事業名']);
      expect(row.main_expense).toBe(own.map((record) => record['主要経費']).join('／'));
      expect(row.department).toBe(own[0]['部'].trim() || null);
      expect(row.end_year).toBe(numberOf(own[0]['事業終了（予定）年度']));
      expect(row.no_end_planned).toBe({ TRUE: true, FALSE: false }[own[0]['終了予定なし'].trim()] ?? null);
    }
    expect(viewed.find((row) => row.project_id === 3522)!.main_expense.split('／')).toHaveLength(2);
    // 884 names its 部; 11 gives an end year and says no end is planned, both kept as published.
    expect(viewed.find((row) => row.project_id === 884)!.department).toBe('司法法制部');
    expect(viewed.find((row) => row.project_id === 11)).toMatchObject({ end_year: 2024, no_end_planned: true });
  });

  it('shows every target, actual and achievement of 3-1 and each target year in bi.review_indicator_values', async () => {
    const expected: Record<string, number> = {};
    const targetYears = new Set<string>();
    const sequence = new Map<string, number>();
    const kinds: Record<string, string> = { '2.目標値': 'target', '3.実績値': 'actual', '4.達成率': 'achievement' };
    for (const record of fixture('3-1').records) {
      const label = record['目標年度／目標値／実績値／達成率'].trim();
      if (!label) continue;
      const kind = ({ アウトプット: 'output', アウトカム: 'outcome' } as Record<string, string>)[record['種別（アクティビティ・アウトプット・アウトカム）']];
      const node = `${record['予算事業ID']}|${kind}|${record['アクティビティ・アウトプット・アウトカムの番号']}`;
      if (label === '1.目標年度' || !sequence.has(node)) sequence.set(node, (sequence.get(node) ?? 0) + 1);
      const indicator = `${node}|${sequence.get(node)}`;
      for (const [column, cell] of Object.entries(record)) {
        if (!/^\d{4}$/.test(column)) continue;
        if (label === '1.目標年度') {
          if (cell.trim() === '1') targetYears.add(`${indicator}|${column}`);
          continue;
        }
        const value = numberOf(cell);
        if (value !== null) expected[`${indicator}|${column}|${kinds[label]}`] = value;
      }
    }
    const viewed = await rows<{ project_id: number; node_kind: string; node_number: number; indicator_seq: number; fiscal_year: number; target_value: number | null; actual_value: number | null; achievement_reported: number | null; is_target_year: boolean }>(
      'SELECT project_id, node_kind, node_number, indicator_seq, fiscal_year, target_value::float8 AS target_value, actual_value::float8 AS actual_value, achievement_reported::float8 AS achievement_reported, is_target_year FROM bi.review_indicator_values',
    );
    const shown: Record<string, number> = {};
    const shownTargetYears = new Set<string>();
    for (const row of viewed) {
      const key = `${row.project_id}|${row.node_kind}|${row.node_number}|${row.indicator_seq}|${row.fiscal_year}`;
      if (row.target_value !== null) shown[`${key}|target`] = row.target_value;
      if (row.actual_value !== null) shown[`${key}|actual`] = row.actual_value;
      if (row.achievement_reported !== null) shown[`${key}|achievement`] = row.achievement_reported;
      if (row.is_target_year) shownTargetYears.add(key);
    }
    expect(Object.keys(expected).length).toBeGreaterThan(50);
    expect(shown).toEqual(expected);
    expect([...shownTargetYears].sort()).toEqual([...targetYears].sort());
  });

  it('computes the achievement from actual and target, direction-aware, where the sheet reports one', async () => {
    const compared = await rows<{ reported: number; computed: number }>(
      `SELECT achievement_reported::float8 AS reported, achievement_computed::float8 AS computed FROM bi.review_indicator_values
        WHERE achievement_reported IS NOT NULL AND achievement_computed IS NOT NULL AND direction IS DISTINCT FROM 'down'`,
    );
    expect(compared.length).toBeGreaterThan(10);
    // Most published rates are actual ÷ target rounded to four decimals; count those that agree within a point.
    const agreeing = compared.filter((row) => Math.abs(row.reported - row.computed) < 1);
    expect(agreeing.length / compared.length).toBeGreaterThan(0.8);
  });

  it('shows every edge of 3-2 in bi.review_logic_model_edges', async () => {
    const kinds: Record<string, string> = { アクティビティ: 'activity', アウトプット: 'output', アウトカム: 'outcome' };
    const expected = countBy(fixture('3-2').records.map((record) =>
      `${record['予算事業ID']}|${kinds[record['派生元ー種別（アクティビティ・アウトプット・アウトカム）']]}|${record['派生元ーアクティビティ・アウトプット・アウトカムの番号']}|${kinds[record['派生先ー種別（アクティビティ・アウトプット・アウトカム）']]}|${record['派生先ーアクティビティ・アウトプット・アウトカムの番号']}`));
    const viewed = await rows<{ key: string }>(`SELECT project_id || '|' || from_kind || '|' || from_node || '|' || to_kind || '|' || to_node AS key FROM bi.review_logic_model_edges`);
    expect(countBy(viewed.map((row) => row.key))).toEqual(expected);
  });

  it('shows every budget total of 2-1 (total rows only, never added to the account rows) in bi.review_budget_execution', async () => {
    const totals = fixture('2-1').records.filter((record) => record['会計区分'].trim() === '');
    const expected = totals.map((record) => [
      Number(record['予算事業ID']), Number(record['予算年度']),
      numberOf(record['当初予算（合計）']), numberOf(record['補正予算（合計）']), numberOf(record['前年度からの繰越し（合計）']), numberOf(record['予備費等（合計）']),
      numberOf(record['計（歳出予算現額合計）']), numberOf(record['執行額（合計）']), numberOf(record['執行率']), numberOf(record['翌年度への繰越し(合計）']),
      numberOf(record['翌年度要求額（合計）']),
    ]);
    const viewed = await rows<{ r: (number | null)[] }>(
      `SELECT json_build_array(project_id, budget_year, initial_budget_yen::float8, supplementary_yen::float8, carried_in_yen::float8, reserve_yen::float8,
                               current_budget_yen::float8, executed_yen::float8, execution_rate_reported::float8, carried_over_yen::float8, next_year_request_yen::float8) AS r
         FROM bi.review_budget_execution`,
    );
    const order = (a: (number | null)[], b: (number | null)[]) => (a[0]! - b[0]!) || (a[1]! - b[1]!);
    expect(viewed.map((row) => row.r).sort(order)).toEqual(expected.sort(order));
    // Project 11: a current budget of 0 with spending: the unspent amount cannot be derived.
    const project11 = await rows<{ unspent_yen: string | null; executed_yen: string }>(`SELECT unspent_yen, executed_yen FROM bi.review_budget_execution WHERE project_id = 11 AND current_budget_yen = 0 AND executed_yen > 0`);
    expect(project11.length).toBeGreaterThan(0);
    expect(project11.every((row) => row.unspent_yen === null)).toBe(true);
    // Each project's total row equals the sum of its account rows (3522 has two accounts under one total).
    const mismatched = await rows<{ project_id: number }>(
      `SELECT t.project_id FROM core.review_budget t JOIN core.review_budget a USING (file_sha256, project_id, budget_year)
        WHERE t.is_total AND NOT a.is_total GROUP BY t.project_id, t.budget_year, t.current_budget_yen, t.line
       HAVING t.current_budget_yen <> sum(a.current_budget_yen)`,
    );
    expect(mismatched).toEqual([]);
  });

  it('shows every payee total of 5-1 in bi.review_payees, the payee level only', async () => {
    const payees = fixture('5-1').records.filter((record) => record['支出先の合計支出額'].trim() !== '' && record['ブロックの合計支出額'].trim() === '');
    const expected = countBy(payees.map((record) => `${record['予算事業ID']}|${record['支出先ブロック番号'].trim()}|${record['支出先名'].trim()}|${record['法人番号'].trim()}|${numberOf(record['支出先の合計支出額'])}`));
    const viewed = await rows<{ key: string }>(`SELECT project_id || '|' || block_number || '|' || payee_name || '|' || coalesce(corporate_number, '') || '|' || payee_total_yen::float8 AS key FROM bi.review_payees`);
    expect(countBy(viewed.map((row) => row.key))).toEqual(expected);
    const invalid = await rows<{ n: number }>(`SELECT count(*)::integer AS n FROM bi.review_payees WHERE corporate_number_valid = false`);
    expect(invalid[0].n).toBe(0);
  });

  it('skips every file when the same files are loaded again, and changes nothing', async () => {
    const before = await rows<{ n: number }>(`SELECT (SELECT count(*) FROM core.review_indicator_rows) + (SELECT count(*) FROM core.review_payee_rows) + (SELECT count(*) FROM raw.review_sheet_files) AS n`);
    const again = await load(FIXTURES);
    expect(again.files.every((file) => 'skipped' in file && file.skipped)).toBe(true);
    for (const file of again.files) {
      const first = firstLoad.files.find((earlier) => earlier.file === file.file)!;
      expect(file).toMatchObject({ records: 'records' in first ? first.records : -1, loaded: 'loaded' in first ? first.loaded : -1 });
    }
    const after = await rows<{ n: number }>(`SELECT (SELECT count(*) FROM core.review_indicator_rows) + (SELECT count(*) FROM core.review_payee_rows) + (SELECT count(*) FROM raw.review_sheet_files) AS n`);
    expect(after).toEqual(before);
  });

  it('refuses a file whose header renames a published column, naming it, and loads the files beside it', async () => {
    const dir = mkdtempSync(join(scratch, 'renamed-header-'));
    const edges = fixture('3-2');
    writeFileSync(join(dir, edges.name.replace('_RS_2024_', '_RS_2023_')), readFileSync(join(FIXTURES, edges.name), 'utf8').replace('後続アウトカムへのつながり', '後続へのつながり'));
    const projects = fixture('1-2');
    writeFileSync(join(dir, projects.name.replace('_RS_2024_', '_RS_2023_')), readFileSync(join(FIXTURES, projects.name), 'utf8').replaceAll('\nレビューシート,2024,', '\nレビューシート,2023,'));
    const result = await load(dir);
    const [loaded, refused] = result.files;
    expect(loaded).toMatchObject({ table: '1-2', reviewYear: 2023, records: projects.records.length, loaded: projects.records.length, quarantined: 0, skipped: false });
    expect(refused).toMatchObject({ table: '3-2', reviewYear: 2023, records: 0, loaded: 0, quarantined: 0, skipped: false });
    const reason = 'refused' in refused ? refused.refused : '';
    expect(reason).toContain('後続へのつながり');
    expect(reason).toContain('後続アウトカムへのつながり');
    expect(await rows(`SELECT sheet_table FROM raw.review_sheet_files WHERE review_year = 2023`)).toEqual([{ sheet_table: '1-2' }]);
    expect(await rows(`SELECT 1 FROM core.review_edges WHERE review_year = 2023`)).toEqual([]);
  });

  it('a newer file replaces the earlier one of its table and year; a bad 法人番号 loads flagged; <script> and =HYPERLINK( stay text', async () => {
    const payees = fixture('5-1');
    const projects = fixture('1-2');
    const dir = mkdtempSync(join(scratch, 'newer-'));
    const payeeText = readFileSync(join(FIXTURES, payees.name), 'utf8')
      .replaceAll('7010401022916 ', '7010401022917 ')
      .replaceAll('日本電気株式会社', '<script>alert(1)</script>');
    writeFileSync(join(dir, payees.name), payeeText);
    writeFileSync(join(dir, projects.name), readFileSync(join(FIXTURES, projects.name), 'utf8').replace(',法教育の推進,', ',"=HYPERLINK(""http://example.invalid"",""法教育の推進"")",'));
    copyFileSync(join(FIXTURES, 'NOTICE.md'), join(dir, 'NOTICE.md'));
    const result = await load(dir);
    expect(result.files.map((file) => ('skipped' in file ? file.skipped : true))).toEqual([false, false]);
    const flagged = await rows<{ payee_name: string; corporate_number: string; corporate_number_valid: boolean }>(
      `SELECT DISTINCT payee_name, corporate_number, corporate_number_valid FROM bi.review_payees WHERE corporate_number = '7010401022917'`,
    );
    expect(flagged).toEqual([{ payee_name: '<script>alert(1)</script>', corporate_number: '7010401022917', corporate_number_valid: false }]);
    const [project] = await rows<{ project_name: string }>(`SELECT project_name FROM bi.review_projects WHERE project_id = 884 AND review_year = 2024`);
    expect(project.project_name).toBe('=HYPERLINK("http://example.invalid","法教育の推進")');
    // The earlier 5-1 is retired: the payees are not doubled.
    const [{ n }] = await rows<{ n: number }>(`SELECT count(*)::integer AS n FROM bi.review_payees`);
    expect(n).toBe(payees.records.filter((record) => record['支出先の合計支出額'].trim() !== '' && record['ブロックの合計支出額'].trim() === '').length);
    const retired = await rows<{ sheet_table: string }>(`SELECT sheet_table FROM raw.review_sheet_files WHERE status = 'retired' ORDER BY sheet_table`);
    expect(retired).toEqual([{ sheet_table: '1-2' }, { sheet_table: '5-1' }]);
  });

  it('loads two files of one table and year in the order named, the later in force, while other tables load beside them', async () => {
    // The fixtures as review year 2022 (name and 事業年度), so this load touches no other test's year.
    const asYear2022 = (table: string) => {
      const { name } = fixture(table);
      return { name: name.replace('_RS_2024_', '_RS_2022_'), text: readFileSync(join(FIXTURES, name), 'utf8').replaceAll('\nレビューシート,2024,', '\nレビューシート,2022,') };
    };
    const first = mkdtempSync(join(scratch, 'order-first-'));
    const second = mkdtempSync(join(scratch, 'order-second-'));
    for (const table of ['1-2', '3-2', '4-1', '5-1']) {
      const { name, text } = asYear2022(table);
      writeFileSync(join(first, name), text);
    }
    const later = asYear2022('4-1');
    // The same records with one more line break at the end: another file (another digest) of the same table and year.
    writeFileSync(join(second, later.name), `${later.text}\n`);
    const result = await load(first, second);
    expect(result.files.map((file) => [file.table, 'retired' in file ? file.retired.length : -1])).toEqual([['1-2', 0], ['3-2', 0], ['4-1', 0], ['5-1', 0], ['4-1', 1]]);
    const laterDigest = createHash('sha256').update(readFileSync(join(second, later.name))).digest('hex');
    const fourOne = await rows<{ file_sha256: string; status: string; retired_by: string | null }>(
      `SELECT file_sha256, status, retired_by FROM raw.review_sheet_files WHERE review_year = 2022 AND sheet_table = '4-1' ORDER BY status`,
    );
    expect(fourOne).toEqual([
      { file_sha256: laterDigest, status: 'loaded', retired_by: null },
      { file_sha256: expect.not.stringMatching(laterDigest), status: 'retired', retired_by: laterDigest },
    ]);
    const inForce = await rows<{ sheet_table: string }>(`SELECT sheet_table FROM raw.review_sheet_files WHERE review_year = 2022 AND status = 'loaded' ORDER BY sheet_table`);
    expect(inForce.map((file) => file.sheet_table)).toEqual(['1-2', '3-2', '4-1', '5-1']);
  });

  it('hands out the costliest tables first (3-1, 5-1, 2-1, 3-2, 1-2, 4-1), then the tables not loaded, each file once', async () => {
    const workflowId = `${taskQueue}-costliest-first`;
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    // The fixtures again: every file is skipped, but the workflow hands them out as for a first load.
    await worker.runUntil(temporal.client.workflow.execute(loadReviewSheetsWorkflow, { taskQueue, workflowId, args: [{ paths: [FIXTURES] }] }));
    const { events } = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const handedOut = (events ?? []).flatMap((event) => {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name !== 'loadReviewSheetFile') return [];
      const file = JSON.parse(Buffer.from(scheduled.input!.payloads![0].data!).toString('utf8')) as { sheet: { table: string } };
      return [file.sheet.table];
    });
    const published = readdirSync(FIXTURES).filter((name) => name.endsWith('.csv')).map((name) => name.slice(0, 3));
    expect(published).toContain('1-1');
    expect(handedOut).toEqual(['3-1', '5-1', '2-1', '3-2', '1-2', '4-1', ...published.filter((table) => !['1-2', '2-1', '3-1', '3-2', '4-1', '5-1'].includes(table))]);
  });

  it('puts a retired file back in force when it is loaded again, retiring the file that replaced it; loaded once more, it is skipped', async () => {
    // Review year 2019 (name and 事業年度), so this load touches no other test's year.
    const payees = fixture('5-1');
    const name = payees.name.replace('_RS_2024_', '_RS_2019_');
    const original = readFileSync(join(FIXTURES, payees.name), 'utf8').replaceAll('\nレビューシート,2024,', '\nレビューシート,2019,');
    const corrected = original.replaceAll('7010401022916 ', '7010401022917 ');
    expect(corrected).not.toBe(original);
    const first = mkdtempSync(join(scratch, 'reinstate-first-'));
    const second = mkdtempSync(join(scratch, 'reinstate-second-'));
    writeFileSync(join(first, name), original);
    writeFileSync(join(second, name), corrected);
    const digestOf = (dir: string) => createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
    const invalidPayees = async () =>
      (await rows<{ n: number }>(`SELECT count(*)::integer AS n FROM bi.review_payees WHERE review_year = 2019 AND corporate_number_valid = false`))[0].n;
    const payeeCount = async () => (await rows<{ n: number }>(`SELECT count(*)::integer AS n FROM bi.review_payees WHERE review_year = 2019`))[0].n;

    await load(first);
    const payeesOfFile = await payeeCount();
    expect(await invalidPayees()).toBe(0);
    const replaced = await load(second);
    expect(replaced.files[0]).toMatchObject({ skipped: false, reinstated: false, retired: [name] });
    expect(await invalidPayees()).toBeGreaterThan(0);

    const reinstated = await load(first);
    expect(reinstated.files[0]).toMatchObject({ table: '5-1', reviewYear: 2019, records: payees.records.length, loaded: payees.records.length, quarantined: 0, skipped: false, reinstated: true, retired: [name] });
    expect(await rows(`SELECT file_sha256, status, retired_by FROM raw.review_sheet_files WHERE review_year = 2019 ORDER BY status`)).toEqual([
      { file_sha256: digestOf(first), status: 'loaded', retired_by: null },
      { file_sha256: digestOf(second), status: 'retired', retired_by: digestOf(first) },
    ]);
    // The original's payees again, not doubled, and none of the corrected file's flags.
    expect(await payeeCount()).toBe(payeesOfFile);
    expect(await invalidPayees()).toBe(0);

    const again = await load(first);
    expect(again.files[0]).toMatchObject({ skipped: true, loadedBefore: { table: '5-1', reviewYear: 2019, inForce: true }, reinstated: false, retired: [] });
    expect(await rows(`SELECT status FROM raw.review_sheet_files WHERE review_year = 2019 AND status = 'loaded'`)).toHaveLength(1);

    // The retired file's bytes under another year's name are skipped as loaded before, and move nothing.
    const renamed = mkdtempSync(join(scratch, 'reinstate-renamed-'));
    writeFileSync(join(renamed, name.replace('_RS_2019_', '_RS_2018_')), corrected);
    const elsewhere = await load(renamed);
    expect(elsewhere.files[0]).toMatchObject({ reviewYear: 2018, skipped: true, loadedBefore: { table: '5-1', reviewYear: 2019, inForce: false }, reinstated: false, retired: [] });
    expect(await rows(`SELECT file_sha256, status FROM raw.review_sheet_files WHERE review_year IN (2018, 2019) ORDER BY status`)).toEqual([
      { file_sha256: digestOf(first), status: 'loaded' },
      { file_sha256: digestOf(second), status: 'retired' },
    ]);
  });

  it('stores text exactly as published: backslashes, tabs, quoted line breaks, characters outside the BMP and a name longer than a COPY chunk', async () => {
    // Review year 2021 (name and 事業年度), so this load touches no other test's year.
    const { name } = fixture('1-2');
    const awkward = 'a\\b\\\\N\tc\r\nd\ne "quoted" 𠮷𩸽 😀 \\N';
    // 100,000 characters of three bytes each: more than one 256 KB chunk of COPY text on its own.
    const long = `長い事業名${'あ'.repeat(100_000)}終`;
    const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`;
    const text = readFileSync(join(FIXTURES, name), 'utf8')
      .replaceAll('\nレビューシート,2024,', '\nレビューシート,2021,')
      .replace(',法教育の推進,', `,${quoted(awkward)},`)
      .replace(',酒類業振興支援事業,', `,${quoted(long)},`);
    const dir = mkdtempSync(join(scratch, 'exact-text-'));
    writeFileSync(join(dir, name.replace('_RS_2024_', '_RS_2021_')), text);
    const result = await load(dir);
    expect(result.files.map((file) => ('quarantined' in file ? [file.records, file.loaded, file.quarantined] : null))).toEqual([
      [fixture('1-2').records.length, fixture('1-2').records.length, 0],
    ]);
    const [{ stored }] = await rows<{ stored: number }>(`SELECT count(*)::integer AS stored FROM core.review_projects WHERE review_year = 2021`);
    expect(stored).toBe(fixture('1-2').records.length);
    const names = await sql<{ project_id: number; project_name: string }>`
      SELECT project_id, project_name FROM bi.review_projects WHERE review_year = 2021 AND project_id IN (884, 18556) ORDER BY project_id`.execute(database.db);
    expect(names.rows).toEqual([
      { project_id: 884, project_name: awkward },
      { project_id: 18556, project_name: long },
    ]);
  });

  it('refuses, without retrying, a load of which PostgreSQL stored fewer rows than were sent, and keeps nothing of the file', async () => {
    // A trigger that drops the rows of review year 2020 stands for anything that makes a table skip rows.
    await sql.raw(`CREATE FUNCTION public.test_skip_review_year_2020() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.review_year = 2020 THEN RETURN NULL; END IF; RETURN NEW; END $$`).execute(database.db);
    await sql.raw(`CREATE TRIGGER test_skip_review_year_2020 BEFORE INSERT ON core.review_projects FOR EACH ROW EXECUTE FUNCTION public.test_skip_review_year_2020()`).execute(database.db);
    try {
      const { name, records } = fixture('1-2');
      const dir = mkdtempSync(join(scratch, 'skipped-rows-'));
      writeFileSync(join(dir, name.replace('_RS_2024_', '_RS_2020_')), readFileSync(join(FIXTURES, name), 'utf8').replaceAll('\nレビューシート,2024,', '\nレビューシート,2020,'));
      const failure = await load(dir).then(
        () => null,
        (error: Error) => error.cause,
      );
      expect(failure).toBeInstanceOf(ActivityFailure);
      expect((failure as ActivityFailure).retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
      expect((failure as ActivityFailure).cause?.message).toContain(`stored 0 of the ${records.length} rows sent to core.review_projects`);
      expect(await rows(`SELECT 1 FROM raw.review_sheet_files WHERE review_year = 2020`)).toEqual([]);
      expect(await rows(`SELECT 1 FROM core.review_projects WHERE review_year = 2020`)).toEqual([]);
    } finally {
      await sql.raw('DROP TRIGGER test_skip_review_year_2020 ON core.review_projects').execute(database.db);
      await sql.raw('DROP FUNCTION public.test_skip_review_year_2020()').execute(database.db);
    }
  });

  it('refuses a review-sheet row whose file is not registered, the removal of a file whose rows remain, and a changed file key', async () => {
    const unknown = '0'.repeat(64);
    await expect(
      sql`INSERT INTO core.review_edges (file_sha256, line, review_year, project_id, from_node, to_node) VALUES (${unknown}, 2, 2024, 1, 1, 2)`.execute(database.db),
    ).rejects.toThrow(`core.review_edges.file_sha256 ${unknown} is not in raw.review_sheet_files`);
    const [edges] = await rows<{ file_sha256: string }>(`SELECT file_sha256 FROM raw.review_sheet_files WHERE review_year = 2024 AND sheet_table = '3-2' AND status = 'loaded'`);
    await expect(sql`DELETE FROM raw.review_sheet_files WHERE file_sha256 = ${edges.file_sha256}`.execute(database.db)).rejects.toThrow(
      `raw.review_sheet_files ${edges.file_sha256} is still referred to by core.review_edges.file_sha256`,
    );
    await expect(sql`UPDATE raw.review_sheet_files SET file_sha256 = ${'f'.repeat(64)} WHERE file_sha256 = ${edges.file_sha256}`.execute(database.db)).rejects.toThrow(
      'raw.review_sheet_files keys cannot be changed',
    );
    expect(await rows(`SELECT 1 FROM raw.review_sheet_files WHERE file_sha256 = '${edges.file_sha256}'`)).toHaveLength(1);
  });

  it('ebpm review-sheets load FOLDER --json runs the workflow with its own worker and prints each file\'s account', async () => {
    const own = await createTestDatabase();
    try {
      const environment = { DATABASE_URL: own.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
      const { status, stdout, stderr } = ebpmWith(environment, 'review-sheets', 'load', FIXTURES, '--json');
      expect(stderr).not.toContain('error');
      expect(status).toBe(0);
      const printed = JSON.parse(stdout) as { files: { file: string; table: string; reviewYear: number; records: number; loaded: number; quarantined: number; skipped: boolean }[] };
      expect(printed.files.map(({ table, reviewYear, records, loaded, quarantined, skipped }) => ({ table, reviewYear, records, loaded, quarantined, skipped }))).toEqual([
        { table: '1-1', reviewYear: 2024, records: 0, loaded: 0, quarantined: 0, skipped: true },
        ...['1-2', '2-1', '3-1', '3-2', '4-1', '5-1'].map((table) => ({ table, reviewYear: 2024, records: fixture(table).records.length, loaded: fixture(table).records.length, quarantined: 0, skipped: false })),
      ]);
      const again = ebpmWith(environment, 'review-sheets', 'load', FIXTURES, '--json');
      expect((JSON.parse(again.stdout) as typeof printed).files.every((file) => file.skipped)).toBe(true);
      // In text: a file in force is said to be; the same bytes under another year's name are said to be stored as what they were.
      const renamed = mkdtempSync(join(scratch, 'cli-renamed-'));
      const edgesFile = fixture('3-2').name;
      copyFileSync(join(FIXTURES, edgesFile), join(renamed, edgesFile));
      copyFileSync(join(FIXTURES, edgesFile), join(renamed, edgesFile.replace('_RS_2024_', '_RS_2017_')));
      const text = ebpmWith(environment, 'review-sheets', 'load', renamed);
      expect(text.status).toBe(0);
      const edgeRecords = fixture('3-2').records.length;
      expect(text.stdout).toContain(`${edgesFile}: skipped, loaded before and in force (${edgeRecords} loaded, 0 quarantined)`);
      expect(text.stdout).toContain(
        `${edgesFile.replace('_RS_2024_', '_RS_2017_')}: skipped, nothing stored: the same bytes were loaded before as table 3-2, review year 2024 (${edgeRecords} loaded, 0 quarantined; in force)`,
      );

      // A file refused for its header: every account printed, the refusal said with its fix, exit code 2.
      const dir = mkdtempSync(join(scratch, 'cli-refused-'));
      const edges = fixture('3-2');
      writeFileSync(join(dir, edges.name.replace('_RS_2024_', '_RS_2022_')), readFileSync(join(FIXTURES, edges.name), 'utf8').replace('後続アウトカムへのつながり', '後続へのつながり'));
      const projects = fixture('1-2');
      writeFileSync(join(dir, projects.name.replace('_RS_2024_', '_RS_2022_')), readFileSync(join(FIXTURES, projects.name), 'utf8').replaceAll('\nレビューシート,2024,', '\nレビューシート,2022,'));
      const refusedRun = ebpmWith(environment, 'review-sheets', 'load', dir, '--json');
      expect(refusedRun.status).toBe(2);
      const accounts = (JSON.parse(refusedRun.stdout) as { files: { table: string; loaded: number; skipped: boolean; refused?: string }[] }).files;
      expect(accounts.map(({ table, loaded, skipped }) => ({ table, loaded, skipped }))).toEqual([
        { table: '1-2', loaded: projects.records.length, skipped: false },
        { table: '3-2', loaded: 0, skipped: false },
      ]);
      expect(accounts[1].refused).toContain('後続へのつながり');
      expect(refusedRun.stderr).toContain('1 of the 2 files was refused and nothing of it stored; the other files are accounted for above');
      expect(refusedRun.stderr).toContain('missing 「後続アウトカムへのつながり」');
    } finally {
      await own.drop();
    }
  }, 120_000);
});

describe('reading the published format', () => {
  const KEY = ['レビューシート', '2024', '884', '法教育の推進', '16', '法務省', '法務省', '大臣官房', '司法法制部', '司法法制課', '', '', ''];
  const csvLine = (cells: readonly string[]) => cells.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',');
  const file = (table: keyof typeof PUBLISHED_HEADERS, rows: readonly (readonly string[])[]) =>
    new TextEncoder().encode(`\uFEFF${[PUBLISHED_HEADERS[table], ...rows].map(csvLine).join('\n')}\n`);
  const row = (table: keyof typeof PUBLISHED_HEADERS, cells: Record<string, string>) => {
    const header: readonly string[] = PUBLISHED_HEADERS[table];
    return header.map((column, index) => (index < KEY.length ? KEY[index] : (cells[column] ?? '')));
  };

  it('reads 1-2\'s 部 and 終了予定なし (TRUE, FALSE, any case, blank as none) and quarantines another flag with its reason', () => {
    const projects = parseReviewSheet('1-2_RS_2024_基本情報_事業概要等.csv', file('1-2', [
      row('1-2', { 事業名: 'a', 終了予定なし: 'TRUE' }),
      row('1-2', { 事業名: 'b', 終了予定なし: 'false ' }),
      row('1-2', { 事業名: 'c', 終了予定なし: '' }),
      row('1-2', { 事業名: 'd', 終了予定なし: '○' }),
    ]));
    expect(projects.rows.map((r) => [r.department, r.no_end_planned, r.line])).toEqual([['司法法制部', true, 2], ['司法法制部', false, 3], ['司法法制部', null, 4]]);
    expect(projects.quarantined.map((q) => [q.line, q.reason])).toEqual([[5, '終了予定なし "○" is neither TRUE nor FALSE']]);
  });

  it('reads dashes as none, trailing spaces, 34482000.0, 長期 with or without its number, and quoted line breaks', () => {
    const threeOne = parseReviewSheet('3-1_RS_2024_効果発現経路_目標・実績.csv', file('3-1', [
      row('3-1', { 'アクティビティ・アウトプット・アウトカムの番号': '1', '種別（アクティビティ・アウトプット・アウトカム）': 'アウトカム', 'アウトカムの期間': '3.長期', '成果目標の種類': '定量的', '活動指標／成果指標': '件数\n（年間）', '単位': 'ー', '改善の上向き／下向き': '下がると良い指標', '目標年度／目標値／実績値／達成率': '2.目標値', '2023': '34482000.0 ', '2024': '－' }),
      row('3-1', { 'アクティビティ・アウトプット・アウトカムの番号': '2', '種別（アクティビティ・アウトプット・アウトカム）': 'アウトカム', 'アウトカムの期間': '長期', '目標年度／目標値／実績値／達成率': '3.実績値', '2023': '―' }),
    ]));
    expect(threeOne.quarantined).toEqual([]);
    expect(threeOne.rows.map((r) => [r.outcome_term, r.unit, r.direction, r.indicator_name, yearsOf(r), r.line])).toEqual([
      ['long', null, 'down', '件数\n（年間）', { 2023: '34482000' }, 2],
      ['long', null, null, null, {}, 4],
    ]);
  });

  it('quarantines a cell naming what every object inherits (constructor, valueOf, __proto__) as any unknown word, and keeps a direction of toString as text', () => {
    const cells = (overrides: Record<string, string>) =>
      row('3-1', { 'アクティビティ・アウトプット・アウトカムの番号': '1', '種別（アクティビティ・アウトプット・アウトカム）': 'アウトカム', 'アウトカムの期間': '長期', '目標年度／目標値／実績値／達成率': '2.目標値', ...overrides });
    const read = parseReviewSheet('3-1_RS_2024_効果発現経路_目標・実績.csv', file('3-1', [
      cells({ '種別（アクティビティ・アウトプット・アウトカム）': 'constructor' }),
      cells({ '目標年度／目標値／実績値／達成率': 'valueOf' }),
      cells({ 'アウトカムの期間': '__proto__' }),
      cells({ '改善の上向き／下向き': 'toString' }),
    ]));
    expect(read.quarantined.map((q) => [q.line, q.reason])).toEqual([
      [2, '種別（アクティビティ・アウトプット・アウトカム） "constructor" is none of アクティビティ, アウトプット, アウトカム'],
      [3, '目標年度／目標値／実績値／達成率 "valueOf" is none of 1.目標年度, 2.目標値, 3.実績値, 4.達成率'],
      [4, 'アウトカムの期間 "__proto__" is none of 短期, 中期, 長期'],
    ]);
    expect(read.rows.map((r) => [r.line, r.node_kind, r.outcome_term, r.row_kind, r.direction])).toEqual([[5, 'outcome', 'long', 'target', 'toString']]);
  });

  it('reads a 3-1 whose fiscal-year columns span other years (2008–2061, as another review year may), and refuses years out of order', () => {
    const shifted = PUBLISHED_HEADERS['3-1'].map((column) => (/^\d{4}$/.test(column) ? String(Number(column) + 1) : column));
    const cells = shifted.map((column, index) => (index < KEY.length ? KEY[index] : ({ 'アクティビティ・アウトプット・アウトカムの番号': '1', '種別（アクティビティ・アウトプット・アウトカム）': 'アウトプット', '目標年度／目標値／実績値／達成率': '2.目標値', '2061': '12', '2008': '3' } as Record<string, string>)[column] ?? ''));
    const bytes = (header: readonly string[]) => new TextEncoder().encode(`\uFEFF${[header, cells].map(csvLine).join('\n')}\n`);
    const read = parseReviewSheet('3-1_RS_2024_効果発現経路_目標・実績.csv', bytes(shifted));
    expect(read.quarantined).toEqual([]);
    expect(read.rows.map(yearsOf)).toEqual([{ 2008: '3', 2061: '12' }]);
    const swapped = [...shifted];
    const first = swapped.findIndex((column) => column === '2008');
    [swapped[first], swapped[first + 1]] = [swapped[first + 1], swapped[first]];
    expect(() => parseReviewSheet('3-1_RS_2024_効果発現経路_目標・実績.csv', bytes(swapped))).toThrow(ReviewHeaderError);
    expect(() => parseReviewSheet('3-1_RS_2024_効果発現経路_目標・実績.csv', bytes(swapped))).toThrow(/fiscal-year columns 2009…2061 are not consecutive years in order/);
  });

  it('keeps an invalid 法人番号 as text, flagged, and quarantines a record with a wrong column count or a wrong review year, with the reason', () => {
    const read = parseReviewSheet('5-1_RS_2024_支出先_支出情報.csv', file('5-1', [
      row('5-1', { 支出先ブロック番号: 'A', 支出先名: '株式会社テスト', 法人番号: '7010401022917 ', 支出先の合計支出額: '100 ' }),
      row('5-1', { 支出先ブロック番号: 'A', 支出先名: '株式会社テスト', 法人番号: '7010401022916', 支出先の合計支出額: '100' }),
      ['レビューシート', '2024', '884'],
      row('5-1', { 支出先ブロック番号: 'A', 支出先名: 'x', 支出先の合計支出額: '1' }).map((cell, index) => (index === 1 ? '2023' : cell)),
    ]));
    expect(read.rows.map((r) => [r.level, r.corporate_number, r.corporate_number_valid, r.payee_total_yen])).toEqual([
      ['payee', '7010401022917', false, '100'],
      ['payee', '7010401022916', true, '100'],
    ]);
    expect(read.quarantined.map((q) => [q.line, q.reason])).toEqual([
      [4, `3 columns where the header has ${PUBLISHED_HEADERS['5-1'].length}`],
      [5, '事業年度 "2023" is not the file\'s review year 2024'],
    ]);
  });

  it('refuses a renamed header naming both columns, an unpublished file name, and a file that is not CSV, with typed errors', () => {
    const renamed = PUBLISHED_HEADERS['3-2'].map((column) => (column === '後続アウトカムへのつながり' ? '後続へのつながり' : column));
    const bytes = new TextEncoder().encode(`${renamed.join(',')}\n`);
    expect(() => parseReviewSheet('3-2_RS_2024_効果発現経路_目標のつながり.csv', bytes)).toThrow(ReviewHeaderError);
    expect(() => parseReviewSheet('3-2_RS_2024_効果発現経路_目標のつながり.csv', bytes)).toThrow(/missing 「後続アウトカムへのつながり」; not published 「後続へのつながり」/);
    expect(() => parseReviewSheet('logic-model.csv', bytes)).toThrow(ReviewFileNameError);
    expect(() => parseReviewSheet('3-2_RS_2024_x.csv', new Uint8Array())).toThrow(ReviewCsvError);
  });

  it('quarantines the line of a quote never closed, or not closed within the record limit, with its text, reads on, and reads text after a closing quote as text', async () => {
    const edge = (from: string, to: string, rationale = '') =>
      csvLine(row('3-2', { 派生元ーアクティビティ・アウトプット・アウトカムの番号: from, '派生元ー種別（アクティビティ・アウトプット・アウトカム）': 'アウトプット', 派生先ーアクティビティ・アウトプット・アウトカムの番号: to, '派生先ー種別（アクティビティ・アウトプット・アウトカム）': 'アウトカム', 後続アウトカムへのつながり: rationale }));
    const name = '3-2_RS_2024_効果発現経路_目標のつながり.csv';
    // Line 3: a rationale written "引用"符 (its quotes not doubled); line 5: its last field opened with a quote, never closed.
    const stray = edge('3', '4', 'つながり').replace(/,([^,]*)$/, ',"$1');
    const small = `\uFEFF${[csvLine(PUBLISHED_HEADERS['3-2']), edge('1', '2'), edge('2', '3', 'X').replace(',X,', ',"引用"符,'), edge('2', '4'), stray].join('\n')}\n`;
    const read = parseReviewSheet(name, new TextEncoder().encode(small));
    expect(read.rows.map((r) => [r.line, r.from_node, r.to_node, r.rationale])).toEqual([
      [2, 1, 2, null],
      [3, 2, 3, '"引用"符'],
      [4, 2, 4, null],
    ]);
    expect(read.quarantined).toEqual([{ line: 5, reason: 'a quoted field is never closed (the file is cut short or a quote is stray); the line is kept as text and the lines after it are read', record: [stray] }]);

    // Line 3 opens a quote that no quote closes within MAX_RECORD_CHARACTERS, on a line three times as long (so that,
    // read in pieces, the line has not ended when the record is judged): its first 2,000 characters kept, the rest of
    // the line skipped (its comma must not start a record), and the lines after it read.
    const long = `"${'あ'.repeat(3 * MAX_RECORD_CHARACTERS)},b`;
    const large = `${[csvLine(PUBLISHED_HEADERS['3-2']), edge('1', '2'), long, edge('2', '3')].join('\n')}\n`;
    const readLarge = parseReviewSheet(name, new TextEncoder().encode(large));
    expect(readLarge.rows.map((r) => [r.line, r.from_node, r.to_node])).toEqual([[2, 1, 2], [4, 2, 3]]);
    expect(readLarge.quarantined).toEqual([{ line: 3, reason: `a quoted field is not closed within ${MAX_RECORD_CHARACTERS.toLocaleString('en-US')} characters; its first 2,000 characters are kept as text and the lines after it are read`, record: [long.slice(0, 2_000)] }]);

    // The same records whatever the pieces the file arrives in (as a load reads it).
    for (const [text, size] of [[small, 7], [large, 65_536]] as const) {
      const bytes = new TextEncoder().encode(text);
      const pieces = async function* () {
        for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
      };
      const streamed: unknown[] = [];
      for await (const batch of readReviewSheetStream(name, pieces())) streamed.push(...batch);
      const whole = parseReviewSheet(name, bytes);
      expect(streamed).toEqual([...whole.rows.map((r) => ({ row: r })), ...whole.quarantined.map((q) => ({ quarantined: q }))].sort((a, b) => ('row' in a ? a.row.line : a.quarantined.line) - ('row' in b ? b.row.line : b.quarantined.line)));
    }
  });

  it('reads characters of two, three and four bytes and quoted line breaks wherever a piece, or a part of one it decodes at a time, cuts them', async () => {
    const name = '3-2_RS_2024_効果発現経路_目標のつながり.csv';
    // Rationales of 1,000 to 1,700 characters mixing é (2 bytes), あ (3), 😀 (4) and line breaks: over 600 KB in all, so
    // the parts the reader decodes at a time (32 KiB) end inside characters and inside quoted fields again and again.
    const alphabet = ['é', 'あ', '😀', 'x', '\n'];
    const rationales = Array.from({ length: 200 }, (_, index) =>
      Array.from({ length: 1_000 + ((index * 37) % 700) }, (_, at) => alphabet[(at * 7 + index) % alphabet.length]).join('').replace(/^\n+|\n+$/g, 'y'),
    );
    const edge = (from: number, rationale: string) =>
      csvLine(row('3-2', { 派生元ーアクティビティ・アウトプット・アウトカムの番号: String(from), '派生元ー種別（アクティビティ・アウトプット・アウトカム）': 'アウトプット', 派生先ーアクティビティ・アウトプット・アウトカムの番号: String(from + 1), '派生先ー種別（アクティビティ・アウトプット・アウトカム）': 'アウトカム', 後続アウトカムへのつながり: rationale }));
    const lines = [csvLine(PUBLISHED_HEADERS['3-2']), ...rationales.map((rationale, index) => edge(index + 1, rationale))];
    const bytes = new TextEncoder().encode(`\uFEFF${lines.join('\n')}\n`);
    expect(bytes.length).toBeGreaterThan(600_000);
    // Where the reader's parts end (every 32 KiB): most of them inside a quoted rationale (an odd number of quotes
    // before), many inside a character (a continuation byte).
    const ends = Array.from({ length: Math.floor(bytes.length / 32_768) }, (_, k) => (k + 1) * 32_768);
    const insideQuotes = ends.filter((at) => (new TextDecoder().decode(bytes.subarray(0, at)).match(/"/g) ?? []).length % 2 === 1);
    expect(insideQuotes.length).toBeGreaterThanOrEqual(ends.length - 3);
    expect(ends.filter((at) => (bytes[at] & 0xc0) === 0x80).length).toBeGreaterThanOrEqual(5);

    const whole = parseReviewSheet(name, bytes);
    expect(whole.quarantined).toEqual([]);
    expect(whole.rows.map((r) => r.rationale)).toEqual(rationales);
    // Records ended by CRLF give the same rows (a CR may end one part and its LF begin the next).
    const crlf = parseReviewSheet(name, new TextEncoder().encode(`\uFEFF${lines.join('\r\n')}\r\n`));
    expect(crlf.quarantined).toEqual([]);
    expect(crlf.rows.map((r) => [r.line, r.rationale])).toEqual(whole.rows.map((r) => [r.line, r.rationale]));
    for (const size of [997, 32_771, 1 << 20]) {
      const pieces = async function* () {
        for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
      };
      const streamed: unknown[] = [];
      for await (const batch of readReviewSheetStream(name, pieces())) streamed.push(...batch);
      expect(streamed, `pieces of ${size} bytes`).toEqual(whole.rows.map((r) => ({ row: r })));
    }
  });

  it('survives any bytes after the published header: every record loaded or quarantined with a reason, in line order, never a refusal', () => {
    const header = new TextEncoder().encode(`${PUBLISHED_HEADERS['3-2'].join(',')}\n`);
    // A 32-bit linear congruential generator, its high bits used (in doubles, seed × 1103515245 loses its low bits and the bytes come out nearly all commas).
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
    let quarantined = 0;
    let neverClosed = 0;
    for (let trial = 0; trial < 200; trial++) {
      const noise = Uint8Array.from({ length: 200 + (next() % 400) }, () => [0x2c, 0x22, 0x0a, 0x0d, 0x00, 0xff, 0xe3, 0x31][next() % 8]);
      const bytes = new Uint8Array([...header, ...noise]);
      const read = parseReviewSheet('3-2_RS_2024_x.csv', bytes);
      const lines = [...read.rows.map((r) => r.line), ...read.quarantined.map((q) => q.line)].sort((a, b) => a - b);
      // Each record starts on a line of its own after the header, within the file.
      expect(new Set(lines).size).toBe(lines.length);
      for (const line of lines) expect(line).toBeGreaterThan(1);
      expect(lines.at(-1) ?? 2).toBeLessThanOrEqual(2 + noise.filter((byte) => byte === 0x0a || byte === 0x0d).length);
      for (const q of read.quarantined) expect(q.reason).not.toBe('');
      quarantined += read.quarantined.length;
      neverClosed += read.quarantined.filter((q) => q.reason.startsWith('a quoted field is never closed')).length;
    }
    // Noise of short lines: thousands of records, dozens of them ending in a quote never closed.
    expect(quarantined).toBeGreaterThan(5_000);
    expect(neverClosed).toBeGreaterThan(20);
  });

  it('refuses a file whose header line cannot be read as CSV, saying so', () => {
    const bytes = new TextEncoder().encode(`"${PUBLISHED_HEADERS['3-2'].join(',')}\n`);
    expect(() => parseReviewSheet('3-2_RS_2024_x.csv', bytes)).toThrow(ReviewCsvError);
    expect(() => parseReviewSheet('3-2_RS_2024_x.csv', bytes)).toThrow(/the header \(line 1\) cannot be read: a quoted field is never closed/);
  });
});
