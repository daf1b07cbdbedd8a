/**
 * One file's parse, as a conversation with the thread that commits: 'opened' (the header and format),
 * then one 'batch' per permit, then 'done' (or 'failed'). The same session runs in the parse worker for
 * large files and in-process for small ones, where a worker's start would cost more than it saves.
 */
import type { FileDeclaration } from '../programmes/file-declaration.js';
import { bulkTargetFor } from './bulk-targets.js';
import { parseInBatches, type ParsedBatch } from './parse-batches.js';
import type { InputEncoding } from './read-csv.js';
import { InputFormatError, openTable, type InputFormat, type TableStream } from './read-table.js';

export interface ParseRequest {
  readonly path: string;
  /** What the programme's catalogue entry says about this kind of file. */
  readonly declaration: FileDeclaration;
  readonly format?: InputFormat;
  readonly encoding?: InputEncoding;
  readonly sheet?: string;
  /** Lines already committed by an earlier attempt; null when starting afresh (after the header). */
  readonly resumeAfterLine: number | null;
  readonly batchSize: number;
}

export type ParseMessage =
  | { readonly type: 'opened'; readonly header: string[]; readonly format: TableStream['format']; readonly encoding: TableStream['encoding']; readonly headerLines: number }
  | { readonly type: 'batch'; readonly batch: ParsedBatch }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly formatError: boolean; readonly message: string };

/** Where the committing side takes a session's messages from. */
export interface BatchSource {
  /** The next message; rejects if the parse died. */
  next(): Promise<ParseMessage>;
  /** Lets the parse hand over its next batch: one on opening, one after each commit. */
  grant(): void;
  stop(): Promise<void>;
}

export class ParseSessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseSessionError';
  }
}

/** Batches the committing side has allowed and the parse has not yet used. */
export class Permits {
  private available = 0;
  private waiting: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private aborted = false;

  grant(): void {
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve();
    } else this.available++;
  }

  /** The committing side gave up: the parse stops at its next batch (and closes the file). */
  abort(): void {
    this.aborted = true;
    this.waiting?.reject(new ParseSessionError('the load was stopped'));
    this.waiting = null;
  }

  take(): Promise<void> {
    if (this.aborted) return Promise.reject(new ParseSessionError('the load was stopped'));
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }
}

/** Messages handed over one at a time, in order; a failure rejects the waiting reader and all later reads. */
export class MessageQueue {
  private readonly queue: ParseMessage[] = [];
  private waiting: { resolve: (message: ParseMessage) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;

  push(message: ParseMessage): void {
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve(message);
    } else this.queue.push(message);
  }

  fail(error: Error): void {
    this.failure ??= error;
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = null;
      reject(this.failure);
    }
  }

  next(): Promise<ParseMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }
}

/** Runs one session: never throws, every outcome is a message. */
export async function runParseSession(request: ParseRequest, post: (message: ParseMessage) => void, permits: Permits): Promise<void> {
  try {
    const table = await openTable(request.path, { format: request.format, encoding: request.encoding, sheet: request.sheet });
    post({ type: 'opened', header: [...table.header], format: table.format, encoding: table.encoding, headerLines: table.headerLines });
    const target = bulkTargetFor(request.declaration);
    await parseInBatches(table, target, request.resumeAfterLine ?? table.headerLines, request.batchSize, async (batch) => {
      await permits.take();
      post({ type: 'batch', batch });
    });
    post({ type: 'done' });
  } catch (error) {
    post({ type: 'failed', formatError: error instanceof InputFormatError, message: error instanceof Error ? error.message : String(error) });
  }
}

/** The session on this thread, for files too small to be worth a worker. */
export class InProcessBatchSource implements BatchSource {
  private readonly messages = new MessageQueue();
  private readonly permits = new Permits();

  constructor(request: ParseRequest) {
    void runParseSession(request, (message) => this.messages.push(message), this.permits);
  }

  next(): Promise<ParseMessage> {
    return this.messages.next();
  }

  grant(): void {
    this.permits.grant();
  }

  async stop(): Promise<void> {
    this.permits.abort();
  }
}
