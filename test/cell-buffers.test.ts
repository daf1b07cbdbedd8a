import { describe, expect, it } from 'vitest';
import { CellBuffers, CellBuffersExhaustedError } from '../stats/did/cell-buffers.js';

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

  it('hand out no more arrays than they were made for, and say how many that was', () => {
    const buffers = new CellBuffers(2, 1);
    buffers.next();
    expect(() => buffers.next()).toThrow(CellBuffersExhaustedError);
    expect(() => buffers.next()).toThrow('all 1 arrays these cell buffers were made for have been handed out');
  });

  it('start a new buffer once one holds its bytes, sized for no more arrays than are left', () => {
    // Buffers of 160 bytes hold two arrays of 10 values; five arrays take buffers of two, two and one.
    const buffers = new CellBuffers(10, 5, 160);
    const arrays = Array.from({ length: 5 }, () => buffers.next());
    expect(arrays.map((array) => array.buffer.byteLength)).toEqual([160, 160, 160, 160, 80]);
    expect(arrays[1].buffer).toBe(arrays[0].buffer);
    expect(arrays[2].buffer).not.toBe(arrays[1].buffer);
    expect(arrays[3].buffer).toBe(arrays[2].buffer);
    expect(arrays[4].buffer).not.toBe(arrays[3].buffer);
    // An array larger than a buffer's bytes gets a buffer of its own.
    const large = new CellBuffers(100, 2, 160);
    expect([large.next().buffer.byteLength, large.next().buffer.byteLength]).toEqual([800, 800]);
  });
});
