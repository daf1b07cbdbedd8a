/**
 * The checks across loaded review sheets (bi.review_findings), `ebpm review-sheets check` and `show`, and the
 * catalogue draft from a sheet. Sheets load through the real workflow; a crafted copy of the fixtures, a few
 * cells edited, triggers each check exactly where expected and nowhere else, and the achievement and execution
 * findings are also computed here from the CSVs themselves (csv-parse, not the reader under test).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ebpmWith } from './support/compiled-cli.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { createReviewSheetActivities } from '../activities/review-sheets.js';
import { findingsLagNotice } from '../cli/commands/review-sheets-check.js';
import { FINDING_CHECKS } from '../review-sheets/finding-checks.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { REVIEW_FINDINGS_0040 } from '../sql/migrations/0040_review_findings_read_indicator_values.js';
import { loadReviewSheetsWorkflow } from '../workflows/index.js';
import { reviewYearsOf } from '../workflows/load-review-sheets.js';
import { writeFixturesAsReviewYear } from './support/review-sheet-years.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
type Cells = Record<string, string>;

function csvOf(folder: string, table: string): { name: string; header: string[]; records: Cells[] } {
  const name = readdirSync(folder).find((file) => file.startsWith(`${table}_RS_2024_`))!;
  const rows = parse(readFileSync(join(folder, name)), { bom: true }) as string[][];
  const header = rows[0];
  return { name, header, records: rows.slice(1).map((row) => Object.fromEntries(header.map((column, index) => [column, row[index]]))) };
}

function writeCsv(folder: string, table: string, edit: (records: Cells[]) => Cells[]): void {
  const { name, header, records } = csvOf(folder, table);
  const quote = (cell: string) => `"${cell.replaceAll('"', '""')}"`;
  const lines = [header, ...edit(records).map((record) => header.map((column) => record[column]))].map((row) => row.map(quote).join(','));
  writeFileSync(join(folder, name), `\uFEFF${lines.join('\n')}\n`);
}

const NUMBER = /^-?\d+(\.\d+)?$/;
const numberOf = (cell: string | undefined): number | null => {
  const text = (cell ?? '').trim();
  return NUMBER.test(text) ? Number(text) : null;
};
const KINDS: Record<string, string> = { アクティビティ: 'activity', アウトプット: 'output', アウトカム: 'outcome' };
const TERMS: Record<string, string> = { 短期: 'short', 中期: 'mid', 長期: 'long' };
const termOf = (cell: string) => TERMS[cell.trim().replace(/^\d\./, '')] ?? '';

interface SheetIndicator {
  project: number;
  kind: string;
  term: string;
  node: number;
  name: string;
  direction: string;
  rows: Record<string, Cells>;
}

/** 3-1 read here: each output or outcome indicator with its four rows by label (a new 1.目標年度 row starts the next). */
function indicatorsOf(folder: string): SheetIndicator[] {
  const indicators: SheetIndicator[] = [];
  for (const record of csvOf(folder, '3-1').records) {
    const label = record['目標年度／目標値／実績値／達成率'].trim();
    if (!label) continue;
    const project = Number(record['予算事業ID']);
    const kind = KINDS[record['種別（アクティビティ・アウトプット・アウトカム）']];
    const node = Number(record['アクティビティ・アウトプット・アウトカムの番号']);
    const last = indicators[indicators.length - 1];
    if (label === '1.目標年度' || !last || last.project !== project || last.kind !== kind || last.node !== node) {
      indicators.push({ project, kind, term: termOf(record['アウトカムの期間']), node, name: record['活動指標／成果指標'].trim(), direction: record['改善の上向き／下向き'].trim(), rows: {} });
    }
    indicators[indicators.length - 1].rows[label] = record;
  }
  return indicators;
}

/** Reported achievement more than a point from actual ÷ target (target ÷ actual where lower is better). */
function expectedAchievementMismatches(folder: string): string[] {
  return indicatorsOf(folder).flatMap((indicator) =>
    Object.keys(indicator.rows['4.達成率'] ?? {}).filter((column) => /^\d{4}$/.test(column)).flatMap((year) => {
      const reported = numberOf(indicator.rows['4.達成率'][year]);
      const target = numberOf(indicator.rows['2.目標値']?.[year]);
      const actual = numberOf(indicator.rows['3.実績値']?.[year]);
      if (reported === null || target === null || actual === null) return [];
      const computed = indicator.direction === '下がると良い指標' ? (actual > 0 ? (target / actual) * 100 : null) : target !== 0 ? (actual / target) * 100 : null;
      return computed !== null && Math.abs(reported - computed) > 1 ? [`achievement_mismatch|${indicator.project}|${indicator.kind}|${indicator.term}|${indicator.node}|${year}`] : [];
    }),
  );
}

/** Past budget years (2-1 total rows) with a budget above 0 and execution below half of it. */
function expectedExecutionBelowHalf(folder: string): string[] {
  return csvOf(folder, '2-1').records
    .filter((record) => record['会計区分'].trim() === '')
    .filter((record) => {
      const budget = numberOf(record['計（歳出予算現額合計）']);
      const executed = numberOf(record['執行額（合計）']);
      return Number(record['予算年度']) < Number(record['事業年度']) && budget !== null && budget > 0 && executed !== null && executed < budget / 2;
    })
    .map((record) => `execution_below_half|${Number(record['予算事業ID'])}||||${Number(record['予算年度'])}`);
}

