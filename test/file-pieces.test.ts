/**
 * A review-sheet file read in pieces into one reused buffer (review-sheets/file-pieces.ts): the pieces, each taken
 * before the next is read, are the file's bytes, for an empty file and one whose size is a whole number of pieces.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filePieces } from '../review-sheets/file-pieces.js';

const dir = mkdtempSync(join(tmpdir(), 'ebpm-file-pieces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(bytes: Uint8Array, pieceBytes: number): Promise<{ joined: Buffer; sizes: number[] }> {
  const path = join(dir, `f${bytes.length}-${pieceBytes}`);
  writeFileSync(path, bytes);
  const copies: Buffer[] = [];
  // Each piece copied as it comes, as the load's consumers take it.
  for await (const piece of filePieces(path, pieceBytes)) copies.push(Buffer.from(piece));
  return { joined: Buffer.concat(copies), sizes: copies.map((copy) => copy.length) };
}

describe('a file read in pieces', () => {
  const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 251);

  it('gives the file\'s bytes in order, the last piece short', async () => {
    const { joined, sizes } = await read(bytes, 4096);
    expect(joined.equals(Buffer.from(bytes))).toBe(true);
    expect(sizes).toEqual([4096, 4096, 1808]);
  });

  it('gives whole pieces for a file of a whole number of them, and nothing for an empty file', async () => {
    expect((await read(bytes.subarray(0, 8192), 4096)).sizes).toEqual([4096, 4096]);
    expect(await read(new Uint8Array(0), 4096)).toEqual({ joined: Buffer.alloc(0), sizes: [] });
  });

  it('reuses its buffer: a piece kept without a copy holds the next piece\'s bytes', async () => {
    const path = join(dir, 'kept');
    writeFileSync(path, Buffer.concat([Buffer.alloc(4, 1), Buffer.alloc(4, 2)]));
    const kept: Uint8Array[] = [];
    for await (const piece of filePieces(path, 4)) kept.push(piece);
    expect([...kept[0]]).toEqual([2, 2, 2, 2]);
  });
});
