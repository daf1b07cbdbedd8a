import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Tested as users run it: the compiled command (npm test compiles first).
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Runs `ebpm ARGS…` to completion and returns its exit status and output. */
export function ebpm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return ebpmWith({}, ...args);
}

/** The same with extra environment variables (DATABASE_URL, …). */
export function ebpmWith(environment: Readonly<Record<string, string>>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...environment } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
