/**
 * Covariate balance at a regression discontinuity's cut-off: if the award, and nothing else, changes at the
 * cut-off, characteristics fixed before the award cannot jump there. Each pre-registered applicant
 * characteristic (the spec's covariates, as at application) and the outcome's own level in the year before
 * the award is taken as the "outcome" of the same local-polynomial machinery (kernel, order and bandwidth
 * selector of the outcome's design), as a sharp design, with its own MSE-optimal bandwidth: the check of
 * Cattaneo, Idrobo & Titiunik (2020, §5.2), who choose the bandwidth per covariate because each has its own
 * curvature. The robust interval and p-value are stored, and the sample is the outcome's estimation sample.
 */
import { estimateRd, RD_DEFAULTS } from '../stats/rd/estimate.js';
import type { RdKernel } from '../stats/rd/kernel.js';
import type { RdBandwidthSelector } from '../stats/rd/bandwidth.js';
import { RdInputError } from '../stats/rd/prepare.js';

/** Whether the checked variable is an applicant characteristic of the spec or the outcome's level before award. */
export type BalanceVariableKind = 'characteristic' | 'outcome_baseline';

export interface CovariateBalanceRow {
  readonly outcome: string;
  /** The characteristic's field name, or the outcome's name for its pre-award level. */
  readonly covariate: string;
  readonly kind: BalanceVariableKind;
  /** Robust (bias-corrected) jump at the cut-off, with the robust interval and p-value; null when not estimable. */
  readonly estimate: number | null;
  readonly stdError: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly pValue: number | null;
  readonly hLeft: number | null;
  readonly hRight: number | null;
  readonly effectiveLeft: number | null;
  readonly effectiveRight: number | null;
  /** Why there is no estimate (a constant characteristic, too few distinct scores, …). */
  readonly note: string | null;
}

export interface BalanceSettings {
  readonly kernel: RdKernel;
  readonly polynomialOrder: number;
  readonly bandwidthSelector: RdBandwidthSelector;
  /** Confidence level as a share (0.95). */
  readonly confidenceLevel: number;
}

export interface BalanceVariable {
  readonly name: string;
  readonly kind: BalanceVariableKind;
  /** One value per unit of the sample, aligned with the scores; NaN where the unit has none (left out). */
  readonly values: Float64Array;
}

/** The jump of each variable at the cut-off (score distance 0). */
export function covariateBalance(outcome: string, score: Float64Array, variables: readonly BalanceVariable[], settings: BalanceSettings): CovariateBalanceRow[] {
  return variables.map((variable) => {
    const empty = { outcome, covariate: variable.name, kind: variable.kind, estimate: null, stdError: null, ciLow: null, ciHigh: null, pValue: null, hLeft: null, hRight: null, effectiveLeft: null, effectiveRight: null };
    const keep: number[] = [];
    for (let i = 0; i < score.length; i++) if (Number.isFinite(variable.values[i]) && Number.isFinite(score[i])) keep.push(i);
    const values = Float64Array.from(keep, (i) => variable.values[i]);
    if (values.every((value) => value === values[0])) return { ...empty, note: `${variable.name} takes one value in the sample: nothing can jump at the cut-off` };
    try {
      const report = estimateRd(
        { score: Float64Array.from(keep, (i) => score[i]), outcome: values },
        { ...RD_DEFAULTS, cutoff: 0, kernel: settings.kernel, p: settings.polynomialOrder, bwselect: settings.bandwidthSelector, level: 100 * settings.confidenceLevel },
      );
      return {
        ...empty,
        estimate: report.robust.coef,
        stdError: report.robust.se,
        ciLow: report.robust.ci[0],
        ciHigh: report.robust.ci[1],
        pValue: report.robust.pvalue,
        hLeft: report.bandwidth.h_left,
        hRight: report.bandwidth.h_right,
        effectiveLeft: report.n.effective_left,
        effectiveRight: report.n.effective_right,
        note: null,
      };
    } catch (error) {
      if (!(error instanceof RdInputError)) throw error;
      return { ...empty, note: `not estimated: ${error.message}` };
    }
  });
}
