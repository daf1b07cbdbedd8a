import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DASHBOARDS } from '../dashboards/provision-metabase.js';
import { DASHBOARD_GRID_COLUMNS, PUBLIC_DASHBOARD } from '../dashboards/public-dashboard.js';
import { NO_PROJECT_ROW_LABEL, REVIEW_SHEETS_DASHBOARD } from '../dashboards/review-sheets-dashboard.js';
import { sql } from 'kysely';
import {
  partlySyntheticNote,
  partlySyntheticNoteEn,
  REVIEW_SHEET_ATTRIBUTION,
  REVIEW_SHEET_ATTRIBUTION_EN,
  SYNTHETIC_REVIEW_SHEET_NOTE,
  SYNTHETIC_REVIEW_SHEET_NOTE_EN,
} from '../review-sheets/attribution.js';
import { ebpmWith } from './support/compiled-cli.js';
import { evaluateSyntheticProgramme } from './support/evaluate-directly.js';
import { connectAsBiReader, createTestDatabase, type TestDatabase } from './support/services.js';

/**
 * The Metabase dashboard's questions, run against a real evaluation as the bi_reader role that Metabase
 * logs in as: each one must run, return rows, and give its chart the columns the chart plots.
 */
describe('the ready-made BI dashboard', () => {
  let database: TestDatabase;
  let scratch: string;
  let reader: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    scratch = mkdtempSync(join(tmpdir(), 'ebpm-dashboard-'));
    await evaluateSyntheticProgramme(database.db, scratch, { seed: 23, applicants: 400, withInvalidRows: true, workflowId: 'dashboard-test' });
    reader = await connectAsBiReader(database);
  });
  afterAll(async () => {
    await reader?.end();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers every question as bi_reader, with the columns each chart plots', async () => {
    for (const card of PUBLIC_DASHBOARD.cards) {
      const result = await reader.query(card.sql);
      expect(result.rows.length, card.name).toBeGreaterThan(0);
      const columns = result.fields.map((field) => field.name);
      for (const column of [...(card.chart?.dimensions ?? []), ...(card.chart?.metrics ?? [])]) expect(columns, card.name).toContain(column);
    }
  });

  it('reads only views that withhold small cells, or that hold no firm-level values', () => {
    const views = PUBLIC_DASHBOARD.cards.flatMap((card) => [...card.sql.matchAll(/\bbi\.(\w+)/g)].map((match) => match[1]));
    expect(new Set(views)).toEqual(new Set(['public_effect_estimates', 'public_event_study', 'public_effects_by_cohort', 'public_effects_by_year', 'public_kpi_by_fiscal_year', 'parallel_trends_pretest', 'input_quality', 'run_history', 'public_effect_sensitivity']));
  });

});

describe('every dashboard ebpm provisions', () => {
  it('lays its cards on the 24-column grid without overlaps, each under a name no other card of any dashboard has', () => {
    for (const dashboard of DASHBOARDS) {
      const cells = new Set<string>();
      for (const { layout, name } of dashboard.cards) {
        expect(layout.col + layout.width, name).toBeLessThanOrEqual(DASHBOARD_GRID_COLUMNS);
        for (let row = layout.row; row < layout.row + layout.height; row++) {
          for (let col = layout.col; col < layout.col + layout.width; col++) {
            expect(cells.has(`${row}:${col}`), `${name} overlaps at row ${row}, column ${col}`).toBe(false);
            cells.add(`${row}:${col}`);
          }
        }
      }
    }
    // Metabase's cards are matched by name on re-provisioning, across the one collection both dashboards share.
    const names = DASHBOARDS.flatMap((dashboard) => dashboard.cards.map((card) => card.name));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(DASHBOARDS.map((dashboard) => dashboard.name)).size).toBe(DASHBOARDS.length);
  });
});

/**
 * The review sheets' dashboard as bi_reader over two review years' worth of sheets loaded by the command: the published
 * fixtures (four real projects, review year 2024) and a generated year of 60 projects (`ebpm generate --review-sheets
 * 60 --seed 3`: several projects per ministry, so that how amounts are weighted shows). Every question runs with rows
 * and its chart's columns, reads only the review views, carries the attribution, and its figures equal the views'
 * rows aggregated here.
 */
