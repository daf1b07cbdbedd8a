/**
 * The main thread's side of the parse worker: starts it with its heap limits and passes its messages on
 * one at a time; the worker parses one batch ahead of the commits.
 */
import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../../runtime/compiled-module.js';
import { MessageQueue } from '../../runtime/message-queue.js';
import { ParseSessionError, type BatchSource, type ParseMessage, type ParseRequest } from './parse-session.js';

/**
 * Heap limits of the parse worker. The young generation is larger than Node's default because parsing
 * makes many short-lived objects: with the default, collecting them took a third of the parse time.
 * The old generation holds the duplicate-key index (tens of bytes per row) and two batches.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 1024 };

export class ParseWorker implements BatchSource {
  private readonly worker: Worker;
  private readonly messages = new MessageQueue<ParseMessage>();

  constructor(request: ParseRequest) {
    this.worker = new Worker(compiledSibling(import.meta.url, './parse-worker.js'), { workerData: request, resourceLimits: RESOURCE_LIMITS });
    this.worker.on('message', (message: ParseMessage) => this.messages.push(message));
    this.worker.on('error', (error: Error & { code?: string }) =>
      this.messages.fail(
        new ParseSessionError(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `reading ${request.path} needed more than ${RESOURCE_LIMITS.maxOldGenerationSizeMb} MB: XLSX workbooks are read whole, so save a large one as CSV (read in bounded memory) and load that`
            : `the parse worker stopped: ${error.message}`,
        ),
      ),
    );
    this.worker.on('exit', (code) => this.messages.fail(new ParseSessionError(`the parse worker exited (code ${code}) before finishing the file`)));
  }

  next(): Promise<ParseMessage> {
    return this.messages.next();
  }

  grant(resumeAfterLine?: number): void {
    this.worker.postMessage(resumeAfterLine === undefined ? 'continue' : { resumeAfterLine });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
