/**
 * The thread large review-sheet files are parsed on (parse-thread.ts), one after another: each file starts afresh
 * (`start`), takes its pieces in order (or, asked for a `file`, reads them itself) and sends back the rows' and the quarantined records' COPY text each completes,
 * then at the end the rest with their counts, then, a few chunks each time it is asked, a 3-1 file's derived tables
 * (its indicators by year, its indicators). Every outcome is a message; a failure is the last of its file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { failureOf, type ParseThreadData, type ParseThreadMessage, type ParseThreadRequest } from './parse-thread-messages.js';
import { SheetCopyText, type DerivedTable } from './sheet-copy-text.js';

const port = parentPort!;

/** The pieces a file read here whole is parsed in, as the load's activity reads a file (activities/review-sheets.ts). */
const WHOLE_FILE_PIECE_BYTES = 1 << 20;

/** Derived chunks sent per request: about 1 MB, so the activity's thread holds little ahead of its COPY. */
const DERIVED_CHUNKS_PER_MESSAGE = 4;

/** Chunks are moved, not copied: each owns its buffer (CopyTextChunks makes them so). */
function post(message: ParseThreadMessage, chunks: readonly Uint8Array[] = []): void {
  port.postMessage(message, chunks.map((chunk) => chunk.buffer as ArrayBuffer));
}

/** The file being read: null before the first and after `release`, or when it was refused at its start. */
let text: SheetCopyText | null = null;
/** Derived tables are asked for only once the rows are done. */
let rowsDone = false;
/** Each derived table's text, from its first request on. */
const derived = new Map<DerivedTable, Iterator<Uint8Array>>();
/** The file failed: its later requests are not answered (the activity's thread stops at the failure). */
let failed = false;

function fail(error: unknown): void {
  failed = true;
  post({ failure: failureOf(error) });
}

/** The file before is let go of, so that an idle thread holds nothing of it (a 3-1 file's indicators by year). */
function startFile(next: ParseThreadData | null): void {
  text = null;
  rowsDone = false;
  derived.clear();
  failed = false;
  if (next === null) return;
  try {
    text = new SheetCopyText(next.fileName, next.sha256);
  } catch (error) {
    fail(error);
  }
}

/** The text a piece completes, sent at once. */
function parsePiece(file: SheetCopyText, piece: Uint8Array): void {
  const rowChunks = file.push(piece);
  const quarantineChunks = file.quarantineChunks();
  post({ rowChunks, quarantineChunks, pieceDone: true }, [...rowChunks, ...quarantineChunks]);
}

/** The rest of the text and the counts, once every piece is parsed. */
function parseEnd(file: SheetCopyText): void {
  const rowChunks = file.end();
  const quarantineChunks = file.finishQuarantine();
  post({ rowChunks, quarantineChunks, rowsDone: { rows: file.rows, quarantined: file.quarantined } }, [...rowChunks, ...quarantineChunks]);
  rowsDone = true;
}

/**
 * A file read, hashed and parsed here to its end, its text sent piece by piece as it is made: its reader (the command
 * making a file's text ahead of its load, encoding-ahead.ts) may be busy for a while, and the thread does not wait for it.
 */
function parseWholeFile(path: string, fileName: string): void {
  let bytes: Uint8Array;
  let sha256: string;
  try {
    bytes = readFileSync(path);
    sha256 = createHash('sha256').update(bytes).digest('hex');
  } catch (error) {
    startFile(null);
    return fail(error);
  }
  startFile({ fileName, sha256 });
  const file = text;
  if (failed || !file) return;
  const pieces = Math.ceil(bytes.length / WHOLE_FILE_PIECE_BYTES);
  post({ digest: { sha256, pieces } });
  try {
    for (let at = 0; at < bytes.length; at += WHOLE_FILE_PIECE_BYTES) parsePiece(file, bytes.subarray(at, at + WHOLE_FILE_PIECE_BYTES));
    parseEnd(file);
  } catch (error) {
    fail(error);
  }
}

port.on('message', (request: ParseThreadRequest) => {
  if ('start' in request) return startFile(request.start);
  if ('release' in request) return startFile(null);
  if ('file' in request) return parseWholeFile(request.file.path, request.file.fileName);
  if (failed || !text) return;
  try {
    if ('piece' in request) parsePiece(text, request.piece);
    else if ('end' in request) parseEnd(text);
    else {
      if (!rowsDone) throw new Error(`${request.derived} was asked for before the rows were done`);
      let chunks = derived.get(request.derived);
      if (!chunks) {
        chunks = text.derivedChunks(request.derived);
        derived.set(request.derived, chunks);
      }
      // One reply per request: the next few chunks, or, once none is left, the count.
      const derivedChunks: Uint8Array[] = [];
      for (let next = chunks.next(); !next.done; next = chunks.next()) {
        derivedChunks.push(next.value);
        if (derivedChunks.length === DERIVED_CHUNKS_PER_MESSAGE) break;
      }
      if (derivedChunks.length) post({ derivedChunks }, derivedChunks);
      else post({ derivedDone: { rows: text.derivedRows(request.derived) } });
    }
  } catch (error) {
    fail(error);
  }
});
// A message that cannot be read would otherwise leave the activity's thread waiting for an answer that never comes.
port.on('messageerror', (error) => fail(error));
