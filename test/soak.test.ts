/**
 * The soak (`npm run soak`) in its short form, through the compiled script as users run it: two minutes of the
 * all-programme schedule, ad-hoc studies, a replacement outcome file and a consent withdrawal against two worker
 * processes, ending with every check passed and nothing left running. The 20-minute form is run by hand.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { SoakReport } from '../soak/report.js';

const script = fileURLToPath(new URL('../dist/soak/run.js', import.meta.url));

let soaking: ChildProcess | undefined;

function runSoak(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  soaking = child;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run soak', () => {
  // A soak the test gave up on stops its workers and drops its database on SIGTERM.
  afterAll(() => {
    if (soaking && soaking.exitCode === null && soaking.signalCode === null) soaking.kill('SIGTERM');
  });

  it('refuses an unknown option and a duration that is not a positive number of minutes, with exit code 2', () => {
    for (const args of [['--hours', '1'], ['--minutes', '0'], ['--minutes', 'soon']]) {
      const result = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: npm run soak');
    }
  });

  it('keeps two workers busy for two minutes and passes every check: runs, row accounts, memory, connections, processes', { timeout: 420_000 }, async () => {
    const result = await runSoak(['--minutes', '2', '--json']);
    const report = JSON.parse(result.stdout) as SoakReport;
    expect(report.checks.filter((check) => !check.ok), result.stderr.slice(-4000)).toEqual([]);
    expect(result.code).toBe(0);
    expect(report.checks.map((check) => check.name)).toEqual(['runs', 'commands', 'row accounts', 'worker memory', 'database connections', 'no process left behind']);

    // Something ran of each kind, and every run ended: succeeded, or failed for a reason stated by the code.
    expect(report.runs.byKindAndStatus.evaluateAllProgrammes?.COMPLETED).toBeGreaterThanOrEqual(2);
    expect(report.runs.byKindAndStatus.exploratoryStudy?.COMPLETED).toBeGreaterThanOrEqual(1);
    for (const statuses of Object.values(report.runs.byKindAndStatus)) expect(Object.keys(statuses).every((status) => status === 'COMPLETED' || status === 'FAILED')).toBe(true);
    expect(report.commands.byKindAndStatus['ingest --replaces']?.succeeded).toBeGreaterThanOrEqual(1);
    expect(report.commands.byKindAndStatus['consent withdraw']?.succeeded).toBe(1);

    // Every loaded file is accounted for row by row, including the quarantined rows the data holds on purpose.
    expect(report.files.length).toBeGreaterThan(20);
    for (const file of report.files) expect(file.records).toBe(file.rowsLoaded + file.rowsRejected);
    expect(report.files.some((file) => file.rowsRejected > 0)).toBe(true);
    expect(report.files.filter((file) => file.path.includes('replacement-')).length).toBeGreaterThanOrEqual(1);

    expect(report.memory.map((window) => window.worker)).toEqual(['worker 1', 'worker 2']);
    for (const window of report.memory) expect(window.changePercent!).toBeLessThanOrEqual(20);
    expect(report.connections.max).toBeGreaterThan(0);
    expect(report.connections.overLimit).toBe(0);
    expect(report.leftBehind).toEqual([]);
  });
});
