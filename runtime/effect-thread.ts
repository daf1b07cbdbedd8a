/**
 * The worker thread that runs pre-registered effect studies (see compute-threads.ts). Every study's
 * sensitivity analysis needs the same 10⁶ sorted draws: the thread makes them as it starts, before its
 * first job arrives.
 */
import { isDataProblem } from '../analysis/data-problems.js';
import { runEffectJob } from '../analysis/effect-job.js';
import { prepareFoldedNormalDraws } from '../stats/honest/normal-quantiles.js';
import { serveThreadJobs } from './compute-threads.js';

serveThreadJobs(runEffectJob, isDataProblem);
prepareFoldedNormalDraws();
