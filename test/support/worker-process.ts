/**
 * `ebpm worker` as its own process, the way a deployment runs it, for tests that kill or stop it: the compiled
 * CLI with the given environment and options, resolved once it polls its task queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../config/project-root.js';

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr apart. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Its exit code (null when a signal ended it) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startWorker(env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [join(projectRoot(), 'dist', 'cli', 'main.js'), 'worker', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const worker: WorkerProcess = { child, stdout: () => stdout, stderr: () => stderr, exited };
  return new Promise((resolve, reject) => {
    const polling = () => {
      if ((stdout + stderr).includes('Worker polling task queue')) resolve(worker);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      polling();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      polling();
    });
    void exited.then(({ code }) => reject(new Error(`ebpm worker exited (code ${code}) before polling:\n${stdout}${stderr}`)));
  });
}

export async function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return (await startWorker(env)).child;
}
