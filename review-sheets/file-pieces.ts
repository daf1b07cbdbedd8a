/**
 * A file's bytes in pieces of a fixed size, read into one buffer that each piece reuses. A review-sheet load reads each
 * file twice (its digest, then its rows), 252 MB for a national year: fs.createReadStream allocated a fresh buffer for
 * every piece, and the activity's thread spent about 0.2 s of a load on those allocations alone (a CPU profile of
 * 2026-12-06, bench/README.md, section 15:08 UTC). Each piece is valid until the next is asked for: the load's consumers take what they
 * need at once (the digest hashes it, the parse decodes it, the parse thread gets a copy).
 */
import { open } from 'node:fs/promises';

/** The pieces a review-sheet file on disk is read in, by the load's activity and by a parse thread alike: 1 MiB. */
export const FILE_PIECE_BYTES = 1 << 20;

export async function* filePieces(path: string, pieceBytes: number): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(pieceBytes);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, pieceBytes, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
