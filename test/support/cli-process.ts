/**
 * The compiled `ebpm` as a process of its own that a test can watch and signal while it runs: its output as it
 * comes, a wait for a line, its exit code. Each runs in a process group of its own, so that a signal reaches
 * the children it started (the Temporal server under `ebpm temporal start`). It runs the compiled file with node,
 * or, as the README runs it, through `npx ebpm` (then the group holds npx too).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../config/project-root.js';

export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Both streams as they arrived, interleaved. */
  output(): string;
  /** Resolves when stdout or stderr has matched `pattern`; rejects if the process ends first or after `ms`. */
  waitFor(pattern: RegExp, ms: number): Promise<void>;
  readonly exited: Promise<number | null>;
  /** Signals every process of the command's group. */
  signal(name: NodeJS.Signals): void;
  /** Whether any process of the group is still alive. */
  groupAlive(): boolean;
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv, { via = 'node' }: { via?: 'node' | 'npx' } = {}): CliProcess {
  const [command, commandArgs] = via === 'npx' ? ['npx', ['ebpm', ...args]] : [process.execPath, [join(projectRoot(), 'dist', 'cli', 'main.js'), ...args]];
  const child = spawn(command, commandArgs, { cwd: projectRoot(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let output = '';
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
    notify();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const describe = () => `ebpm ${args.join(' ')}; it printed:\n${stdout}\n${stderr}`;
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => output,
    exited,
    signal: (name) => process.kill(-child.pid!, name),
    groupAlive() {
      try {
        process.kill(-child.pid!, 0);
        return true;
      } catch {
        return false;
      }
    },
    waitFor(pattern, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stdout) && !pattern.test(stderr)) return;
          cleanUp();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanUp();
          reject(new Error(`no ${pattern} within ${ms} ms from ${describe()}`));
        }, ms);
        const cleanUp = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          cleanUp();
          reject(new Error(`the process ended (code ${code}) before printing ${pattern}: ${describe()}`));
        });
        check();
      });
    },
  };
}
