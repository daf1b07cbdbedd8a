/**
 * Turns an opened input table into batches ready for COPY: every record is validated, and lands either
 * in the batch's staged rows or in its quarantined rows, with counts for the file's account. Runs in the
 * parse worker (parse-worker.ts); no database here.
 */
import { PERSONAL_COLUMNS } from '../../schemas/applicant.js';
import type { BulkTarget } from '../loading/bulk-targets.js';
import { copyTextLine } from '../loading/copy-text.js';
import { CopyTextChunks } from '../loading/copy-text-chunks.js';
import { storableJson } from './text-safety.js';
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
  let staged = new CopyTextChunks();
  let quarantined = new CopyTextChunks();
  let loaded = 0;
  let rejected = 0;
  let withoutConsent = 0;
  let lastLine = resumeAfterLine;
  let rowsRead = 0;
  let batchLimit = Math.min(batchSize, FIRST_BATCH_ROWS);

  const flush = async () => {
    if (staged.rows === 0 && quarantined.rows === 0) return;
    const batch: ParsedBatch = { staged: staged.finish(), quarantined: quarantined.finish(), loaded, rejected, withoutConsent, lastLine, rowsRead };
    staged = new CopyTextChunks();
    quarantined = new CopyTextChunks();
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
