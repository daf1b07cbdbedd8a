/**
 * Reading `COPY … TO STDOUT` in PostgreSQL's text format straight from the bytes: each line is handed over as
 * a range of a chunk, and numbers are parsed without first becoming strings. At 800,000 outcome rows,
 * turning every chunk into a string and every line into an array of field strings took a second of CPU,
 * more than the server took to produce them.
 */
import type pg from 'pg';
import type { InternedIds } from './interned-ids.js';

const NEWLINE = 0x0a;
const TAB = 0x09;
const BACKSLASH = 0x5c;
/** How much of a line an error quotes. */
const QUOTED_BYTES = 200;

/**
 * Runs the COPY and calls `onLine` with each line's bytes (`end` excludes the newline), however the messages and the
 * socket's chunks split them. The protocol's messages are read here from the connection's socket, and each line is
 * passed on as a range of the chunk it arrived in: PostgreSQL sends a CopyData message per row, and pg-copy-streams,
 * which this used before, made a buffer of each message's contents and joined them into new buffers, as pg's own
 * parser also makes one per message; either took about 2 s of the 12–16 s read of the 7.9 million outcome rows of
 * 1,000,000 applicants on the reading thread (bench/README.md, the section of 2026-12-07 from 19:37 UTC).
 */
export function forEachCopyLine(client: pg.ClientBase, query: string, onLine: (bytes: Buffer, start: number, end: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // A submittable: pg sends the statement when the connection is free and hands this its messages (CopyOutLines).
    client.query(new CopyOutLines(query, onLine, (error) => (error ? reject(error) : resolve())));
  });
}

/** The statement's text was not a COPY … TO STDOUT: pg handed a message that only another statement gets. */
export class NotCopyOutError extends Error {
  constructor(
    readonly query: string,
    readonly found: string,
  ) {
    super(`${found}; forEachCopyLine runs a COPY … TO STDOUT statement, not: ${query.slice(0, 200)}`);
    this.name = 'NotCopyOutError';
  }
}

/** Message types of the protocol (its first byte) that the copy-out reads itself; at any other, the socket goes back to pg. */
const COPY_DATA = 0x64; // 'd'
const COPY_OUT_RESPONSE = 0x48; // 'H'
/** Sent at any time: a notice (dropped here, as pg-copy-streams did), a changed parameter, a notification. */
const ASYNCHRONOUS = new Set([0x4e, 0x53, 0x41]); // 'N', 'S', 'A'
/** A message's type byte and its length (which counts itself). */
const MESSAGE_HEADER = 5;

/** The part of pg's connection the copy-out uses: its socket, and sending the statement. */
interface CopyConnection {
  readonly stream: NodeJS.EventEmitter;
  query(text: string): void;
}

/**
 * What pg's client calls for an active query of its own making (a "submittable", as pg-copy-streams and pg-cursor are):
 * submit with the connection when it is this query's turn. From then the socket's bytes come here instead of to pg's
 * parser, up to the end of the copy (CopyDone) or an error (ErrorResponse); the bytes after are handed back to pg's
 * parser, which reads the statement's end (CommandComplete, ReadyForQuery) or the error and calls the handlers below.
 * A chunk's bytes are the socket's and valid only during the call: a message or line left unfinished is copied.
 */
class CopyOutLines implements pg.Submittable {
  private connection: CopyConnection | null = null;
  private pgListener: ((chunk: Buffer) => void) | null = null;
  private readonly ownListener = (chunk: Buffer) => this.read(chunk);
  /** An unfinished message's first bytes, from earlier chunks. */
  private pending: Buffer | null = null;
  /** An unfinished line's first bytes, from earlier messages. */
  private carried: Buffer | null = null;
  private failure: Error | null = null;
  private settled = false;

  constructor(
    readonly text: string,
    private readonly onLine: (bytes: Buffer, start: number, end: number) => void,
    private readonly settle: (error: Error | null) => void,
  ) {}

  /** An error returned, as pg's own queries return one, is handed to handleError by pg. */
  submit(connection: pg.Connection): Error | undefined {
    const copyConnection = connection as unknown as CopyConnection;
    const listeners = copyConnection.stream.listeners('data');
    if (listeners.length !== 1) return new Error(`pg's connection has ${listeners.length} readers of its socket where forEachCopyLine expects its parser alone`);
    this.connection = copyConnection;
    this.pgListener = listeners[0] as (chunk: Buffer) => void;
    copyConnection.stream.removeListener('data', this.pgListener);
    copyConnection.stream.on('data', this.ownListener);
    copyConnection.query(this.text);
    return undefined;
  }

  /** CopyData that pg's parser reads: after a statement timeout pg's client gave up on (handleError), the rest of the output. */
  handleCopyData(): void {}

  handleCommandComplete(): void {
    if (this.carried && !this.failure) this.failure = new Error(`COPY output ended in the middle of a line (${this.carried.length} bytes after the last newline)`);
  }

  handleReadyForQuery(): void {
    this.finish(this.failure);
  }

