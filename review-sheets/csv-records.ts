/**
 * CSV records (RFC 4180) from text that arrives in pieces, each with the line it starts on (line 1 is the first).
 * Fields may be quoted, with "" for a quote and line breaks inside; a quote inside an unquoted field is kept as
 * text; empty lines are skipped; records may differ in length (the caller judges that). A record split between
 * two pieces waits for the next one, so a file of any size is read in pieces of fixed size.
 *
 * Nothing in the text stops the reading, as with applicant files (ingest/reading/csv-records.ts): a field whose
 * closing quote is followed by more text ("引用"符株式会社) is read as unquoted text, its quotes kept; a quote never
 * closed, or not closed within MAX_RECORD_CHARACTERS, makes the line the record starts on an unreadable record
 * (handed over with its raw text and what was wrong, for the caller to quarantine), and reading goes on at the
 * next line.
 *
 * Written here rather than taken from csv-parse, which ebpm uses elsewhere: at the national scale of the review
 * sheets (3-1 ≈ 118,000 records of 82 columns) csv-parse took 12 s for the 41 MB file where this takes under 1 s,
 * and the load's target is 15 s for the whole year.
 */

/**
 * The longest record read: far beyond any published one (a 3-1 record of 82 columns with its free text is a few
 * thousand characters), and it bounds what a stray quote makes the reader hold and scan again piece after piece.
 */
export const MAX_RECORD_CHARACTERS = 1 << 20;

/** How much of an unreadable record's first line is kept for the quarantine. */
export const UNREADABLE_TEXT_KEPT = 2_000;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

export type RecordHandler = (cells: string[], line: number) => void;

/**
 * A record that cannot be read as CSV: the start of its first line (at most UNREADABLE_TEXT_KEPT characters), the
 * line, what was wrong.
 */
export type UnreadableHandler = (text: string, line: number, problem: string) => void;

export interface RecordHandlers {
  readonly record: RecordHandler;
  readonly unreadable: UnreadableHandler;
}

/** Where the line holding `from` ends: its first CR or LF, or the end of the text (one scan, which stops there). */
function lineEndFrom(s: string, from: number): number {
  let end = from;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    if (c === LF || c === CR) break;
    end++;
  }
  return end;
}

