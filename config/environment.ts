/**
 * Settings from the environment, validated once. Defaults suit a laptop with a local Postgres.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { projectRoot } from './project-root.js';

export const environmentSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/ebpm')
    .default('postgres://postgres@127.0.0.1:5432/ebpm'),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  EBPM_TASK_QUEUE: z.string().min(1).default('ebpm-evaluation'),
  EBPM_DATA_DIR: z.string().min(1).optional(),
  EBPM_TOOLS_DIR: z.string().min(1).optional(),
  EBPM_INPUT_DIR: z.string().min(1).optional().or(z.literal('').transform(() => undefined)),
  EBPM_MIN_CELL_UNITS: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of firms, e.g. 10')
    .transform(Number)
    .optional(),
  EBPM_INGEST_BATCH_ROWS: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number of rows, e.g. 50000')
    .transform(Number)
    .optional(),
  EBPM_BI_READER_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional().or(z.literal('').transform(() => undefined)),
  EBPM_MAX_CONCURRENT_ACTIVITIES: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number of activities, e.g. 4')
    .transform(Number)
    .optional(),
  EBPM_METRICS_PORT: z
    .string()
    .regex(/^\d+$/, 'must be a TCP port, e.g. 9464')
    .transform(Number)
    .refine((port) => port >= 1 && port <= 65_535, 'must be a TCP port between 1 and 65535')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  EBPM_LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  EBPM_SHUTDOWN_GRACE: z
    .string()
    .regex(/^\d+(ms|s|m)?$/, 'must be a duration: seconds, or a number with ms, s or m, e.g. 30s')
    .transform(durationMilliseconds)
    .optional(),
  EBPM_HEARTBEAT_TIMEOUT_SECONDS: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number of seconds, e.g. 120')
    .transform(Number)
    .optional(),
  EBPM_RECONNECT_SECONDS: z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a whole number of seconds, e.g. 300')
    .transform(Number)
    .optional(),
});

/** `30`, `30s`, `500ms` or `2m` in milliseconds (a bare number is seconds). */
function durationMilliseconds(text: string): number {
  const [, amount, unit] = /^(\d+)(ms|s|m)?$/.exec(text)!;
  return Number(amount) * (unit === 'ms' ? 1 : unit === 'm' ? 60_000 : 1_000);
}

export interface EbpmEnvironment {
  readonly databaseUrl: string;
  readonly temporalAddress: string | undefined;
  readonly temporalNamespace: string;
  readonly taskQueue: string;
  readonly dataDir: string;
  readonly toolsDir: string;
  /** Disclosure minimum for public views (default 10, kept in the database). */
  readonly minCellUnits: number | undefined;
  /** Password that lets the read-only bi_reader role log in; without it the role cannot log in. */
  readonly biReaderPassword: string | undefined;
  /** Rows per committed ingest batch (default 50,000): a crash loses at most one batch of work. */
  readonly ingestBatchRows: number | undefined;
  /** The only directory workers read input files from; unset, they read any path they can. */
  readonly inputDir: string | undefined;
  /** Activities one worker runs at once (each analysis holds one programme's panel in memory); 4 when absent. */
  readonly maxConcurrentActivities: number | undefined;
  /** Where `ebpm worker` serves /metrics and /healthz; not served when absent (`--metrics-port` overrides). */
  readonly metricsPort: number | undefined;
  /** How the worker writes its log: one JSON object per line, or plain text. */
  readonly logFormat: 'text' | 'json';
  /** How long a stopping worker lets running activities finish before cancelling them (milliseconds); 30 s when absent. */
  readonly shutdownGraceMs: number | undefined;
  /**
   * How long a loading, KPI or estimation attempt of a study started here, or a file's load or the views' refresh of a
   * review-sheet load started here, may stay silent (no heartbeat) before it counts as lost and is retried; the
   * workflows' 2 minutes when absent.
   */
  readonly heartbeatTimeoutSeconds: number | undefined;
  /** How long a command following a run waits for a Temporal server that stopped answering; 300 s when absent. */
  readonly reconnectSeconds: number | undefined;
}

export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

export function readEnvironment(source: NodeJS.ProcessEnv = process.env): EbpmEnvironment {
  const parsed = environmentSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message} (got "${String(source[String(issue.path[0])])}")`);
    throw new EnvironmentError(`invalid environment: ${problems.join('; ')}`);
  }
  const root = projectRoot();
  return {
    databaseUrl: parsed.data.DATABASE_URL,
    temporalAddress: parsed.data.TEMPORAL_ADDRESS,
    temporalNamespace: parsed.data.TEMPORAL_NAMESPACE,
    taskQueue: parsed.data.EBPM_TASK_QUEUE,
    dataDir: parsed.data.EBPM_DATA_DIR ?? join(root, '.data'),
    toolsDir: parsed.data.EBPM_TOOLS_DIR ?? join(root, '.tools'),
    biReaderPassword: parsed.data.EBPM_BI_READER_PASSWORD,
    minCellUnits: parsed.data.EBPM_MIN_CELL_UNITS,
    ingestBatchRows: parsed.data.EBPM_INGEST_BATCH_ROWS,
    inputDir: parsed.data.EBPM_INPUT_DIR,
    maxConcurrentActivities: parsed.data.EBPM_MAX_CONCURRENT_ACTIVITIES,
    metricsPort: parsed.data.EBPM_METRICS_PORT,
    logFormat: parsed.data.EBPM_LOG_FORMAT,
    shutdownGraceMs: parsed.data.EBPM_SHUTDOWN_GRACE,
    heartbeatTimeoutSeconds: parsed.data.EBPM_HEARTBEAT_TIMEOUT_SECONDS,
    reconnectSeconds: parsed.data.EBPM_RECONNECT_SECONDS,
  };
}

/**
 * The workflow input's heartbeatTimeout from EBPM_HEARTBEAT_TIMEOUT_SECONDS; nothing (the workflow's default) when
 * unset.
 */
export function heartbeatTimeout(environment: Pick<EbpmEnvironment, 'heartbeatTimeoutSeconds'>): { heartbeatTimeout?: string } {
  return environment.heartbeatTimeoutSeconds ? { heartbeatTimeout: `${environment.heartbeatTimeoutSeconds} seconds` } : {};
}
