import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSyntheticProgramme } from './support/evaluate-directly.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

interface SummaryRow {
  outcome: string;
  target: 'effect_at_0' | 'average_post';
  status: string;
  event_times: number[];
  estimate: number;
  original_low: number;
  original_high: number;
  breakdown_mbar: number | null;
  breakdown_m: number | null;
  statement: string;
  statement_ja: string | null;
}
interface BoundRow {
  outcome: string;
  target: string;
  restriction: 'relative_magnitudes' | 'smoothness';
  parameter: number;
  lower_bound: number;
  upper_bound: number;
  excludes_zero: boolean;
  lower_open: boolean;
  upper_open: boolean;
  lower_searched_to: number | null;
  upper_searched_to: number | null;
  empty_reason: string | null;
}

describe('the pipeline’s sensitivity of every event study to departures from parallel trends', () => {
  let database: TestDatabase;
  let scratch: string;
  let summaries: SummaryRow[];
  let bounds: BoundRow[];

  beforeAll(async () => {
    database = await createTestDatabase();
    scratch = mkdtempSync(join(tmpdir(), 'ebpm-sensitivity-'));
    await evaluateSyntheticProgramme(database.db, scratch, { seed: 23, applicants: 400, withInvalidRows: false, workflowId: 'sensitivity-test' });
    summaries = (await sql<SummaryRow>`SELECT * FROM bi.effect_sensitivity ORDER BY outcome, target`.execute(database.db)).rows;
    bounds = (await sql<BoundRow>`SELECT * FROM bi.effect_sensitivity_bounds ORDER BY outcome, target, restriction, parameter`.execute(database.db)).rows;
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('analyses both targets of every outcome, on event times around the award', async () => {
    const outcomes = (await sql<{ outcome: string }>`SELECT DISTINCT outcome FROM bi.effect_estimates`.execute(database.db)).rows.map((row) => row.outcome).sort();
    expect(summaries.map((row) => `${row.outcome}/${row.target}`)).toEqual(outcomes.flatMap((outcome) => [`${outcome}/average_post`, `${outcome}/effect_at_0`]));
    for (const row of summaries) {
      expect(row.status).toBe('computed');
      expect(row.event_times).toContain(-2);
      expect(row.event_times).toContain(0);
      expect(row.event_times).not.toContain(-1);
      expect(row.statement.length).toBeGreaterThan(40);
      expect(row.statement_ja).toMatch(/ゼロと区別/);
    }
  });

  it('stores every robust interval whole: closed at both ends, not empty, and at M̄ = 0 holding the estimate', () => {
    for (const row of bounds) {
      expect([row.lower_open, row.upper_open, row.empty_reason], `${row.outcome} ${row.target} ${row.restriction} ${row.parameter}`).toEqual([false, false, null]);
      expect(row.lower_bound).not.toBeNull();
      expect(row.upper_bound).not.toBeNull();
      expect([row.lower_searched_to, row.upper_searched_to]).toEqual([null, null]);
    }
    for (const summary of summaries) {
      const atZero = bounds.find((b) => b.outcome === summary.outcome && b.target === summary.target && b.restriction === 'relative_magnitudes' && b.parameter === 0);
      expect(atZero, `${summary.outcome} ${summary.target}`).toBeDefined();
      expect(atZero?.lower_bound as number).toBeLessThanOrEqual(summary.estimate);
      expect(atZero?.upper_bound as number).toBeGreaterThanOrEqual(summary.estimate);
    }
  });

  it("targets the stored event study: the average post-award effect is cs_dynamic's overall effect and e = 0 its first", async () => {
    const dynamic = (await sql<{ outcome: string; term: string; estimate: number }>`
      SELECT outcome, term, estimate FROM results.effect_estimates WHERE estimator = 'cs_dynamic' AND term IN ('overall', 'e=0')`.execute(database.db)).rows;
    for (const row of summaries) {
      const stored = dynamic.find((d) => d.outcome === row.outcome && d.term === (row.target === 'average_post' ? 'overall' : 'e=0'));
      // Post-award cells do not depend on the base period, so re-estimating with a universal one changes nothing here.
      expect(row.estimate).toBeCloseTo(stored?.estimate as number, 9);
    }
  });

  it('widens the robust intervals as the bound grows, and puts each breakdown value where the intervals first reach zero', () => {
    for (const summary of summaries) {
      for (const restriction of ['relative_magnitudes', 'smoothness'] as const) {
        const rows = bounds.filter((b) => b.outcome === summary.outcome && b.target === summary.target && b.restriction === restriction);
        expect(rows.length).toBeGreaterThanOrEqual(5);
        rows.slice(1).forEach((row, i) => {
          expect(row.upper_bound - row.lower_bound).toBeGreaterThanOrEqual(rows[i].upper_bound - rows[i].lower_bound - 1e-9);
        });
        const breakdown = restriction === 'relative_magnitudes' ? summary.breakdown_mbar : summary.breakdown_m;
        if (breakdown === null) continue;
        const tolerance = restriction === 'relative_magnitudes' ? 0.005 : 1e-3 * Math.abs(summary.original_high - summary.original_low);
        for (const row of rows) {
          if (row.parameter < breakdown - tolerance) expect(row.excludes_zero, `${summary.outcome} ${restriction} ${row.parameter}`).toBe(true);
          if (row.parameter > breakdown + tolerance) expect(row.excludes_zero, `${summary.outcome} ${restriction} ${row.parameter}`).toBe(false);
        }
      }
    }
  });
});
