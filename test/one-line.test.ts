/** The sheets' free text on one line (review-sheets/one-line.ts), as `review-sheets show`, the draft and the workbook use it. */
import { describe, expect, it } from 'vitest';
import { oneLine, openingOf } from '../review-sheets/one-line.js';

describe('free text on one line', () => {
  it('makes every run of white space one space, line breaks included, and none at either end', () => {
    expect(oneLine(' 出前授業を\r\n  年 3 回\t実施する\n')).toBe('出前授業を 年 3 回 実施する');
  });

  it('keeps a text within the limit whole, and cuts a longer one after the limit with the given ending', () => {
    expect(openingOf('出前授業の\n実施', 8)).toBe('出前授業の 実施');
    expect(openingOf('出前授業の年間実施状況', 5)).toBe('出前授業の…');
    expect(openingOf('出前授業の年間実施状況', 5, '…（全文は HTML）')).toBe('出前授業の…（全文は HTML）');
  });

  it('counts a character outside the BMP as one and never cuts it in two', () => {
    expect(openingOf('𠮷野家の店舗数', 2)).toBe('𠮷野…');
    expect(openingOf('𠮷野', 2)).toBe('𠮷野');
  });
});
