/**
 * COPY text gathered as UTF-8 bytes in chunks of about 256 KB, so that many rows go to PostgreSQL in few writes.
 * Used by the applicant parse (ingest/validating/parse-batches.ts) and by the review-sheet load
 * (review-sheets/sheet-copy-text.ts).
 */

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
 * The lines are joined as text and encoded every 16,384 characters: one encoding per few dozen lines, where writing
 * each field into a buffer as it came cost a call into the encoder per field (the review sheets' 3-1 and 5-1 of a
 * national year: 0.43 s and 0.39 s field by field, 0.22 s and 0.17 s joined). Encoded as it comes, the text does not
 * pile up: the text of a line is a tree of small strings that also holds on to the file text its fields were cut
 * from, and a batch of such trees surviving collections cost a fifth of the applicant parse (a 1,000,000-row parse:
 * 14.5 s with strings, 11.4 s with bytes). The bytes are gathered in one scratch buffer and each chunk is an exact
 * copy of its part: an applicant batch is posted from its worker thread by structured clone, which copies a view's
 * whole buffer.
 */
export class CopyTextChunks {
  private readonly chunks: Uint8Array[] = [];
  private current = '';
  private scratch: Buffer | null = null;
  private used = 0;
  rows = 0;

  /** One row's line of COPY text, its newline included. */
  add(line: string): void {
    this.current += line;
    this.rows++;
    if (this.current.length >= ENCODE_EVERY_CHARACTERS) this.encode();
  }

  /** The chunks filled so far, in order, handed over once: a long file's text can go to PostgreSQL as it is made. */
  drain(): Uint8Array[] {
    return this.chunks.splice(0);
  }

  /** Every line added and not yet drained, encoded, in order; the instance is spent. */
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
