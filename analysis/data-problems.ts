/**
 * Errors that come from the data or the spec, not from the machine: a singular design, an inconsistent panel,
 * a measure or covariate the data lack, a round without its review-score cut-off, a synthetic-DiD design the
 * panel cannot carry. Retrying cannot fix them.
 */
import { SingularMatrixError } from '../stats/linear-algebra.js';
import { PanelShapeError } from '../stats/panel.js';
import { CohortDesignError } from '../stats/sdid/cohorts.js';
import { SdidDesignError } from '../stats/sdid/estimate.js';
import { UnsupportedCovariateError, UnsupportedOutcomeError } from './effect-study.js';
import { MissingReviewCutoffError } from './review-score-study.js';

const DATA_PROBLEMS = [SingularMatrixError, PanelShapeError, UnsupportedOutcomeError, UnsupportedCovariateError, MissingReviewCutoffError, SdidDesignError, CohortDesignError] as const;

export function isDataProblem(error: unknown): error is Error {
  return DATA_PROBLEMS.some((kind) => error instanceof kind);
}
