import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import type { TemporalSession } from '../runtime/temporal.js';
import {
  createEvaluationSchedule,
  deleteEvaluationSchedule,
  listEvaluationSchedules,
  ScheduleRequestError,
  triggerEvaluationSchedule,
} from '../scheduling/evaluation-schedules.js';
import { latestScheduledRunResult } from './support/schedule-runs.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

/** Polls until `probe` returns a value (up to 15 s); returns undefined if it never does. */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T | undefined> {
  for (let attempt = 0; attempt < 75; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

describe('scheduled evaluation runs (Temporal Schedules)', () => {
  let temporal: TemporalSession;
  let database: TestDatabase;
  let scratchDir: string;

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    database = await createTestDatabase();
    scratchDir = mkdtempSync(join(tmpdir(), 'ebpm-schedule-test-'));
  });
  afterAll(async () => {
    await temporal?.close();
    await database?.drop();
    rmSync(scratchDir, { recursive: true, force: true });
  });

  it('creates, lists, triggers a run that completes, and deletes a schedule', async () => {
    const files = writeSyntheticFiles('sme-labour-saving', scratchDir, { seed: 3, applicants: 300, withInvalidRows: false });
    const taskQueue = uniqueTaskQueue('schedule');
    const scheduleId = `weekly-${taskQueue}`;
    await createEvaluationSchedule(temporal.client, {
      scheduleId,
      taskQueue,
      cron: '0 3 * * 1',
      evaluation: { kind: 'programme', input: { programmeId: 'sme-labour-saving', applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile } },
      note: 'weekly evaluation',
    });

    // Listing goes through Temporal's visibility store, which catches up with a new schedule after a moment.
    const listed = await eventually(async () => (await listEvaluationSchedules(temporal.client)).find((s) => s.scheduleId === scheduleId));
    expect(listed).toMatchObject({ programmeId: 'sme-labour-saving', paused: false, note: 'weekly evaluation' });
    expect(listed?.nextRuns[0]?.getUTCDay()).toBe(1);

    const worker = await createTestWorker(temporal, database.db, taskQueue);
    const result = await worker.runUntil(async () => {
      await triggerEvaluationSchedule(temporal.client, scheduleId);
      return latestScheduledRunResult(temporal.client, scheduleId);
    });
    expect(result.ingest[0].rowsLoaded).toBe(300);
    expect(result.effects.overall.length).toBeGreaterThan(0);

    await deleteEvaluationSchedule(temporal.client, scheduleId);
    const gone = await eventually(async () => ((await listEvaluationSchedules(temporal.client)).some((s) => s.scheduleId === scheduleId) ? undefined : true));
    expect(gone).toBe(true);
  });

  it('refuses a schedule with both a cron expression and an interval, and a second schedule with the same id', async () => {
    const evaluation = { kind: 'programme', input: { programmeId: 'sme-labour-saving', applicantsFile: '/dev/null', outcomesFile: '/dev/null' } } as const;
    await expect(
      createEvaluationSchedule(temporal.client, { scheduleId: 'both', taskQueue: 'q', evaluation, cron: '0 3 * * 1', every: '1 day' }),
    ).rejects.toThrow(ScheduleRequestError);
    const scheduleId = `duplicate-${uniqueTaskQueue('s')}`;
    await createEvaluationSchedule(temporal.client, { scheduleId, taskQueue: 'q', evaluation, every: '30 days' });
    await expect(createEvaluationSchedule(temporal.client, { scheduleId, taskQueue: 'q', evaluation, every: '30 days' })).rejects.toThrow(/exists already/);
    await deleteEvaluationSchedule(temporal.client, scheduleId);
    await expect(deleteEvaluationSchedule(temporal.client, scheduleId)).rejects.toThrow(/no schedule with id/);
  });
});
