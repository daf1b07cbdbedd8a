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
  /**
   * Value at least as good as the path's (from the target year on, the path is the target itself, so this says
   * whether the target was met); without a baseline, whether the target was met once its year has come, and null
   * before it (no path to draw).
   */
  readonly onTrack: boolean | null;
}

/**
 * The year a verdict is on: once the target year has a value (or a later year has one), the target year's own
 * value — the target is met or missed in its year, and a later year must not overwrite that — otherwise the latest
 * year, judged against the path. When the target year itself has no row but a later one does, the first year after
 * it stands in. `values` need not be sorted.
 */
export function judgedYear(fiscalYears: readonly number[], targetYear: number): number | undefined {
  if (!fiscalYears.length) return undefined;
  const fromTarget = fiscalYears.filter((year) => year >= targetYear);
  return fromTarget.length ? Math.min(...fromTarget) : Math.max(...fiscalYears);
}

export function indicatorProgress(input: ProgressInput): Progress {
  const { baseline, target, latest, direction } = input;
  if (!baseline) {
    const shareAchieved = direction === 'higher_is_better' && target.value !== 0 ? latest.value / target.value : null;
    const onTrack = shareAchieved !== null && latest.fiscalYear >= target.fiscalYear ? shareAchieved >= 1 : null;
    return { shareAchieved, expectedValue: null, onTrack };
  }
  const distance = target.value - baseline.value;
  const shareAchieved = distance === 0 ? null : (latest.value - baseline.value) / distance;
  const span = target.fiscalYear - baseline.fiscalYear;
  const elapsed = Math.min(Math.max(latest.fiscalYear - baseline.fiscalYear, 0), span);
  const expectedValue = baseline.value + (distance * elapsed) / span;
  const onTrack = direction === 'higher_is_better' ? latest.value >= expectedValue : latest.value <= expectedValue;
  return { shareAchieved, expectedValue, onTrack };
}
