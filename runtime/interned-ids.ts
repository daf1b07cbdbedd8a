/**
 * Ids met in bytes (a COPY stream, a file), each made a string once: a hash table keyed by the id's bytes, so that
 * an id met again costs a hash and a comparison of its bytes, not a new string and a map lookup. Rows of a table
 * loaded a year at a time lie year by year, so the same unit id comes back once every few hundred thousand rows;
 * a string per row there would be 7.9 million strings at 1,000,000 units.
 */
export class InternedIds {
  /** Each id as a string, by its index (the order first met). */
  readonly ids: string[] = [];
  /** Every id's bytes, end to end; id i is pool[offsets[i], offsets[i + 1]). */
  private pool = Buffer.alloc(1 << 16);
  private offsets = new Int32Array(1 << 12);
  /** Open addressing: each slot holds an id's index + 1, or 0 when empty. */
  private slots = new Int32Array(1 << 12);
  /** The hash of each id, so that growing the table does not hash the pool again. */
  private hashes = new Int32Array(1 << 12);
  /** The index last given: a unit's rows often lie together, and the same id again costs one comparison of its bytes. */
  private last = -1;

  /**
   * @param toText how an id's bytes become its string (escapes undone, for example); called once per distinct id.
   */
  constructor(private readonly toText: (bytes: Buffer, start: number, end: number) => string) {}

  /** The index of the id held in bytes[start, end), giving it the next index when it is new. */
  indexOf(bytes: Uint8Array, start: number, end: number): number {
    if (this.last >= 0 && this.holds(this.last, bytes, start, end)) return this.last;
    // FNV-1a over the id's bytes.
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
    // As a 32-bit integer, as the table stores it (the empty id leaves the starting value, which is not one).
    hash |= 0;
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot];
      if (held === 0) return (this.last = this.add(bytes, start, end, hash, slot));
      const index = held - 1;
      if (this.hashes[index] === hash && this.holds(index, bytes, start, end)) return (this.last = index);
    }
  }

  private holds(index: number, bytes: Uint8Array, start: number, end: number): boolean {
    const from = this.offsets[index];
    if (this.offsets[index + 1] - from !== end - start) return false;
    for (let i = 0; i < end - start; i++) if (this.pool[from + i] !== bytes[start + i]) return false;
    return true;
  }

  private add(bytes: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const index = this.ids.length;
    const from = this.offsets[index];
    if (from + (end - start) > this.pool.length) this.pool = grown(this.pool, from + (end - start));
    this.pool.set(bytes.subarray(start, end), from);
    if (index + 2 > this.offsets.length) {
      this.offsets = grownInts(this.offsets);
      this.hashes = grownInts(this.hashes);
    }
    this.offsets[index + 1] = from + (end - start);
    this.hashes[index] = hash;
    this.ids.push(this.toText(this.pool, from, from + (end - start)));
    this.slots[slot] = index + 1;
    // At most half full, so that a probe ends soon.
    if (2 * this.ids.length > this.slots.length) this.rehash();
    return index;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let index = 0; index < this.ids.length; index++) {
      let slot = this.hashes[index] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = index + 1;
    }
    this.slots = slots;
  }
}

function grown(pool: Buffer, atLeast: number): Buffer<ArrayBuffer> {
  const larger = Buffer.alloc(Math.max(atLeast, pool.length * 2));
  pool.copy(larger);
  return larger;
}

function grownInts(values: Int32Array): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(values.length * 2);
  larger.set(values);
  return larger;
}
