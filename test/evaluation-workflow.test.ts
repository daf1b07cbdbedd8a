import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { runStudy } from '../cli/run-study.js';
import { formatEffects } from '../cli/summary.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { rootCauseMessage } from '../workflows/root-cause.js';
import type { Database } from '../sql/database.js';
import type { EvaluateProgrammeInput, EvaluationResult } from '../workflows/index.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

let temporal: TemporalSession;
let scratchDir: string;

beforeAll(async () => {
  temporal = await connectTestTemporal();
  scratchDir = mkdtempSync(join(tmpdir(), 'ebpm-workflow-test-'));
});

afterAll(async () => {
  await temporal?.close();
  rmSync(scratchDir, { recursive: true, force: true });
});

async function evaluate(database: TestDatabase, input: EvaluateProgrammeInput, name: string): Promise<EvaluationResult> {
  const taskQueue = uniqueTaskQueue(name);
  const worker = await createTestWorker(temporal, database.db, taskQueue);
  const { result } = await worker.runUntil(runStudy({ client: temporal.client, taskQueue, input }));
  return result;
}

async function tableCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const tables = ['raw.input_files', 'raw.rejected_rows', 'core.firms', 'core.applications', 'core.outcomes', 'results.evaluation_runs', 'results.kpi_values', 'results.effect_estimates'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM ${sql.table(table)}`.execute(db);
    counts[table] = rows[0].n;
  }
  return counts;
}

describe('the evaluation workflow on real Temporal and Postgres', () => {
  let database: TestDatabase;
  let input: EvaluateProgrammeInput;
  let manifest: ReturnType<typeof writeSyntheticFiles>['manifest'];
  let first: EvaluationResult;

  beforeAll(async () => {
    database = await createTestDatabase();
    const files = writeSyntheticFiles('sme-labour-saving', join(scratchDir, 'clean'), { seed: 7, applicants: 1200, withInvalidRows: true });
    manifest = files.manifest;
    input = { programmeId: 'sme-labour-saving', applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile };
    first = await evaluate(database, input, 'clean');
  });
  afterAll(() => database?.drop());

  it('loads every valid row and quarantines each invalid one with its reason', async () => {
    const [applicants, outcomes] = first.ingest;
    expect(applicants.rowsLoaded).toBe(manifest.applicants);
    expect(applicants.rowsRejected).toBe(manifest.invalidApplicantRows);
    expect(applicants.reasons).toEqual({ corporate_number_check_digit: 1, invalid_employees: 1, invalid_decision: 1 });
    expect(outcomes.rowsLoaded).toBe(manifest.outcomeRows);
    expect(outcomes.reasons).toEqual({ invalid_labour_productivity: 1, invalid_fiscal_year: 1 });
    const quarantined = await database.db.selectFrom('raw.rejected_rows').select(['line_number', 'reasons']).where('file_sha256', '=', applicants.fileSha256).execute();
    expect(quarantined).toHaveLength(3);
    const { rows: account } = await sql<{ rows_total: number; rows_loaded: number; rows_rejected: number }>`
      SELECT rows_total, rows_loaded, rows_rejected FROM bi.input_quality`.execute(database.db);
    expect(account).toHaveLength(2);
    expect(account.every((file) => file.rows_total === file.rows_loaded + file.rows_rejected)).toBe(true);
  });

  it('writes Callaway-Sant\'Anna estimates whose 95% intervals cover the true effects into bi.effect_estimates', async () => {
    const { rows } = await sql<{ outcome: string; estimator: string; estimate: number; ci_low: number; ci_high: number; spec_hash: string; status: string; bootstrap_std_error: number; std_error: number }>`
      SELECT outcome, estimator, estimate, ci_low, ci_high, spec_hash, status, bootstrap_std_error, std_error
        FROM bi.effect_estimates WHERE programme_id = 'sme-labour-saving' AND estimator IN ('cs_simple', 'cs_dynamic') ORDER BY outcome, estimator`.execute(database.db);
    expect(rows.map((row) => `${row.outcome}/${row.estimator}`)).toEqual([
      'average_wage/cs_dynamic',
      'average_wage/cs_simple',
      'labour_productivity/cs_dynamic',
      'labour_productivity/cs_simple',
    ]);
    for (const row of rows) {
      const truths = manifest.trueEffects[row.outcome as keyof typeof manifest.trueEffects];
      const truth = row.estimator === 'cs_dynamic' ? truths.dynamic : truths.simple;
      expect(row.status).toBe('estimated');
      expect(row.ci_low).toBeLessThanOrEqual(truth);
      expect(row.ci_high).toBeGreaterThanOrEqual(truth);
      expect(row.spec_hash).toBe(first.run.specHash);
      expect(Math.abs(row.bootstrap_std_error / row.std_error - 1)).toBeLessThan(0.15);
    }
    const { rows: headline } = await sql<{ estimator: string }>`SELECT DISTINCT estimator FROM bi.effect_estimates WHERE is_headline`.execute(database.db);
    expect(headline).toEqual([{ estimator: 'cs_simple' }]);
  });

  it("returns each event study's sensitivity to departures from parallel trends in words, which ebpm study prints", () => {
    const sensitivity = first.effects.sensitivity ?? [];
    expect(sensitivity.map((row) => `${row.outcome}/${row.target}`).sort()).toEqual([
      'average_wage/average_post',
      'average_wage/effect_at_0',
      'labour_productivity/average_post',
      'labour_productivity/effect_at_0',
    ]);
    const printed = formatEffects(first);
    expect(printed).toContain('Robustness to departures from parallel trends');
    for (const row of sensitivity.filter((r) => r.target === 'average_post')) expect(printed).toContain(row.statement);
  });

  it('keeps the firms that stopped reporting, as the spec’s missingYears = unbalanced_paired says, and reports how many', async () => {
    const { rows } = await sql<{ stopped: number }>`
      SELECT count(*)::integer AS stopped FROM (
        SELECT unit_id FROM core.outcomes GROUP BY unit_id HAVING count(*) < (SELECT count(DISTINCT fiscal_year) FROM core.outcomes)
      ) AS incomplete`.execute(database.db);
    expect(rows[0].stopped).toBeGreaterThan(0);
    expect(first.effects.samples?.map((sample) => sample.missingYears)).toEqual(['unbalanced_paired', 'unbalanced_paired']);
    for (const sample of first.effects.samples ?? []) {
      expect(sample.incompleteUnitsKept).toBeGreaterThan(0);
      expect(sample.incompleteUnitsKept).toBeLessThanOrEqual(rows[0].stopped);
    }
  });

  it('stores ATT(g,t), the cohort and year aggregations, the uniform band and the pre-test', async () => {
    const { rows: cells } = await sql<{ n: number }>`
      SELECT count(*)::integer AS n FROM bi.group_time_effects WHERE outcome = 'labour_productivity' AND status = 'estimated'`.execute(database.db);
    // Three cohorts (FY2021–FY2023) × seven years after the first (FY2019–FY2025).
    expect(cells[0].n).toBe(21);
    const { rows: cohorts } = await sql<{ award_fiscal_year: number }>`
      SELECT award_fiscal_year FROM bi.effects_by_cohort WHERE outcome = 'labour_productivity' ORDER BY 1`.execute(database.db);
    expect(cohorts.map((row) => row.award_fiscal_year)).toEqual([2021, 2022, 2023]);
    const { rows: years } = await sql<{ fiscal_year: number }>`
      SELECT fiscal_year FROM bi.effects_by_year WHERE outcome = 'labour_productivity' ORDER BY 1`.execute(database.db);
    expect(years.map((row) => row.fiscal_year)).toEqual([2021, 2022, 2023, 2024, 2025]);
    const { rows: band } = await sql<{ band_low: number; band_high: number; ci_low: number; ci_high: number; band_critical_value: number }>`
      SELECT band_low, band_high, ci_low, ci_high, band_critical_value FROM bi.event_study WHERE estimator = 'cs_dynamic' AND outcome = 'labour_productivity'`.execute(database.db);
    expect(band.length).toBeGreaterThan(5);
    for (const row of band) {
      expect(row.band_critical_value).toBeGreaterThan(1.96);
      expect(row.band_high - row.band_low).toBeGreaterThan(row.ci_high - row.ci_low);
    }
    const { rows: pretests } = await sql<{ outcome: string; df: number; p_value: number }>`
      SELECT outcome, df, p_value FROM bi.parallel_trends_pretest ORDER BY outcome`.execute(database.db);
    expect(pretests.map((row) => row.outcome)).toEqual(['average_wage', 'labour_productivity']);
    // Parallel trends hold in the synthetic design, so the test should rarely reject; 9 pre-award cells each.
    expect(pretests.every((row) => row.df === 9 && row.p_value > 0.001)).toBe(true);
  });

  it('fills the event-study and KPI views, with a comment on every view and column', async () => {
    const { rows: eventTimes } = await sql<{ event_time: number }>`
      SELECT DISTINCT event_time FROM bi.event_study WHERE outcome = 'labour_productivity' AND estimator = 'twfe_event_study' ORDER BY event_time`.execute(database.db);
    expect(eventTimes.map((row) => row.event_time)).not.toContain(-1);
    expect(eventTimes.length).toBeGreaterThan(5);
    const { rows: kpis } = await sql<{ indicator_id: string; n: number }>`
      SELECT indicator_id, count(*)::integer AS n FROM bi.kpi_by_fiscal_year GROUP BY 1 ORDER BY 1`.execute(database.db);
    expect(kpis.map((row) => row.indicator_id)).toEqual(['applications_received', 'average_wage_supported', 'award_rate', 'firms_awarded', 'labour_productivity_supported', 'subsidy_granted']);
    const { rows: uncommented } = await sql<{ relation: string }>`
      SELECT c.relname || coalesce('.' || a.attname, '') AS relation
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE n.nspname = 'bi' AND c.relkind IN ('v', 'm')
         AND (obj_description(c.oid, 'pg_class') IS NULL OR (a.attname IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))`.execute(database.db);
    expect(uncommented).toEqual([]);
  });

  it('re-running the same input is a no-op for the data: same rows, same run, no duplicates', async () => {
    const before = await tableCounts(database.db);
    const second = await evaluate(database, input, 'rerun');
    expect(second.ingest.every((account) => account.skippedDuplicateFile)).toBe(true);
    expect(second.run.runKey).toBe(first.run.runKey);
    expect(await tableCounts(database.db)).toEqual(before);
    expect(second.effects.overall).toEqual(first.effects.overall);
  });
});

describe('bad input does not crash the workflow', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('rejects every row of an applicant file missing a column, and reports that no estimate was possible', async () => {
    const files = writeSyntheticFiles('sme-labour-saving', join(scratchDir, 'missing-column'), { seed: 11, applicants: 200, withInvalidRows: false });
    const lines = readFileSync(files.applicantsFile, 'utf8').trimEnd().split('\n');
    const dropped = lines[0].split(',').indexOf('prefecture_code');
    writeFileSync(files.applicantsFile, lines.map((line) => line.split(',').filter((_, i) => i !== dropped).join(',')).join('\n') + '\n');

    const result = await evaluate(database, { programmeId: 'sme-labour-saving', applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile }, 'missing-column');
    expect(result.ingest[0]).toMatchObject({ rowsTotal: 200, rowsLoaded: 0, rowsRejected: 200, reasons: { missing_column: 200 } });
    expect(result.effects.overall.every((row) => row.status === 'insufficient_data' && row.note?.includes('0 awarded units'))).toBe(true);
    const { rows } = await sql<{ status: string; estimate: number | null }>`SELECT status, estimate FROM bi.effect_estimates`.execute(database.db);
    expect(rows.length).toBe(2);
    expect(rows.every((row) => row.status === 'insufficient_data' && row.estimate === null)).toBe(true);
  });

  it('fails with the fix in the message when an input file does not exist', async () => {
    const taskQueue = uniqueTaskQueue('missing-file');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    const missing = join(scratchDir, 'no-such-file.csv');
    const failure = await worker
      .runUntil(runStudy({ client: temporal.client, taskQueue, input: { programmeId: 'sme-labour-saving', applicantsFile: missing, outcomesFile: missing } }))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(rootCauseMessage(failure)).toContain(`${missing} does not exist`);
  });

  it('loads the files side by side: when the applicant file is missing, the outcome file is still loaded whole and the run fails naming the missing file', async () => {
    const taskQueue = uniqueTaskQueue('one-file-missing');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    const files = writeSyntheticFiles('large-scale-growth-investment', join(scratchDir, 'one-missing'), { seed: 31, applicants: 80, withInvalidRows: false });
    const missing = join(scratchDir, 'no-such-applicants.csv');
    const failure = await worker
      .runUntil(runStudy({ client: temporal.client, taskQueue, input: { programmeId: 'large-scale-growth-investment', applicantsFile: missing, outcomesFile: files.outcomesFile } }))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(rootCauseMessage(failure)).toContain(`${missing} does not exist`);
    // One after another, the outcome file would never have been read.
    const outcomeRows = readFileSync(files.outcomesFile, 'utf8').trimEnd().split('\n').length - 1;
    const loaded = await database.db
      .selectFrom('raw.input_files')
      .select(['kind', 'status', 'rows_total'])
      .where('programme_id', '=', 'large-scale-growth-investment')
      .where('file_name', '=', 'outcomes.csv')
      .execute();
    expect(loaded).toEqual([{ kind: 'outcomes', status: 'complete', rows_total: outcomeRows }]);
  });

  it('refuses, on a worker confined to EBPM_INPUT_DIR, a file outside it, reached by .. or through a link', async () => {
    const inputDir = join(scratchDir, 'confined');
    const files = writeSyntheticFiles('sme-labour-saving', join(inputDir, 'sme'), { seed: 11, applicants: 60, withInvalidRows: false });
    const outside = writeSyntheticFiles('sme-labour-saving', join(scratchDir, 'outside'), { seed: 11, applicants: 60, withInvalidRows: false });
    symlinkSync(outside.applicantsFile, join(inputDir, 'link-to-outside.csv'));
    const taskQueue = uniqueTaskQueue('confined');
    const worker = await createTestWorker(temporal, database.db, taskQueue, { inputDir });
    const attempts = [outside.applicantsFile, join(inputDir, '..', 'outside', 'applicants.csv'), join(inputDir, 'link-to-outside.csv')];
    await worker.runUntil(async () => {
      for (const applicantsFile of attempts) {
        const failure = await runStudy({ client: temporal.client, taskQueue, input: { programmeId: 'sme-labour-saving', applicantsFile, outcomesFile: files.outcomesFile } }).catch((error: unknown) => error);
        expect(failure, applicantsFile).toBeInstanceOf(WorkflowFailedError);
        expect(rootCauseMessage(failure)).toContain(`${applicantsFile} is outside the directory this worker reads input files from (EBPM_INPUT_DIR=${inputDir})`);
      }
      const inside = await runStudy({ client: temporal.client, taskQueue, input: { programmeId: 'sme-labour-saving', applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile } });
      expect(inside.result.ingest[0].rowsLoaded).toBe(60);
    });
  });
});
