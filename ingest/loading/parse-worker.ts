/**
 * Worker thread that runs one parse session (parse-session.ts) while the main thread commits its
 * batches: parsing and the database work side by side, and the worker's own heap limits bound the memory
 * the parsing can take. The main thread's side is parse-worker-client.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Permits, runParseSession, type ParseRequest } from './parse-session.js';

const port = parentPort;
if (!port) throw new Error('parse-worker.js runs as a worker thread; start it through ParseWorker');
const permits = new Permits();
port.on('message', (message: 'continue' | { resumeAfterLine: number }) => permits.grant(typeof message === 'object' ? message.resumeAfterLine : undefined));
await runParseSession(workerData as ParseRequest, (message) => port.postMessage(message), permits);
