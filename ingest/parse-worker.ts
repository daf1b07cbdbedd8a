/**
 * Worker thread that reads, validates and encodes one input file in batches (parse-batches.ts) while the
 * main thread commits them: parsing and the database work side by side, and the worker's own heap limits
 * bound the memory the parsing can take. Protocol in parse-worker-client.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { applicantTarget, outcomeTarget, type BulkTarget } from './bulk-targets.js';
import { parseInBatches } from './parse-batches.js';
import type { ParseRequest, ParseWorkerMessage } from './parse-worker-client.js';
import { InputFormatError, openTable } from './read-table.js';

const port = parentPort;
if (!port) throw new Error('parse-worker.js runs as a worker thread; start it through ParseWorker');
const request = workerData as ParseRequest;
const post = (message: ParseWorkerMessage) => port.postMessage(message);

// The main thread grants one permit per batch it is ready for: one on opening, one after each commit.
let permits = 0;
let waiting: (() => void) | null = null;
port.on('message', () => {
  if (waiting) {
    const resume = waiting;
    waiting = null;
    resume();
  } else permits++;
});
const permit = (): Promise<void> => {
  if (permits > 0) {
    permits--;
    return Promise.resolve();
  }
  return new Promise((resolve) => (waiting = resolve));
};

try {
  const table = await openTable(request.path, { format: request.format, encoding: request.encoding, sheet: request.sheet });
  post({ type: 'opened', header: [...table.header], format: table.format, encoding: table.encoding, headerLines: table.headerLines });
  const target = (request.kind === 'applicants' ? applicantTarget : outcomeTarget) as BulkTarget<unknown>;
  await parseInBatches(table, target, request.resumeAfterLine ?? table.headerLines, request.batchSize, request.requiredByProgramme, async (batch) => {
    await permit();
    post({ type: 'batch', batch });
  });
  post({ type: 'done' });
} catch (error) {
  post({ type: 'failed', formatError: error instanceof InputFormatError, message: error instanceof Error ? error.message : String(error) });
}
