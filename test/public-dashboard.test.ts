import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DASHBOARDS } from '../dashboards/provision-metabase.js';
import { DASHBOARD_GRID_COLUMNS, PUBLIC_DASHBOARD } from '../dashboards/public-dashboard.js';
import { REVIEW_SHEETS_DASHBOARD } from '../dashboards/review-sheets-dashboard.js';
import { REVIEW_SHEET_ATTRIBUTION } from '../review-sheets/attribution.js';
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
 * The review sheets' dashboard over the published fixtures (four projects of review year 2024), loaded by the command,
 * as bi_reader: every question runs with rows and its chart's columns, reads only the review views, carries the
 * attribution, and its numbers are those of the views recomputed here.
 */
describe('the review sheets\' dashboard', () => {
  let database: TestDatabase;
  let reader: pg.Client;
  const card = (prefix: string) => REVIEW_SHEETS_DASHBOARD.cards.find((candidate) => candidate.name.startsWith(prefix))!;

  beforeAll(async () => {
    database = await createTestDatabase();
    const environment = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
    expect(ebpmWith(environment, 'review-sheets', 'load', join(import.meta.dirname, 'fixtures', 'review-sheets-2024')).status).toBe(0);
    reader = await connectAsBiReader(database);
  }, 120_000);
  afterAll(async () => {
    await reader?.end();
    await database?.drop();
  });

  it('answers every question as bi_reader, with the columns each chart plots, reading the review views only, each with the attribution', async () => {
    for (const question of REVIEW_SHEETS_DASHBOARD.cards) {
      const result = await reader.query(question.sql);
      expect(result.rows.length, question.name).toBeGreaterThan(0);
      const columns = result.fields.map((field) => field.name);
      for (const column of [...(question.chart?.dimensions ?? []), ...(question.chart?.metrics ?? [])]) expect(columns, question.name).toContain(column);
      expect(question.description, question.name).toContain(REVIEW_SHEET_ATTRIBUTION);
      for (const [, view] of question.sql.matchAll(/\bbi\.(\w+)/g)) expect(view, question.name).toMatch(/^review_/);
    }
    expect(REVIEW_SHEETS_DASHBOARD.description).toContain(REVIEW_SHEET_ATTRIBUTION);
  });

  it('gives each ministry\'s execution of the last fully reported budget year as its projects\' sums in the views', async () => {
    const budget = (await reader.query<{ project_id: number; current_budget_yen: string; executed_yen: string | null; ministry: string }>(`
      SELECT b.project_id, b.current_budget_yen, b.executed_yen, p.ministry FROM bi.review_budget_execution b
        JOIN bi.review_projects p USING (review_year, project_id) WHERE b.review_year = 2024 AND b.budget_year = 2023`)).rows;
    const counted = budget.filter((row) => Number(row.current_budget_yen) > 0 && row.executed_yen !== null);
    expect(counted.length).toBeGreaterThan(0);
    const expected = [...new Set(counted.map((row) => row.ministry))].map((ministry) => {
      const rows = counted.filter((row) => row.ministry === ministry);
      const current = rows.reduce((sum, row) => sum + Number(row.current_budget_yen), 0);
      const executed = rows.reduce((sum, row) => sum + Number(row.executed_yen), 0);
      return { ministry, projects: rows.length, current: Math.round(current / 1e7) / 10, executed: Math.round(executed / 1e7) / 10, rate: Math.round((1000 * executed) / current) / 10 };
    });
    const shown = (await reader.query<{ ministry: string; projects: string; current_budget_oku_yen: string; executed_oku_yen: string; execution_rate_percent: string; budget_year: number }>(card('府省庁別の予算執行率').sql)).rows;
    expect(shown.every((row) => row.budget_year === 2023)).toBe(true);
    expect(
      shown.map((row) => ({ ministry: row.ministry, projects: Number(row.projects), current: Number(row.current_budget_oku_yen), executed: Number(row.executed_oku_yen), rate: Number(row.execution_rate_percent) })),
    ).toEqual(expect.arrayContaining(expected));
    expect(shown).toHaveLength(expected.length);
  });

  it('counts each outcome indicator once, at its latest year with a computed achievement, as reaching its target at 100% or more', async () => {
    const values = (await reader.query<{ project_id: number; outcome_term: string | null; node_number: number; indicator_seq: number; fiscal_year: number; achievement_computed: string }>(`
      SELECT project_id, outcome_term, node_number, indicator_seq, fiscal_year, achievement_computed FROM bi.review_indicator_values
       WHERE review_year = 2024 AND node_kind = 'outcome' AND achievement_computed IS NOT NULL`)).rows;
    const latest = new Map<string, (typeof values)[number]>();
    for (const row of values) {
      const key = `${row.project_id}|${row.outcome_term}|${row.node_number}|${row.indicator_seq}`;
      if (!latest.has(key) || latest.get(key)!.fiscal_year < row.fiscal_year) latest.set(key, row);
    }
    const ministryOf = new Map((await reader.query<{ project_id: number; ministry: string }>('SELECT project_id, ministry FROM bi.review_projects WHERE review_year = 2024')).rows.map((row) => [row.project_id, row.ministry]));
    const shown = (await reader.query<{ ministry: string; outcome_indicators: string; reached_target: string }>(card('府省庁別の成果目標の達成').sql)).rows;
    const expected = [...new Set([...latest.values()].map((row) => ministryOf.get(row.project_id)!))].map((ministry) => {
      const rows = [...latest.values()].filter((row) => ministryOf.get(row.project_id) === ministry);
      return { ministry, outcome_indicators: rows.length, reached_target: rows.filter((row) => Number(row.achievement_computed) >= 100).length };
    });
    expect(expected.length).toBeGreaterThan(0);
    expect(shown.map((row) => ({ ministry: row.ministry, outcome_indicators: Number(row.outcome_indicators), reached_target: Number(row.reached_target) }))).toEqual(expect.arrayContaining(expected));
    expect(shown).toHaveLength(expected.length);
  });
});
