/**
 * What makes a load "the same file loaded before": its bytes, and for a workbook also the sheet read and
 * the kind it was read as — one workbook may hold applicants on one sheet and outcomes on another, and a
 * retry with --sheet after the wrong sheet was read is a different load. A text file holds one table of
 * one kind, so its identity stays the SHA-256 of its bytes (as it always was).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { InputKind } from '../../activities/contracts.js';

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The key raw.input_files and every lineage column use for the table loaded. */
export function tableIdentity(contentSha256: string, sheet: string | null, kind: InputKind): string {
  if (sheet === null) return contentSha256;
  return createHash('sha256').update(['xlsx-sheet', contentSha256, sheet, kind].join('\u0000')).digest('hex');
}
