import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { getProgramme } from '../programmes/catalogue.js';
import { designDiagnosticsSection } from '../report/design-diagnostics.js';
import { readReportData } from '../report/report-data.js';
import { writeReports } from '../report/write-reports.js';
import { evaluateSyntheticProgramme } from './support/evaluate-directly.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

interface DiagnosticsRow {
  outcome: string;
  award_fiscal_year: number | null;
  pooled: boolean;
  treated_units: number;
  pre_years: number;
  pre_fit_rmse: number;
  pre_period_sd: number;
  pre_fit_rmse_to_sd: number;
  donor_pool: number;
  donors_weighted: number;
  effective_donors: number;
  max_donor_weight: number;
  se_method: string | null;
  placebo_draws: number | null;
  has_std_error: boolean;
}

/** 1/Σw², the largest weight and the count of nonzero weights. */
function concentration(weights: readonly number[]) {
  return { effective: 1 / weights.reduce((sum, w) => sum + w * w, 0), largest: Math.max(...weights), count: weights.filter((w) => w !== 0).length };
}

describe('design diagnostics of synthetic DiD and regression discontinuity, from the pipeline to the page', () => {
  let database: TestDatabase;
  let scratch: string;
  let rdRunKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    scratch = mkdtempSync(join(tmpdir(), 'ebpm-diagnostics-'));
    await evaluateSyntheticProgramme(database.db, join(scratch, 'minerals'), { seed: 31, withInvalidRows: false, workflowId: 'diagnostics-minerals', programmeId: 'critical-minerals' });
    rdRunKey = await evaluateSyntheticProgramme(database.db, join(scratch, 'growth'), { seed: 31, withInvalidRows: false, workflowId: 'diagnostics-growth', programmeId: 'large-scale-growth-investment' });
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('gives the synthetic-DiD pre-award fit, donor-weight concentration and SE method per cohort and pooled, as recomputed from the stored paths and weights', async () => {
    const { rows } = await sql<DiagnosticsRow>`SELECT * FROM bi.synthetic_diagnostics WHERE programme_id = 'critical-minerals' ORDER BY award_fiscal_year NULLS FIRST`.execute(database.db);
    const { rows: paths } = await sql<{ cohort: number; fiscal_year: number; treated_mean: number; synthetic_shifted: number; treated_units: number }>`
      SELECT t.cohort, t.fiscal_year, t.treated_mean, t.synthetic_shifted, t.treated_units
        FROM results.synthetic_trajectories t JOIN bi.latest_runs l USING (run_key) WHERE l.programme_id = 'critical-minerals'`.execute(database.db);
    const { rows: weights } = await sql<{ cohort: number; unit_id: string; weight: number }>`
      SELECT w.cohort, w.unit_id, w.weight FROM results.synthetic_unit_weights w JOIN bi.latest_runs l USING (run_key) WHERE l.programme_id = 'critical-minerals'`.execute(database.db);
    const { rows: estimate } = await sql<{ comparison_units: number; note: string; std_error: number }>`
      SELECT comparison_units, note, std_error FROM bi.effect_estimates WHERE programme_id = 'critical-minerals' AND estimator = 'sdid'`.execute(database.db);
    const cohorts = [...new Set(paths.map((row) => row.cohort))].sort();
    expect(rows.map((row) => row.award_fiscal_year)).toEqual([null, ...cohorts]);
    const pre = paths.filter((row) => row.fiscal_year < row.cohort);
    for (const row of rows.slice(1)) {
      const gaps = pre.filter((p) => p.cohort === row.award_fiscal_year).map((p) => p.treated_mean - p.synthetic_shifted);
      expect(row.pre_years).toBe(gaps.length);
      expect(row.pre_fit_rmse).toBeCloseTo(Math.sqrt(gaps.reduce((sum, gap) => sum + gap * gap, 0) / gaps.length), 10);
      const own = concentration(weights.filter((w) => w.cohort === row.award_fiscal_year).map((w) => w.weight));
      expect(row.effective_donors).toBeCloseTo(own.effective, 8);
      expect(row.max_donor_weight).toBeCloseTo(own.largest, 12);
      expect(row.donors_weighted).toBe(own.count);
      expect(row.se_method === null || row.se_method === 'jackknife').toBe(true);
    }
    const [pooled] = rows;
    expect(pooled.pooled).toBe(true);
    const unitsOf = (cohort: number) => pre.find((p) => p.cohort === cohort)?.treated_units ?? 0;
    const totalUnits = cohorts.reduce((sum, cohort) => sum + unitsOf(cohort), 0);
    expect(pooled.treated_units).toBe(totalUnits);
    const weighted = pre.reduce((sum, p) => sum + p.treated_units * (p.treated_mean - p.synthetic_shifted) ** 2, 0) / pre.reduce((sum, p) => sum + p.treated_units, 0);
    expect(pooled.pre_fit_rmse).toBeCloseTo(Math.sqrt(weighted), 10);
    // The pooled path averages the cohorts by awarded units, and so do its donor weights.
    const averaged = new Map<string, number>();
    for (const w of weights) averaged.set(w.unit_id, (averaged.get(w.unit_id) ?? 0) + (unitsOf(w.cohort) * w.weight) / totalUnits);
    expect([...averaged.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const pooledConcentration = concentration([...averaged.values()]);
    expect(pooled.effective_donors).toBeCloseTo(pooledConcentration.effective, 8);
    expect(pooled.max_donor_weight).toBeCloseTo(pooledConcentration.largest, 12);
    expect(pooled.donors_weighted).toBe(averaged.size);
    expect(pooled.donor_pool).toBe(estimate[0].comparison_units);
    expect(pooled.donors_weighted).toBeLessThanOrEqual(pooled.donor_pool);
    expect(pooled.pre_fit_rmse_to_sd).toBeCloseTo(pooled.pre_fit_rmse / pooled.pre_period_sd, 12);
    // The SE method stored with the estimate is the one its note names.
    expect(['jackknife', 'placebo']).toContain(pooled.se_method);
    expect(estimate[0].note).toContain(pooled.se_method === 'jackknife' ? 'jackknife' : 'placebo draws');
    expect(pooled.placebo_draws === null).toBe(pooled.se_method === 'jackknife');
    expect(pooled.has_std_error).toBe(estimate[0].std_error !== null);
  });

  it('stores the covariate balance at the RD cut-off for the spec covariates and the outcome baseline, replaced (not doubled) on a rerun', async () => {
    const programme = getProgramme('large-scale-growth-investment');
    const read = async () =>
      (
        await sql<{ covariate: string; kind: string; estimate: number; ci_low: number; ci_high: number; p_value: number; jump_at_5_percent: boolean; h_left: number; effective_left: number; effective_right: number }>`
          SELECT covariate, kind, estimate, ci_low, ci_high, p_value, jump_at_5_percent, h_left, effective_left, effective_right
            FROM bi.rd_covariate_balance WHERE programme_id = 'large-scale-growth-investment' ORDER BY kind, covariate`.execute(database.db)
      ).rows;
    const rows = await read();
    expect(rows.map((row) => `${row.kind}:${row.covariate}`)).toEqual([...programme.studySpec.covariates.map((name) => `characteristic:${name}`), 'outcome_baseline:labour_productivity']);
    for (const row of rows) {
      expect(row.ci_low).toBeLessThan(row.estimate);
      expect(row.ci_high).toBeGreaterThan(row.estimate);
      expect(row.h_left).toBeGreaterThan(0);
      expect(row.effective_left + row.effective_right).toBeGreaterThan(50);
      // The synthetic applicants are drawn with no jump in anything fixed before the award.
      expect(row.jump_at_5_percent).toBe(false);
    }
    await createActivities({ db: database.db, codeVersion: 'test' }).estimateEffects({ runKey: rdRunKey, programmeId: 'large-scale-growth-investment' });
    expect(await read()).toEqual(rows);
  });

  it('documents every column of the new views and keeps unit ids out of them', async () => {
    for (const view of ['synthetic_diagnostics', 'rd_covariate_balance']) {
      const { rows } = await sql<{ column_name: string; description: string | null }>`
        SELECT a.attname AS column_name, col_description(a.attrelid, a.attnum) AS description
          FROM pg_attribute a WHERE a.attrelid = ${`bi.${view}`}::regclass AND a.attnum > 0 AND NOT a.attisdropped`.execute(database.db);
      expect(rows.length).toBeGreaterThan(10);
      expect(rows.filter((row) => !row.description).map((row) => row.column_name)).toEqual([]);
      expect(rows.map((row) => row.column_name)).not.toContain('unit_id');
    }
  });

  it('shows each design\u2019s own diagnostics on the page in Japanese and English, and exports figures that name indicator, unit and source', async () => {
    const charts = { added: [] as string[], add(id: string) { this.added.push(id); return `<div id="${id}"></div>`; } };
    const minerals = designDiagnosticsSection(charts, await readReportData(database.db, getProgramme('critical-minerals')));
    for (const text of ['交付前の適合', 'Pre-award fit', '有効ドナー数', 'effective number of donors', '標準誤差', 'Standard error', '確保された供給量', '千t']) expect(minerals).toContain(text);
    expect(charts.added).toEqual(['synthetic-path-0']);
    const growth = designDiagnosticsSection(charts, await readReportData(database.db, getProgramme('large-scale-growth-investment')));
    for (const text of ['帯域幅', 'Bandwidth', '密度検定', 'Density (manipulation) test', '共変量バランス', 'Covariate balance', '従業員数', '5%水準で不連続なし', 'no jump at 5%']) expect(growth).toContain(text);
    expect(growth).not.toMatch(/No event study|No pre-test yet/);
    const written = await writeReports(database.db, [getProgramme('critical-minerals'), getProgramme('large-scale-growth-investment')], join(scratch, 'out'));
    const rd = written.svgs.find((file) => file.endsWith('rd-scatter-labour_productivity.svg'));
    expect(rd).toBeDefined();
    const svg = readFileSync(rd as string, 'utf8');
    for (const text of ['中堅・中小企業の賃上げに向けた省力化等の大規模成長投資補助金', '補助事業者の労働生産性', '単位：万円/人', '出典：ebpm による推計（合成データ）']) expect(svg).toContain(text);
    expect(new Set(svg.match(/font-family="[^"]*"/g))).toEqual(new Set(['font-family="IPAGothic"']));
  });
});
