/** Writes a generated CSV in 1 MB chunks, respecting the stream's back-pressure, for the benchmark inputs. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** The header, then `lines(i)` for i = 0…count−1 in order (each call may give any number of lines, or none). */
export async function writeCsvLines(path: string, header: string, count: number, lines: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  let buffer = '';
  for (let i = 0; i < count; i++) {
    buffer += lines(i);
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}
