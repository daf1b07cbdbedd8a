/**
 * The Rambachan–Roth sensitivity of each outcome's headline event study (cs_dynamic), as rows to store:
 * one summary per outcome and target (the award-year effect, the average post-award effect) with the
 * breakdown values in numbers and in words, and one row per bound (Δ^RM at each M̄, Δ^SD at each M).
 */
import type { DidEstimate } from '../stats/did/estimate.js';
import { eventStudyOfDid } from '../stats/honest/did-event-study.js';
import { EventStudyShapeError } from '../stats/honest/event-study.js';
import type { EmptySetReason } from '../stats/honest/relative-magnitudes.js';
import { sensitivityAnalysis, type TargetSensitivity } from '../stats/honest/sensitivity.js';
import { describeBreakdown, describeBreakdownJa } from './sensitivity-statement.js';

export type SensitivityTarget = 'effect_at_0' | 'average_post';

export interface SensitivitySummaryRow {
  readonly outcome: string;
  readonly target: SensitivityTarget;
  readonly status: 'computed' | 'not_computed';
  readonly eventTimes: readonly number[];
  readonly estimate: number | null;
  readonly stdError: number | null;
  readonly originalLow: number | null;
  readonly originalHigh: number | null;
  readonly confidenceLevel: number;
  /** Smallest M̄ (M) at which the robust set includes zero; null when it still excludes zero at the search limit. */
  readonly breakdownMbar: number | null;
  readonly breakdownM: number | null;
  readonly breakdownMbarSearchedTo: number | null;
  readonly breakdownMSearchedTo: number | null;
  readonly statement: string;
  /** The statement in Japanese. */
  readonly statementJa: string;
}

export interface SensitivityBoundRow {
  readonly outcome: string;
  readonly target: SensitivityTarget;
  readonly restriction: 'relative_magnitudes' | 'smoothness';
  /** M̄ for relative magnitudes, M (outcome units per year) for smoothness. */
  readonly parameter: number;
  /** A bound only where the matching `…Open` flag is false; null when the set is empty. */
  readonly lower: number | null;
  readonly upper: number | null;
  /** The set was still accepted where the search stopped on this side: `lower` is how far it was searched, not a bound. */
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  /** Why the set is empty (relative magnitudes only); null when it is not. */
  readonly emptyReason: EmptySetReason | null;
}

export interface OutcomeSensitivity {
  readonly summaries: readonly SensitivitySummaryRow[];
  readonly bounds: readonly SensitivityBoundRow[];
}

const TARGET_LABELS: Record<SensitivityTarget, string> = {
  effect_at_0: 'The effect in the award year',
  average_post: 'The average effect over the post-award years',
};

const TARGET_LABELS_JA: Record<SensitivityTarget, string> = {
  effect_at_0: '交付年度の効果',
  average_post: '交付後の各年度の効果の平均',
};

/** `universalEstimate`: the outcome's staggered-DiD estimate with a universal base period. */
export function outcomeSensitivity(outcome: string, universalEstimate: Pick<DidEstimate, 'groupTime' | 'aggregations'>, confidenceLevel: number): OutcomeSensitivity {
  const confidencePercent = Math.round(confidenceLevel * 1000) / 10;
  let analysis;
  let eventTimes: number[];
  try {
    const eventStudy = eventStudyOfDid(universalEstimate, { trimToSupported: true });
    eventTimes = eventStudy.eventTimes;
    analysis = sensitivityAnalysis(eventStudy.study, { alpha: 1 - confidenceLevel });
  } catch (error) {
    if (!(error instanceof EventStudyShapeError)) throw error;
    const reason = `Not computed: ${error.message}`;
    const reasonJa = `算出せず（イベントスタディがこの分析に使える形ではない）: ${error.message}`;
    return {
      summaries: (['effect_at_0', 'average_post'] as const).map((target) => ({
        outcome, target, status: 'not_computed', eventTimes: [], estimate: null, stdError: null, originalLow: null, originalHigh: null, confidenceLevel,
        breakdownMbar: null, breakdownM: null, breakdownMbarSearchedTo: null, breakdownMSearchedTo: null, statement: reason, statementJa: reasonJa,
      })),
      bounds: [],
    };
  }
  const summaries: SensitivitySummaryRow[] = [];
  const bounds: SensitivityBoundRow[] = [];
  for (const target of ['effect_at_0', 'average_post'] as const) {
    const result: TargetSensitivity = analysis[target];
    summaries.push({
      outcome,
      target,
      status: 'computed',
      eventTimes,
      estimate: result.estimate,
      stdError: result.se,
      originalLow: result.original.lb,
      originalHigh: result.original.ub,
      confidenceLevel,
      breakdownMbar: result.breakdown.Mbar,
      breakdownM: result.breakdown.M,
      breakdownMbarSearchedTo: result.breakdown_search_limit.Mbar,
      breakdownMSearchedTo: result.breakdown_search_limit.M,
      statement: describeBreakdown(result, TARGET_LABELS[target], confidencePercent),
      statementJa: describeBreakdownJa(result, TARGET_LABELS_JA[target], confidencePercent),
    });
    for (const row of result.relative_magnitudes)
      bounds.push({ outcome, target, restriction: 'relative_magnitudes', parameter: row.Mbar, lower: row.lb, upper: row.ub, lowerOpen: row.lower_open, upperOpen: row.upper_open, emptyReason: row.empty_reason });
    // A fixed-length interval is its centre ± its half-length: never searched for, so never open or empty.
    for (const row of result.smoothness) bounds.push({ outcome, target, restriction: 'smoothness', parameter: row.M, lower: row.lb, upper: row.ub, lowerOpen: false, upperOpen: false, emptyReason: null });
  }
  return { summaries, bounds };
}
