/**
 * Worker thread of a large CSV file's reading (startReadingCsvColumns): reads the second half of the file into the shared buffer
 * while the main thread reads the first, then parses from where the main thread says that half's rows
 * start, into the shared columns it sends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CsvRowError, parseRows, readRange, type ChunkRequest, type ChunkWorkerData, type WorkerChunkResult } from './csv-columns.js';

const { descriptor, buffer, from, to } = workerData as ChunkWorkerData;
const bytes = new Uint8Array(buffer);

let readTo = -1;
let readError: string | null = null;
try {
  readTo = readRange(descriptor, bytes, from, to);
} catch (error) {
  readError = error instanceof Error ? error.message : String(error);
}

parentPort?.once('message', ({ start, header, request, destination }: ChunkRequest) => {
  let result: WorkerChunkResult;
  if (readError !== null || readTo < to) {
    result = { error: { message: readError ?? 'the file became shorter while it was read; read it again once it is complete' } };
  } else {
    try {
      // bytes[to] is the sentinel newline the main thread set after the data.
      result = parseRows(bytes, start, to, header, request, destination);
    } catch (error) {
      result = {
        error: error instanceof CsvRowError ? { chunkLine: error.chunkLine, detail: error.detail } : { message: error instanceof Error ? error.message : String(error) },
      };
    }
  }
  // The values are views of the shared columns: posting them shares, not copies.
  parentPort?.postMessage(result);
});
