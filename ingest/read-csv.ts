/**
 * Streams a CSV file as raw records with their line numbers; the header is returned separately.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { RawRecord } from './validate-records.js';

export interface CsvStream {
  readonly header: readonly string[];
  readonly records: AsyncIterable<RawRecord>;
}

export async function openCsv(path: string): Promise<CsvStream> {
  const parser = createReadStream(path).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }),
  );
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { lines: number } }>;
  const first = await iterator.next();
  const header = first.done ? [] : first.value.record;
  async function* records(): AsyncGenerator<RawRecord> {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield { line: next.value.info.lines, fields: next.value.record };
    }
  }
  return { header, records: records() };
}