  handleError(error: Error): void {
    // Before the socket is handed back (a connection lost, a statement timeout): the socket is pg's again, with the
    // unfinished message's bytes, so that its parser goes on from a message's start.
    const pending = this.pending;
    this.pending = null;
    this.handBack(pending);
    // A connection lost gets no ReadyForQuery after it: the error settles the read now (with what went wrong first).
    this.finish(this.failure ?? error);
  }

  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    this.failure ??= new NotCopyOutError(this.text, 'the server asked for data to copy in');
    connection.sendCopyFail('forEachCopyLine reads COPY … TO STDOUT only');
  }

  handleRowDescription(): void {
    this.failure ??= new NotCopyOutError(this.text, 'the statement returns rows');
  }

  handleDataRow(): void {}

  handleEmptyQuery(): void {
    this.failure ??= new NotCopyOutError(this.text, 'the statement is empty');
  }

  handlePortalSuspended(): void {}

  private finish(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(error);
  }

  /** Gives the socket back to pg's parser, with the bytes it has not read (null: none). */
  private handBack(rest: Buffer | null): void {
    const connection = this.connection;
    const pgListener = this.pgListener;
    if (!connection || !pgListener) return;
    this.connection = null;
    this.pgListener = null;
    connection.stream.removeListener('data', this.ownListener);
    connection.stream.on('data', pgListener);
    if (rest && rest.length > 0) pgListener(rest);
  }

  private read(socketChunk: Buffer): void {
    let chunk = socketChunk;
    if (this.pending) {
      // Only the rest of the unfinished message is joined to it, not the whole chunk.
      const joined = this.completed(this.pending, chunk);
      if (joined === null) return;
      this.pending = null;
      const { message, used } = joined;
      if (!this.message(message, 0, message.length)) {
        this.handBack(Buffer.concat([message, chunk.subarray(used)]));
        return;
      }
      chunk = chunk.subarray(used);
    }
    let at = 0;
    while (at + MESSAGE_HEADER <= chunk.length) {
      const size = 1 + chunk.readUInt32BE(at + 1);
      if (at + size > chunk.length) break;
      if (!this.message(chunk, at, size)) {
        this.handBack(chunk.subarray(at));
        return;
      }
      at += size;
    }
    if (at < chunk.length) this.pending = Buffer.from(chunk.subarray(at));
  }

  /**
   * The unfinished message `pending` completed from the start of `chunk`, and how many of the chunk's bytes that took;
   * null when the chunk does not finish it (then it is kept, longer, for the next).
   */
  private completed(pending: Buffer, chunk: Buffer): { message: Buffer; used: number } | null {
    const header = pending.length >= MESSAGE_HEADER ? pending : Buffer.concat([pending, chunk.subarray(0, MESSAGE_HEADER - pending.length)]);
    if (header.length < MESSAGE_HEADER) {
      this.pending = header;
      return null;
    }
    const size = 1 + header.readUInt32BE(1);
    const needed = size - pending.length;
    if (needed > chunk.length) {
      this.pending = Buffer.concat([pending, chunk]);
      return null;
    }
    return { message: Buffer.concat([pending, chunk.subarray(0, needed)]), used: needed };
  }

  /**
   * Reads the whole message at bytes[at, at + size) (`size` counts its type byte, as the caller found it); false when
   * the copy's messages end with it, and the socket goes back to pg from it: at CopyDone, at an ErrorResponse, and at
   * any message a COPY … TO STDOUT does not send (another statement's rows, its end), which pg's parser then reads and
   * the handlers above refuse.
   */
  private message(bytes: Buffer, at: number, size: number): boolean {
    const type = bytes[at];
    if (type === COPY_DATA) {
      if (!this.failure) this.lines(bytes, at + MESSAGE_HEADER, at + size);
      return true;
    }
    return type === COPY_OUT_RESPONSE || ASYNCHRONOUS.has(type);
  }

  private lines(bytes: Buffer, from: number, to: number): void {
    try {
      let start = from;
      if (this.carried) {
        const newline = bytes.indexOf(NEWLINE, start);
        if (newline === -1 || newline >= to) {
          this.carried = Buffer.concat([this.carried, bytes.subarray(start, to)]);
          return;
        }
        const line = Buffer.concat([this.carried, bytes.subarray(start, newline)]);
        this.carried = null;
        this.onLine(line, 0, line.length);
        start = newline + 1;
      }
      // PostgreSQL sends a row per message, so the line ends where the message does; anything else is read the long way.
      if (to > start && bytes[to - 1] === NEWLINE && bytes.indexOf(NEWLINE, start) === to - 1) {
        this.onLine(bytes, start, to - 1);
        return;
      }
      for (let end = bytes.indexOf(NEWLINE, start); end !== -1 && end < to; start = end + 1, end = bytes.indexOf(NEWLINE, start)) this.onLine(bytes, start, end);
      if (start < to) this.carried = Buffer.from(bytes.subarray(start, to));
    } catch (error) {
      // The rest of the output is read and dropped; the error is given when the statement ends.
      this.failure = error instanceof Error ? error : new Error(String(error));
    }
  }
}

