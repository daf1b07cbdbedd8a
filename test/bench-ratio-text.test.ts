import { describe, expect, it } from 'vitest';
import { ratioText, targetVerdict } from '../bench/timing.js';

describe('a benchmark ratio as printed beside its target', () => {
  it('shows two decimals away from the target', () => {
    expect(ratioText(2.4789, 2)).toBe('2.48');
    expect(ratioText(1.15, 1.3)).toBe('1.15');
    expect(ratioText(0.6512, undefined)).toBe('0.65');
  });

  it('shows a third decimal where two would round a ratio onto its target and hide which side of it it is', () => {
    expect(ratioText(2.004, 2)).toBe('2.004');
    expect(ratioText(1.996, 2)).toBe('1.996');
    expect(ratioText(1.3049, 1.3)).toBe('1.305');
  });

  it('takes as many decimals as needed, up to six, when three still round onto the target', () => {
    expect(ratioText(19.9996, 20)).toBe('19.9996');
    expect(ratioText(2.0000004, 2)).toBe('2.000000');
  });

  it('keeps two decimals for a ratio exactly on its target', () => {
    expect(ratioText(2, 2)).toBe('2.00');
  });
});

describe('a figure judged against its target', () => {
  it('words each kind of target as issue 30 does, a figure on the target meeting only "at most" and "at least"', () => {
    expect(targetVerdict(10, '<', 10, 's')).toBe('target < 10 s: NOT met');
    expect(targetVerdict(9.99, '<', 10, 's')).toBe('target < 10 s: met');
    expect(targetVerdict(2, '≤', 2)).toBe('target ≤ 2: met');
    expect(targetVerdict(2.01, '≤', 2)).toBe('target ≤ 2: NOT met');
    expect(targetVerdict(20, '≥', 20)).toBe('target ≥ 20: met');
    expect(targetVerdict(19.99, '≥', 20)).toBe('target ≥ 20: NOT met');
  });
});
