/**
 * The three block-design estimators side by side (synthetic DiD, synthetic control, DiD), each with its
 * weights and standard errors, in the shape `ebpm sdid --json` prints.
 */
import type { LabelledBlockPanel } from './block-panel.js';
import { fitEstimator, type SdidEstimator } from './estimate.js';
import { jackknifeStandardError, placeboStandardError, type PlaceboOptions } from './standard-errors.js';

export interface EstimatorReport {
  readonly estimate: number;
  /** Null where synthdid's is NA: one treated unit, or one control with nonzero weight. */
  readonly se_jackknife: number | null;
  /** Null unless placebo draws were asked for. */
  readonly se_placebo: number | null;
  readonly unit_weights: Record<string, number>;
  readonly time_weights: Record<string, number>;
}

export interface SdidReport {
  readonly n: { readonly units: number; readonly control_units: number; readonly periods: number; readonly pre_periods: number };
  readonly synthdid: EstimatorReport;
  readonly sc: EstimatorReport;
  readonly did: EstimatorReport;
  readonly placebo: PlaceboOptions | null;
}

const ESTIMATORS: readonly SdidEstimator[] = ['synthdid', 'sc', 'did'];

function estimatorReport(panel: LabelledBlockPanel, estimator: SdidEstimator, placebo: PlaceboOptions | null): EstimatorReport {
  const fit = fitEstimator(panel, estimator);
  return {
    estimate: fit.estimate,
    se_jackknife: jackknifeStandardError(panel, fit),
    se_placebo: placebo ? placeboStandardError(panel, fit, placebo) : null,
    unit_weights: Object.fromEntries(panel.unitLabels.slice(0, panel.controlUnits).map((label, i) => [label, fit.weights.omega[i]])),
    time_weights: Object.fromEntries(panel.periodLabels.slice(0, panel.prePeriods).map((period, t) => [String(period), fit.weights.lambda[t]])),
  };
}

export function synthdidReport(panel: LabelledBlockPanel, placebo: PlaceboOptions | null = null): SdidReport {
  const [synthdid, sc, did] = ESTIMATORS.map((estimator) => estimatorReport(panel, estimator, placebo));
  return {
    n: { units: panel.units, control_units: panel.controlUnits, periods: panel.periods, pre_periods: panel.prePeriods },
    synthdid,
    sc,
    did,
    placebo,
  };
}
