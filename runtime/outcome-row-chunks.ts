/**
 * The outcome rows of a `COPY … TO STDOUT` (unit id, fiscal year, then one field per measure) as typed columns, filled
 * a chunk at a time and handed over as parts of their own, which inUnitOrder (analysis/unit-ordered-outcomes.ts) puts
 * in place whatever their number: no column is ever copied into a larger one. Grown by doubling instead, the columns
 * of the 7.9 million outcome rows of 1,000,000 applicants (the study-1M bench) took 0.6 s of the read's thread to copy,
 * in fresh memory each time (bench/README.md, the section of 2026-12-07 from 13:17 UTC).
 */
import type { StoredOutcomeRows } from '../analysis/unit-ordered-outcomes.js';
import { CopyLineFields } from './copy-text-reader.js';
import type { InternedIds } from './interned-ids.js';

/** Sizes of the chunks, in rows: the first is small, so a small programme's read holds little it does not fill. */
export interface ChunkSizes {
  readonly first: number;
  /** Each chunk after the first holds twice the one before, up to this: 262,144 rows of one measure are 4 MiB. */
  readonly largest: number;
}

export const OUTCOME_CHUNK_SIZES: ChunkSizes = { first: 1 << 12, largest: 1 << 18 };

export class OutcomeRowChunks {
  private readonly full: StoredOutcomeRows[] = [];
  private chunk: StoredOutcomeRows;
  private rows = 0;
  private readonly fields = new CopyLineFields();

  constructor(
    private readonly measureCount: number,
    private readonly unitIds: InternedIds,
    private readonly sizes: ChunkSizes = OUTCOME_CHUNK_SIZES,
  ) {
    this.chunk = this.newChunk(sizes.first);
  }

  /** One COPY text line, bytes[start, end) without its newline. */
  addLine(bytes: Buffer, start: number, end: number): void {
    if (this.rows === this.chunk.fiscalYear.length) {
      this.full.push(this.chunk);
      this.chunk = this.newChunk(Math.min(this.sizes.largest, 2 * this.rows));
      this.rows = 0;
    }
    const { rowIds, fiscalYear, measures } = this.chunk;
    const fields = this.fields.line(bytes, start, end);
    rowIds[this.rows] = fields.internedIndex(this.unitIds);
    fiscalYear[this.rows] = fields.number();
    for (let m = 0; m < measures.length; m++) measures[m][this.rows] = fields.numberOrNull() ?? Number.NaN;
    this.rows++;
  }

  /** The rows added, in the order added, as parts: the full chunks, then a view of the rows of the last. */
  finish(): StoredOutcomeRows[] {
    const rows = this.rows;
    const last = this.chunk;
    return [...this.full, { rowIds: last.rowIds.subarray(0, rows), fiscalYear: last.fiscalYear.subarray(0, rows), measures: last.measures.map((column) => column.subarray(0, rows)) }];
  }

  private newChunk(rows: number): StoredOutcomeRows {
    return { rowIds: new Int32Array(rows), fiscalYear: new Int32Array(rows), measures: Array.from({ length: this.measureCount }, () => new Float64Array(rows)) };
  }
}
