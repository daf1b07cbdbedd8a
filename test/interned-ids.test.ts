import { describe, expect, it } from 'vitest';
import { InternedIds } from '../runtime/interned-ids.js';
import { SeededRandom } from '../stats/random.js';

const asText = (bytes: Buffer, start: number, end: number) => bytes.toString('utf8', start, end);

describe('ids interned from their bytes', () => {
  it('gives each distinct id one index, in the order first met, as a map of strings would, past every growth of the table and in runs of one id', () => {
    const random = new SeededRandom(5);
    // 20,000 distinct ids (the table starts with room for 2,048), of 0 to 40 bytes, many differing in one byte,
    // met in a random order and again and again, often several times in a row (a unit's rows lie together).
    const distinct = [...new Set(Array.from({ length: 20_000 }, (_, i) => (i % 5 === 0 ? `${i}` : `u-${'x'.repeat(random.integerBetween(0, 30))}${i % 997}é${Math.floor(i / 997)}`)))];
    distinct.push('');
    const met = Array.from({ length: 100_000 }, () => distinct[random.integerBetween(0, distinct.length - 1)]).flatMap((id) => Array<string>(random.integerBetween(1, 3)).fill(id));
    const bytes = Buffer.from(met.join('\n'), 'utf8');
    const interned = new InternedIds(asText);
    const reference = new Map<string, number>();
    const indices: number[] = [];
    const expected: number[] = [];
    let start = 0;
    for (const id of met) {
      const end = start + Buffer.byteLength(id, 'utf8');
      indices.push(interned.indexOf(bytes, start, end));
      if (!reference.has(id)) reference.set(id, reference.size);
      expected.push(reference.get(id) as number);
      start = end + 1;
    }
    expect(indices).toEqual(expected);
    expect(interned.ids).toEqual([...reference.keys()]);
  });

  it('tells apart two ids whose bytes hash alike', () => {
    // unit-69288 and unit-471090 have the same 32-bit FNV-1a hash (found by search): only their bytes differ.
    const bytes = Buffer.from('unit-69288unit-471090', 'latin1');
    const interned = new InternedIds(asText);
    expect([interned.indexOf(bytes, 0, 10), interned.indexOf(bytes, 10, 21), interned.indexOf(bytes, 0, 10), interned.indexOf(bytes, 10, 21)]).toEqual([0, 1, 0, 1]);
    expect(interned.ids).toEqual(['unit-69288', 'unit-471090']);
  });

  it('makes the string of an id once, by the conversion it is given', () => {
    let conversions = 0;
    const interned = new InternedIds((bytes, start, end) => {
      conversions++;
      return bytes.toString('latin1', start, end).toUpperCase();
    });
    const bytes = Buffer.from('abcabc', 'latin1');
    expect([interned.indexOf(bytes, 0, 3), interned.indexOf(bytes, 3, 6), interned.indexOf(bytes, 0, 2)]).toEqual([0, 0, 1]);
    expect(interned.ids).toEqual(['ABC', 'AB']);
    expect(conversions).toBe(2);
  });
});
