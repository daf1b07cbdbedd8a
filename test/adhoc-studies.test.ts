import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AdhocOverrides } from '../analysis/adhoc-study.js';
import { getProgramme } from '../programmes/catalogue.js';
import { writeReports } from '../report/write-reports.js';
import { rootCauseMessage } from '../workflows/root-cause.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { evaluateProgramme, exploratoryProgressQuery, exploratoryStudy, progressQuery, type ExploratoryResult } from '../workflows/index.js';
import { evaluateSyntheticProgramme } from './support/evaluate-directly.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';
import { waitFor } from './support/wait-for.js';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** Runs the compiled CLI against this test's database and the test run's Temporal server. */
function runCli(database: TestDatabase, args: string[], onLine?: (line: string) => void): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (onLine) for (const line of chunk.toString().split('\n')) if (line) onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Holds the table of exploratory estimates locked, as a long estimate would hold a study open: a study started
 * meanwhile estimates but cannot store its estimates (nor, once it has tried, record its end) until the lock is
 * released, so a test can act on it while it is running, without racing it.
 */
async function lockEstimateWrites(database: TestDatabase): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE results.exploratory_effects IN EXCLUSIVE MODE');
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await client.query('ROLLBACK');
    await client.end();
  };
}

describe('ad-hoc (exploratory) studies on the data already loaded', () => {
  let database: TestDatabase;
  let temporal: TemporalSession;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  let scratch: string;
  let preRegisteredRunKey: string;

  const start = (overrides: AdhocOverrides, note = 'test') =>
    temporal.client.workflow.start(exploratoryStudy, {
      taskQueue,
      workflowId: `adhoc-test-${Math.random().toString(16).slice(2)}`,
      args: [{ programmeId: 'sme-labour-saving', overrides, requestedBy: 'analyst@test', note }],
    });
  const runKeyOf = async (handle: WorkflowHandle<typeof exploratoryStudy>) => {
    let runKey: string | null = null;
    await waitFor(async () => {
      runKey = (await handle.query(exploratoryProgressQuery).catch(() => null))?.runKey ?? null;
      return runKey !== null;
    }, 'the study to register its run');
    return runKey as unknown as string;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    temporal = await connectTestTemporal();
    scratch = mkdtempSync(join(tmpdir(), 'ebpm-adhoc-'));
    await evaluateSyntheticProgramme(database.db, scratch, { seed: 31, applicants: 1500, withInvalidRows: false, workflowId: 'adhoc-base-run' });
    preRegisteredRunKey = (await database.db.selectFrom('results.evaluation_runs').select('run_key').executeTakeFirstOrThrow()).run_key;
    taskQueue = uniqueTaskQueue('adhoc');
    worker = await createTestWorker(temporal, database.db, taskQueue, { maxConcurrentActivities: 4 });
    running = worker.run();
  });

  /** Row locks a test took; released here too, so a failing test cannot leave the worker blocked. */
  const locks: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const release of locks) await release();
    worker?.shutdown();
    await running;
    await temporal?.close();
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('stores a study with a subgroup, the not-yet-awarded comparison and --by industry_code in bi.exploratory_effects only, with its spec document', async () => {
    const publishedBefore = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM results.effect_estimates`.execute(database.db);
    const overrides: AdhocOverrides = { subgroups: [{ field: 'size_band', values: ['1-20', '21-50'] }], control: 'notyet', by: 'industry_code' };
    const result: ExploratoryResult = await (await start(overrides, 'does it differ by industry?')).result();
    const runKey = result.run.runKey;

    const { rows } = await sql<{ group_field: string | null; group_value: string | null; estimator: string; status: string; standing: string; request_note: string }>`
      SELECT group_field, group_value, estimator, status, standing, request_note FROM bi.exploratory_effects WHERE run_key = ${runKey}`.execute(database.db);
    expect(rows.length).toBe(result.estimates.effects.length);
    expect(rows.filter((row) => row.group_field === null).map((row) => row.estimator).sort()).toEqual(['cs_dynamic', 'cs_dynamic', 'cs_simple', 'cs_simple']);
    expect(rows.filter((row) => row.estimator === 'group_difference_test')).toHaveLength(2);
    expect(new Set(rows.filter((row) => row.group_value !== null).map((row) => row.group_value)).size).toBeGreaterThan(2);
    expect(rows.every((row) => row.standing === 'exploratory, not pre-registered' && row.request_note === 'does it differ by industry?')).toBe(true);

    const run = await database.db.selectFrom('results.exploratory_runs').selectAll().where('run_key', '=', runKey).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'succeeded', base_run_key: preRegisteredRunKey, requested_by: 'analyst@test', spec_hash: result.run.specHash });
    expect(run.overrides).toEqual(overrides);
    expect((run.spec as { comparisonGroup: string }).comparisonGroup).toBe('rejected_and_not_yet_awarded');

    // Nothing reaches the pre-registered, headline or public outputs.
    const publishedAfter = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM results.effect_estimates`.execute(database.db);
    expect(publishedAfter.rows[0].n).toBe(publishedBefore.rows[0].n);
    const { rows: publicRuns } = await sql<{ run_key: string }>`SELECT DISTINCT run_key FROM bi.effect_estimates`.execute(database.db);
    expect(publicRuns.map((row) => row.run_key)).toEqual([preRegisteredRunKey]);
  });

  it('refuses a column or a value the catalogue and the data do not offer, naming the valid ones, and records no run', async () => {
    const runsBefore = await database.db.selectFrom('results.exploratory_runs').select('run_key').execute();
    const refusals: [AdhocOverrides, RegExp][] = [
      [{ by: 'colour' }, /--by field "colour" is not available; choose from: industry_code, prefecture_code, call_round, size_band/],
      [{ subgroups: [{ field: 'industry_code', values: ['ZZ'] }] }, /value of industry_code "ZZ" is not available; choose from: [A-Z](, [A-Z])+/],
      [{ outcomes: ['profit'] }, /outcome "profit" is not available; choose from: labour_productivity, average_wage, employees/],
    ];
    for (const [overrides, message] of refusals) {
      const failure = await (await start(overrides)).result().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(rootCauseMessage(failure)).toMatch(message);
    }
    const refused = await runCli(database, ['study', 'adhoc', '--programme', 'sme-labour-saving', '--subgroup', "size_band=1-20'; DROP TABLE core.firms; --"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/value of size_band "1-20'; DROP TABLE core.firms; --" is not available; choose from: 1-20, 21-50/);
    expect(await database.db.selectFrom('results.exploratory_runs').select('run_key').execute()).toEqual(runsBefore);
    expect((await sql<{ n: number }>`SELECT count(*)::integer AS n FROM core.firms`.execute(database.db)).rows[0].n).toBeGreaterThan(0);
  });

  it('lists, shows, watches and cancels runs from the CLI; a cancelled study is recorded as such and shows no estimates', async () => {
    // A study held open while it estimates: show and cancel it.
    const release = await lockEstimateWrites(database);
    locks.push(release);
    const cancelled = await start({ by: 'prefecture_code' }, 'to be cancelled');
    const cancelledKey = await runKeyOf(cancelled);
    await waitFor(async () => (await cancelled.query(exploratoryProgressQuery)).step === 'estimating', 'the study to estimate');
    const shown = await runCli(database, ['runs', 'show', cancelledKey.slice(0, 10)]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/kind\s+exploratory \(not pre-registered\)/);
    expect(shown.stdout).toMatch(/status\s+running/);
    expect(shown.stdout).toMatch(/progress\s+estimating \(1\/3\)/);
    expect(shown.stdout).toMatch(/note\s+to be cancelled/);
    const cancelling = runCli(database, ['runs', 'cancel', cancelledKey.slice(0, 10)]);
    await waitFor(async () => (await cancelled.describe()).raw.workflowExecutionInfo?.status !== undefined && (await cancelled.query(exploratoryProgressQuery)).step === 'cancelled', 'the cancellation to reach the workflow');
    await release();
    const cancelOutput = await cancelling;
    expect(cancelOutput.stdout).toContain(`run ${cancelledKey.slice(0, 12)}: cancelled`);
    expect(cancelOutput.status).toBe(0);
    const outcome = await cancelled.result().catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((await sql<{ n: number }>`SELECT count(*)::integer AS n FROM results.exploratory_effects WHERE run_key = ${cancelledKey}`.execute(database.db)).rows[0].n).toBe(0);
    expect((await database.db.selectFrom('results.exploratory_runs').select('status').where('run_key', '=', cancelledKey).executeTakeFirstOrThrow()).status).toBe('cancelled');
    const again = await runCli(database, ['runs', 'cancel', cancelledKey.slice(0, 10)]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('is not running (it cancelled)');

    // Another, followed by watch from before it estimates to its end.
    const releaseWatched = await lockEstimateWrites(database);
    locks.push(releaseWatched);
    const watched = await start({ by: 'call_round' }, 'to be watched');
    const watchedKey = await runKeyOf(watched);
    const lines: string[] = [];
    const watching = runCli(database, ['runs', 'watch', watchedKey.slice(0, 10)], (line) => lines.push(line));
    await waitFor(() => lines.some((line) => line.includes('estimating (1/3)')), 'watch to show the estimation');
    await releaseWatched();
    const watchOutput = await watching;
    expect(watchOutput.status).toBe(0);
    expect(watchOutput.stdout).toContain(`run ${watchedKey.slice(0, 12)}: succeeded`);
    await watched.result();

    const listed = await runCli(database, ['runs', 'list', '--kind', 'exploratory', '--programme', 'sme-labour-saving', '--json']);
    const runs = JSON.parse(listed.stdout) as { runKey: string; status: string; kind: string }[];
    expect(runs.every((run) => run.kind === 'exploratory')).toBe(true);
    expect(runs.find((run) => run.runKey === cancelledKey)?.status).toBe('cancelled');
    expect(runs.find((run) => run.runKey === watchedKey)?.status).toBe('succeeded');
    const table = await runCli(database, ['runs', 'list']);
    expect(table.stdout).toMatch(new RegExp(`${preRegisteredRunKey.slice(0, 12)}\\s+pre-registered\\s+sme-labour-saving\\s+succeeded`));
  }, 120_000);

  it('records a cancelled pre-registered run as cancelled, with none of its estimates in the bi views', async () => {
    const handle = await temporal.client.workflow.start(evaluateProgramme, {
      taskQueue,
      workflowId: `pre-registered-cancel-${Math.random().toString(16).slice(2)}`,
      args: [{ programmeId: 'sme-labour-saving', applicantsFile: join(scratch, 'applicants.csv'), outcomesFile: join(scratch, 'outcomes.csv') }],
    });
    // Held open at the estimate: its transaction ends by updating the run's row, which this lock holds (as does
    // the run's final status update), so the run cannot finish until the lock is released. NO KEY UPDATE leaves
    // the KPI and estimate rows' foreign-key checks free to proceed. The row is locked as soon as it exists:
    // the effect step starts right after the run is registered.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const registered = () => database.db.selectFrom('results.evaluation_runs').select('run_key').where('workflow_id', '=', handle.workflowId).executeTakeFirst();
    await waitFor(async () => (await registered()) !== undefined, 'the run to be registered');
    const run = (await registered())!;
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM results.evaluation_runs WHERE run_key = $1 FOR NO KEY UPDATE', [run.run_key]);
    locks.push(async () => {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    });
    await waitFor(async () => (await handle.query(progressQuery).catch(() => null))?.step === 'computing KPIs and estimating effects', 'the run to estimate');
    await handle.cancel();
    await waitFor(async () => (await handle.query(progressQuery).catch(() => null))?.step === 'cancelled', 'the cancellation to reach the run');
    await locks[locks.length - 1]();
    expect(await handle.result().catch((error: unknown) => error)).toBeInstanceOf(WorkflowFailedError);
    await waitFor(async () => (await database.db.selectFrom('results.evaluation_runs').select('status').where('run_key', '=', run.run_key).executeTakeFirstOrThrow()).status === 'cancelled', 'the run to be recorded as cancelled');
    const { rows } = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM bi.effect_estimates WHERE run_key = ${run.run_key}`.execute(database.db);
    expect(rows[0].n).toBe(0);
    const { rows: latest } = await sql<{ run_key: string }>`SELECT run_key FROM bi.latest_runs WHERE programme_id = 'sme-labour-saving'`.execute(database.db);
    expect(latest.map((row) => row.run_key)).toEqual([preRegisteredRunKey]);
  });

  it('lists the finished studies in a labelled section of the internal report, and leaves them out of the public one', async () => {
    const programme = getProgramme('sme-labour-saving');
    const internal = await writeReports(database.db, [programme], join(scratch, 'report-internal'));
    const published = await writeReports(database.db, [programme], join(scratch, 'report-public'), { variant: 'public' });
    const internalHtml = readFileSync(internal.pages[0], 'utf8');
    expect(internalHtml).toContain('Exploratory analyses — not pre-registered');
    expect(internalHtml).toContain('does it differ by industry?');
    const publicHtml = readFileSync(published.pages[0], 'utf8');
    expect(publicHtml).not.toContain('Exploratory');
    expect(publicHtml).not.toContain('does it differ by industry?');
  });

  it('gives the same estimates for eight studies run at once on one worker as for the same studies one by one', async () => {
    const studies: AdhocOverrides[] = [
      {},
      { control: 'notyet' },
      { method: 'reg' },
      { method: 'ipw', covariates: ['employees'] },
      { by: 'size_band' },
      { subgroups: [{ field: 'call_round', values: ['1'] }] },
      { outcomes: ['average_wage'], anticipation: 1 },
      { missingYears: 'balanced', by: 'call_round' },
    ];
    const alone: ExploratoryResult[] = [];
    for (const overrides of studies) alone.push(await (await start(overrides)).result());
    const together = await Promise.all(studies.map(async (overrides) => (await start(overrides)).result()));
    together.forEach((result, i) => {
      expect(result.estimates.effects, JSON.stringify(studies[i])).toEqual(alone[i].estimates.effects);
      expect(result.run.specHash).toBe(alone[i].run.specHash);
    });
    expect(new Set(alone.map((result) => result.run.specHash)).size).toBe(studies.length);
  }, 180_000);
});
