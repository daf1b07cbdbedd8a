/**
 * Splits decoded CSV (or TSV) text into records, streaming, with the line each record starts on.
 * RFC 4180 quoting ("" inside quotes, newlines inside quoted fields); quotes that do not enclose a whole
 * field (引用"符", "引用"符) are kept as text. A record that cannot be read (a quote never closed, a record
 * longer than the limit) comes out as an unreadable record with its raw text, and reading goes on at the
 * next line, so one bad record never costs the rest of the file.
 *
 * Lines without quotes, nearly all of them, are split with String.split; only quoted lines are walked
 * character by character. Records come out in one array per chunk of text read, since handing them over
 * one at a time through async iteration cost more than splitting them.
 */

export type CsvRecord =
  | { readonly line: number; readonly fields: string[] }
  | { readonly line: number; readonly unreadable: string; readonly raw: string };

/** How much raw text of an unreadable record is kept for the analyst to see. */
const RAW_KEPT = 4096;

const QUOTE = '"';

type QuotedParse =
  | { readonly kind: 'record'; readonly fields: string[]; readonly next: number }
  | { readonly kind: 'incomplete' };

/**
 * A line ends at LF or CRLF. A carriage return alone (binary garbage, a stray keystroke) is text: line
 * numbers count LFs, and a CR that ended a record would give two records the same line number.
 */
function isCrlf(text: string, at: number): boolean {
  return text[at] === '\r' && text[at + 1] === '\n';
}

/** End of an unquoted field starting at `from`: the next delimiter or line end (or the end of the text). */
function unquotedEnd(text: string, from: number, delimiter: string): number {
  let end = from;
  while (end < text.length && text[end] !== delimiter && text[end] !== '\n' && !isCrlf(text, end)) end++;
  return end;
}

/** Reads one record that contains quotes, from `start`; `final` says no more text will come. */
function parseQuotedRecord(text: string, start: number, delimiter: string, final: boolean): QuotedParse {
  const fields: string[] = [];
  let i = start;
  for (;;) {
    const fieldStart = i;
    let value = '';
    let quoted = text[i] === QUOTE;
    if (quoted) {
      let segment = i + 1;
      for (;;) {
        const quote = text.indexOf(QUOTE, segment);
        if (quote === -1 || (quote === text.length - 1 && !final)) return { kind: 'incomplete' };
        if (text[quote + 1] === QUOTE) {
          value += text.slice(segment, quote + 1);
          segment = quote + 2;
          continue;
        }
        value += text.slice(segment, quote);
        i = quote + 1;
        break;
      }
      const after = text[i];
      if (after === '\r' && i + 1 === text.length && !final) return { kind: 'incomplete' };
      // Text after the closing quote ("引用"符株式会社): the quotes belong to the text, read as unquoted.
      if (after !== delimiter && after !== '\n' && !isCrlf(text, i) && after !== undefined) quoted = false;
    }
    if (!quoted) {
      const end = unquotedEnd(text, fieldStart, delimiter);
      if (end === text.length && !final) return { kind: 'incomplete' };
      value = text.slice(fieldStart, end);
      i = end;
    }
    fields.push(value);
    const separator = text[i];
    if (separator === delimiter) {
      i++;
      continue;
    }
    if (isCrlf(text, i)) i += 2;
    else if (separator === '\n') i++;
    return { kind: 'record', fields, next: i };
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

export async function* csvRecords(chunks: AsyncIterable<string>, delimiter: string, maxRecordCharacters: number): AsyncGenerator<CsvRecord[]> {
  let text = '';
  let position = 0;
  let line = 1;
  /** After an over-long record: discard up to the next newline. */
  let skippingToNewline = false;
  let first = true;
  /** Where the next quote in `text` is at or after `position`: -1 none, -2 not yet looked for. */
  let nextQuote = -2;

  const iterator = chunks[Symbol.asyncIterator]();
  try {
    yield* records();
  } finally {
    // Stops reading the file when the consumer stops early.
    await iterator.return?.();
  }

  async function* records(): AsyncGenerator<CsvRecord[]> {
    for (let final = false; !final; ) {
      const read: CsvRecord[] = [];
      const next = await iterator.next();
      final = next.done === true;
      let chunk = next.done ? '' : next.value;
      if (first && chunk.length > 0) {
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        first = false;
      }
      text = position < text.length ? text.slice(position) + chunk : chunk;
      position = 0;
      nextQuote = -2;

      while (position < text.length) {
        if (skippingToNewline) {
          const newline = text.indexOf('\n', position);
          if (newline === -1) {
            position = text.length;
            break;
          }
          position = newline + 1;
          line++;
          skippingToNewline = false;
          continue;
        }
        const char = text[position];
        if (char === '\r' && position + 1 === text.length) {
          // Perhaps the first half of a CRLF still to come; at the end of the file, nothing.
          if (!final) break;
          position++;
          continue;
        }
        if (char === '\n' || isCrlf(text, position)) {
          // An empty line.
          position += char === '\n' ? 1 : 2;
          line++;
          continue;
        }
        const newline = text.indexOf('\n', position);
        if (newline === -1 && !final) {
          if (text.length - position > maxRecordCharacters) {
            read.push({ line, unreadable: `longer than ${maxRecordCharacters.toLocaleString('en-US')} characters with no line end`, raw: text.slice(position, position + RAW_KEPT) });
            skippingToNewline = true;
            position = text.length;
          }
          break;
        }
        const lineEnd = newline === -1 ? text.length : newline;
        // One forward search serves every line up to the next quote, so scanning stays linear.
        if (nextQuote === -2 || (nextQuote !== -1 && nextQuote < position)) nextQuote = text.indexOf(QUOTE, position);
        if (nextQuote === -1 || nextQuote > lineEnd) {
          const contentEnd = lineEnd > position && text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
          if (contentEnd - position > maxRecordCharacters) {
            read.push({ line, unreadable: `longer than ${maxRecordCharacters.toLocaleString('en-US')} characters`, raw: text.slice(position, position + RAW_KEPT) });
          } else {
            read.push({ line, fields: text.slice(position, contentEnd).split(delimiter) });
          }
          position = lineEnd + 1;
          line++;
          continue;
        }
        const parsed = parseQuotedRecord(text, position, delimiter, final);
        if (parsed.kind === 'incomplete') {
          if (final) {
            // No closing quote anywhere after it: the line with the stray quote is quarantined, and the lines
            // after it are read as the records they are.
            read.push({ line, unreadable: 'a quote is opened and never closed', raw: text.slice(position, Math.min(lineEnd, position + RAW_KEPT)) });
            position = lineEnd + 1;
            line++;
          } else if (text.length - position > maxRecordCharacters) {
            read.push({ line, unreadable: `a quote is not closed within ${maxRecordCharacters.toLocaleString('en-US')} characters`, raw: text.slice(position, position + RAW_KEPT) });
            // Reading resumes at the line after the opening quote.
            position = lineEnd + 1;
            line++;
          }
          if (!final) break;
          continue;
        }
        read.push({ line, fields: parsed.fields });
        line += countNewlines(text, position, parsed.next);
        position = parsed.next;
      }
      if (read.length > 0) yield read;
    }
  }
}
