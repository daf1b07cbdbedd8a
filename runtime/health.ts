/**
 * Whether a worker can do its work: it polls its task queue, and Temporal and Postgres answer. Each check
 * is cheap and bounded by a timeout, so a health probe never hangs on a dead service.
 */
import type { Connection } from '@temporalio/client';
import pg from 'pg';

export type ComponentHealth = 'ok' | string;

export interface WorkerHealth {
  readonly healthy: boolean;
  /** The worker's state (RUNNING while it polls its task queue). */
  readonly worker: string;
  readonly temporal: ComponentHealth;
  readonly postgres: ComponentHealth;
  /** The components that failed, e.g. ['postgres']. */
  readonly failing: readonly string[];
}

export interface HealthSources {
  readonly workerState: () => string;
  /** The client connection to Temporal (its gRPC health service is asked). */
  readonly temporal: Connection;
  readonly databaseUrl: string;
  readonly timeoutMs?: number;
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A fresh connection rather than one from the worker's pool: a pool busy with a long load is not a dead database. */
async function checkPostgres(url: string, timeoutMs: number): Promise<ComponentHealth> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  // A connection cut by the server after connecting would otherwise end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (error) {
    return message(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkTemporal(connection: Connection, timeoutMs: number): Promise<ComponentHealth> {
  try {
    const response = await connection.withDeadline(Date.now() + timeoutMs, () => connection.healthService.check({}));
    // 1 is SERVING in grpc.health.v1.
    return response.status === 1 ? 'ok' : `Temporal's health service answered status ${String(response.status)}`;
  } catch (error) {
    return message(error);
  }
}

export async function checkWorkerHealth(sources: HealthSources): Promise<WorkerHealth> {
  const timeoutMs = sources.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const [temporal, postgres] = await Promise.all([checkTemporal(sources.temporal, timeoutMs), checkPostgres(sources.databaseUrl, timeoutMs)]);
  const worker = sources.workerState();
  const failing = [...(worker === 'RUNNING' ? [] : ['worker']), ...(temporal === 'ok' ? [] : ['temporal']), ...(postgres === 'ok' ? [] : ['postgres'])];
  return { healthy: failing.length === 0, worker, temporal, postgres, failing };
}
