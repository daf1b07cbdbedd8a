import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_GRID_COLUMNS, PUBLIC_DASHBOARD } from '../dashboards/public-dashboard.js';
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

  it('lays its cards on the 24-column grid without overlaps, each under a name of its own', () => {
    const cells = new Set<string>();
    for (const { layout, name } of PUBLIC_DASHBOARD.cards) {
      expect(layout.col + layout.width, name).toBeLessThanOrEqual(DASHBOARD_GRID_COLUMNS);
      for (let row = layout.row; row < layout.row + layout.height; row++) {
        for (let col = layout.col; col < layout.col + layout.width; col++) {
          expect(cells.has(`${row}:${col}`), `${name} overlaps at row ${row}, column ${col}`).toBe(false);
          cells.add(`${row}:${col}`);
        }
      }
    }
    expect(new Set(PUBLIC_DASHBOARD.cards.map((card) => card.name)).size).toBe(PUBLIC_DASHBOARD.cards.length);
  });
});
