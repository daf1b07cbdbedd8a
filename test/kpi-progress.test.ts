import { describe, expect, it } from 'vitest';
import { indicatorProgress } from '../kpi/progress.js';

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
});
