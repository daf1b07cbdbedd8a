/**
 * A Temporal connection for the CLI, the demo and the tests: the server named by TEMPORAL_ADDRESS,
 * or a dev server started here on a free port and stopped by `close()`.
 */
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EBPM_METRIC_NAMES, STEP_DURATION_BUCKETS } from './ebpm-metrics.js';
import { resolveTemporalExecutable, type TemporalExecutable } from './temporal-cli.js';

let runtimeInstalled = false;

export interface TemporalRuntimeOptions {
  /** Serve the SDK's metrics (and ebpm's, recorded on its meter) in Prometheus text at this host:port. */
  readonly prometheusBindAddress?: string;
  /** Write the SDK's log entries (and, forwarded, its native core's) through this function instead of to stderr. */
  readonly logFunction?: (entry: LogEntry) => void;
  /** Signals on which the SDK shuts its workers down itself; its default (SIGINT, SIGTERM, …) when absent. */
  readonly shutdownSignals?: NodeJS.Signals[];
}

/**
 * Installs the SDK runtime with a logger at EBPM_TEMPORAL_LOG_LEVEL (default WARN), so worker life-cycle
 * chatter does not drown the progress lines. Must run before the first connection; later calls are no-ops
 * (the SDK allows one runtime per process), so `ebpm worker` calls it first, with its metrics and log options.
 */
export function installTemporalRuntime(options: TemporalRuntimeOptions = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.EBPM_TEMPORAL_LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level, options.logFunction),
    ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}),
    telemetryOptions: {
      // The native core's messages go through the same log function when there is one, so that they share its format.
      ...(options.logFunction ? { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } } : {}),
      ...(options.prometheusBindAddress
        ? { metrics: { prometheus: { bindAddress: options.prometheusBindAddress, histogramBucketOverrides: { [EBPM_METRIC_NAMES.stepDuration]: STEP_DURATION_BUCKETS } } } }
        : {}),
    },
  });
}

export interface TemporalSession {
  readonly address: string;
  readonly namespace: string;
  readonly client: Client;
  /** The client's connection (its health service tells whether the server answers). */
  readonly connection: Connection;
  readonly nativeConnection: NativeConnection;
  /** True when this session started the dev server itself. */
  readonly startedDevServer: boolean;
  close(): Promise<void>;
}

export class TemporalUnavailableError extends Error {
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(
      `cannot reach Temporal at ${address}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Check TEMPORAL_ADDRESS, or unset it to let ebpm start a local dev server.',
      { cause },
    );
    this.name = 'TemporalUnavailableError';
  }
}

export async function connectTemporal(address: string, namespace: string): Promise<TemporalSession> {
  installTemporalRuntime();
  try {
    const connection = await Connection.connect({ address, connectTimeout: '10 seconds' });
    const nativeConnection = await NativeConnection.connect({ address });
    return {
      address,
      namespace,
      client: new Client({ connection, namespace }),
      connection,
      nativeConnection,
      startedDevServer: false,
      async close() {
        await nativeConnection.close();
        await connection.close();
      },
    };
  } catch (error) {
    throw new TemporalUnavailableError(address, error);
  }
}

/**
 * A client for a command that follows a run (its result, progress, status) and retries by the clock itself (see
 * cli/follow-workflow.ts). Its calls are not retried by the SDK: those retries are timed apart from the caller, and
 * one pending when the command closes its connection ends the process ("Channel has been shut down"). It tries
 * to reconnect at most every 2 s, so that it finds a restarted server soon after it answers.
 */
export async function connectFollower(address: string, namespace: string): Promise<{ readonly client: Client; close(): Promise<void> }> {
  installTemporalRuntime();
  try {
    const connection = await Connection.connect({
      address,
      connectTimeout: '10 seconds',
      interceptors: [],
      channelArgs: { 'grpc.initial_reconnect_backoff_ms': 500, 'grpc.max_reconnect_backoff_ms': 2_000 },
    });
    return { client: new Client({ connection, namespace }), close: () => connection.close() };
  } catch (error) {
    throw new TemporalUnavailableError(address, error);
  }
}

export interface DevServerOptions {
  readonly toolsDir: string;
  readonly namespace: string;
  readonly log: (line: string) => void;
  /** Persist history to this SQLite file; in memory when absent. */
  readonly dbFilename?: string;
  readonly port?: number;
  readonly ui?: boolean;
}

/**
 * The dev server prints a start-up banner on stdout, which it shares with us: it would corrupt `--json` output.
 * A small wrapper in the tools folder runs the CLI with its stdout discarded (errors still reach stderr). The
 * SDK's own download (no Go here) is left as it is.
 */
function withoutBanner(executable: TemporalExecutable, toolsDir: string): TemporalExecutable {
  if (executable.type !== 'existing-path') return executable;
  const wrapper = join(toolsDir, 'bin', 'temporal-quiet');
  const script = `#!/bin/sh\nexec '${executable.path.replace(/'/g, `'\\''`)}' "$@" >/dev/null\n`;
  try {
    let current = '';
    try {
      current = readFileSync(wrapper, 'utf8');
    } catch {
      // Not written yet.
    }
    if (current !== script) {
      mkdirSync(join(toolsDir, 'bin'), { recursive: true });
      writeFileSync(wrapper, script, { mode: 0o755 });
    }
    return { type: 'existing-path', path: wrapper };
  } catch {
    // A read-only tools folder: run the CLI itself, banner and all.
    return executable;
  }
}

export async function startDevServer(options: DevServerOptions): Promise<TemporalSession> {
  installTemporalRuntime();
  const executable = withoutBanner(await resolveTemporalExecutable(options.toolsDir, options.log), options.toolsDir);
  const started = Date.now();
  const environment = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      namespace: options.namespace,
      ip: '127.0.0.1',
      ...(options.port ? { port: options.port } : {}),
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      ...(options.ui ? { ui: true } : {}),
      log: { format: 'pretty', level: 'error' },
    },
  });
  options.log(`Temporal dev server ready at ${environment.address} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return {
    address: environment.address,
    namespace: options.namespace,
    client: environment.client,
    connection: environment.connection,
    nativeConnection: environment.nativeConnection,
    startedDevServer: true,
    close: () => environment.teardown(),
  };
}

/** TEMPORAL_ADDRESS when set, else a dev server of our own. */
export async function openTemporal(options: { address: string | undefined } & DevServerOptions): Promise<TemporalSession> {
  if (options.address) return connectTemporal(options.address, options.namespace);
  return startDevServer(options);
}
