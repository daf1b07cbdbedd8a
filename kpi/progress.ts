/**
 * Progress of an indicator against its target: the share of the way from baseline to target achieved,
 * and whether the latest value is on (or ahead of) the straight path from baseline to target.
 */
export interface MeasuredValue {
  readonly value: number;
  readonly fiscalYear: number;
}

export interface ProgressInput {
  readonly direction: 'higher_is_better' | 'lower_is_better';
  readonly baseline: MeasuredValue | null;
  readonly target: MeasuredValue;
  readonly latest: MeasuredValue;
}

export interface Progress {
  /** (value − baseline) / (target − baseline); with no baseline and higher-is-better, value / target. */
  readonly shareAchieved: number | null;
  /** Value the straight path from baseline to target reaches in the latest value's year. */
  readonly expectedValue: number | null;
  /** Latest value at least as good as the path's; null without a baseline to draw the path from. */
  readonly onTrack: boolean | null;
}

export function indicatorProgress(input: ProgressInput): Progress {
  const { baseline, target, latest, direction } = input;
  if (!baseline) {
    const shareAchieved = direction === 'higher_is_better' && target.value !== 0 ? latest.value / target.value : null;
    return { shareAchieved, expectedValue: null, onTrack: null };
  }
  const distance = target.value - baseline.value;
  const shareAchieved = distance === 0 ? null : (latest.value - baseline.value) / distance;
  const span = target.fiscalYear - baseline.fiscalYear;
  const elapsed = Math.min(Math.max(latest.fiscalYear - baseline.fiscalYear, 0), span);
  const expectedValue = baseline.value + (distance * elapsed) / span;
  const onTrack = direction === 'higher_is_better' ? latest.value >= expectedValue : latest.value <= expectedValue;
  return { shareAchieved, expectedValue, onTrack };
}
