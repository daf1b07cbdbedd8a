import { describe, expect, it } from 'vitest';
import { indicatorProgress, judgedYear } from '../kpi/progress.js';

describe('KPI progress against target', () => {
  const baseline = { value: 100, fiscalYear: 2020 };
  const target = { value: 200, fiscalYear: 2030 };

  it('measures the share of the way from baseline to target', () => {
    expect(indicatorProgress({ direction: 'higher_is_better', baseline, target, latest: { value: 150, fiscalYear: 2024 } }).shareAchieved).toBeCloseTo(0.5, 12);
  });

  it('is on track when at or above the straight path, and off track below it', () => {
    // The path reaches 140 in FY2024.
    const ahead = indicatorProgress({ direction: 'higher_is_better', baseline, target, latest: { value: 141, fiscalYear: 2024 } });
    const behind = indicatorProgress({ direction: 'higher_is_better', baseline, target, latest: { value: 139, fiscalYear: 2024 } });
    expect(ahead.expectedValue).toBeCloseTo(140, 12);
    expect(ahead.onTrack).toBe(true);
    expect(behind.onTrack).toBe(false);
  });

  it('reverses the comparison when lower is better', () => {
    const lowerBaseline = { value: 80, fiscalYear: 2024 };
    const lowerTarget = { value: 50, fiscalYear: 2030 };
    const progress = indicatorProgress({ direction: 'lower_is_better', baseline: lowerBaseline, target: lowerTarget, latest: { value: 70, fiscalYear: 2027 } });
    // Path: 80 → 50 over six years, 65 by FY2027; 70 is worse than the path.
    expect(progress.expectedValue).toBeCloseTo(65, 12);
    expect(progress.onTrack).toBe(false);
    expect(progress.shareAchieved).toBeCloseTo(1 / 3, 12);
  });

  it('holds the path at the target after the target year, and before the baseline year at the baseline', () => {
    expect(indicatorProgress({ direction: 'higher_is_better', baseline, target, latest: { value: 210, fiscalYear: 2032 } }).expectedValue).toBe(200);
    expect(indicatorProgress({ direction: 'higher_is_better', baseline, target, latest: { value: 90, fiscalYear: 2019 } }).expectedValue).toBe(100);
  });

  it('without a baseline reports the share of the target and no on-track verdict', () => {
    const progress = indicatorProgress({ direction: 'higher_is_better', baseline: null, target, latest: { value: 50, fiscalYear: 2024 } });
    expect(progress).toEqual({ shareAchieved: 0.25, expectedValue: null, onTrack: null });
  });

  it('once the target year has come, judges that year\'s own value: met or not met, whatever later years show', () => {
    expect(judgedYear([2023, 2024, 2025], 2024)).toBe(2024);
    expect(judgedYear([2025, 2023], 2024)).toBe(2025);
    expect(judgedYear([2022, 2023], 2024)).toBe(2023);
    expect(judgedYear([], 2024)).toBeUndefined();
    const firmsTarget = { value: 194, fiscalYear: 2024 };
    const met = indicatorProgress({ direction: 'higher_is_better', baseline: null, target: firmsTarget, latest: { value: 268, fiscalYear: 2024 } });
    expect(met.onTrack).toBe(true);
    expect(met.shareAchieved).toBeCloseTo(268 / 194, 12);
    const missed = indicatorProgress({ direction: 'higher_is_better', baseline: null, target: { value: 500, fiscalYear: 2026 }, latest: { value: 422, fiscalYear: 2026 } });
    expect(missed.onTrack).toBe(false);
    expect(missed.shareAchieved).toBeCloseTo(0.844, 12);
    const withPath = indicatorProgress({ direction: 'higher_is_better', baseline, target, latest: { value: 190, fiscalYear: 2030 } });
    expect(withPath.onTrack).toBe(false);
  });
});
