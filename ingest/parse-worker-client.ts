/**
 * The main thread's side of the parse worker: starts it, hands its messages over one at a time, and
 * grants it one batch ahead, so at most one batch is being committed and one being parsed.
 */
import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../runtime/compiled-module.js';
import type { ParsedBatch } from './parse-batches.js';
import type { InputEncoding } from './read-csv.js';
import type { InputFormat, TableStream } from './read-table.js';

export interface ParseRequest {
  readonly path: string;
  readonly kind: 'applicants' | 'outcomes';
  readonly format?: InputFormat;
  readonly encoding?: InputEncoding;
  readonly sheet?: string;
  /** Lines already committed by an earlier attempt; null when starting afresh (after the header). */
  readonly resumeAfterLine: number | null;
  readonly batchSize: number;
  /** Columns the programme's data requirements make required beyond the schema's. */
  readonly requiredByProgramme: readonly string[];
}

export type ParseWorkerMessage =
  | { readonly type: 'opened'; readonly header: string[]; readonly format: TableStream['format']; readonly encoding: TableStream['encoding']; readonly headerLines: number }
  | { readonly type: 'batch'; readonly batch: ParsedBatch }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly formatError: boolean; readonly message: string };

/**
 * Heap limits of the parse worker. The young generation is larger than Node's default because parsing
 * makes many short-lived objects: with the default, collecting them took a third of the parse time.
 * The old generation holds the duplicate-key index (tens of bytes per row) and two batches.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 1024 };

export class ParseWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseWorkerError';
  }
}

export class ParseWorker {
  private readonly worker: Worker;
  private readonly queue: ParseWorkerMessage[] = [];
  private waiting: { resolve: (message: ParseWorkerMessage) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(request: ParseRequest) {
    this.worker = new Worker(compiledSibling(import.meta.url, './parse-worker.js'), { workerData: request, resourceLimits: RESOURCE_LIMITS });
    this.worker.on('message', (message: ParseWorkerMessage) => {
      if (this.waiting) {
        const { resolve } = this.waiting;
        this.waiting = null;
        resolve(message);
      } else this.queue.push(message);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      if (this.waiting) {
        const { reject } = this.waiting;
        this.waiting = null;
        reject(this.failure);
      }
    };
    this.worker.on('error', (error: Error & { code?: string }) =>
      fail(
        new ParseWorkerError(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `reading ${request.path} needed more than ${RESOURCE_LIMITS.maxOldGenerationSizeMb} MB: XLSX workbooks are read whole, so save a large one as CSV (read in bounded memory) and load that`
            : `the parse worker stopped: ${error.message}`,
        ),
      ),
    );
    this.worker.on('exit', (code) => fail(new ParseWorkerError(`the parse worker exited (code ${code}) before finishing the file`)));
  }

  /** The next message; rejects if the worker died. */
  next(): Promise<ParseWorkerMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Lets the worker hand over its next batch. */
  grant(): void {
    this.worker.postMessage('continue');
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
