/**
 * Worker thread of a large CSV file's reading (parallel-reading.ts): reads the second half of the file into the shared
 * buffer while the calling thread reads the first, then, told which columns to read, takes chunks of rows from the
 * back (chunk-claims.ts) until it meets the calling thread, and posts what it read.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkClaims, HALF_FAILED, HALF_READ } from './chunk-claims.js';
import { CR, CsvRowError, LF, UnclosedQuoteError, readRange } from './csv-columns.js';
import { destinationRows, parseChunk, rowBoundOf, type ChunkRequest, type ChunkWorkerData, type ParsedPart, type WorkerChunkResult } from './chunk-parts.js';

const { descriptor, buffer, claims: claimsBuffer, chunkBytes, from, to } = workerData as ChunkWorkerData;
const bytes = new Uint8Array(buffer);
const claims = new ChunkClaims(claimsBuffer, bytes, from, chunkBytes);

let readError: string | null = null;
try {
  if (readRange(descriptor, bytes, from, to) < to) readError = 'the file became shorter while it was read; read it again once it is complete';
} catch (error) {
  readError = error instanceof Error ? error.message : String(error);
}
claims.markHalf('upper', readError === null ? HALF_READ : HALF_FAILED);

/**
 * Chunks from the back, each parsed into a scratch array per column and its rows then copied below the rows of the
 * chunk after it: the shared columns hold the worker's rows without gaps, ending at the data's row bound, where the
 * calling thread's rows end too when the bound is exact (see rowBoundOf).
 */
function takeChunks({ header, request, columns, capacity, dataStart }: ChunkRequest): WorkerChunkResult {
  const parts: ParsedPart[] = [];
  // The file's final line break ends its last row and starts none: counted, it would leave a row's gap to close.
  const rowsEnd = bytes[to - 1] === LF || bytes[to - 1] === CR ? to - 1 : to;
  // Both bounds hold for every range of rows, so either keeps the two threads' rows apart (parallel-reading.ts).
  let top = Math.min(capacity, rowBoundOf(bytes, dataStart, rowsEnd));
  let scratch: Float64Array[] = [];
  for (let chunk = claims.claimBack(); chunk; chunk = claims.claimBack()) {
    const rowsNeeded = destinationRows(chunk, to, header.length);
    if (scratch.length === 0 || scratch[0].length < rowsNeeded) scratch = columns.map(() => new Float64Array(rowsNeeded));
    let part: ParsedPart;
    try {
      part = parseChunk(bytes, chunk, to, header, request, scratch, 0);
    } catch (error) {
      if (error instanceof UnclosedQuoteError) return { unclosedQuote: true };
      if (error instanceof CsvRowError) return { error: { start: chunk.start, chunkLine: error.chunkLine, detail: error.detail } };
      throw error;
    }
    top -= part.rowCount;
    columns.forEach((column, index) => column.set(scratch[index].subarray(0, part.rowCount), top));
    parts.push(part);
  }
  return { parts: parts.reverse(), top };
}

parentPort?.once('message', (message: ChunkRequest) => {
  let result: WorkerChunkResult;
  try {
    result = readError !== null ? { error: { message: readError } } : takeChunks(message);
  } catch (error) {
    result = { error: { message: error instanceof Error ? error.message : String(error) } };
  }
  // The columns are shared: posting the result sends the parts' bounds and text ids, never the rows.
  parentPort?.postMessage(result);
});
