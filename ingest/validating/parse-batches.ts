/**
 * Turns an opened input table into batches ready for COPY: every record is validated, and lands either
 * in the batch's staged rows or in its quarantined rows, with counts for the file's account. Runs in the
 * parse worker (parse-worker.ts); no database here.
 */
import { PERSONAL_COLUMNS } from '../../schemas/applicant.js';
import type { BulkTarget } from '../loading/bulk-targets.js';
import { copyTextLine } from '../loading/copy-text.js';
import { storableJson } from '../reading/text-safety.js';
import { InputFormatError, type TableStream } from '../reading/read-table.js';
import { isRejected, type RawRecord, type RejectedRecord } from './validate-records.js';

/** The first batch is small, so the database starts work while the worker parses the rest. */
const FIRST_BATCH_ROWS = 5_000;

export interface ParsedBatch {
  /** COPY text of the staging table, UTF-8 encoded, in chunks. */
  readonly staged: readonly Uint8Array[];
  /** COPY text of (line_number, raw_record, reasons) for quarantine, UTF-8 encoded, in chunks. */
  readonly quarantined: readonly Uint8Array[];
  readonly loaded: number;
  readonly rejected: number;
  readonly withoutConsent: number;
  /** The last line the batch covers: after it commits, a retry resumes after this line. */
  readonly lastLine: number;
  /** Records read from the file so far, this batch included (skipped committed ones excluded). */
  readonly rowsRead: number;
}

/**
 * The text gathered is encoded once it holds this many characters. With Japanese text in the lines the joined string is
 * two-byte, and at 65,536 characters (128 KB) it is larger than V8's largest regular heap object, so it was made in the
 * large-object space (a 1,000,000-row applicant parse spent 1.6 s encoding 64K-character strings). Joining alone, timed
 * apart: 1.09 s at 65,536 characters, 0.43 s at 32,768, 0.24 s at 16,384.
 */
const ENCODE_EVERY_CHARACTERS = 1 << 14;

/** The encoded text is sent in chunks of about this many bytes, so a batch still takes few COPY messages. */
const CHUNK_BYTES = 1 << 18;

/**
 * COPY text accumulated in chunks of about 256 KB, so a batch is sent in few writes. The text is encoded to bytes
 * as it comes: the text of a line is a tree of small strings that also holds on to the file text its fields were
 * cut from, and a batch of such trees surviving collections cost a fifth of the parse time (a 1,000,000-row parse:
 * 14.5 s with strings, 11.4 s with bytes). The bytes are gathered in one scratch buffer and each chunk is an exact
 * copy of its part: a batch is posted from the worker by structured clone, which copies a view's whole buffer.
 */
class CopyText {
  readonly chunks: Uint8Array[] = [];
  private current = '';
  private scratch: Buffer | null = null;
  private used = 0;
  rows = 0;

  add(line: string): void {
    this.current += line;
    this.rows++;
    if (this.current.length >= ENCODE_EVERY_CHARACTERS) this.encode();
  }

  finish(): Uint8Array[] {
    this.encode();
    this.pushChunk();
    this.scratch = null;
    return this.chunks;
  }

  private pushChunk(): void {
    if (this.scratch && this.used > 0) this.chunks.push(new Uint8Array(this.scratch.subarray(0, this.used)));
    this.used = 0;
  }

  private encode(): void {
    if (this.current === '') return;
    // A UTF-16 code unit is at most three bytes of UTF-8.
    const most = this.current.length * 3;
    if (this.scratch && this.used + most > this.scratch.length) this.pushChunk();
    // Larger than a chunk only when the text gathered since the last encoding exceeds 87,381 characters (a very long line).
    if (!this.scratch || most > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, most));
    this.used += this.scratch.write(this.current, this.used);
    this.current = '';
  }
}

const WITHHELD = '[personal data withheld]';
const isPersonal = (column: string) => (PERSONAL_COLUMNS as readonly string[]).includes(column.trim());

