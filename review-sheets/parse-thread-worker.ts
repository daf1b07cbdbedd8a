/**
 * The thread a large review-sheet file is parsed on (parse-thread.ts): takes the file's pieces in order, sends back the
 * COPY text each completes, then at the end the rest with the rows' count and the quarantined records, then a 3-1
 * file's indicator values. Every outcome is a message; a failure is the last one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { failureOf, type ParseThreadData, type ParseThreadMessage, type ParseThreadRequest } from './parse-thread-messages.js';
import { SheetCopyText } from './sheet-copy-text.js';

const { fileName, sha256 } = workerData as ParseThreadData;
const port = parentPort!;

/** Chunks are moved, not copied: each owns its buffer (CopyTextChunks makes them so). */
function post(message: ParseThreadMessage, chunks: readonly Uint8Array[] = []): void {
  port.postMessage(message, chunks.map((chunk) => chunk.buffer as ArrayBuffer));
}

let text: SheetCopyText | null = null;
let failed = false;
try {
  text = new SheetCopyText(fileName, sha256);
} catch (error) {
  failed = true;
  post({ failure: failureOf(error) });
}

port.on('message', (request: ParseThreadRequest) => {
  if (failed || !text) return;
  try {
    if ('piece' in request) {
      const rowChunks = text.push(request.piece);
      post({ rowChunks, pieceDone: true }, rowChunks);
      return;
    }
    const rowChunks = text.end();
    post({ rowChunks, rowsDone: { rows: text.rows, quarantined: text.quarantined } }, rowChunks);
    let valueChunks: Uint8Array[] = [];
    for (const chunk of text.valueChunks()) {
      valueChunks.push(chunk);
      if (valueChunks.length >= 4) {
        post({ valueChunks }, valueChunks);
        valueChunks = [];
      }
    }
    if (valueChunks.length) post({ valueChunks }, valueChunks);
    post({ valuesDone: { rows: text.indicatorValueRows } });
  } catch (error) {
    failed = true;
    post({ failure: failureOf(error) });
  }
});
