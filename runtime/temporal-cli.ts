/**
 * Finds the Temporal CLI (which carries the dev server), building it from the Go module proxy when it is
 * missing and Go is available. Without Go, the SDK's own download is used instead (needs internet).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** v1.6+ carries a `replace` directive and cannot be go-installed. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export type TemporalExecutable =
  | { readonly type: 'existing-path'; readonly path: string }
  | { readonly type: 'cached-download'; readonly downloadDir: string };

export function localCliPath(toolsDir: string): string {
  return join(toolsDir, 'bin', 'temporal');
}

function onPath(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = result.stdout.trim();
  return result.status === 0 && path ? path : undefined;
}

/** The CLI to start, without installing anything. */
export function findTemporalCli(toolsDir: string): string | undefined {
  if (process.env.TEMPORAL_CLI_PATH && existsSync(process.env.TEMPORAL_CLI_PATH)) return process.env.TEMPORAL_CLI_PATH;
  const local = localCliPath(toolsDir);
  if (existsSync(local)) return local;
  return undefined;
}

export class TemporalInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalInstallError';
  }
}

/** Builds the CLI into <toolsDir>/bin with `go install`, printing progress lines through `log`. */
export async function installTemporalCli(toolsDir: string, log: (line: string) => void): Promise<string> {
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new TemporalInstallError('Go is not installed, so the Temporal CLI cannot be built here');
  const binDir = join(toolsDir, 'bin');
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${binDir} (first time only; ~8 minutes on 2 cores, ~250 MB)…`);
  const started = Date.now();
  const child = spawn(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: binDir, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ticker = setInterval(() => log(`  still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)…`), 30_000);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  if (code !== 0) throw new TemporalInstallError(`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${code}):\n${output.slice(-4000)}`);
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s.`);
  return localCliPath(toolsDir);
}

/** The CLI if present, else built with Go, else the SDK's cached download. */
export async function resolveTemporalExecutable(toolsDir: string, log: (line: string) => void): Promise<TemporalExecutable> {
  const found = findTemporalCli(toolsDir);
  if (found) return { type: 'existing-path', path: found };
  try {
    return { type: 'existing-path', path: await installTemporalCli(toolsDir, log) };
  } catch (error) {
    if (!(error instanceof TemporalInstallError) || !error.message.startsWith('Go is not installed')) throw error;
    log('Go is not installed: letting the Temporal SDK download the dev server instead (needs internet).');
    return { type: 'cached-download', downloadDir: join(toolsDir, 'temporal-download') };
  }
}
