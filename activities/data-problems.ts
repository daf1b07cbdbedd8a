/**
 * Errors that come from the data or the spec, not from the machine: a singular design, an inconsistent panel,
 * a measure or covariate the data lack, a round without its review-score cut-off, a synthetic-DiD design the
 * panel cannot carry. Retrying cannot fix them, so the effect steps (pre-registered and ad hoc) fail at once.
 */
import { MissingReviewCutoffError } from '../analysis/review-score-study.js';
import { UnsupportedCovariateError, UnsupportedOutcomeError } from '../analysis/effect-study.js';
import { SingularMatrixError } from '../stats/linear-algebra.js';
import { PanelShapeError } from '../stats/panel.js';
import { CohortDesignError } from '../stats/sdid/cohorts.js';
import { SdidDesignError } from '../stats/sdid/estimate.js';
import { permanentFailure } from './activity-context.js';

const DATA_PROBLEMS = [SingularMatrixError, PanelShapeError, UnsupportedOutcomeError, UnsupportedCovariateError, MissingReviewCutoffError, SdidDesignError, CohortDesignError] as const;

/** The error as a non-retryable failure when it is a data problem; otherwise unchanged. */
export function dataProblemAsPermanent(error: unknown): unknown {
  return DATA_PROBLEMS.some((kind) => error instanceof kind) ? permanentFailure((error as Error).name, (error as Error).message) : error;
}
