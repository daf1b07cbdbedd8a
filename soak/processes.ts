/**
 * The processes a soak starts: `ebpm worker` and one-off `ebpm` commands, run as a deployment runs them (the
 * compiled CLI), and the check that none of them outlives the soak.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config/project-root.js';

const cli = () => join(projectRoot(), 'dist', 'cli', 'main.js');

export interface WorkerProcess {
  readonly label: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly output: () => string;
}

/** Starts `ebpm worker` and resolves once it polls its task queue. */
export function startWorker(label: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [cli(), 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const worker: WorkerProcess = { label, child, exited, output: () => output };
  return new Promise((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      // Only the tail is kept: a worker running for hours writes a long log.
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes('Worker polling task queue')) resolve(worker);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    void exited.then(({ code, signal }) => reject(new Error(`${label} exited (code ${code}, signal ${signal}) before polling its task queue:\n${output}`)));
  });
}

export interface CommandOutcome {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** `ebpm ARGS…` to completion, asynchronously (the soak keeps sampling meanwhile); `running` tracks it while it runs. */
export function runCommand(args: readonly string[], env: NodeJS.ProcessEnv, running: Set<number>): Promise<CommandOutcome> {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [cli(), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid !== undefined) running.add(pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      if (pid !== undefined) running.delete(pid);
      resolve({ args, code, signal, stdout, stderr, startedAt, endedAt: Date.now() });
    });
  });
}

/** The resident memory of a process in MB, from /proc/PID/status (VmRSS); undefined once it has ended. */
export function residentMegabytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface LiveProcess {
  readonly pid: number;
  readonly command: string;
}

/** Every live process descending from `ancestor` (children, their children, …), read from /proc. */
export function descendantsOf(ancestor: number): LiveProcess[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name, in parentheses, may hold spaces; the fields after its closing parenthesis are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // Ended while being read.
    }
  }
  const found: LiveProcess[] = [];
  const frontier = [ancestor];
  while (frontier.length) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parents) {
      if (ppid !== parent) continue;
      frontier.push(pid);
      let command = '';
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        // Ended while being read.
      }
      found.push({ pid, command });
    }
  }
  return found;
}
