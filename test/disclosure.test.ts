import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureDisclosure } from '../sql/database-settings.js';
import { evaluateSyntheticProgramme } from './support/evaluate-directly.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

interface PublicCell {
  award_fiscal_year: number;
  estimate: number | null;
  firms: number | null;
  units: number | null;
  suppression: string | null;
}

describe('disclosure control of the public tables', () => {
  let database: TestDatabase;
  let scratch: string;
  let cohortSizes: { cohort: number; units: number }[];

  beforeAll(async () => {
    database = await createTestDatabase();
    scratch = mkdtempSync(join(tmpdir(), 'ebpm-disclosure-'));
    await evaluateSyntheticProgramme(database.db, scratch, { seed: 17, applicants: 300, withInvalidRows: false, workflowId: 'disclosure-test' });
    const { rows } = await sql<{ cohort: number; units: number }>`
      SELECT cohort, cell_units AS units FROM results.effect_estimates
       WHERE estimator = 'cs_group' AND cohort IS NOT NULL AND outcome = 'labour_productivity' ORDER BY cell_units, cohort`.execute(database.db);
    cohortSizes = rows;
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function publicCells(minimum: number): Promise<PublicCell[]> {
    await configureDisclosure(database.db, minimum);
    const { rows } = await sql<PublicCell>`
      SELECT award_fiscal_year, estimate, firms, units, suppression FROM bi.public_effects_by_cohort
       WHERE outcome = 'labour_productivity' ORDER BY award_fiscal_year`.execute(database.db);
    return rows;
  }

  it('publishes every cohort when all have enough firms', async () => {
    const cells = await publicCells(1);
    expect(cells).toHaveLength(3);
    expect(cells.every((cell) => cell.suppression === null && cell.estimate !== null && cell.firms !== null)).toBe(true);
  });

  it('publishes cohort counts as firms and units, equal for a programme of firms', async () => {
    const cells = await publicCells(1);
    for (const { cohort, units } of cohortSizes) expect(cells.find((cell) => cell.award_fiscal_year === cohort)).toMatchObject({ firms: units, units });
  });

  it('withholds every cohort, year and event time of an outcome once one of them is withheld: the rest and the overall effects would determine it', async () => {
    const [smallest] = cohortSizes;
    const cells = await publicCells(smallest.units + 1);
    const byCohort = new Map(cells.map((cell) => [cell.award_fiscal_year, cell]));
    expect(byCohort.get(smallest.cohort)).toMatchObject({ suppression: 'primary', estimate: null, firms: null, units: null });
    expect(cells.filter((cell) => cell.award_fiscal_year !== smallest.cohort).every((cell) => cell.suppression === 'secondary' && cell.estimate === null && cell.units === null)).toBe(true);
    const { rows } = await sql<{ suppression: string | null }>`
      SELECT suppression FROM bi.public_effects_by_year WHERE outcome = 'labour_productivity'
      UNION ALL SELECT suppression FROM bi.public_event_study WHERE outcome = 'labour_productivity'`.execute(database.db);
    expect(rows.every((row) => row.suppression !== null)).toBe(true);
    // The overall effects rest on every firm and stay published.
    const { rows: overall } = await sql<{ suppression: string | null }>`
      SELECT suppression FROM bi.public_effect_estimates WHERE outcome = 'labour_productivity' AND estimator LIKE 'cs%'`.execute(database.db);
    expect(overall.every((row) => row.suppression === null)).toBe(true);
    console.log(`cohort sizes ${cohortSizes.map((c) => `${c.cohort}:${c.units}`).join(', ')}; minimum ${smallest.units + 1}: 1 primary, the rest of the tables secondary`);
  });

  it('publishes a KPI value only when enough firms stand behind it, and withholds its fiscal year’s other KPIs with it', async () => {
    const { rows: stored } = await sql<{ firms: number }>`SELECT firms FROM results.kpi_values WHERE firms IS NOT NULL`.execute(database.db);
    const fewest = Math.min(...stored.map((row) => row.firms));
    expect(fewest).toBeGreaterThan(0);

    await configureDisclosure(database.db, fewest);
    const { rows: open } = await sql<{ value: number | null; suppressed: boolean }>`
      SELECT value, suppressed FROM bi.public_kpi_by_fiscal_year`.execute(database.db);
    const { rows: all } = await sql<{ rows: number }>`SELECT count(*)::integer AS rows FROM results.kpi_values`.execute(database.db);
    expect(open.length).toBe(all[0].rows);
    expect(open.every((row) => !row.suppressed && row.value !== null)).toBe(true);

    await configureDisclosure(database.db, fewest + 1);
    const { rows: closed } = await sql<{ fiscal_year: number; value: number | null; suppressed: boolean; suppression: string | null; firms: number | null }>`
      SELECT p.fiscal_year, p.value, p.suppressed, p.suppression, v.firms FROM bi.public_kpi_by_fiscal_year p
        JOIN results.kpi_values v USING (run_key, indicator_id, fiscal_year)`.execute(database.db);
    const primary = closed.filter((row) => row.firms === fewest);
    expect(primary.length).toBeGreaterThan(0);
    expect(primary.every((row) => row.suppression === 'primary' && row.value === null)).toBe(true);
    // Every KPI of those fiscal years is withheld with them: count = applications × rate cannot be formed.
    const years = new Set(primary.map((row) => row.fiscal_year));
    expect(closed.filter((row) => years.has(row.fiscal_year) && row.firms !== null).every((row) => row.suppressed && row.value === null)).toBe(true);
    // Official statistics (no firms behind them) are published as they are.
    expect(closed.filter((row) => !row.suppressed).every((row) => row.value !== null && (row.firms === null || row.firms > fewest))).toBe(true);
    expect(closed.filter((row) => row.firms === null).every((row) => !row.suppressed)).toBe(true);
  });

  /** The invariants of the rule in one aggregation table: primaries below the minimum, never a lone withheld cell in a linked group. */
  function expectLinkedGroups(rows: readonly { key: number; estimate: number | null; firms: number | null; units: number | null; suppression: string | null; stored: number }[], minimum: number, groupOf: (key: number) => string) {
    for (const row of rows) {
      if (row.stored < minimum) expect(row.suppression, `cell ${row.key}`).toBe('primary');
      if (row.suppression === null) expect(row.estimate !== null && row.firms !== null && row.firms >= minimum && row.units !== null, `cell ${row.key}`).toBe(true);
      else expect(row.estimate === null && row.firms === null && row.units === null, `cell ${row.key}`).toBe(true);
    }
    for (const group of new Set(rows.map((row) => groupOf(row.key)))) {
      const withheld = rows.filter((row) => groupOf(row.key) === group && row.suppression !== null);
      expect(withheld.length === 0 || withheld.length >= 2, `group ${group}: ${withheld.map((row) => row.key).join(', ')}`).toBe(true);
    }
  }

  it('applies the same rule to the by-year table, whose years rest on the cohorts awarded so far', async () => {
    const { rows: years } = await sql<{ year: number; units: number }>`
      SELECT period AS year, cell_units AS units FROM results.effect_estimates
       WHERE estimator = 'cs_calendar' AND period IS NOT NULL AND outcome = 'labour_productivity' ORDER BY cell_units, period`.execute(database.db);
    expect(years.length).toBeGreaterThanOrEqual(2);
    // The earliest years rest on the first cohort alone: a minimum just above that withholds them and more.
    const minimum = years[0].units + 1;
    await configureDisclosure(database.db, minimum);
    const { rows } = await sql<{ key: number; estimate: number | null; firms: number | null; units: number | null; suppression: string | null }>`
      SELECT fiscal_year AS key, estimate, firms, units, suppression FROM bi.public_effects_by_year
       WHERE outcome = 'labour_productivity' ORDER BY fiscal_year`.execute(database.db);
    expect(rows.length).toBe(years.length);
    const stored = new Map(years.map((year) => [year.year, year.units]));
    expectLinkedGroups(rows.map((row) => ({ ...row, stored: stored.get(row.key) as number })), minimum, () => 'years');
    expect(rows.some((row) => row.suppression === 'primary')).toBe(true);
  });

  it('applies the same rule to the event study, band included, where the longest horizons rest on the earliest cohort', async () => {
    const { rows: times } = await sql<{ event_time: number; units: number }>`
      SELECT event_time, cell_units AS units FROM results.effect_estimates
       WHERE estimator = 'cs_dynamic' AND event_time IS NOT NULL AND outcome = 'labour_productivity' ORDER BY cell_units, event_time`.execute(database.db);
    expect(times.length).toBeGreaterThanOrEqual(3);
    const minimum = times[0].units + 1;
    await configureDisclosure(database.db, minimum);
    const { rows } = await sql<{ key: number; estimate: number | null; band_low: number | null; band_high: number | null; firms: number | null; units: number | null; suppression: string | null }>`
      SELECT event_time AS key, estimate, band_low, band_high, firms, units, suppression FROM bi.public_event_study
       WHERE outcome = 'labour_productivity' ORDER BY event_time`.execute(database.db);
    expect(rows.length).toBe(times.length);
    const stored = new Map(times.map((time) => [time.event_time, time.units]));
    // The post-award event times are averaged by the published overall; the pre-award ones form their own group.
    expectLinkedGroups(rows.map((row) => ({ ...row, stored: stored.get(row.key) as number })), minimum, (key) => (key < 0 ? 'pre' : 'post'));
    expect(rows.filter((row) => row.suppression !== null).every((row) => row.band_low === null && row.band_high === null)).toBe(true);
    expect(rows.filter((row) => row.suppression === null).every((row) => row.band_low !== null)).toBe(true);
    console.log(`event-time sizes ${times.map((t) => `e=${t.event_time}:${t.units}`).join(', ')}; minimum ${minimum}: ${rows.map((row) => `e=${row.key}:${row.suppression ?? 'published'}`).join(', ')}`);
  });

  it('withholds an overall effect only when all the awarded firms together are fewer than the minimum', async () => {
    const { rows: headline } = await sql<{ treated_firms: number }>`
      SELECT treated_firms FROM bi.effect_estimates WHERE is_headline AND outcome = 'labour_productivity'`.execute(database.db);
    const firms = headline[0].treated_firms;
    const publicHeadline = async (minimum: number) => {
      await configureDisclosure(database.db, minimum);
      const { rows } = await sql<{ estimate: number | null; ci_low: number | null; firms: number | null; suppression: string | null }>`
        SELECT estimate, ci_low, firms, suppression FROM bi.public_effect_estimates WHERE is_headline AND outcome = 'labour_productivity'`.execute(database.db);
      return rows[0];
    };
    expect(await publicHeadline(firms)).toMatchObject({ suppression: null, firms, estimate: expect.any(Number) });
    expect(await publicHeadline(firms + 1)).toEqual({ estimate: null, ci_low: null, firms: null, suppression: 'primary' });
    await configureDisclosure(database.db, 10);
  });

  it('publishes an effect’s sensitivity only when none of the event times it rests on is withheld', async () => {
    const sensitivity = async (minimum: number) => {
      await configureDisclosure(database.db, minimum);
      const { rows } = await sql<{ target: string; statement: string | null; breakdown_mbar: number | null; suppression: string | null }>`
        SELECT target, statement, breakdown_mbar, suppression FROM bi.public_effect_sensitivity WHERE outcome = 'labour_productivity' ORDER BY target`.execute(database.db);
      return rows;
    };
    const published = await sensitivity(1);
    expect(published).toHaveLength(2);
    expect(published.every((row) => row.suppression === null && row.statement !== null)).toBe(true);
    // A minimum only the longest horizons miss withholds the outcome's sensitivity, though its overall effect is published.
    const { rows: smallest } = await sql<{ firms: number }>`
      SELECT min(cell_units)::integer AS firms FROM results.effect_estimates WHERE estimator = 'cs_dynamic' AND event_time IS NOT NULL AND outcome = 'labour_productivity'`.execute(database.db);
    const withheld = await sensitivity(smallest[0].firms + 1);
    expect(withheld.every((row) => row.suppression === 'primary' && row.statement === null && row.breakdown_mbar === null)).toBe(true);
    await configureDisclosure(database.db, 10);
  });
});
