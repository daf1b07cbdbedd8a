/**
 * A .zip of one review year's CSVs, read where the activity runs (the worker may be on another machine than the
 * command). Entry names are UTF-8 when the entry says so (general-purpose flag bit 11, or a Unicode path extra
 * field); otherwise they are in the zipping machine's code page, CP932 for a zip made on Japanese Windows: such a
 * name is read as UTF-8 when its bytes are valid UTF-8 (as macOS and Linux zip tools write them), else as CP932.
 *
 * JSZip reads the archive (already installed with exceljs, kept up, typed, and it hands the raw name bytes to a
 * decoder only when the flag is unset, which is exactly the case to handle); the entry is inflated as a stream.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PassThrough } from 'node:stream';
import iconv from 'iconv-lite';
import JSZip from 'jszip';
import { looksLikeReviewFile } from './file-name.js';

export class ReviewZipError extends Error {
  constructor(readonly zipPath: string, reason: string) {
    super(`${zipPath}: ${reason}`);
    this.name = 'ReviewZipError';
  }
}

/** A name whose flag does not say UTF-8: UTF-8 if its bytes are valid UTF-8, else CP932. */
export function decodeEntryName(bytes: string[] | Uint8Array | Buffer): string {
  const raw = Array.isArray(bytes) ? Buffer.from(bytes.map((char) => char.charCodeAt(0))) : Buffer.from(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return iconv.decode(raw, 'cp932');
  }
}

async function openZip(zipPath: string): Promise<JSZip> {
  let bytes: Buffer;
  try {
    bytes = await readFile(zipPath);
  } catch {
    throw new ReviewZipError(zipPath, 'no such file');
  }
  try {
    return await JSZip.loadAsync(bytes, { decodeFileName: decodeEntryName, checkCRC32: false });
  } catch (error) {
    throw new ReviewZipError(zipPath, `cannot be read as a zip (${error instanceof Error ? error.message : String(error)}); name the .zip as downloaded from the RS system`);
  }
}

/** The CSV entries of the zip, in name order; any other file, or a CSV not named as published, refuses the zip. */
export async function listZipEntries(zipPath: string): Promise<string[]> {
  const zip = await openZip(zipPath);
  const entries = Object.values(zip.files).filter((entry) => !entry.dir).map((entry) => entry.name.normalize('NFC'));
  const foreign = entries.filter((name) => !looksLikeReviewFile(name));
  if (foreign.length) {
    throw new ReviewZipError(zipPath, `holds ${foreign.map((name) => `"${name}"`).join(', ')}, not review-sheet CSVs named as published (N-N_RS_YYYY_….csv); a zip of one review year's CSVs as downloaded is read`);
  }
  if (!entries.length) throw new ReviewZipError(zipPath, 'holds no CSV file');
  return entries.sort();
}

/** How the account names an entry: the zip's name, then the entry's. */
export function zipEntryLabel(zipPath: string, entry: string): string {
  return `${basename(zipPath).normalize('NFC')}/${entry}`;
}

/** An entry's bytes, inflated as they are read. */
export async function zipEntryReader(zipPath: string, entryName: string): Promise<() => AsyncIterable<Uint8Array>> {
  const zip = await openZip(zipPath);
  const entry = Object.values(zip.files).find((candidate) => !candidate.dir && candidate.name.normalize('NFC') === entryName);
  if (!entry) throw new ReviewZipError(zipPath, `holds no entry "${entryName}"`);
  // JSZip's stream is an old-style one, without async iteration: it is piped into a core stream.
  return () => {
    const out = new PassThrough();
    const inflating = entry.nodeStream('nodebuffer');
    inflating.on('error', (error: Error) => out.destroy(error));
    inflating.pipe(out);
    return out;
  };
}
