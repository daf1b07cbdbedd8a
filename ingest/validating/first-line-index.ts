/**
 * The first line each row key was seen on, for duplicate detection over a whole file. Keys are exact
 * integers below 2^53 (see applicantKey); they live in typed arrays with open addressing, about 24 bytes
 * per key, where a Map of a million such keys takes several times that (each key a heap number).
 */
const EMPTY = -1;

export class FirstLineIndex {
  private keys: Float64Array;
  private lines: Int32Array;
  private size = 0;

  constructor(initialCapacity = 1 << 16) {
    const capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.keys = new Float64Array(capacity);
    this.lines = new Int32Array(capacity).fill(EMPTY);
  }

  get count(): number {
    return this.size;
  }

  /** Records `line` for `key` unless the key was seen before; returns the earlier line, or undefined. */
  firstLineOr(key: number, line: number): number | undefined {
    if (!Number.isSafeInteger(key) || key < 0) throw new RangeError(`row key ${key} is not a non-negative safe integer`);
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const slot = this.find(this.keys, this.lines, key);
    if (this.lines[slot] !== EMPTY) return this.lines[slot];
    this.keys[slot] = key;
    this.lines[slot] = line;
    this.size++;
    return undefined;
  }

  private find(keys: Float64Array, lines: Int32Array, key: number): number {
    const mask = keys.length - 1;
    // Mixes the high and low halves so keys that differ only in their last digits spread out.
    let slot = (Math.imul((key % 0x100000000) ^ Math.floor(key / 0x100000000), 0x9e3779b1) >>> 0) & mask;
    while (lines[slot] !== EMPTY && keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const lines = new Int32Array(this.keys.length * 2).fill(EMPTY);
    for (let i = 0; i < this.keys.length; i++) {
      if (this.lines[i] === EMPTY) continue;
      const slot = this.find(keys, lines, this.keys[i]);
      keys[slot] = this.keys[i];
      lines[slot] = this.lines[i];
    }
    this.keys = keys;
    this.lines = lines;
  }
}
