/**
 * `ebpm worker` as its own process, the way a deployment runs it, for tests that kill it: the compiled CLI
 * with the given environment, resolved once it polls its task queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../config/project-root.js';

export function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(projectRoot(), 'dist', 'cli', 'main.js'), 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Worker polling task queue')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`ebpm worker exited (code ${code}) before polling:\n${output}`)));
  });
}