/**
 * Where the field after `start` ends: at the next tab or at `end`. A loop over the bytes rather than
 * `Buffer.indexOf`: the fields are a few bytes long, and each call into indexOf cost more than the scan.
 */
export function fieldEnd(bytes: Buffer, start: number, end: number): number {
  let at = start;
  while (at < end && bytes[at] !== TAB) at++;
  return at;
}

/**
 * The fields of one COPY text line, taken in order: one reader for every line, so that no array of field strings
 * is made per line (at 1,000,000 applications, splitting each line took 1.3 s), and each text field becomes a
 * string of its own rather than a slice of the line's (slices are slower as map keys).
 */
export class CopyLineFields {
  private bytes: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  private next = 0;
  private fieldStart = 0;
  private fieldStop = 0;

  /** Starts on the line bytes[start, end). */
  line(bytes: Buffer, start: number, end: number): this {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.next = start;
    return this;
  }

  text(): string {
    this.advance();
    return copyTextValue(this.bytes.toString('utf8', this.fieldStart, this.fieldStop));
  }

  number(): number {
    this.advance();
    return parseDecimal(this.bytes, this.fieldStart, this.fieldStop);
  }

  /** The field as an id of `ids`: its index there, the id made a string only the first time it is met. */
  internedIndex(ids: InternedIds): number {
    this.advance();
    return ids.indexOf(this.bytes, this.fieldStart, this.fieldStop);
  }

  numberOrNull(): number | null {
    this.advance();
    return isNullField(this.bytes, this.fieldStart, this.fieldStop) ? null : parseDecimal(this.bytes, this.fieldStart, this.fieldStop);
  }

  /** The line for an error message: its first 200 bytes or so, cut between characters, never inside one. */
  private quoted(): string {
    if (this.end - this.start <= QUOTED_BYTES) return this.bytes.toString('utf8', this.start, this.end);
    let cut = this.start + QUOTED_BYTES;
    // UTF-8 continuation bytes are 10xxxxxx: step back to the first byte of the character the cut falls in.
    while (cut > this.start && (this.bytes[cut] & 0xc0) === 0x80) cut--;
    return `${this.bytes.toString('utf8', this.start, cut)}…`;
  }

  private advance(): void {
    if (this.next > this.end) throw new Error(`a COPY line has fewer fields than its query selects: ${this.quoted()}`);
    this.fieldStart = this.next;
    this.fieldStop = fieldEnd(this.bytes, this.fieldStart, this.end);
    this.next = this.fieldStop + 1;
  }
}

/** The text format's NULL, `\N`. */
export function isNullField(bytes: Buffer, start: number, end: number): boolean {
  return end - start === 2 && bytes[start] === BACKSLASH && bytes[start + 1] === 0x4e;
}

const COPY_TEXT_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' };

/** A text field as its value, backslash escapes undone (ids rarely have any). */
export function copyTextValue(field: string): string {
  return field.includes('\\') ? field.replace(/\\(.)/g, (_, char: string) => COPY_TEXT_ESCAPES[char] ?? char) : field;
}

export class NotANumberFieldError extends Error {
  constructor(readonly text: string) {
    super(`the database returned "${text}" where a finite number was expected`);
    this.name = 'NotANumberFieldError';
  }
}

/** Powers of ten that are exact doubles. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Significant digits whose integer is below 2⁵³, so it is held exactly. */
const EXACT_DIGITS = 15;

/**
 * A decimal number's nearest double, as Number() would give it. Plain decimals of up to 15 significant
 * digits and 22 decimal places (nearly all measures) are an exact integer divided by an exact power of ten,
 * which IEEE division rounds correctly (Clinger's fast path); anything else goes through Number().
 */
export function parseDecimal(bytes: Buffer, start: number, end: number): number {
  let i = start;
  const negative = bytes[i] === 0x2d;
  if (negative) i++;
  let significand = 0;
  let significantDigits = 0;
  let decimals = -1;
  let digits = 0;
  for (; i < end; i++) {
    const byte = bytes[i];
    if (byte >= 0x30 && byte <= 0x39) {
      digits++;
      if (significand !== 0 || byte !== 0x30) significantDigits++;
      significand = significand * 10 + (byte - 0x30);
      if (decimals >= 0) decimals++;
    } else if (byte === 0x2e && decimals < 0) {
      decimals = 0;
    } else {
      break;
    }
  }
  if (i === end && digits > 0 && significantDigits <= EXACT_DIGITS && decimals <= 22) {
    const value = decimals > 0 ? significand / EXACT_POWERS_OF_TEN[decimals] : significand;
    return negative ? -value : value;
  }
  const text = bytes.toString('latin1', start, end);
  const value = Number(text);
  // NaN and ±Infinity too: a float8 (or numeric) column can hold them, and no measure or amount is one.
  if (!Number.isFinite(value) || text.trim() === '') throw new NotANumberFieldError(text);
  return value;
}