interface FindingRow {
  check_id: string;
  project_id: number;
  node_kind: string | null;
  outcome_term: string | null;
  node_number: number | null;
  fiscal_year: number | null;
  block_number: string | null;
  payee_name: string | null;
  detail: string;
}

const keyOf = (row: FindingRow) =>
  row.check_id === 'payee_invalid_corporate_number'
    ? `${row.check_id}|${row.project_id}|${row.block_number}|${row.payee_name}`
    : `${row.check_id}|${row.project_id}|${row.node_kind ?? ''}|${row.outcome_term ?? ''}|${row.node_number ?? ''}|${row.fiscal_year ?? ''}`;

let temporal: TemporalSession;
let real: TestDatabase;
let crafted: TestDatabase;
let scratch: string;
let craftedFolder: string;

async function load(database: TestDatabase, folder: string): Promise<void> {
  const taskQueue = uniqueTaskQueue('review-checks');
  const worker = await createTestWorker(temporal, database.db, taskQueue);
  await worker.runUntil(temporal.client.workflow.execute(loadReviewSheetsWorkflow, { taskQueue, workflowId: `${taskQueue}-load`, args: [{ paths: [folder] }] }));
}

async function findings(database: TestDatabase): Promise<FindingRow[]> {
  return (await sql<FindingRow>`SELECT check_id, project_id, node_kind, outcome_term, node_number, fiscal_year, block_number, payee_name, detail FROM bi.review_findings`.execute(database.db)).rows;
}

const environmentOf = (database: TestDatabase) => ({ DATABASE_URL: database.url });

/** The published fixtures as review year 2023 (the files renamed, 事業年度 rewritten), written once into the scratch folder. */
function fixturesAs2023(): string {
  const folder = join(scratch, 'fixtures-2023');
  if (!existsSync(folder)) writeFixturesAsReviewYear(folder, 2023);
  return folder;
}

type StoredFinding = { row_version: string; review_year: number; check_id: string; project_id: number; detail: string };

/** A review year's findings as written in core.review_findings, with each row's version (xmin). */
async function storedFindingsOf(database: TestDatabase, year: number): Promise<StoredFinding[]> {
  return (await sql<StoredFinding>`SELECT xmin::text AS row_version, review_year, check_id, project_id, detail FROM core.review_findings WHERE review_year = ${year} ORDER BY check_id, project_id, detail`.execute(database.db)).rows;
}

/** A review year's findings as core.review_findings_of computes them from the sheets in force now. */
async function computedFindingsOf(database: TestDatabase, year: number): Promise<Omit<StoredFinding, 'row_version'>[]> {
  return (await sql<Omit<StoredFinding, 'row_version'>>`SELECT review_year, check_id, project_id, detail FROM core.review_findings_of(ARRAY[${year}]::integer[]) ORDER BY check_id, project_id, detail`.execute(database.db)).rows;
}

const withoutVersion = (rows: StoredFinding[]) => rows.map(({ row_version: _version, ...row }) => row);

/** The review years marked due for their findings (migration 0042), once each. */
async function dueYears(database: TestDatabase): Promise<number[]> {
  return (await sql<{ review_year: number }>`SELECT DISTINCT review_year FROM core.review_findings_due ORDER BY 1`.execute(database.db)).rows.map((row) => row.review_year);
}

/** The files of `folder` stored by the load's activities, without its last step: a load that ended before it. */
async function storeWithoutFindings(database: TestDatabase, folder: string): Promise<void> {
  const activities = createReviewSheetActivities(database.db);
  for (const file of await activities.listReviewSheetFiles([folder])) await activities.loadReviewSheetFile(file);
}

/** The fixtures with one or two cells edited per check; each edit is named where it is made. */
function craftSheets(folder: string): void {
  mkdirSync(folder);
  for (const name of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, name), join(folder, name));
  const node = (record: Cells, project: number, kind: string, term: string, number: number) =>
    Number(record['予算事業ID']) === project && record['種別（アクティビティ・アウトプット・アウトカム）'] === kind && termOf(record['アウトカムの期間']) === term && Number(record['アクティビティ・アウトプット・アウトカムの番号']) === number;
  writeCsv(folder, '3-1', (records) =>
    records.map((record) => {
      const edited = { ...record };
      // outcome_without_target: 884's qualitative long-term outcome 1 loses its reason.
      if (node(record, 884, 'アウトカム', 'long', 1)) edited['定性的なアウトカム目標を設定している理由'] = '';
      // target_year_passed_without_actual: 3522's short-term outcome 4 is marked for 2022 (no actual that year) instead of 2029.
      if (node(record, 3522, 'アウトカム', 'short', 4) && record['目標年度／目標値／実績値／達成率'] === '1.目標年度') Object.assign(edited, { 2022: '1', 2029: '' });
      // achievement_mismatch: 884's short-term outcome 1 reports 150 for 2023 (5319 ÷ 3000 = 177.3).
      if (node(record, 884, 'アウトカム', 'short', 1) && record['目標年度／目標値／実績値／達成率'] === '4.達成率') edited['2023'] = '150';
      // output_repeated_as_outcome: 18556's short-term outcome 2 takes output 2's indicator, verbatim.
      if (node(record, 18556, 'アウトカム', 'short', 2)) edited['活動指標／成果指標'] = '海外展開支援枠の採択件数';
      return edited;
    }),
  );
  writeCsv(folder, '3-2', (records) =>
    records.filter((record) => {
      const from = `${record['予算事業ID']}|${record['派生元ー種別（アクティビティ・アウトプット・アウトカム）']}|${record['派生元ーアウトカムの期間']}|${record['派生元ーアクティビティ・アウトプット・アウトカムの番号']}`;
      const to = `${record['派生先ー種別（アクティビティ・アウトプット・アウトカム）']}|${record['派生先ーアウトカムの期間']}|${record['派生先ーアクティビティ・アウトプット・アウトカムの番号']}`;
      // outcome_unreached: 3522's output 3 no longer leads to outcome 4; 18556's mid-term outcome 1 no longer leads to
      // long-term outcome 1 (still reached by number alone, through short-term 1: only the term tells them apart).
      return !(from === '3522|アウトプット||3' && to === 'アウトカム|短期|4') && !(from === '18556|アウトカム|中期|1' && to === 'アウトカム|長期|1');
    }),
  );
  // execution_below_half: 884 executed 19,000,000 of 38,481,000 in 2022.
  writeCsv(folder, '2-1', (records) =>
    records.map((record) => (record['予算事業ID'] === '884' && record['予算年度'] === '2022' && record['会計区分'].trim() === '' ? { ...record, '執行額（合計）': '19000000' } : record)),
  );
  // payee_invalid_corporate_number: one 法人番号 mistyped wherever it appears.
  writeCsv(folder, '5-1', (records) => records.map((record) => (record['法人番号'].trim() === '7010401022916' ? { ...record, 法人番号: '7010401022917' } : record)));
}

