import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { portAnswers } from '../runtime/port-probe.js';
import { connectTemporal } from '../runtime/temporal.js';
import { startCli, type CliProcess } from './support/cli-process.js';
import { freePort } from './support/ports.js';
import { latestScheduledRunResult } from './support/schedule-runs.js';
import { createTestDatabase, uniqueTaskQueue, type TestDatabase } from './support/services.js';

/**
 * `ebpm temporal start` and `ebpm worker` as the README runs them: each its own process, started with
 * npx, serving a study and a triggered schedule, then stopped as Ctrl-C or a service manager stops them:
 * a signal to the whole process group (npx, ebpm and the Temporal server ebpm started).
 */

/** `npx ebpm ARGS…` in a process group of its own, as the README starts the long-running commands. */
function start(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  return startCli(args, env, { via: 'npx' });
}

/** Runs an ebpm command to its end; returns its exit code and output. */
async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const command = start(args, env);
  const code = await command.exited;
  return { code, output: command.output() };
}

/** A free port whose neighbour + 1000, the dev server's web UI, is free too. */
async function freePortForDevServer(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 1000 < 65536 && !(await portAnswers(`127.0.0.1:${port + 1000}`))) return port;
  }
}

let database: TestDatabase;
let scratch: string;
const started: CliProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-long-running-'));
});
afterAll(async () => {
  for (const command of started) if (command.groupAlive()) command.signal('SIGKILL');
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('ebpm temporal start and ebpm worker as long-running processes', () => {
  it('stay up, serve a study and a triggered schedule, and stop with their children on SIGTERM or Ctrl-C', { timeout: 240_000 }, async () => {
    const port = await freePortForDevServer();
    const server = start(['temporal', 'start', '--port', String(port)], { EBPM_DATA_DIR: join(scratch, 'data'), TEMPORAL_ADDRESS: '' });
    started.push(server);
    await server.waitFor(/Set TEMPORAL_ADDRESS=127\.0\.0\.1:\d+/, 90_000);
    const address = `127.0.0.1:${port}`;
    const env = { TEMPORAL_ADDRESS: address, DATABASE_URL: database.url, EBPM_TASK_QUEUE: uniqueTaskQueue('long-running') };

    const worker = start(['worker'], env);
    started.push(worker);
    await worker.waitFor(/Worker polling task queue/, 60_000);
    // Still there a while later: neither exits once its start-up is done.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(server.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();

    const files = writeSyntheticFiles('sme-labour-saving', join(scratch, 'files'), { seed: 5, applicants: 200, withInvalidRows: false });
    const study = await run(['study', '--deployed-worker', '--programme', 'sme-labour-saving', '--applicants', files.applicantsFile, '--outcomes', files.outcomesFile, '--json'], env);
    expect(study.code, study.output).toBe(0);
    expect(study.output).toMatch(/"programmeId": "sme-labour-saving"/);

    const scheduleId = `weekly-${env.EBPM_TASK_QUEUE}`;
    const create = await run(['schedule', 'create', '--id', scheduleId, '--programme', 'sme-labour-saving', '--applicants', files.applicantsFile, '--outcomes', files.outcomesFile, '--cron', '0 3 * * 1'], env);
    expect(create.code, create.output).toBe(0);
    const trigger = await run(['schedule', 'trigger', '--id', scheduleId], env);
    expect(trigger.code, trigger.output).toBe(0);
    const temporal = await connectTemporal(address, 'default');
    try {
      const result = await latestScheduledRunResult(temporal.client, scheduleId);
      expect(result.ingest[0]).toMatchObject({ rowsLoaded: 200, skippedDuplicateFile: true });
      expect(result.effects.overall.length).toBeGreaterThan(0);
    } finally {
      await temporal.close();
    }
    expect((await run(['schedule', 'delete', '--id', scheduleId], env)).code).toBe(0);

    worker.signal('SIGTERM');
    expect(await withinSeconds(worker.exited, 30)).not.toBe('timed out');
    expect(worker.output()).not.toMatch(/unexpected error|Error:/);
    server.signal('SIGINT');
    expect(await withinSeconds(server.exited, 30)).not.toBe('timed out');
    expect(server.output()).toMatch(/Stopping the Temporal dev server…/);
    expect(server.output()).not.toMatch(/unexpected error|Error:/);
    for (let waited = 0; waited < 15_000 && (worker.groupAlive() || server.groupAlive()); waited += 250) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(survivors(worker) + survivors(server)).toBe('');
    // The dev server the command started went with it.
    expect(await portAnswers(address)).toBe(false);
  });
});

/** The processes of the command's group still running, as ps lists them. */
function survivors(command: CliProcess): string {
  if (!command.groupAlive()) return '';
  return execFileSync('ps', ['-o', 'pid,args', '--no-headers', '-g', String(command.child.pid)]).toString();
}

function withinSeconds<T>(promise: Promise<T>, seconds: number): Promise<T | 'timed out'> {
  return Promise.race([promise, new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), seconds * 1000))]);
}
