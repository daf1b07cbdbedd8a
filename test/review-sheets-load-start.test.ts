/**
 * `ebpm review-sheets load` makes its Temporal worker before it readies the database (cli/commands/review-sheets.ts):
 * a database it cannot reach is still said as before, and the command stops its worker and ends; with no
 * TEMPORAL_ADDRESS it readies the database first, so that no dev server is started for nothing. Its worker runs the
 * workflow in the command's own thread (runtime/worker.ts), with the same limit on a workflow task.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { createReviewSheetWorker } from '../runtime/worker.js';
import { connectTestTemporal, uniqueTaskQueue } from './support/services.js';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');

/** A port nothing listens on: one the system gave, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port was given');
  return address.port;
}

describe('review-sheets load, started', () => {
  it('says a database it cannot reach, with the fix, and ends with its worker stopped', async () => {
    const port = await closedPort();
    const run = spawnSync(process.execPath, [cli, 'review-sheets', 'load', FIXTURES], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/ebpm_unreachable`, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') },
    });
    // Ended by itself, not by the timeout.
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`cannot reach Postgres at postgres://postgres@127.0.0.1:${port}/ebpm_unreachable`);
    expect(run.stderr).toContain('set DATABASE_URL to a server you can reach');
    expect(run.stdout).toBe('');
  }, 90_000);

  it('says a database it cannot reach before it would start a Temporal dev server, when TEMPORAL_ADDRESS is unset', async () => {
    const port = await closedPort();
    const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'TEMPORAL_ADDRESS'));
    const run = spawnSync(process.execPath, [cli, 'review-sheets', 'load', FIXTURES], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...environment, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/ebpm_unreachable` },
    });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`cannot reach Postgres at postgres://postgres@127.0.0.1:${port}/ebpm_unreachable`);
    expect(run.stderr).not.toContain('starting a local Temporal dev server');
  }, 90_000);

  it('runs its workflow in its own thread, each workflow task still stopped after 5 s as in a thread of its own', async () => {
    const temporal = await connectTestTemporal();
    try {
      const worker = await createReviewSheetWorker({
        connection: temporal.nativeConnection,
        namespace: temporal.namespace,
        taskQueue: uniqueTaskQueue('review-sheet-worker'),
        workflowBundlePath: inject('workflowBundlePath'),
        activities: () => Promise.reject(new Error('no activity runs in this test')),
      });
      expect(worker.options.debugMode).toBe(true);
      expect(worker.options.isolateExecutionTimeoutMs).toBe(5_000);
      await worker.runUntil(Promise.resolve());
    } finally {
      await temporal.close();
    }
  });
});
