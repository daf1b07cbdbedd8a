/**
 * Streams a CSV file as raw records with their line numbers; the header is returned separately.
 * UTF-8 (with or without BOM) and Shift_JIS/CP932 are read; the encoding is detected from the start of
 * the file unless it is named.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import type { RawRecord } from './validate-records.js';

export const INPUT_ENCODINGS = ['auto', 'utf8', 'cp932'] as const;
export type InputEncoding = (typeof INPUT_ENCODINGS)[number];

export interface CsvStream {
  readonly header: readonly string[];
  readonly encoding: Exclude<InputEncoding, 'auto'>;
  readonly records: AsyncIterable<RawRecord>;
}

const SAMPLE_BYTES = 1 << 16;
/** No applicant or outcome record comes near this; anything longer is quarantined as unreadable. */
export const MAX_RECORD_CHARACTERS = 1 << 20;

/**
 * UTF-8 when the file has a UTF-8 BOM, or when its first 64 KB are UTF-8 but for a few stray bytes (those
 * lines are then quarantined as invalid_encoding); otherwise Shift_JIS (CP932).
 */
export async function detectEncoding(path: string): Promise<'utf8' | 'cp932'> {
  const handle = await open(path, 'r');
  try {
    const sample = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(sample, 0, SAMPLE_BYTES, 0);
    const bytes = sample.subarray(0, bytesRead);
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf8';
    // stream: true lets a character cut at the end of the sample pass.
    const text = new TextDecoder('utf-8').decode(bytes, { stream: true });
    let replaced = 0;
    let nonAscii = 0;
    for (const char of text) {
      if (char === '\uFFFD') replaced++;
      else if (char.charCodeAt(0) > 0x7f) nonAscii++;
    }
    return replaced <= 0.1 * (replaced + nonAscii) ? 'utf8' : 'cp932';
  } finally {
    await handle.close();
  }
}

export async function openCsv(path: string, encoding: InputEncoding = 'auto', delimiter = ','): Promise<CsvStream> {
  const resolved = encoding === 'auto' ? await detectEncoding(path) : encoding;
  // Records the parser cannot read (a stray quote, say) are skipped by it and reported here, so they are
  // quarantined with the parser's message instead of ending the file.
  const unreadable: RawRecord[] = [];
  // A runaway record fails again at every size limit it passes; one quarantined record per line is enough.
  let lastUnreadableLine = -1;
  const parser = createReadStream(path)
    .pipe(iconv.decodeStream(resolved === 'utf8' ? 'utf8' : 'cp932'))
    .pipe(
      parse({
        bom: true,
        delimiter,
        relax_column_count: true,
        skip_empty_lines: true,
        info: true,
        // A quote inside a field (「"引用"符」) is kept as text rather than breaking the line.
        relax_quotes: true,
        // Bounds memory: a runaway record (a file with no newlines, an unclosed quote) stops growing here.
        max_record_size: MAX_RECORD_CHARACTERS,
        skip_records_with_error: true,
        on_skip: (error, raw) => {
          const line = typeof error?.lines === 'number' ? error.lines : 0;
          if (line !== lastUnreadableLine) {
            lastUnreadableLine = line;
            unreadable.push({ line, fields: [(raw ?? '').slice(0, 4096)], parseError: error?.message ?? 'unreadable record' });
          }
          return undefined;
        },
      }),
    );
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { lines: number } }>;
  const first = await iterator.next();
  const header = first.done ? [] : first.value.record.map((column) => column.replace(/^\uFEFF/, ''));
  async function* records(): AsyncGenerator<RawRecord> {
    for (;;) {
      const next = await iterator.next();
      yield* unreadable.splice(0);
      if (next.done) return;
      yield { line: next.value.info.lines, fields: next.value.record };
    }
  }
  return { header, encoding: resolved, records: records() };
}
