/** What the tests of a review-sheet file's COPY text share: every stream of an encoding taken as the store takes them. */
import type { SheetEncoding } from '../../review-sheets/parse-thread.js';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}

/**
 * The encoding's rows, quarantined records and derived tables as bytes, with their counts, taken in the order the
 * store takes them (the rows, the quarantine, the indicators by year, then the indicators); the encoding is closed.
 */
export async function everything(encoding: SheetEncoding) {
  try {
    const text = await collect(encoding.rowChunks());
    const counted = { rows: encoding.rows, quarantined: encoding.quarantined };
    const quarantine = await collect(encoding.quarantineChunks());
    const values = await collect(encoding.derivedChunks('indicator_values'));
    const indicators = await collect(encoding.derivedChunks('indicators'));
    return { text, quarantine, values, indicators, ...counted, valueRows: encoding.derivedRows('indicator_values'), indicatorRows: encoding.derivedRows('indicators') };
  } finally {
    await encoding.close();
  }
}
