/**
 * One file's parse, as a conversation with the thread that commits: 'opened' (the header and format),
 * then one 'batch' per permit, then 'done' (or 'failed'). The same session runs in the parse worker for
 * large files and in-process for small ones, where a worker's start would cost more than it saves.
 */
import type { FileDeclaration } from '../../programmes/file-declaration.js';
import { MessageQueue } from '../../runtime/message-queue.js';
import { bulkTargetFor } from './bulk-targets.js';
import { parseInBatches, type ParsedBatch } from '../validating/parse-batches.js';
import type { InputEncoding } from '../reading/read-csv.js';
import { InputFormatError, openTable, type InputFormat, type TableLayout, type TableStream } from '../reading/read-table.js';
import { expectedTable, type UnitConversion } from '../reading/index.js';

export interface ParseRequest {
  readonly path: string;
  /** What the programme's catalogue entry says about this kind of file. */
  readonly declaration: FileDeclaration;
  /** An outcome file's measure names in the order of their places in core.outcomes.measure_values (measure-slots.ts). */
  readonly measureSlots?: readonly (string | null)[];
  readonly format?: InputFormat;
  readonly encoding?: InputEncoding;
  readonly sheet?: string;
  /**
   * Lines already committed by an earlier attempt; null when starting afresh (after the header). When
   * absent, the first grant brings it: the committing side knows it only once the file is opened (a
   * workbook's identity includes the sheet chosen).
   */
  readonly resumeAfterLine?: number | null;
  readonly batchSize: number;
}

export type ParseMessage =
  | {
      readonly type: 'opened';
      readonly header: string[];
      readonly format: TableStream['format'];
      readonly encoding: TableStream['encoding'];
      readonly headerLines: number;
      readonly layout: TableLayout;
    }
  | { readonly type: 'batch'; readonly batch: ParsedBatch }
  | { readonly type: 'done'; readonly conversions: readonly UnitConversion[] }
  | { readonly type: 'failed'; readonly formatError: boolean; readonly message: string };

/** Where the committing side takes a session's messages from. */
export interface BatchSource {
  /** The next message; rejects if the parse died. */
  next(): Promise<ParseMessage>;
  /** Lets the parse hand over its next batch: one on opening (with the line to resume after), one after each commit. */
  grant(resumeAfterLine?: number): void;
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
  private resumeLine: number | undefined;
  private resumeWaiting: { resolve: (line: number) => void; reject: (error: Error) => void } | null = null;

  /** The line the first grant said to resume after. */
  resumeAfterLine(): Promise<number> {
    if (this.resumeLine !== undefined) return Promise.resolve(this.resumeLine);
    if (this.aborted) return Promise.reject(new ParseSessionError('the load was stopped'));
    return new Promise((resolve, reject) => (this.resumeWaiting = { resolve, reject }));
  }

  grant(resumeAfterLine?: number): void {
    if (resumeAfterLine !== undefined && this.resumeLine === undefined) {
      this.resumeLine = resumeAfterLine;
      this.resumeWaiting?.resolve(resumeAfterLine);
      this.resumeWaiting = null;
    }
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
    this.resumeWaiting?.reject(new ParseSessionError('the load was stopped'));
    this.resumeWaiting = null;
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

/** Runs one session: never throws, every outcome is a message. */
export async function runParseSession(request: ParseRequest, post: (message: ParseMessage) => void, permits: Permits): Promise<void> {
  try {
    const expected = expectedTable(request.declaration);
    const table = await openTable(request.path, { expected, format: request.format, encoding: request.encoding, sheet: request.sheet });
    post({ type: 'opened', header: [...table.header], format: table.format, encoding: table.encoding, headerLines: table.headerLines, layout: table.layout });
    const target = bulkTargetFor(request.declaration, request.measureSlots);
    const resumeAfterLine = request.resumeAfterLine !== undefined ? (request.resumeAfterLine ?? table.headerLines) : await permits.resumeAfterLine();
    await parseInBatches(table, target, resumeAfterLine, request.batchSize, async (batch) => {
      await permits.take();
      post({ type: 'batch', batch });
    });
    post({ type: 'done', conversions: table.conversions() });
  } catch (error) {
    post({ type: 'failed', formatError: error instanceof InputFormatError, message: error instanceof Error ? error.message : String(error) });
  }
}

/** The session on this thread, for files too small to be worth a worker. */
export class InProcessBatchSource implements BatchSource {
  private readonly messages = new MessageQueue<ParseMessage>();
  private readonly permits = new Permits();

  constructor(request: ParseRequest) {
    void runParseSession(request, (message) => this.messages.push(message), this.permits);
  }

  next(): Promise<ParseMessage> {
    return this.messages.next();
  }

  grant(resumeAfterLine?: number): void {
    this.permits.grant(resumeAfterLine);
  }

  async stop(): Promise<void> {
    this.permits.abort();
  }
}
