/**
 * An event study as the sensitivity analysis takes it: coefficients for the pre-award event times (without
 * the reference period e = −1) followed by the post-award ones, their covariance, and the linear
 * combination l of post-award coefficients that is the target (e = 0 alone, or their average).
 */
import { matrix, type Matrix } from '../small-matrix.js';

export interface EventStudy {
  readonly betahat: Float64Array;
  /** Row-major, (pre + post)². */
  readonly sigma: Matrix;
  readonly prePeriods: number;
  readonly postPeriods: number;
}

export class EventStudyShapeError extends Error {
  constructor(
    readonly detail: string,
    readonly fix: string,
  ) {
    super(`${detail}. ${fix}`);
    this.name = 'EventStudyShapeError';
  }
}

export function eventStudy(betahat: readonly number[], sigma: readonly (readonly number[])[], prePeriods: number, postPeriods: number): EventStudy {
  const size = prePeriods + postPeriods;
  if (prePeriods < 1 || postPeriods < 1)
    throw new EventStudyShapeError(`num_pre_periods = ${prePeriods} and num_post_periods = ${postPeriods}`, 'Both must be at least 1: the bounds are set by pre-award coefficients and apply to post-award ones');
  if (betahat.length !== size)
    throw new EventStudyShapeError(`betahat has ${betahat.length} coefficients but num_pre_periods + num_post_periods = ${size}`, 'Give one coefficient per event time, leaving out the reference period e = −1');
  if (sigma.length !== size || sigma.some((row) => row.length !== size))
    throw new EventStudyShapeError(`sigma is not ${size} × ${size}`, 'Give the full covariance matrix of betahat, one row per coefficient');
  const values = new Float64Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      if (Math.abs(sigma[i][j] - sigma[j][i]) > 1e-10 * Math.max(Math.abs(sigma[i][j]), Math.abs(sigma[i][i]), Number.MIN_VALUE))
        throw new EventStudyShapeError(`sigma is not symmetric: sigma[${i}][${j}] = ${sigma[i][j]} but sigma[${j}][${i}] = ${sigma[j][i]}`, 'Pass the covariance matrix itself');
      values[i * size + j] = 0.5 * (sigma[i][j] + sigma[j][i]);
    }
  for (let i = 0; i < size; i++)
    if (!(values[i * size + i] > 0))
      throw new EventStudyShapeError(`sigma[${i}][${i}] = ${values[i * size + i]}, a variance that is not positive`, 'Every coefficient needs a positive variance; drop event times without a standard error');
  return { betahat: Float64Array.from(betahat), sigma: matrix(size, size, values), prePeriods, postPeriods };
}

/** lᵀβ_post and its standard error. */
export function targetEstimate(study: EventStudy, target: Float64Array): { estimate: number; se: number } {
  const { betahat, sigma, prePeriods: pre, postPeriods: post } = study;
  const size = pre + post;
  let estimate = 0;
  let variance = 0;
  for (let i = 0; i < post; i++) {
    estimate += target[i] * betahat[pre + i];
    for (let j = 0; j < post; j++) variance += target[i] * target[j] * sigma.values[(pre + i) * size + pre + j];
  }
  return { estimate, se: Math.sqrt(variance) };
}
