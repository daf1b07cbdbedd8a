/**
 * Arrays cut from shared buffers, for the group-time cells' influence functions (group-time-effects.ts): every
 * per-unit cell keeps one value per unit until they all go onto the basis, and V8 counts each fresh array buffer
 * towards an external-memory limit, past which it marks the whole heap. At 1,000,000 units a fresh 8 MB array per
 * cell started such a marking every eight cells, each freeing nothing; buffers of many cells start one each at most.
 */

/** Bytes of one buffer: at 1,000,000 units, 33 arrays. */
export const CELL_BUFFER_BYTES = 1 << 28;

/** More arrays asked for than the buffers were made for. */
export class CellBuffersExhaustedError extends RangeError {
  constructor(readonly most: number) {
    super(`all ${most} arrays these cell buffers were made for have been handed out; make them for as many arrays as there are cells`);
    this.name = 'CellBuffersExhaustedError';
  }
}

/**
 * Up to `most` zeroed arrays of `length` values, each a view of its own part of a buffer shared by several (at most
 * `bytesPerBuffer`, or one array where an array is larger), never handed out twice. A buffer is made when the one
 * before is used up, for no more arrays than are left to hand out; it is let go of when neither this nor any view
 * of it is held. Parts never handed out are never written: where the allocator maps a large buffer afresh (glibc's
 * malloc does above 32 MiB), their pages take no memory.
 */
export class CellBuffers {
  private buffer: Float64Array | undefined;
  /** Arrays handed out of the current buffer, and how many it holds. */
  private used = 0;
  private holds = 0;
  private left: number;
  private readonly perBuffer: number;

  constructor(
    private readonly length: number,
    private readonly most: number,
    bytesPerBuffer = CELL_BUFFER_BYTES,
  ) {
    this.left = most;
    this.perBuffer = Math.max(1, Math.floor(bytesPerBuffer / (Float64Array.BYTES_PER_ELEMENT * Math.max(1, length))));
  }

  next(): Float64Array {
    if (!this.buffer || this.used === this.holds) {
      if (this.left <= 0) throw new CellBuffersExhaustedError(this.most);
      this.holds = Math.min(this.perBuffer, this.left);
      this.buffer = new Float64Array(this.holds * this.length);
      this.left -= this.holds;
      this.used = 0;
    }
    return this.buffer.subarray(this.used * this.length, ++this.used * this.length);
  }
}