beforeAll(async () => {
  temporal = await connectTestTemporal();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-checks-'));
  craftedFolder = join(scratch, 'crafted');
  craftSheets(craftedFolder);
  [real, crafted] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await load(real, FIXTURES);
  await load(crafted, craftedFolder);
}, 300_000);

afterAll(async () => {
  await real?.drop();
  await crafted?.drop();
  await temporal?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('bi.review_findings', () => {
  it('finds each crafted problem exactly where it was made, and nothing else', async () => {
    const payees = csvOf(craftedFolder, '5-1').records.filter((record) => record['法人番号'].trim() === '7010401022917' && record['支出先の合計支出額'].trim() !== '' && record['ブロックの合計支出額'].trim() === '');
    expect(payees.length).toBeGreaterThan(0);
    const expected = [
      // Published as is: 18556's mid-term outcome 1 has no target and no reason.
      'outcome_without_target|18556|outcome|mid|1|',
      'outcome_without_target|884|outcome|long|1|',
      'target_year_passed_without_actual|3522|outcome|short|4|2022',
      'achievement_mismatch|884|outcome|short|1|2023',
      'outcome_unreached|3522|outcome|short|4|',
      'outcome_unreached|18556|outcome|long|1|',
      'output_repeated_as_outcome|18556|outcome|short|2|',
      'execution_below_half|884||||2022',
      ...payees.map((record) => `payee_invalid_corporate_number|${Number(record['予算事業ID'])}|${record['支出先ブロック番号'].trim()}|${record['支出先名'].trim()}`),
    ];
    const found = await findings(crafted);
    expect(found.map(keyOf).sort()).toEqual(expected.sort());
    expect(new Set(found.map((row) => row.check_id))).toEqual(new Set(FINDING_CHECKS.map((check) => check.id)));
  });

  it('names the node and the numbers in each detail', async () => {
    const found = await findings(crafted);
    const detail = (check: string) => found.find((row) => row.check_id === check)!.detail;
    expect(detail('achievement_mismatch')).toBe('アウトカム（短期） 1「出前授業の年間実施状況」 2023年度: 達成率 報告 150.0% / 計算 177.3% (実績 5319 ÷ 目標 3000)');
    expect(detail('execution_below_half')).toBe('2022年度: 執行額 19,000,000円 / 歳出予算現額 38,481,000円 = 執行率 49.4%（翌年度への繰越し 8,220,000円）');
    expect(detail('target_year_passed_without_actual')).toMatch(/^アウトカム（短期） 4「開発テーマごとに設定した目標を達成したテーマ数.*」: 目標年度 2022 は審査年度 2024 より前だが、その年度の実績値がない$/);
    expect(detail('output_repeated_as_outcome')).toBe('アウトカム（短期） 2「海外展開支援枠の採択件数」: 成果指標がアウトプット 2 の活動指標と同じ');
    expect(detail('payee_invalid_corporate_number')).toContain('法人番号 7010401022917');
  });

  it('agrees with the achievement and execution findings computed here from the CSVs, for the published and the crafted sheets', async () => {
    for (const [database, folder] of [[real, FIXTURES], [crafted, craftedFolder]] as const) {
      const found = (await findings(database)).filter((row) => row.check_id === 'achievement_mismatch' || row.check_id === 'execution_below_half');
      expect(found.map(keyOf).sort()).toEqual([...expectedAchievementMismatches(folder), ...expectedExecutionBelowHalf(folder)].sort());
    }
    // The published rows: every reported achievement is within a point of actual ÷ target, no past year below half.
    expect(expectedAchievementMismatches(FIXTURES)).toEqual([]);
    expect(expectedExecutionBelowHalf(FIXTURES)).toEqual([]);
    expect(expectedAchievementMismatches(craftedFolder)).toHaveLength(1);
  });

  it('finds in the published fixtures only the outcome without target, and keeps each edge\'s outcome terms', async () => {
    expect((await findings(real)).map(keyOf)).toEqual(['outcome_without_target|18556|outcome|mid|1|']);
    const edges = await sql<{ from_term: string | null; to_term: string | null }>`SELECT from_term, to_term FROM bi.review_logic_model_edges WHERE project_id = 884 AND from_kind = 'outcome' ORDER BY from_node`.execute(real.db);
    expect(edges.rows).toEqual([{ from_term: 'short', to_term: 'long' }, { from_term: 'short', to_term: 'long' }]);
  });

  it('is written by the load: it holds exactly the rows the findings\' query computes from the loaded sheets', async () => {
    for (const database of [real, crafted]) {
      const [{ kind, indexed }] = (await sql<{ kind: string; indexed: boolean }>`
        SELECT c.relkind AS kind, EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = 'core' AND tablename = 'review_findings') AS indexed
          FROM pg_class c WHERE c.oid = 'bi.review_findings'::regclass`.execute(database.db)).rows;
      expect({ kind, indexed }).toEqual({ kind: 'v', indexed: true });
      // 0040's query as that migration ran it, over every file in force: core.review_findings_of narrows it to years.
      const [{ stored, computed, onlyStored, onlyComputed }] = (await sql<{ stored: number; computed: number; onlyStored: number; onlyComputed: number }>`
        WITH computed AS (${sql.raw(REVIEW_FINDINGS_0040)})
        SELECT (SELECT count(*)::integer FROM bi.review_findings) AS stored, (SELECT count(*)::integer FROM computed) AS computed,
               (SELECT count(*)::integer FROM (SELECT * FROM bi.review_findings EXCEPT ALL SELECT * FROM computed) d) AS "onlyStored",
               (SELECT count(*)::integer FROM (SELECT * FROM computed EXCEPT ALL SELECT * FROM bi.review_findings) d) AS "onlyComputed"`.execute(database.db)).rows;
      expect(stored).toBeGreaterThan(0);
      expect({ stored, onlyStored, onlyComputed }).toEqual({ stored: computed, onlyStored: 0, onlyComputed: 0 });
    }
  });

  it('writes again only the findings of the review years a load names: another year\'s rows are left as they were', async () => {
    const years = await createTestDatabase();
    try {
      const folder2023 = fixturesAs2023();
      const storedOf = (year: number) => storedFindingsOf(years, year);
      const computedOf = (year: number) => computedFindingsOf(years, year);

      await load(years, craftedFolder);
      const crafted2024 = await storedOf(2024);
      expect(crafted2024.length).toBeGreaterThan(1);

      await load(years, folder2023);
      const real2023 = await storedOf(2023);
      expect(withoutVersion(real2023)).toEqual(await computedOf(2023));
      expect(real2023.map((row) => row.check_id)).toEqual(['outcome_without_target']);
      // The same rows, not written again: the row versions are those of the first load.
      expect(await storedOf(2024)).toEqual(crafted2024);

      // The published 2024 files replace the crafted ones: 2024's findings are the published sheets', 2023's untouched.
      await load(years, FIXTURES);
      const real2024 = await storedOf(2024);
      expect(withoutVersion(real2024)).toEqual(await computedOf(2024));
      expect(real2024.map((row) => `${row.check_id}|${row.project_id}`)).toEqual(['outcome_without_target|18556']);
      expect(await storedOf(2023)).toEqual(real2023);

      // Asked for no year in particular (as a load started before migration 0041 asks), the last step writes every
      // year's findings again, and drops those of a year no file is loaded for.
      await sql`DELETE FROM core.review_findings WHERE review_year = 2023`.execute(years.db);
      await sql`INSERT INTO core.review_findings (review_year, project_id, check_id, detail) VALUES (2019, 1, 'outcome_without_target', 'left over')`.execute(years.db);
      expect(await createReviewSheetActivities(years.db).refreshReviewViews()).toEqual(['bi.review_findings']);
      expect(withoutVersion(await storedOf(2023))).toEqual(withoutVersion(real2023));
      expect(withoutVersion(await storedOf(2024))).toEqual(withoutVersion(real2024));
      expect(await storedOf(2019)).toEqual([]);
    } finally {
      await years.drop();
    }
  }, 120_000);

  it('writes at the next load, of any year, the findings of a year whose load ended before its last step, and keeps the year due while that step fails', async () => {
    const due = await createTestDatabase();
    try {
      expect(await dueYears(due)).toEqual([]);
      await storeWithoutFindings(due, craftedFolder);
      expect(await dueYears(due)).toEqual([2024]);
      expect(await storedFindingsOf(due, 2024)).toEqual([]);
      // check says its counts lag the sheets, on stderr, and in --json.
      const lagging = ebpmWith(environmentOf(due), 'review-sheets', 'check', '--json');
      expect(lagging.status).toBe(0);
      expect((JSON.parse(lagging.stdout) as { findingsUpToDate: boolean; totalFindings: number })).toMatchObject({ findingsUpToDate: false, totalFindings: 0 });
      expect(lagging.stderr).toContain(findingsLagNotice(2024));

      // A load of 2023 asks for 2023's findings; 2024's, due, are written with them.
      await load(due, fixturesAs2023());
      const crafted2024 = await storedFindingsOf(due, 2024);
      expect(crafted2024.length).toBeGreaterThan(1);
      expect(withoutVersion(crafted2024)).toEqual(await computedFindingsOf(due, 2024));
      expect((await storedFindingsOf(due, 2023)).map((row) => row.check_id)).toEqual(['outcome_without_target']);
      expect(await dueYears(due)).toEqual([]);
      const caughtUp = ebpmWith(environmentOf(due), 'review-sheets', 'check', '--year', '2024', '--json');
      expect((JSON.parse(caughtUp.stdout) as { findingsUpToDate: boolean; totalFindings: number })).toMatchObject({ findingsUpToDate: true, totalFindings: crafted2024.length });
      expect(caughtUp.stderr).not.toContain('may lag');

      // The published 2024 files replace the crafted ones, and the step that follows fails: 2024 stays due.
      await storeWithoutFindings(due, FIXTURES);
      expect(await dueYears(due)).toEqual([2024]);
      await sql.raw(`CREATE FUNCTION public.refuse_findings() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the findings step fails'; END $$;
        CREATE TRIGGER refuse_findings BEFORE INSERT ON core.review_findings FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_findings()`).execute(due.db);
      await expect(createReviewSheetActivities(due.db).refreshReviewViews([2023])).rejects.toThrow('the findings step fails');
      expect(await dueYears(due)).toEqual([2024]);
      expect(await storedFindingsOf(due, 2024)).toEqual(crafted2024);

      await sql.raw('DROP TRIGGER refuse_findings ON core.review_findings; DROP FUNCTION public.refuse_findings()').execute(due.db);
      await createReviewSheetActivities(due.db).refreshReviewViews([2023]);
      expect((await storedFindingsOf(due, 2024)).map((row) => `${row.check_id}|${row.project_id}`)).toEqual(['outcome_without_target|18556']);
      expect(await dueYears(due)).toEqual([]);

      // The crafted files put back in force (reinstated: nothing copied, only their status changed) mark 2024 again.
      await storeWithoutFindings(due, craftedFolder);
      expect(await dueYears(due)).toEqual([2024]);
      await createReviewSheetActivities(due.db).refreshReviewViews([]);
      expect(withoutVersion(await storedFindingsOf(due, 2024))).toEqual(withoutVersion(crafted2024));
      expect(await dueYears(due)).toEqual([]);
      // A file's account written again, or a retired file's retirement, changes nothing in force: no year marked.
      await sql`UPDATE raw.review_sheet_files SET records = records, loaded = loaded`.execute(due.db);
      await sql`UPDATE raw.review_sheet_files SET retired_at = retired_at, status = 'retired' WHERE status = 'retired'`.execute(due.db);
      expect(await dueYears(due)).toEqual([]);
    } finally {
      await due.drop();
    }
  }, 120_000);

  it('writes every loaded year\'s findings again when migration 0042 runs, since an earlier failed step left no trace, and starts with no year due', async () => {
    const upgraded = await createTestDatabase();
    try {
      await load(upgraded, fixturesAs2023());
      await load(upgraded, FIXTURES);
      const loaded2023 = withoutVersion(await storedFindingsOf(upgraded, 2023));
      expect(loaded2023.length).toBeGreaterThan(0);
      await migrateTo(upgraded.db, '0041_review_findings_by_review_year');
      // As a failed step before 0042 could leave them: 2023's findings missing, a year no file is loaded for still there.
      await sql`DELETE FROM core.review_findings WHERE review_year = 2023`.execute(upgraded.db);
      await sql`INSERT INTO core.review_findings (review_year, project_id, check_id, detail) VALUES (2019, 1, 'outcome_without_target', 'left over')`.execute(upgraded.db);
      await migrateToLatest(upgraded.db);
      expect(withoutVersion(await storedFindingsOf(upgraded, 2023))).toEqual(loaded2023);
      expect(await storedFindingsOf(upgraded, 2019)).toEqual([]);
      expect(await dueYears(upgraded)).toEqual([]);
    } finally {
      await upgraded.drop();
    }
  }, 120_000);

  it('comments every column, describes every check id in the view comment, and lets bi_reader read it', async () => {
    const columns = await sql<{ column_name: string; comment: string | null }>`
      SELECT a.attname AS column_name, col_description(a.attrelid, a.attnum) AS comment FROM pg_attribute a
       WHERE a.attrelid = 'bi.review_findings'::regclass AND a.attnum > 0`.execute(real.db);
    expect(columns.rows.length).toBeGreaterThan(15);
    expect(columns.rows.filter((row) => !row.comment)).toEqual([]);
    const [{ comment, readable }] = (await sql<{ comment: string; readable: boolean }>`SELECT obj_description('bi.review_findings'::regclass) AS comment, has_table_privilege('bi_reader', 'bi.review_findings', 'SELECT') AS readable`.execute(real.db)).rows;
    for (const check of FINDING_CHECKS) expect(comment).toContain(`${check.id}: `);
    expect(comment).toContain('PDL1.0');
    expect(readable).toBe(true);
  });
});

describe('the review years a load writes findings for', () => {
  it('are its files\' review years once each, in order; every year when a file was listed without its table and year', () => {
    const file = (reviewYear: number) => ({ path: `/x/3-1_RS_${reviewYear}_a.csv`, sheet: { table: '3-1', reviewYear } });
    expect(reviewYearsOf([file(2024), file(2023), file(2024)])).toEqual([2023, 2024]);
    expect(reviewYearsOf([])).toEqual([]);
    expect(reviewYearsOf([file(2024), { path: '/x/older-listing.csv' }])).toBeUndefined();
  });
});

describe('ebpm review-sheets check', () => {
  it("counts each check's findings in its own unit and the projects flagged, by ministry too, and exits 0", async () => {
    const { status, stdout } = ebpmWith(environmentOf(crafted), 'review-sheets', 'check', '--json');
    expect(status).toBe(0);
    const summary = JSON.parse(stdout) as {
      reviewYear: number; projectsChecked: number; totalFindings: number; projectsWithFindings: number;
      checks: { checkId: string; unit: string; findings: number; projects: number }[];
      ministries: { ministry: string; counts: Record<string, number>; projectsByCheck: Record<string, number>; projects: number; total: number }[];
      attribution: string;
    };
    expect(summary.attribution).toContain('出典: 行政事業レビュー見える化サイトのデータを加工して作成');
    const found = await findings(crafted);
    expect(summary.reviewYear).toBe(2024);
    expect(summary.projectsChecked).toBe(4);
    expect(summary.totalFindings).toBe(found.length);
    expect(summary.projectsWithFindings).toBe(new Set(found.map((row) => row.project_id)).size);
    expect(Object.fromEntries(summary.checks.map((check) => [check.checkId, check.findings]))).toEqual(Object.fromEntries(FINDING_CHECKS.map((check) => [check.id, found.filter((row) => row.check_id === check.id).length])));
    const ministries = (await sql<{ project_id: number; ministry: string }>`SELECT project_id, ministry FROM bi.review_projects`.execute(crafted.db)).rows;
    const ministryOf = (project: number) => ministries.find((row) => row.project_id === project)!.ministry;
    const projectsOf = (rows: typeof found) => new Set(rows.map((row) => row.project_id)).size;
    expect(summary.checks.map((check) => [check.checkId, check.unit, check.projects])).toEqual(
      FINDING_CHECKS.map((check) => [check.id, check.unit, projectsOf(found.filter((row) => row.check_id === check.id))]),
    );
    for (const row of summary.ministries) {
      const own = found.filter((finding) => ministryOf(finding.project_id) === row.ministry);
      expect(row.total).toBe(own.length);
      expect(row.projects, row.ministry).toBe(projectsOf(own));
      expect(row.projectsByCheck, row.ministry).toEqual(Object.fromEntries(FINDING_CHECKS.map((check) => [check.id, projectsOf(own.filter((finding) => finding.check_id === check.id))])));
    }
    const text = ebpmWith(environmentOf(crafted), 'review-sheets', 'check');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`Review year 2024: ${summary.projectsWithFindings} of 4 projects flagged by at least one check`);
    // The findings are never added up across checks in the text: their units differ.
    expect(text.stdout).not.toContain(`${found.length} findings`);
    for (const check of FINDING_CHECKS) expect(text.stdout).toContain(check.unit);
    expect(text.stdout).toContain('法務省');
  });

  it('refuses a review year that is not loaded with exit 2, naming what is loaded', () => {
    const { status, stderr } = ebpmWith(environmentOf(real), 'review-sheets', 'check', '--year', '2019');
    expect(status).toBe(2);
    expect(stderr).toContain('review year 2019 is not loaded (loaded: review year 2024 (4 projects))');
  });
});

describe('ebpm review-sheets show', () => {
  it('prints 3522\'s logic model with each indicator\'s latest target, actual and achievement, and its budget, as the views hold them', async () => {
    const { status, stdout } = ebpmWith(environmentOf(real), 'review-sheets', 'show', '3522', '--json');
    expect(status).toBe(0);
    const shown = JSON.parse(stdout) as {
      reviewYear: number;
      nodes: { kind: string; term: string | null; number: number; indicators: { seq: number; latest: { target: { fiscalYear: number; value: number } | null; actual: { fiscalYear: number; value: number; targetOfYear: number | null; achievementReported: number | null; achievementComputed: number | null } | null } }[] }[];
      tree: { depth: number; node: string; repeated: boolean }[];
      unreached: string[];
      budget: { budgetYear: number; currentBudgetYen: string; executedYen: string }[];
    };
    expect(shown.reviewYear).toBe(2024);
    const values = (await sql<{ node_kind: string; node_number: number; indicator_seq: number; fiscal_year: number; target: number | null; actual: number | null; reported: number | null; computed: number | null }>`
      SELECT node_kind, node_number, indicator_seq, fiscal_year, target_value::float8 AS target, actual_value::float8 AS actual,
             achievement_reported::float8 AS reported, achievement_computed::float8 AS computed
        FROM bi.review_indicator_values WHERE project_id = 3522 ORDER BY fiscal_year`.execute(real.db)).rows;
    const indicators = shown.nodes.flatMap((node) => node.indicators.map((indicator) => ({ node, indicator })));
    expect(indicators).toHaveLength(5);
    for (const { node, indicator } of indicators) {
      const own = values.filter((row) => row.node_kind === node.kind && row.node_number === node.number && row.indicator_seq === indicator.seq);
      const target = own.filter((row) => row.target !== null).at(-1);
      const actual = own.filter((row) => row.actual !== null).at(-1);
      expect(indicator.latest.target).toMatchObject(target ? { fiscalYear: target.fiscal_year, value: target.target } : {});
      if (!target) expect(indicator.latest.target).toBeNull();
      if (actual) expect(indicator.latest.actual).toEqual({ fiscalYear: actual.fiscal_year, value: actual.actual, targetOfYear: actual.target, achievementReported: actual.reported, achievementComputed: actual.computed });
      else expect(indicator.latest.actual).toBeNull();
    }
    // Activities 1 and 2 lead through outputs 3 and 6 and short-term outcomes 4 and 7 to long-term outcome 5, shown once.
    expect(shown.tree.map((entry) => `${'  '.repeat(entry.depth)}${entry.node}${entry.repeated ? ' (again)' : ''}`)).toEqual([
      'activity||1', '  output||3', '    outcome|short|4', '      outcome|long|5',
      'activity||2', '  output||6', '    outcome|short|7', '      outcome|long|5 (again)',
    ]);
    expect(shown.unreached).toEqual([]);
    const budget = (await sql<{ budget_year: number; current_budget_yen: string; executed_yen: string }>`SELECT budget_year, current_budget_yen::text, executed_yen::text FROM bi.review_budget_execution WHERE project_id = 3522 ORDER BY budget_year`.execute(real.db)).rows;
    expect(shown.budget.map((row) => [row.budgetYear, row.currentBudgetYen, row.executedYen])).toEqual(budget.map((row) => [row.budget_year, row.current_budget_yen, row.executed_yen]));
    const text = ebpmWith(environmentOf(real), 'review-sheets', 'show', '3522');
    expect(text.status).toBe(0);
    // The achievement is the actual's year's, so that year's target is named beside the actual.
    expect(text.stdout).toContain('目標 80 ％ (FY2029, 目標年度) · 実績 82 ％ (FY2023, 同年度の目標 80 ％) · 達成率 報告 102.5% / 計算 102.5%');
    expect(text.stdout).toContain('目標 15 件 (FY2024) · 実績 19 件 (FY2023, 同年度の目標 9 件) · 達成率 報告 211.1% / 計算 211.1%');
    expect(text.stdout).toContain('→ アウトカム（長期） 5 (shown above)');
    expect(text.stdout).toContain('2023         0         677,292,895,000  0                 0         677,292,895,000  677,292,895,000  100.0%  0               0');
  });

  it('prints every part of the current budget, so that each row adds up, and a qualitative outcome\'s result as text', () => {
    const shown = ebpmWith(environmentOf(real), 'review-sheets', 'show', '884');
    expect(shown.status).toBe(0);
    // 当初 + 補正 + 前年度から繰越し + 予備費等 = 歳出予算現額: 23,737,000 + 8,260,000 + 8,220,000 + 0 = 40,217,000.
    expect(shown.stdout).toMatch(/\n2023 +23,737,000 +8,260,000 +8,220,000 +0 +40,217,000 +28,433,000 +70\.7% +8,260,000 +42,023,000\n/);
    expect(shown.stdout).toContain('成果実績（定性的） ・高等学校における法教育の実践状況に関する調査にかかる報告書（令和４年度実施）');
    // 11's reserve funds are the whole of its 2021 budget.
    expect(ebpmWith(environmentOf(real), 'review-sheets', 'show', '11').stdout).toMatch(/\n2021 +0 +0 +0 +13,916,000,000 +13,916,000,000 +13,521,000,000 +97\.2%/);
  });

  it('lists a node no path from an activity reaches', () => {
    const { stdout } = ebpmWith(environmentOf(crafted), 'review-sheets', 'show', '3522');
    expect(stdout).toMatch(/Not reached from any activity\nアウトカム（短期） 4 /);
  });

  it('refuses an unknown project or review year with exit 2, naming what is loaded', () => {
    const unknown = ebpmWith(environmentOf(real), 'review-sheets', 'show', '999999');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('予算事業ID 999999 is in no loaded review sheet (loaded: review year 2024 (4 projects))');
    const year = ebpmWith(environmentOf(real), 'review-sheets', 'show', '3522', '--year', '2023');
    expect(year.status).toBe(2);
    expect(year.stderr).toContain('予算事業ID 3522 has no sheet for review year 2023; loaded for it: review year 2024');
  });
});

describe('ebpm programmes draft-from-review-sheet', () => {
  it('drafts 3522 with the sheet\'s indicators and targets, its budget and provenance; validate refuses the placeholders, naming them', () => {
    const folder = join(scratch, 'draft');
    mkdirSync(folder);
    const out = join(folder, 'review-3522.json');
    const { status, stderr } = ebpmWith(environmentOf(real), 'programmes', 'draft-from-review-sheet', '3522', '--out', out);
    expect(stderr).toContain('to be completed with data requirements and a study spec');
    expect(status).toBe(0);
    const draft = JSON.parse(readFileSync(out, 'utf8')) as {
      id: string; nameJa: string; ministry: string;
      budgetLines: { label: string; amountHundredMillionYen: number; provenance: string }[];
      logicModel: Record<string, ({ id: string; nameJa: string; unit: string; frequency: string; target: { value: number; fiscalYear: number; provenance: string } | string; reviewSheetIndicator?: unknown } | string)[]>;
      reviewSheetProjects: { projectId: number; provenance: string }[];
    };
    const provenance = '行政事業レビューシート 2024, 予算事業ID 3522';
    expect(draft.id).toBe('review-3522');
    expect(draft.nameJa).toBe(csvOf(FIXTURES, '1-2').records.find((record) => record['予算事業ID'] === '3522')!['事業名']);
    expect(draft.reviewSheetProjects).toEqual([{ projectId: 3522, provenance }]);
    // Indicators: the sheet's, stage by stage, each target the 目標年度 one (else the latest numeric target).
    const sheet = indicatorsOf(FIXTURES).filter((indicator) => indicator.project === 3522);
    const stageOf = (indicator: SheetIndicator) => (indicator.kind === 'output' ? 'output' : { short: 'shortTermOutcome', mid: 'midTermOutcome', long: 'impact' }[indicator.term]!);
    const targetOf = (indicator: SheetIndicator) => {
      const years = Object.keys(indicator.rows['2.目標値']).filter((column) => /^\d{4}$/.test(column) && numberOf(indicator.rows['2.目標値'][column]) !== null);
      const marked = years.filter((year) => indicator.rows['1.目標年度'][year].trim() === '1');
      const year = marked.at(-1) ?? years.at(-1)!;
      return { value: numberOf(indicator.rows['2.目標値'][year]), fiscalYear: Number(year), provenance };
    };
    // Each indicator refers to the sheet's by node and place, so the report pairs them even where two share a name
    // (3522's outputs 3 and 6).
    // Annual where the actuals run without a gap; otherwise (or with none) left to the author.
    const frequencyOf = (indicator: SheetIndicator) => {
      const actuals = Object.keys(indicator.rows['3.実績値'] ?? {}).filter((column) => /^\d{4}$/.test(column) && indicator.rows['3.実績値'][column].trim() !== '').map(Number).sort();
      if (actuals.length === 0) return expect.stringMatching(/^TO COMPLETE: the frequency.*no actual yet$/);
      if (actuals.length === 1) return `TO COMPLETE: the frequency, annual, per_call_round or one_off: the sheet reports one actual so far, FY${actuals[0]}`;
      return actuals.at(-1)! - actuals[0] + 1 === actuals.length ? 'annual' : expect.stringMatching(/^TO COMPLETE: the frequency/);
    };
    const seqOf = (indicator: SheetIndicator) =>
      sheet.slice(0, sheet.indexOf(indicator) + 1).filter((other) => other.kind === indicator.kind && other.node === indicator.node).length;
    // An outcome with a term is named as the page names it: its term, and its place among its own node's indicators.
    const referenceOf = (indicator: SheetIndicator) =>
      indicator.kind === 'outcome' && indicator.term !== ''
        ? { projectId: 3522, nodeKind: 'outcome', nodeNumber: indicator.node, term: indicator.term, indicator: sheet.slice(0, sheet.indexOf(indicator) + 1).filter((other) => other.kind === 'outcome' && other.term === indicator.term && other.node === indicator.node).length }
        : { projectId: 3522, nodeKind: indicator.kind, nodeNumber: indicator.node, indicator: seqOf(indicator) };
    const drafted = ['output', 'shortTermOutcome', 'midTermOutcome', 'impact'].flatMap((stage) =>
      draft.logicModel[stage].filter((entry) => typeof entry !== 'string').map((entry) => ({ stage, nameJa: entry.nameJa, unit: entry.unit, target: entry.target, reference: entry.reviewSheetIndicator, frequency: entry.frequency })),
    );
    expect(drafted).toEqual(['output', 'shortTermOutcome', 'midTermOutcome', 'impact'].flatMap((stage) =>
      sheet.filter((indicator) => stageOf(indicator) === stage).map((indicator) => ({
        stage, nameJa: indicator.name, unit: indicator.rows['1.目標年度']['単位'].trim(), target: targetOf(indicator),
        reference: referenceOf(indicator),
        frequency: frequencyOf(indicator),
      })),
    ));
    expect(drafted).toHaveLength(5);
    // An activity's goal is its definition; its name is left to the author, not filled with the paragraph.
    const activities = draft.logicModel.activity.filter((entry) => typeof entry !== 'string');
    expect(activities.length).toBeGreaterThan(0);
    for (const activity of activities) expect(activity.nameJa).toMatch(/^TO COMPLETE: a short name in Japanese/);
    const budget = csvOf(FIXTURES, '2-1').records.filter((record) => record['予算事業ID'] === '3522' && record['会計区分'].trim() === '').sort((a, b) => Number(a['予算年度']) - Number(b['予算年度']));
    expect(draft.budgetLines.map((line) => [line.amountHundredMillionYen, line.provenance])).toEqual(budget.map((record) => [numberOf(record['計（歳出予算現額合計）'])! / 1e8, provenance]));
    const validate = ebpmWith({}, 'programmes', 'validate', folder);
    expect(validate.status).toBe(2);
    expect(validate.stderr).toContain('review-3522.json: studySpecs.0: a draft placeholder is left: complete it with study spec version 1');
    expect(validate.stderr).toContain('review-3522.json: callRounds.0: a draft placeholder is left');
    expect(validate.stderr).toContain('review-3522.json: dataRequirements.fields.0: a draft placeholder is left');
  });

  it('refuses an unknown project with exit 2', () => {
    const { status, stderr } = ebpmWith(environmentOf(real), 'programmes', 'draft-from-review-sheet', '424242');
    expect(status).toBe(2);
    expect(stderr).toContain('予算事業ID 424242 is in no loaded review sheet');
  });
});
