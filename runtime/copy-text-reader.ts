/**
 * Reading `COPY … TO STDOUT` in PostgreSQL's text format straight from the bytes: each line is handed over as
 * a range of a chunk, and numbers are parsed without first becoming strings. At 800,000 outcome rows,
 * turning every chunk into a string and every line into an array of field strings took a second of CPU,
 * more than the server took to produce them.
 */
import copyStreams from 'pg-copy-streams';
import type pg from 'pg';
import type { InternedIds } from './interned-ids.js';

const NEWLINE = 0x0a;
const TAB = 0x09;
const BACKSLASH = 0x5c;
/** How much of a line an error quotes. */
const QUOTED_BYTES = 200;

/** Runs the COPY and calls `onLine` with each line's bytes (`end` excludes the newline), however the chunks split them. */
export async function forEachCopyLine(client: pg.ClientBase, query: string, onLine: (bytes: Buffer, start: number, end: number) => void): Promise<void> {
  let carried: Buffer | null = null;
  for await (const chunk of client.query(copyStreams.to(query)) as AsyncIterable<Buffer>) {
    let start = 0;
    if (carried) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        carried = Buffer.concat([carried, chunk]);
        continue;
      }
      const line = Buffer.concat([carried, chunk.subarray(0, newline)]);
      carried = null;
      onLine(line, 0, line.length);
      start = newline + 1;
    }
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; start = end + 1, end = chunk.indexOf(NEWLINE, start)) onLine(chunk, start, end);
    // A copy: the chunk itself may be a view of a buffer the stream reuses.
    if (start < chunk.length) carried = Buffer.from(chunk.subarray(start));
  }
  if (carried) throw new Error(`COPY output ended in the middle of a line (${carried.length} bytes after the last newline); the connection was probably cut`);
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
