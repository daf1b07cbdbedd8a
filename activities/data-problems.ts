/**
 * Data problems (see analysis/data-problems.ts) as failures that Temporal does not retry, so the effect steps
 * (pre-registered and ad hoc) fail at once, whether the error was thrown here or in a compute thread.
 */
import { isDataProblem } from '../analysis/data-problems.js';
import { ThreadJobError } from '../runtime/compute-threads.js';
import { permanentFailure } from './activity-context.js';

/** The error as a non-retryable failure when it is a data problem; otherwise unchanged. */
export function dataProblemAsPermanent(error: unknown): unknown {
  const dataProblem = error instanceof ThreadJobError ? error.failure.dataProblem : isDataProblem(error);
  return dataProblem ? permanentFailure((error as Error).name, (error as Error).message) : error;
}
