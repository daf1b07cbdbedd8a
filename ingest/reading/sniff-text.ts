/**
 * Refuses, before anything is loaded, a file given as a text table (CSV, TSV, JSON Lines) that is not
 * text at all: a workbook or archive under a .csv name, UTF-16 text, binary data. A text file with a few
 * bad bytes is not refused: its bad records are quarantined one by one.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';

const SAMPLE_BYTES = 1 << 16;

interface Signature {
  readonly bytes: readonly number[];
  readonly what: string;
}

const SIGNATURES: readonly Signature[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (an XLSX workbook is one): if it is a workbook, name it .xlsx or pass --format xlsx' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel (.xls) or other OLE document: save it as .xlsx or as CSV' },
  { bytes: [0x1f, 0x8b], what: 'gzip-compressed: decompress it first (gunzip FILE)' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document: export the table itself as CSV or XLSX' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xfe], what: "UTF-16 text (Excel's 'Unicode text'): save it as 'CSV UTF-8' or as CSV in Shift_JIS" },
  { bytes: [0xfe, 0xff], what: "UTF-16 text (Excel's 'Unicode text'): save it as 'CSV UTF-8' or as CSV in Shift_JIS" },
];

const isControlByte = (byte: number) => (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f;

export type TextVerdict = { readonly text: true } | { readonly text: false; readonly reason: string };

/**
 * Text unless the sample starts with a known binary signature, or more than half of its lines hold a
 * control byte: a NUL-padded record or two leaves most lines clean, while binary data (about one byte
 * in nine a control byte) or UTF-16 (every other byte NUL) leaves almost none.
 */
export function judgeSample(sample: Uint8Array): TextVerdict {
  for (const signature of SIGNATURES) {
    if (sample.length >= signature.bytes.length && signature.bytes.every((byte, i) => sample[i] === byte)) return { text: false, reason: `it is ${signature.what}` };
  }
  let lines = 0;
  let linesWithControl = 0;
  let firstControlOffset = -1;
  let lineHasControl = false;
  let lineHasBytes = false;
  for (let i = 0; i < sample.length; i++) {
    const byte = sample[i];
    if (byte === 0x0a) {
      if (lineHasBytes) {
        lines++;
        if (lineHasControl) linesWithControl++;
      }
      lineHasControl = lineHasBytes = false;
      continue;
    }
    lineHasBytes = true;
    if (isControlByte(byte)) {
      lineHasControl = true;
      if (firstControlOffset < 0) firstControlOffset = i;
    }
  }
  if (lineHasBytes) {
    lines++;
    if (lineHasControl) linesWithControl++;
  }
  if (lines > 0 && linesWithControl * 2 > lines) {
    const byte = sample[firstControlOffset].toString(16).padStart(2, '0');
    return { text: false, reason: `${linesWithControl} of its first ${lines} lines hold control bytes (the first, 0x${byte}, at byte ${firstControlOffset}): it looks like binary data, not a CSV, TSV or JSON Lines table` };
  }
  return { text: true };
}

/** The verdict on the file's first 64 KB. */
export async function judgeFile(path: string): Promise<TextVerdict> {
  const handle = await open(path, 'r');
  try {
    const sample = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(sample, 0, SAMPLE_BYTES, 0);
    return judgeSample(sample.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

export function notATableMessage(path: string, reason: string): string {
  return `${basename(path)} is not a table ebpm can read as text, so nothing was loaded: ${reason}`;
}
