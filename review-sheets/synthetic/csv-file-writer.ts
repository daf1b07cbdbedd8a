/**
 * Writes one CSV file as the RS system publishes it: UTF-8 with a BOM, LF line ends, a field quoted only when it
 * holds a comma, a quote or a line break. Rows go out in 1 MB pieces, so a file of any size takes little memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_AT = 1 << 20;

function field(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export class CsvFileWriter {
  private readonly descriptor: number;
  private pending: string[] = [];
  private pendingLength = 0;
  /** Records written after the header. */
  records = 0;

  constructor(readonly path: string, header: readonly string[]) {
    this.descriptor = openSync(path, 'w');
    this.pending.push(`\uFEFF${header.map(field).join(',')}\n`);
  }

  write(cells: readonly string[]): void {
    const line = `${cells.map(field).join(',')}\n`;
    this.pending.push(line);
    this.pendingLength += line.length;
    this.records++;
    if (this.pendingLength >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.pending.length) writeSync(this.descriptor, this.pending.join(''));
    this.pending = [];
    this.pendingLength = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.descriptor);
  }
}
