import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProgramme } from '../programmes/catalogue.js';
import { buildProgressWorkbook } from '../report/progress-workbook.js';
import { writeReports } from '../report/write-reports.js';
import { configureDisclosure } from '../sql/database-settings.js';
import {
  aggregateMinusParts,
  attackOutput,
  productsAndRatios,
  publishedFromHtml,
  publishedFromViews,
  publishedFromWorkbook,
  publishedUnderPrimaryOnly,
  readTrueValues,
  kpiKey,
  linearAudit,
  type PublishedOutput,
  type Recovery,
  type TrueValues,
} from './support/disclosure-attack.js';
import { evaluateSyntheticProgramme } from './support/evaluate-directly.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

/**
 * The differencing attack on every public output of real evaluations: a staggered-DiD programme of firms, the
 * semiconductor fund (synthetic DiD over few consortium projects) and critical minerals (synthetic DiD over
 * projects). At each disclosure minimum the attack must find nothing in the public views, the public HTML or
 * the public XLSX, while the same attack on the old rule (primary suppression alone) finds recoveries.
 */
describe('the differencing attack on the public outputs', () => {
  let database: TestDatabase;
  let scratch: string;
  let truth: TrueValues;
  const programmes = ['sme-labour-saving', 'semiconductor-fund', 'critical-minerals'].map((id) => getProgramme(id));

  beforeAll(async () => {
    database = await createTestDatabase();
    scratch = mkdtempSync(join(tmpdir(), 'ebpm-disclosure-attack-'));
    await evaluateSyntheticProgramme(database.db, join(scratch, 'sme'), { seed: 17, applicants: 300, withInvalidRows: false, workflowId: 'attack-sme' });
    await evaluateSyntheticProgramme(database.db, join(scratch, 'semiconductor'), { programmeId: 'semiconductor-fund', withInvalidRows: false, workflowId: 'attack-semiconductor' });
    await evaluateSyntheticProgramme(database.db, join(scratch, 'minerals'), { programmeId: 'critical-minerals', withInvalidRows: false, workflowId: 'attack-minerals' });
    truth = await readTrueValues(database.db);
  }, 240_000);
  afterAll(async () => {
    await configureDisclosure(database.db, 10);
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('counts distinct firms, not units: consortium members count, and a firm behind several projects counts once', async () => {
    await configureDisclosure(database.db, 1);
    const { rows } = await sql<{ outcome: string; firms: number; units: number; firms_of_awarded: number }>`
      SELECT p.outcome, p.firms, p.units,
             (SELECT count(DISTINCT f.corporate_number)::integer FROM (
                SELECT a.unit_id, a.corporate_number FROM core.applications a WHERE a.programme_id = p.programme_id AND a.decision = 'awarded' AND a.consent
                UNION SELECT m.unit_id, m.corporate_number FROM core.unit_members m
                 WHERE m.programme_id = p.programme_id AND m.unit_id IN (SELECT unit_id FROM core.applications WHERE programme_id = p.programme_id AND decision = 'awarded' AND consent)) f) AS firms_of_awarded
        FROM bi.public_effect_estimates p
       WHERE p.programme_id = 'semiconductor-fund' AND p.is_headline AND p.status = 'estimated'`.execute(database.db);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      // Projects with consortium members: more firms than projects, never more than the awarded units' firms.
      expect(row.firms, row.outcome).toBeGreaterThan(row.units);
      expect(row.firms, row.outcome).toBeLessThanOrEqual(row.firms_of_awarded);
    }
    await configureDisclosure(database.db, 10);
  });

  /** Minimums that make cells small: the default, and just above the smallest cohort of the staggered-DiD programme. */
  async function minimums(): Promise<number[]> {
    const { rows } = await sql<{ units: number }>`
      SELECT min(cell_units)::integer AS units FROM results.effect_estimates WHERE estimator = 'cs_group' AND cohort IS NOT NULL`.execute(database.db);
    return [10, rows[0].units + 1];
  }

  const describeRecoveries = (found: readonly Recovery[]) => found.map((r) => `${r.source}: ${r.cell} = ${r.truth} by ${r.attack} (${r.recovered})`).join('\n');

  it('recovers withheld cells from a table under primary suppression alone (the old rule): the attack can fail', async () => {
    // The case, by hand: FY2022 projects withheld, applications and award rate published (10 = 23 × 43.48 %).
    const handBuilt: PublishedOutput = {
      source: 'hand-built KPI table',
      kpis: [
        { programmeId: 'semiconductor-fund', indicatorId: 'applications_received', fiscalYear: 2022, value: { value: 23, halfUnit: 0.5 } },
        { programmeId: 'semiconductor-fund', indicatorId: 'award_rate', fiscalYear: 2022, value: { value: 43.48, halfUnit: 0.005 } },
        { programmeId: 'semiconductor-fund', indicatorId: 'projects_awarded', fiscalYear: 2022, value: null },
      ],
      series: [],
      overall: [],
      totals: [],
    };
    const handTruth: TrueValues = { kpis: new Map([[kpiKey('semiconductor-fund', 'projects_awarded', 2022), 10]]), cells: new Map() };
    expect(productsAndRatios(handBuilt, handTruth).map((r) => r.cell)).toContain('semiconductor-fund projects_awarded FY2022');

    // The real run's cells under the old rule, at a minimum that withholds exactly one cohort: the overall and the
    // published cohorts give it back.
    const [, justAboveSmallest] = await minimums();
    const old = await publishedUnderPrimaryOnly(database.db, justAboveSmallest);
    const found = attackOutput(old, truth);
    console.log(`old rule at minimum ${justAboveSmallest}: ${found.length} recoveries, e.g.\n${describeRecoveries(found.slice(0, 5))}`);
    expect(aggregateMinusParts(old, truth).some((r) => r.cell.includes('cohort'))).toBe(true);
    // And the linear audit finds the withheld cohort in the span of what the old rule published.
    expect((await linearAudit(database.db, old)).recoveries.length).toBeGreaterThan(0);
  });

  it('finds nothing recoverable in the public views, which do withhold cells', async () => {
    for (const minimum of await minimums()) {
      await configureDisclosure(database.db, minimum);
      const published = await publishedFromViews(database.db);
      const withheld = published.kpis.filter((kpi) => kpi.value === null).length + published.series.flatMap((s) => s.cells).filter((cell) => cell.value === null).length;
      expect(withheld, `cells withheld at minimum ${minimum}`).toBeGreaterThan(0);
      const found = attackOutput(published, truth);
      expect(found, describeRecoveries(found)).toEqual([]);
      console.log(`minimum ${minimum}: ${withheld} cells withheld in the public views, nothing recovered`);
    }
  }, 120_000);

  it('leaves no withheld cohort, year or event-time cell in the span of the published estimates (the linear audit)', async () => {
    for (const minimum of [...(await minimums()), 1_000]) {
      await configureDisclosure(database.db, minimum);
      const audit = await linearAudit(database.db);
      // Every published estimate was written down as the attacker would (its weights reproduce its value).
      expect(audit.unusable).toEqual([]);
      if (minimum === 10) expect(audit.equations).toBeGreaterThan(0);
      expect(audit.recoveries, `minimum ${minimum}`).toEqual([]);
    }
  });

  it('finds nothing recoverable in the public HTML reports', async () => {
    for (const minimum of await minimums()) {
      await configureDisclosure(database.db, minimum);
      const written = await writeReports(database.db, programmes, join(scratch, `html-${minimum}`), { variant: 'public' });
      let cellsRead = 0;
      let chartsRead = 0;
      let overallRead = 0;
      for (const [i, page] of written.pages.entries()) {
        const published = publishedFromHtml(readFileSync(page, 'utf8'), programmes[i], truth, `${programmes[i].id}.html at minimum ${minimum}`);
        cellsRead += published.kpis.length + published.series.flatMap((s) => s.cells).length;
        chartsRead += published.series.length;
        overallRead += published.overall.filter((row) => row.value !== null).length;
        const found = attackOutput(published, truth);
        expect(found, describeRecoveries(found)).toEqual([]);
      }
      // The reader did read the pages: the attack ran over their numbers, not over nothing.
      expect(cellsRead).toBeGreaterThan(20);
      // At the default minimum every chart is drawn; at the larger one the staggered-DiD tables are withheld whole.
      expect(chartsRead).toBeGreaterThan(minimum === 10 ? 3 : 0);
      expect(overallRead).toBeGreaterThan(3);
      console.log(`minimum ${minimum}: ${cellsRead} cells from ${chartsRead} charts, ${overallRead} overall effects and the KPI tables of the public HTML, nothing recovered`);
    }
  }, 600_000);

  it('finds nothing recoverable in the public XLSX progress table', async () => {
    for (const minimum of await minimums()) {
      await configureDisclosure(database.db, minimum);
      const workbook = await buildProgressWorkbook(database.db, programmes, 'public');
      const published = publishedFromWorkbook(workbook, programmes, `progress workbook at minimum ${minimum}`);
      expect(published.kpis.length).toBeGreaterThan(10);
      const found = attackOutput(published, truth);
      expect(found, describeRecoveries(found)).toEqual([]);
    }
  });
});
