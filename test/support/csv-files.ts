/** Small CSV files written for a test: a header line, the given lines, a final newline. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `name` in `directory` and returns its path. */
export function writeCsvFile(directory: string, name: string, header: string, lines: readonly string[]): string {
  const path = join(directory, name);
  writeFileSync(path, `${header}\n${lines.join('\n')}\n`);
  return path;
}
