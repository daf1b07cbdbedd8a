import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { runStudy } from '../cli/run-study.js';
import type { TemporalSession } from '../runtime/temporal.js';
import type { Database } from '../sql/database.js';
import { DEFAULT_SYNTHETIC_OPTIONS } from '../synth/sme-labour-saving.js';
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
    const files = writeSyntheticFiles(join(scratchDir, 'clean'), { ...DEFAULT_SYNTHETIC_OPTIONS, seed: 7, applicants: 1200 });
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

  it('writes effect estimates whose 95% intervals cover the true effects into bi.effect_estimates', async () => {
    const { rows } = await sql<{ outcome: string; estimate: number; ci_low: number; ci_high: number; spec_hash: string; status: string }>`
      SELECT outcome, estimate, ci_low, ci_high, spec_hash, status FROM bi.effect_estimates WHERE programme_id = 'sme-labour-saving' ORDER BY outcome`.execute(database.db);
    expect(rows.map((row) => row.outcome)).toEqual(['average_wage', 'labour_productivity']);
    for (const row of rows) {
      const truth = manifest.trueEffects[row.outcome as keyof typeof manifest.trueEffects];
      expect(row.status).toBe('estimated');
      expect(row.ci_low).toBeLessThanOrEqual(truth);
      expect(row.ci_high).toBeGreaterThanOrEqual(truth);
      expect(row.spec_hash).toBe(first.run.specHash);
    }
  });

  it('fills the event-study and KPI views, with a comment on every view and column', async () => {
    const { rows: eventTimes } = await sql<{ event_time: number }>`
      SELECT DISTINCT event_time FROM bi.event_study WHERE outcome = 'labour_productivity' ORDER BY event_time`.execute(database.db);
    expect(eventTimes.map((row) => row.event_time)).not.toContain(-1);
    expect(eventTimes.length).toBeGreaterThan(5);
    const { rows: kpis } = await sql<{ indicator_id: string; n: number }>`
      SELECT indicator_id, count(*)::integer AS n FROM bi.kpi_by_fiscal_year GROUP BY 1 ORDER BY 1`.execute(database.db);
    expect(kpis.map((row) => row.indicator_id)).toEqual(['average_wage_supported', 'award_rate', 'firms_awarded', 'labour_productivity_supported', 'subsidy_granted']);
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
    const files = writeSyntheticFiles(join(scratchDir, 'missing-column'), { seed: 11, applicants: 200, withInvalidRows: false });
    const lines = readFileSync(files.applicantsFile, 'utf8').trimEnd().split('\n');
    const dropped = lines[0].split(',').indexOf('prefecture_code');
    writeFileSync(files.applicantsFile, lines.map((line) => line.split(',').filter((_, i) => i !== dropped).join(',')).join('\n') + '\n');

    const result = await evaluate(database, { programmeId: 'sme-labour-saving', applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile }, 'missing-column');
    expect(result.ingest[0]).toMatchObject({ rowsTotal: 200, rowsLoaded: 0, rowsRejected: 200, reasons: { missing_column: 200 } });
    expect(result.effects.overall.every((row) => row.status === 'insufficient_data' && row.note?.includes('0 awarded firms'))).toBe(true);
    const { rows } = await sql<{ status: string; estimate: number | null }>`SELECT status, estimate FROM bi.effect_estimates`.execute(database.db);
    expect(rows.length).toBeGreaterThan(0);
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
    let root = failure as Error;
    while (root.cause instanceof Error) root = root.cause;
    expect(root.message).toContain(`${missing} does not exist`);
  });
});
