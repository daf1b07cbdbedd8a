/**
 * The thread large review-sheet files are parsed on (parse-thread.ts), one after another: each file starts afresh
 * (`start`), takes its pieces in order (or, given a `file` on disk, hashes it, then reads and parses its pieces when
 * asked) and sends back the rows' and the quarantined records' COPY text each completes, then at the end the rest with
 * their counts, then, a few chunks each time it is asked, a 3-1 file's derived tables
 * (its indicators by year, its indicators). Every outcome is a message; a failure is the last of its file.
 */
import { createHash } from 'node:crypto';
import { fstatSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { FILE_PIECE_BYTES } from './file-pieces.js';
import { failureOf, ReviewFileChangedError, type ParseThreadData, type ParseThreadMessage, type ParseThreadRequest } from './parse-thread-messages.js';
import { SheetCopyText, type DerivedTable } from './sheet-copy-text.js';

const port = parentPort!;

/** Derived chunks sent per request: about 1 MB, so the activity's thread holds little ahead of its COPY. */
const DERIVED_CHUNKS_PER_MESSAGE = 4;

/** Chunks are moved, not copied: each owns its buffer (CopyTextChunks makes them so). */
function post(message: ParseThreadMessage, chunks: readonly Uint8Array[] = []): void {
  port.postMessage(message, chunks.map((chunk) => chunk.buffer as ArrayBuffer));
}

/** The file being read: null before the first and after `release`, or when it was refused at its start. */
let text: SheetCopyText | null = null;
/** A file on disk hashed here (`file`), until it is parsed or let go of. */
let onDisk: { readonly fd: number; readonly fileName: string; readonly bytes: number; readonly size: number; readonly mtimeMs: number; readonly ctimeMs: number; readTo: number } | null = null;
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
  onDisk = null;
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

/** The buffer a file on disk is read into, a piece at a time, by both passes (made once per thread, then reused). */
let pieceBuffer: Uint8Array | null = null;

/**
 * Reads the piece of the file at `position` into the thread's buffer, filling it unless the file ends first: both
 * passes over a file cut the same pieces. Reused, never freshly allocated: on the project's machines each new page
 * costs a fault of about 10 µs, and a national 5-1 file read into a buffer of its own took 0.34 s (a CPU profile of
 * 2026-12-07).
 */
function readPiece(fd: number, position: number): Uint8Array {
  pieceBuffer ??= new Uint8Array(FILE_PIECE_BYTES);
  let filled = 0;
  while (filled < FILE_PIECE_BYTES) {
    const read = readSync(fd, pieceBuffer, filled, FILE_PIECE_BYTES - filled, position + filled);
    if (read === 0) break;
    filled += read;
  }
  return pieceBuffer.subarray(0, filled);
}

/**
 * A file on disk hashed here, off the activity's thread, a piece at a time: its digest is sent, and the file waits to
 * be read again and parsed (`pieceOnDisk` or `parseWhole`), which its load asks for unless the file was loaded before.
 * The caller opened the descriptor and closes it when it lets go of the file.
 */
function hashFileOnDisk(fd: number, fileName: string): void {
  let sha256: string;
  let before: { readonly size: number; readonly mtimeMs: number; readonly ctimeMs: number };
  let bytes = 0;
  let pieces = 0;
  try {
    before = fstatSync(fd);
    const hash = createHash('sha256');
    for (let piece = readPiece(fd, 0); piece.length > 0; piece = readPiece(fd, bytes)) {
      hash.update(piece);
      bytes += piece.length;
      pieces++;
    }
    sha256 = hash.digest('hex');
  } catch (error) {
    startFile(null);
    return fail(error);
  }
  startFile({ fileName, sha256 });
  if (failed || !text) return;
  onDisk = { fd, fileName, bytes, size: before.size, mtimeMs: before.mtimeMs, ctimeMs: before.ctimeMs, readTo: 0 };
  post({ digest: { sha256, pieces } });
}

/**
 * The next piece of the file hashed by hashFileOnDisk, read again and parsed (read again rather than held: a national
 * 5-1 file is about 58 MB). A file that ends before the bytes hashed is refused here (ReviewFileChangedError); one
 * changed otherwise, at its end (endOfFile).
 */
function parsePieceOnDisk(file: SheetCopyText, disk: NonNullable<typeof onDisk>): void {
  if (disk.readTo >= disk.bytes) throw new Error(`a piece of ${disk.fileName} was asked for past the ${disk.bytes} bytes hashed`);
  const piece = readPiece(disk.fd, disk.readTo);
  if (piece.length === 0) throw new ReviewFileChangedError(disk.fileName);
  disk.readTo += piece.length;
  parsePiece(file, piece);
}

/**
 * The end of a file: for one hashed here, every byte hashed read again and its size, modification time and change
 * time as when it was hashed, else it is refused (ReviewFileChangedError), as its text might not be of the bytes
 * hashed. The change time catches a rewrite whose modification time was set back (`cp -p`, `touch -r`).
 */
function endOfFile(file: SheetCopyText): void {
  const disk = onDisk;
  if (disk) {
    onDisk = null;
    const after = fstatSync(disk.fd);
    const changed = disk.readTo !== disk.bytes || after.size !== disk.size || after.mtimeMs !== disk.mtimeMs || after.ctimeMs !== disk.ctimeMs;
    if (changed) throw new ReviewFileChangedError(disk.fileName);
  }
  parseEnd(file);
}

/** A file on disk's pieces from the next one to the end, each piece's text sent as it is made, without being asked. */
function parseRestOnDisk(file: SheetCopyText): void {
  const disk = onDisk;
  if (!disk) throw new Error('parseWhole was asked for with no file hashed');
  while (disk.readTo < disk.bytes) parsePieceOnDisk(file, disk);
  endOfFile(file);
}

port.on('message', (request: ParseThreadRequest) => {
  if ('start' in request) return startFile(request.start);
  if ('release' in request) return startFile(null);
  if ('file' in request) return hashFileOnDisk(request.file.fd, request.file.fileName);
  if (failed || !text) return;
  try {
    if ('piece' in request) parsePiece(text, request.piece);
    else if ('pieceOnDisk' in request) {
      if (!onDisk) throw new Error('a piece on disk was asked for with no file hashed');
      parsePieceOnDisk(text, onDisk);
    } else if ('parseWhole' in request) parseRestOnDisk(text);
    else if ('end' in request) endOfFile(text);
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