describe('the review sheets\' dashboard', () => {
  const databases: { label: string; database: TestDatabase; reader: pg.Client }[] = [];
  let scratch: string;
  const card = (prefix: string) => REVIEW_SHEETS_DASHBOARD.cards.find((candidate) => candidate.name.startsWith(prefix))!;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ebpm-review-dashboard-'));
    expect(ebpmWith({}, 'generate', '--review-sheets', '60', '--seed', '3', '--out', join(scratch, 'generated')).status).toBe(0);
    for (const [label, folder] of [['published fixtures', join(import.meta.dirname, 'fixtures', 'review-sheets-2024')], ['a generated year', join(scratch, 'generated')]]) {
      const database = await createTestDatabase();
      const environment = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
      const loaded = ebpmWith(environment, 'review-sheets', 'load', folder);
      expect(loaded.status, loaded.stderr).toBe(0);
      databases.push({ label, database, reader: await connectAsBiReader(database) });
    }
  }, 180_000);
  afterAll(async () => {
    for (const { reader, database } of databases) {
      await reader.end();
      await database.drop();
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers every question as bi_reader, with the columns each chart plots, reading the review views only, each with the attribution', async () => {
    for (const { label, reader } of databases) {
      for (const question of REVIEW_SHEETS_DASHBOARD.cards) {
        const result = await reader.query(question.sql);
        expect(result.rows.length, `${label}: ${question.name}`).toBeGreaterThan(0);
        const columns = result.fields.map((field) => field.name);
        for (const column of [...(question.chart?.dimensions ?? []), ...(question.chart?.metrics ?? [])]) expect(columns, question.name).toContain(column);
        expect(question.description, question.name).toContain(REVIEW_SHEET_ATTRIBUTION);
        for (const [, view] of question.sql.matchAll(/\bbi\.(\w+)/g)) expect(view, question.name).toMatch(/^review_/);
      }
    }
    expect(REVIEW_SHEETS_DASHBOARD.description).toContain(REVIEW_SHEET_ATTRIBUTION);
  });

  it('cites the RS system for its files, says the sheets are synthetic where ebpm generate made them, and both where both are in force', async () => {
    const sourceOf = async (reader: pg.Client) => (await reader.query<Record<string, string>>(card('出典').sql)).rows.map((row) => Object.values(row)[0]);
    const syntheticColumnOf = async (reader: pg.Client) =>
      (await reader.query<{ sheet_table: string; synthetic: boolean }>(card('読み込んだファイル').sql)).rows.map((row) => [row.sheet_table, row.synthetic]);
    const [published, generated] = databases;
    expect(await sourceOf(published.reader)).toEqual([REVIEW_SHEET_ATTRIBUTION, REVIEW_SHEET_ATTRIBUTION_EN]);
    expect(await sourceOf(generated.reader)).toEqual([SYNTHETIC_REVIEW_SHEET_NOTE, SYNTHETIC_REVIEW_SHEET_NOTE_EN]);
    const tables = ['1-2', '2-1', '3-1', '3-2', '4-1', '5-1'];
    expect(await syntheticColumnOf(published.reader)).toEqual(tables.map((table) => [table, false]));
    expect(await syntheticColumnOf(generated.reader)).toEqual(tables.map((table) => [table, true]));
    // Two of the generated year's files taken for published ones: the year is then partly synthetic, its other four
    // tables named as every other output names them.
    await sql`UPDATE raw.review_sheet_files SET synthetic = false WHERE sheet_table IN ('4-1', '5-1')`.execute(generated.database.db);
    try {
      expect(await sourceOf(generated.reader)).toEqual([
        REVIEW_SHEET_ATTRIBUTION,
        partlySyntheticNote('2024年度の 1-2・2-1・3-1・3-2'),
        REVIEW_SHEET_ATTRIBUTION_EN,
        partlySyntheticNoteEn('1-2, 2-1, 3-1, 3-2 of review year 2024'),
      ]);
    } finally {
      await sql`UPDATE raw.review_sheet_files SET synthetic = true WHERE sheet_table IN ('4-1', '5-1')`.execute(generated.database.db);
    }
  });

  it('gives each ministry\'s execution in the year before the review year as the sums over its projects counted, large projects weighing more', async () => {
    let weightingShows = false;
    for (const { label, reader } of databases) {
      const budget = (await reader.query<{ current_budget_yen: string | null; executed_yen: string | null; ministry: string | null }>(`
        SELECT b.current_budget_yen, b.executed_yen, p.ministry FROM bi.review_budget_execution b
          LEFT JOIN bi.review_projects p USING (review_year, project_id) WHERE b.review_year = 2024 AND b.budget_year = 2023`)).rows;
      const ministryOf = (row: { ministry: string | null }) => row.ministry ?? NO_PROJECT_ROW_LABEL;
      const counts = (row: (typeof budget)[number]) => row.current_budget_yen !== null && Number(row.current_budget_yen) > 0 && row.executed_yen !== null;
      const expected = [...new Set(budget.map(ministryOf))].map((ministry) => {
        const all = budget.filter((row) => ministryOf(row) === ministry);
        const rows = all.filter(counts);
        const current = rows.reduce((sum, row) => sum + Number(row.current_budget_yen), 0);
        const executed = rows.reduce((sum, row) => sum + Number(row.executed_yen), 0);
        const meanOfRates = rows.reduce((sum, row) => sum + Number(row.executed_yen) / Number(row.current_budget_yen), 0) / rows.length;
        if (rows.length > 1 && Math.abs(Math.round(1000 * meanOfRates) / 10 - Math.round((1000 * executed) / current) / 10) >= 0.1) weightingShows = true;
        return {
          ministry,
          projects: rows.length,
          left: all.length - rows.length,
          current: rows.length ? Math.round(current / 1e7) / 10 : null,
          executed: rows.length ? Math.round(executed / 1e7) / 10 : null,
          rate: rows.length ? Math.round((1000 * executed) / current) / 10 : null,
        };
      });
      expect(expected.length, label).toBeGreaterThan(0);
      const shown = (await reader.query<{ ministry: string; projects: string; projects_left_out: string; current_budget_oku_yen: string | null; executed_oku_yen: string | null; execution_rate_percent: string | null; budget_year: number }>(card('府省庁別の予算執行率').sql)).rows;
      expect(shown.every((row) => row.budget_year === 2023), label).toBe(true);
      const number = (text: string | null) => (text === null ? null : Number(text));
      expect(
        shown.map((row) => ({ ministry: row.ministry, projects: Number(row.projects), left: Number(row.projects_left_out), current: number(row.current_budget_oku_yen), executed: number(row.executed_oku_yen), rate: number(row.execution_rate_percent) })),
        label,
      ).toEqual(expect.arrayContaining(expected));
      expect(shown, label).toHaveLength(expected.length);
    }
    // The generated year has ministries whose budget-weighted rate differs from the mean of their projects' rates.
    expect(weightingShows).toBe(true);
  });

  it('counts each outcome indicator with a target and an actual in the year before the review year once, as met by its direction', async () => {
    for (const { label, reader } of databases) {
      const values = (await reader.query<{ project_id: number; direction: string | null; target_value: string; actual_value: string; ministry: string | null }>(`
        SELECT v.project_id, v.direction, v.target_value, v.actual_value, p.ministry FROM bi.review_indicator_values v
          LEFT JOIN bi.review_projects p USING (review_year, project_id)
         WHERE v.review_year = 2024 AND v.fiscal_year = 2023 AND v.node_kind = 'outcome' AND v.target_value IS NOT NULL AND v.actual_value IS NOT NULL`)).rows;
      const met = (row: (typeof values)[number]) => (row.direction === 'down' ? Number(row.actual_value) <= Number(row.target_value) : Number(row.actual_value) >= Number(row.target_value));
      const ministryOf = (row: { ministry: string | null }) => row.ministry ?? NO_PROJECT_ROW_LABEL;
      const expected = [...new Set(values.map(ministryOf))].map((ministry) => {
        const rows = values.filter((row) => ministryOf(row) === ministry);
        const reached = rows.filter(met).length;
        return { ministry, outcome_indicators: rows.length, reached_target: reached, reached_percent: Math.round((1000 * reached) / rows.length) / 10 };
      });
      expect(expected.length, label).toBeGreaterThan(0);
      const shown = (await reader.query<{ ministry: string; fiscal_year: number; outcome_indicators: string; reached_target: string; reached_percent: string }>(card('府省庁別の成果目標の達成').sql)).rows;
      expect(shown.every((row) => row.fiscal_year === 2023), label).toBe(true);
      expect(
        shown.map((row) => ({ ministry: row.ministry, outcome_indicators: Number(row.outcome_indicators), reached_target: Number(row.reached_target), reached_percent: Number(row.reached_percent) })),
        label,
      ).toEqual(expect.arrayContaining(expected));
      expect(shown, label).toHaveLength(expected.length);
    }
  });

  it('flags by ministry the projects with findings, out of its projects, and lists every project once', async () => {
    for (const { label, reader } of databases) {
      const findings = (await reader.query<{ project_id: number; check_id: string; ministry: string | null }>('SELECT project_id, check_id, ministry FROM bi.review_findings WHERE review_year = 2024')).rows;
      const projects = (await reader.query<{ project_id: number; ministry: string }>('SELECT project_id, ministry FROM bi.review_projects WHERE review_year = 2024')).rows;
      const shown = (await reader.query<{ ministry: string; check_id: string; projects_flagged: string; ministry_projects: string | null; findings: string }>(card('ebpm の自動点検').sql)).rows;
      expect(shown.length, label).toBeGreaterThan(0);
      for (const row of shown) {
        const flagged = findings.filter((finding) => (finding.ministry ?? NO_PROJECT_ROW_LABEL) === row.ministry && finding.check_id === row.check_id);
        expect(Number(row.findings), label).toBe(flagged.length);
        expect(Number(row.projects_flagged), label).toBe(new Set(flagged.map((finding) => finding.project_id)).size);
        expect(row.ministry_projects === null ? null : Number(row.ministry_projects), label).toBe(projects.filter((project) => project.ministry === row.ministry).length || null);
      }
      const listed = (await reader.query<{ project_id: number; checks_flagging: string; flagged_by: string | null }>(card('事業の一覧').sql)).rows;
      expect(listed, label).toHaveLength(projects.length);
      // Each project's checks, not its findings added across checks (their units differ).
      const checksOf = async (project: number) =>
        (await reader.query<{ check_id: string }>('SELECT DISTINCT check_id FROM bi.review_findings WHERE review_year = 2024 AND project_id = $1 ORDER BY check_id', [project])).rows.map((row) => row.check_id);
      for (const row of listed.slice(0, 20)) {
        const checks = await checksOf(row.project_id);
        expect([Number(row.checks_flagging), row.flagged_by], `${label}: ${row.project_id}`).toEqual([checks.length, checks.length ? checks.join(', ') : null]);
      }
    }
  });
});
