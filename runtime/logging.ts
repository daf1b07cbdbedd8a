/**
 * The worker's log. EBPM_LOG_FORMAT=json writes one JSON object per line (time, level, message and the
 * fields: the ebpm run key, the workflow and activity ids where known) for a log collector; text, the
 * default, writes the plain lines a person reads. The Temporal SDK's own messages go through the same writer.
 */
import { Context } from '@temporalio/activity';
import type { LogLevel } from '@temporalio/common';
import type { LogEntry } from '@temporalio/worker';
import { format } from 'node:util';

export type LogFormat = 'text' | 'json';
export type LogFields = Readonly<Record<string, unknown>>;
export type LogSeverity = 'debug' | 'info' | 'warn' | 'error';

export interface WorkerLog {
  readonly format: LogFormat;
  write(level: LogSeverity, message: string, fields?: LogFields, time?: Date): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Errors as their name, message and stack (JSON.stringify would write `{}`), bigints as numbers. */
function jsonValue(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
  if (typeof value === 'bigint') return Number(value);
  return value;
}

function textValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value, jsonValue) ?? String(value);
}

/** A line written as one JSON object, or as the message followed by its fields as key=value. */
export function formatLogLine(logFormat: LogFormat, level: LogSeverity, message: string, fields: LogFields = {}, time = new Date()): string {
  const present = Object.entries(fields).filter(([, value]) => value !== undefined);
  if (logFormat === 'json') return JSON.stringify({ time: time.toISOString(), level, message, ...Object.fromEntries(present) }, jsonValue);
  return [message, ...present.map(([key, value]) => `${key}=${textValue(value)}`)].join(' ');
}

export function createWorkerLog(logFormat: LogFormat, output: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): WorkerLog {
  const write = (level: LogSeverity, message: string, fields?: LogFields, time?: Date) => output(formatLogLine(logFormat, level, message, fields, time));
  return {
    format: logFormat,
    write,
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

/** Writes nothing: for activities run outside a worker (scripts, tests, the in-process worker of `study`). */
export const silentLog: WorkerLog = createWorkerLog('text', () => undefined);

/** The workflow and activity a line was written in, when it was written inside an activity. */
export function activityFields(): LogFields {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return {};
  }
  const { info } = context;
  return {
    workflowId: info.workflowExecution?.workflowId,
    workflowRunId: info.workflowExecution?.runId,
    workflowType: info.workflowType,
    activityId: info.activityId,
    activityType: info.activityType,
    attempt: info.attempt,
  };
}

const SDK_SEVERITY: Record<LogLevel, LogSeverity> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The SDK's log entries in the worker's format, for `DefaultLogger`'s log function. The task token is left
 * out: an opaque base64 string as long as the rest of the line, of no use to a reader.
 */
export function sdkLogFunction(log: WorkerLog): (entry: LogEntry) => void {
  return (entry) => {
    const { taskToken: _taskToken, ...meta } = entry.meta ?? {};
    log.write(SDK_SEVERITY[entry.level], entry.message, meta, new Date(Number(entry.timestampNanos / 1_000_000n)));
  };
}

/**
 * Sends console output through the log, so that every line the worker writes (the database pool's warnings,
 * the bundler's) is a JSON object when the format is json.
 */
export function routeConsoleTo(log: WorkerLog): void {
  console.log = (...args: unknown[]) => log.info(format(...args));
  console.info = (...args: unknown[]) => log.info(format(...args));
  console.warn = (...args: unknown[]) => log.warn(format(...args));
  console.error = (...args: unknown[]) => log.error(format(...args));
}