/** Where `character` first is at or after `from`, or the text's length when it is not there. */
function indexOrEnd(s: string, character: string, from: number): number {
  const at = s.indexOf(character, from);
  return at === -1 ? s.length : at;
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

export class CsvRecordReader {
  /** Text from the start of a record not yet complete. */
  private pending = '';
  /** The line the pending text starts on. */
  private line = 1;
  /** An unreadable record's first line has not ended yet: what comes up to its end belongs to it. */
  private skippingLine = false;

  /** Hands over every record that the text so far completes. */
  push(text: string, handlers: RecordHandlers): void {
    this.parse(this.pending + text, false, handlers);
  }

  /** Hands over the last record (a quoted field left open makes it unreadable). */
  end(handlers: RecordHandlers): void {
    this.parse(this.pending, true, handlers);
    this.pending = '';
  }

  private parse(text: string, final: boolean, handlers: RecordHandlers): void {
    let s = text;
    if (this.skippingLine) {
      const lineEnd = lineEndFrom(s, 0);
      if (lineEnd === s.length) {
        this.pending = '';
        this.skippingLine = !final;
        return;
      }
      // The line break stays: it ends the line as any other does.
      s = s.slice(lineEnd);
      this.skippingLine = false;
    }
    const n = s.length;
    let i = 0;
    let line = this.line;
    // Where the next quote, CR and LF are, at or after i (n: none), each found again only once i has passed it, so that
    // the text is searched once whatever it holds: the record on one line that holds no quote and no CR but the one
    // before its LF (nearly every published one) is cut by split, below.
    let nextQuote = -1;
    let nextCr = -1;
    let nextLf = -1;
    records: while (i < n) {
      const first = s.charCodeAt(i);
      if (first === LF) {
        i++;
        line++;
        continue;
      }
      if (first === CR) {
        if (i + 1 === n && !final) break;
        i += s.charCodeAt(i + 1) === LF ? 2 : 1;
        line++;
        continue;
      }
      if (nextQuote < i) nextQuote = indexOrEnd(s, '"', i);
      if (nextCr < i) nextCr = indexOrEnd(s, '\r', i);
      if (nextLf < i) nextLf = indexOrEnd(s, '\n', i);
      // A line ended by its LF, or the last text of the file. Text with no LF left (a record that goes on in the next
      // piece, or a file whose lines end in a bare CR) is left to the scan below, which ends records at a bare CR as
      // they come and waits for the next piece only for the record it has not seen the end of.
      if (nextLf < n || final) {
        const contentEnd = nextLf > i && s.charCodeAt(nextLf - 1) === CR ? nextLf - 1 : nextLf;
        if (nextQuote >= nextLf && nextCr >= contentEnd) {
          // No quote and no line break but its own: the fields are the line's text between commas, as the scan below
          // would cut them, cut in one native call (a national 3-1 file read in 184 ms against 302 ms;
          // bench/README.md, "2026-12-07 (09:00 UTC)").
          handlers.record(s.slice(i, contentEnd).split(','), line);
          if (nextLf === n) {
            i = n;
            break;
          }
          i = nextLf + 1;
          line++;
          continue;
        }
      }
      const recordStart = i;
      const recordLine = line;
      const cells: string[] = [];
      for (;;) {
        let quoted = s.charCodeAt(i) === QUOTE;
        if (quoted) {
          const fieldStart = i;
          let value = '';
          let from = i + 1;
          for (;;) {
            const found = s.indexOf('"', from);
            // A quote beyond the record's limit does not close the field: the same text gives the same records whether
            // it arrives whole or in pieces.
            const quote = found - recordStart > MAX_RECORD_CHARACTERS ? -1 : found;
            if (quote === -1 || (quote + 1 === n && !final)) {
              // A quote at the very end may be the first of a doubled one: the next piece decides (it is within the
              // limit).
              if (!final && (quote !== -1 || n - recordStart <= MAX_RECORD_CHARACTERS)) {
                i = recordStart;
                line = recordLine;
                break records;
              }
              // The line the record starts on is kept as unreadable, and reading goes on at the next line.
              const lineEnd = lineEndFrom(s, recordStart);
              const kept = lineEnd - recordStart > UNREADABLE_TEXT_KEPT ? `its first ${UNREADABLE_TEXT_KEPT.toLocaleString('en-US')} characters are` : 'the line is';
              const unclosed =
                n - recordStart <= MAX_RECORD_CHARACTERS
                  ? 'is never closed (the file is cut short or a quote is stray)'
                  : `is not closed within ${MAX_RECORD_CHARACTERS.toLocaleString('en-US')} characters`;
              const problem = `a quoted field ${unclosed}; ${kept} kept as text and the lines after it are read`;
              handlers.unreadable(s.slice(recordStart, Math.min(lineEnd, recordStart + UNREADABLE_TEXT_KEPT)), recordLine, problem);
              // The line's end may not have arrived yet (a line longer than the limit): the rest of it is skipped
              // as it comes.
              this.skippingLine = lineEnd === n && !final;
              i = lineEnd;
              line = recordLine;
              continue records;
            }
            value += s.slice(from, quote);
            if (s.charCodeAt(quote + 1) === QUOTE) {
              value += '"';
              from = quote + 2;
              continue;
            }
            i = quote + 1;
            break;
          }
          const next = s.charCodeAt(i);
          if (i < n && next !== COMMA && next !== LF && next !== CR) {
            // Text after the closing quote ("引用"符株式会社): the quotes belong to the text; the field is read again
            // from its start as an unquoted one.
            i = fieldStart;
            quoted = false;
          } else {
            line += countLineBreaks(value);
            cells.push(value);
          }
        }
        if (!quoted) {
          let end = i;
          while (end < n) {
            const c = s.charCodeAt(end);
            if (c === COMMA || c === LF || c === CR) break;
            end++;
          }
          if (end === n && !final) {
            i = recordStart;
            line = recordLine;
            break records;
          }
          cells.push(s.slice(i, end));
          i = end;
        }
        if (i >= n) {
          if (!final) {
            i = recordStart;
            line = recordLine;
            break records;
          }
          break;
        }
        const delimiter = s.charCodeAt(i);
        if (delimiter === COMMA) {
          i++;
          continue;
        }
        if (delimiter === CR) {
          if (i + 1 === n && !final) {
            i = recordStart;
            line = recordLine;
            break records;
          }
          i += s.charCodeAt(i + 1) === LF ? 2 : 1;
        } else {
          i++;
        }
        line++;
        break;
      }
      handlers.record(cells, recordLine);
    }
    this.pending = s.slice(i);
    this.line = line;
  }
}
