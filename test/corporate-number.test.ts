import { describe, expect, it } from 'vitest';
import { corporateNumberCheckDigit, corporateNumberProblem, withCheckDigit } from '../schemas/corporate-number.js';

describe('法人番号 check digit', () => {
  it('accepts published corporate numbers (Toyota Motor, National Tax Agency)', () => {
    expect(corporateNumberProblem('1180301018771')).toBeNull();
    expect(corporateNumberProblem('7000012050002')).toBeNull();
  });

  it('computes the check digit of a base number', () => {
    expect(corporateNumberCheckDigit('180301018771')).toBe(1);
    expect(withCheckDigit('000012050002')).toBe('7000012050002');
  });

  it('rejects a mistyped digit with the expected check digit in the message', () => {
    expect(corporateNumberProblem('2180301018771')).toEqual({
      kind: 'check_digit',
      message: expect.stringContaining('expected 1'),
    });
    expect(corporateNumberProblem('1180301018772')?.kind).toBe('check_digit');
  });

  it('rejects numbers of the wrong length or with separators', () => {
    expect(corporateNumberProblem('118030101877')?.kind).toBe('format');
    expect(corporateNumberProblem('1180-3010-18771')?.kind).toBe('format');
  });
});
