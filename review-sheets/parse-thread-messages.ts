/**
 * What the activity's thread and a review-sheet file's parse thread (parse-thread.ts, parse-thread-worker.ts) say to
 * each other, and a failure in the thread carried over as the error it was.
 */
import { ReviewHeaderError } from './header-check.js';
import type { ReviewTable } from './published-headers.js';
import type { DerivedTable } from './sheet-copy-text.js';
import { ReviewCsvError, UnsupportedReviewTableError } from './read-file.js';

/** The file a parse thread is to read next. */
export interface ParseThreadData {
  readonly fileName: string;
  readonly sha256: string;
}

/**
 * A file to start (a thread reads one file after another, parse-thread.ts keeping it between files) or to read and
 * parse whole, a piece of it to parse, its end, (once the rows are done) the next few chunks of a derived table's text, or the file let go of while
 * the thread waits for the next.
 */
export type ParseThreadRequest =
  | { readonly start: ParseThreadData }
  /**
   * A file on disk (a descriptor the caller opened, and closes once the thread has let go of the file) that the thread
   * reads and hashes itself: answered by its digest and how many pieces it will be parsed in. It is then read again
   * and parsed a piece at a time (`pieceOnDisk`, then `end`), or all at once (`parseWhole`), or let go of with the file.
   */
  | { readonly file: { readonly fd: number; readonly fileName: string } }
  /** The next piece of the file hashed by `file`, read and parsed: answered as `piece` is. */
  | { readonly pieceOnDisk: true }
  /** The rest of the file hashed by `file`, read and parsed to its end: answered as `piece` is for each piece, then as `end` is. */
  | { readonly parseWhole: true }
  | { readonly piece: Uint8Array }
  | { readonly end: true }
  | { readonly derived: DerivedTable }
  | { readonly release: true };

/** A failure in the thread, as the class the load tells apart (a refusal of the file, or anything else) and its fields. */
export type ParseThreadFailure =
  | { readonly kind: 'header'; readonly fileName: string; readonly table: ReviewTable; readonly missing: readonly string[]; readonly unexpected: readonly string[]; readonly misplaced: readonly string[]; readonly fiscalYears: string | null }
  | { readonly kind: 'csv'; readonly fileName: string; readonly cause: string }
  | { readonly kind: 'table'; readonly fileName: string; readonly table: string }
  | { readonly kind: 'changed'; readonly fileName: string }
  | { readonly kind: 'other'; readonly name: string; readonly message: string; readonly stack?: string };

export type ParseThreadMessage =
  /** A `file`'s SHA-256 (hex), and the pieces `parseWhole` will answer with, each in a message of its own before the end's. */
  | { readonly digest: { readonly sha256: string; readonly pieces: number } }
  /** The rows' and the quarantined records' COPY text a piece completed, after the piece is parsed. */
  | { readonly rowChunks: readonly Uint8Array[]; readonly quarantineChunks: readonly Uint8Array[]; readonly pieceDone: true }
  /** The rest of both texts and their counts: the rows are done. */
  | { readonly rowChunks: readonly Uint8Array[]; readonly quarantineChunks: readonly Uint8Array[]; readonly rowsDone: { readonly rows: number; readonly quarantined: number } }
  /** The next few chunks of a derived table's COPY text (sheet-copy-text.ts, DERIVED), as asked for, then its count. */
  | { readonly derivedChunks: readonly Uint8Array[] }
  | { readonly derivedDone: { readonly rows: number } }
  | { readonly failure: ParseThreadFailure };

/**
 * A file on disk whose size, modification time or change time changed between its digest and the end of its parse (it
 * was being written, or rewritten in place): its text might not be of the bytes hashed, so nothing of it is stored. Not a refusal
 * of the file: the load's activity is tried again, and reads the file afresh.
 */
export class ReviewFileChangedError extends Error {
  constructor(readonly fileName: string) {
    super(
      `${fileName} changed while it was being loaded (its size, modification time or change time is not what it was when it was hashed), so nothing of it was stored; ` +
        'the load tries it again from its start: if it is still being written or copied, let that finish and load it again',
    );
    this.name = 'ReviewFileChangedError';
  }
}

export function failureOf(error: unknown): ParseThreadFailure {
  if (error instanceof ReviewHeaderError) {
    const { fileName, table, missing, unexpected, misplaced, fiscalYears } = error;
    return { kind: 'header', fileName, table, missing, unexpected, misplaced, fiscalYears };
  }
  if (error instanceof ReviewCsvError) return { kind: 'csv', fileName: error.fileName, cause: error.cause instanceof Error ? error.cause.message : String(error.cause) };
  if (error instanceof UnsupportedReviewTableError) return { kind: 'table', fileName: error.fileName, table: error.table };
  if (error instanceof ReviewFileChangedError) return { kind: 'changed', fileName: error.fileName };
  if (error instanceof Error) return { kind: 'other', name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { kind: 'other', name: 'Error', message: String(error) };
}

/**
 * The error the thread raised, as the same class with the same message, so the load tells refusals apart as before;
 * an error of another kind names the file it was parsing.
 */
export function errorOf(failure: ParseThreadFailure, fileName: string): Error {
  switch (failure.kind) {
    case 'header':
      return new ReviewHeaderError(failure.fileName, failure.table, failure.missing, failure.unexpected, failure.misplaced, failure.fiscalYears);
    case 'csv':
      return new ReviewCsvError(failure.fileName, new Error(failure.cause));
    case 'table':
      return new UnsupportedReviewTableError(failure.fileName, failure.table);
    case 'changed':
      return new ReviewFileChangedError(failure.fileName);
    case 'other': {
      // The thread's own error, with its stack, as the cause; the stack of this one is where the load received it.
      const cause = new Error(failure.message);
      cause.name = failure.name;
      if (failure.stack) cause.stack = failure.stack;
      return new Error(`the review-sheet parse thread failed on ${fileName}: ${failure.message}`, { cause });
    }
  }
}
