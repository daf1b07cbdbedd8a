import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAllSyntheticFiles, type GeneratedFiles } from '../cli/commands/generate.js';
import { parseAllProgrammesRequest } from '../cli/study-input.js';
import { defaultCatalogueDirectory } from '../programmes/catalogue.js';
import type { ProgrammeFile } from '../schemas/catalogue.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { rootCauseMessage } from '../workflows/root-cause.js';
import { createEvaluationSchedule, deleteEvaluationSchedule, triggerAndAwait } from '../scheduling/evaluation-schedules.js';
import { evaluateAllProgrammes, type AllProgrammesSummary } from '../workflows/index.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

let temporal: TemporalSession;
let scratch: string;
let generated: GeneratedFiles[];

beforeAll(async () => {
  temporal = await connectTestTemporal();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-all-programmes-'));
  generated = writeAllSyntheticFiles(join(scratch, 'data'), false);
});
afterAll(async () => {
  await temporal?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the scheduled evaluation run over all programmes', () => {
  let database: TestDatabase;
  let summary: AllProgrammesSummary;
  beforeAll(async () => {
    database = await createTestDatabase();
    const taskQueue = uniqueTaskQueue('all');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    const scheduleId = `all-${taskQueue}`;
    await createEvaluationSchedule(temporal.client, {
      scheduleId,
      taskQueue,
      cron: '0 3 * * 1',
      evaluation: { kind: 'all-programmes', input: parseAllProgrammesRequest(join(scratch, 'data')) },
    });
    summary = (await worker.runUntil(triggerAndAwait<AllProgrammesSummary>(temporal.client, scheduleId, 300_000))).result;
    await deleteEvaluationSchedule(temporal.client, scheduleId);
  }, 600_000);
  afterAll(() => database?.drop());

  it('evaluates all 11 programmes in one run', () => {
    expect(summary.programmes).toHaveLength(11);
    expect(summary.failed).toBe(0);
    expect(new Set(summary.programmes.map((p) => p.programmeId)).size).toBe(11);
  });

  it('fills the KPI progress and effect views for every programme', async () => {
    const { rows: kpis } = await sql<{ n: number }>`SELECT count(DISTINCT programme_id)::integer AS n FROM bi.kpi_progress`.execute(database.db);
    const { rows: effects } = await sql<{ n: number }>`SELECT count(DISTINCT programme_id)::integer AS n FROM bi.effect_estimates`.execute(database.db);
    expect(kpis[0].n).toBe(11);
    expect(effects[0].n).toBe(11);
  });

  it('covers zero for the zero-effect programme and the true effect for the others', () => {
    for (const programme of summary.programmes) {
      const manifest = generated.find((files) => files.programmeId === programme.programmeId)?.manifest;
      for (const headline of programme.headlines) {
        if (headline.status !== 'estimated') continue;
        const truth = manifest?.trueEffects[headline.outcome as keyof NonNullable<typeof manifest>['trueEffects']].simple;
        expect(truth, `${programme.programmeId} ${headline.outcome}`).toBeDefined();
        expect(headline.ciLow, `${programme.programmeId} ${headline.outcome}`).toBeLessThanOrEqual(truth as number);
        expect(headline.ciHigh, `${programme.programmeId} ${headline.outcome}`).toBeGreaterThanOrEqual(truth as number);
      }
    }
    const zero = summary.programmes.find((p) => p.programmeId === 'global-south-co-creation');
    expect(zero?.headlines[0].ciLow).toBeLessThanOrEqual(0);
    expect(zero?.headlines[0].ciHigh).toBeGreaterThanOrEqual(0);
  });

  it('says why no number is given where the spec minimum is not met', () => {
    const minerals = summary.programmes.find((p) => p.programmeId === 'critical-minerals');
    expect(minerals?.status).toBe('succeeded');
    expect(minerals?.headlines.every((h) => h.status === 'insufficient_data' && h.estimate === null)).toBe(true);
    expect(minerals?.headlines[0].note).toMatch(/the spec needs at least 10/);
  });
});

describe('failures in the all-programmes run', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('carry on past a programme that fails and say which one failed and why', async () => {
    const input = parseAllProgrammesRequest(join(scratch, 'data'));
    const programmes = input.programmes
      .filter((p) => ['sme-labour-saving', 'space-strategy-fund'].includes(p.programmeId))
      .map((p) => (p.programmeId === 'space-strategy-fund' ? { ...p, outcomesFile: join(scratch, 'missing.csv') } : p));
    const taskQueue = uniqueTaskQueue('partial-failure');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    const summary = await worker.runUntil(
      temporal.client.workflow.execute(evaluateAllProgrammes, { taskQueue, workflowId: taskQueue, args: [{ programmes }] }),
    );
    expect(summary).toMatchObject({ succeeded: 1, failed: 1 });
    const failed = summary.programmes.find((p) => p.status === 'failed');
    expect(failed?.programmeId).toBe('space-strategy-fund');
    expect(failed?.error).toContain('missing.csv does not exist');
  });

  it('refuses to start on an invalid catalogue', async () => {
    const broken = join(scratch, 'broken-catalogue');
    cpSync(defaultCatalogueDirectory(), broken, { recursive: true });
    const path = join(broken, 'biomanufacturing.json');
    const programme = JSON.parse(readFileSync(path, 'utf8')) as ProgrammeFile;
    programme.logicModel.impact = [];
    writeFileSync(path, JSON.stringify(programme));
    const taskQueue = uniqueTaskQueue('invalid-catalogue');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    const runsBefore = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM results.evaluation_runs`.execute(database.db);
    process.env.EBPM_CATALOGUE_DIR = broken;
    try {
      const failure = await worker
        .runUntil(temporal.client.workflow.execute(evaluateAllProgrammes, { taskQueue, workflowId: taskQueue, args: [parseAllProgrammesRequest(join(scratch, 'data'))] }))
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(rootCauseMessage(failure)).toContain('biomanufacturing.json: logicModel.impact');
      const { rows } = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM results.evaluation_runs`.execute(database.db);
      expect(rows[0].n).toBe(runsBefore.rows[0].n);
    } finally {
      delete process.env.EBPM_CATALOGUE_DIR;
    }
  });
});
