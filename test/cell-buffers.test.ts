import { describe, expect, it } from 'vitest';
import { CellBuffers } from '../stats/did/group-time-effects.js';

describe("the group-time cells' influence buffers", () => {
  it('hand out zeroed arrays of the length asked for, none sharing a value with another', () => {
    const buffers = new CellBuffers(5, 3);
    const arrays = [buffers.next(), buffers.next(), buffers.next()];
    for (const array of arrays) {
      expect(array.length).toBe(5);
      expect([...array]).toEqual([0, 0, 0, 0, 0]);
    }
    arrays.forEach((array, i) => array.fill(i + 1));
    expect(arrays.map((array) => [...array])).toEqual([
      [1, 1, 1, 1, 1],
      [2, 2, 2, 2, 2],
      [3, 3, 3, 3, 3],
    ]);
    // Three small arrays fit one buffer, made for the three and no more.
    expect(arrays[2].buffer).toBe(arrays[0].buffer);
    expect(arrays[0].buffer.byteLength).toBe(3 * 5 * 8);
  });

  it('hand out no more arrays than were asked for', () => {
    const buffers = new CellBuffers(2, 1);
    buffers.next();
    expect(() => buffers.next()).toThrow('every one of the arrays asked for has been handed out');
  });

  it('start a new buffer once one holds 256 MiB, so a large panel never needs one buffer for every cell', () => {
    // 2^24 values are 128 MiB: two arrays to a buffer.
    const buffers = new CellBuffers(1 << 24, 3);
    const [first, second, third] = [buffers.next(), buffers.next(), buffers.next()];
    expect(second.buffer).toBe(first.buffer);
    expect(third.buffer).not.toBe(first.buffer);
    expect(first.buffer.byteLength).toBe(1 << 28);
    expect(third.buffer.byteLength).toBe(1 << 27);
    expect(third[third.length - 1]).toBe(0);
  });
});