/**
 * Quarantined rows keep every field but personal data, which is withheld (the sender has the original
 * file, and the line number finds the row in it). A record that cannot be matched to the header (wrong
 * field count, unreadable text) may have its fields shifted: when the file has personal columns, every
 * field from the first personal column's position on is withheld, and unreadable text entirely.
 */
function withoutPersonalData(raw: RejectedRecord['raw'], header: readonly string[], unreadable: boolean): RejectedRecord['raw'] {
  if (!Array.isArray(raw)) {
    const record = raw as Readonly<Record<string, string>>;
    return Object.fromEntries(Object.entries(record).map(([column, value]) => [column, isPersonal(column) && value ? WITHHELD : value]));
  }
  const firstPersonal = header.findIndex(isPersonal);
  if (firstPersonal === -1) return raw;
  if (unreadable) return [`[raw text withheld: the file has personal columns; the line number finds it in the original]`];
  return (raw as readonly string[]).map((value, index) => (index >= firstPersonal && value ? WITHHELD : value));
}

/**
 * Reads the table from the start and hands over a batch every `batchSize` records, waiting for `emit` to
 * resolve before the next one. Records up to `resumeAfterLine` were committed by an earlier attempt: they
 * are validated again (so a later duplicate of one is still caught) but not emitted.
 */
export async function parseInBatches<Row>(
  table: TableStream,
  target: BulkTarget<Row>,
  resumeAfterLine: number,
  batchSize: number,
  emit: (batch: ParsedBatch) => Promise<void>,
): Promise<void> {
  const validator = target.validator(table.header);
  let staged = new CopyText();
  let quarantined = new CopyText();
  let loaded = 0;
  let rejected = 0;
  let withoutConsent = 0;
  let lastLine = resumeAfterLine;
  let rowsRead = 0;
  let batchLimit = Math.min(batchSize, FIRST_BATCH_ROWS);

  const flush = async () => {
    if (staged.rows === 0 && quarantined.rows === 0) return;
    const batch: ParsedBatch = { staged: staged.finish(), quarantined: quarantined.finish(), loaded, rejected, withoutConsent, lastLine, rowsRead };
    staged = new CopyText();
    quarantined = new CopyText();
    loaded = rejected = withoutConsent = 0;
    batchLimit = batchSize;
    await emit(batch);
  };
  const quarantine = (record: RejectedRecord) => {
    const unreadable = record.reasons.some((reason) => reason.code === 'unparseable_csv');
    quarantined.add(copyTextLine([record.line, storableJson(withoutPersonalData(record.raw, table.header, unreadable)), storableJson(record.reasons)]));
    rejected++;
  };

  const records = table.records[Symbol.asyncIterator]();
  try {
    await readAll();
  } finally {
    // Closes the file when the load stops early.
    await records.return?.();
  }

  async function readAll(): Promise<void> {
    for (;;) {
      let next: IteratorResult<readonly RawRecord[]>;
      try {
        next = await records.next();
      } catch (error) {
        if (error instanceof InputFormatError) throw error;
        // A reader that stops part-way: keep what was read and quarantine the unreadable rest as one record.
        lastLine++;
        rowsRead++;
        quarantine({
          line: lastLine,
          raw: ['(unreadable remainder of the file)'],
          reasons: [{ code: 'unparseable_csv', field: null, message: `the file cannot be read from here on: ${(error as Error).message}` }],
        });
        break;
      }
      if (next.done) break;
      for (const record of next.value) {
        const result = validator.validate(record);
        if (record.line <= resumeAfterLine) continue;
        lastLine = record.line;
        rowsRead++;
        if (isRejected(result)) quarantine(result);
        else {
          staged.add(target.stagingLine(result.line, result.row));
          loaded++;
          if (target.withoutConsent(result.row)) withoutConsent++;
        }
        if (staged.rows + quarantined.rows >= batchLimit) await flush();
      }
    }
    await flush();
  }
}
