/** Worker thread for readCsvColumnsInParallel: parses one byte range of the shared file buffer. */
import { parentPort, workerData } from 'node:worker_threads';
import { CsvRowError, parseRows, type CsvColumnsRequest } from './csv-columns.js';

const { buffer, start, end, header, request } = workerData as {
  buffer: SharedArrayBuffer;
  start: number;
  end: number;
  header: string[];
  request: CsvColumnsRequest;
};

try {
  const chunk = parseRows(new Uint8Array(buffer), start, end, header, request);
  parentPort?.postMessage(chunk, chunk.columns.map((column) => column.values.buffer as ArrayBuffer));
} catch (error) {
  parentPort?.postMessage({
    error: error instanceof CsvRowError ? { chunkLine: error.chunkLine, detail: error.detail } : { message: error instanceof Error ? error.message : String(error) },
  });
}
