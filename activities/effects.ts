/** Runs the programme's pre-registered effect study and stores every estimate, the pre-tests, the event studies' sensitivity and the notes. */
import type { Kysely } from 'kysely';
import { availableParallelism } from 'node:os';
import { mergeParts, splitOutcomes, type EffectJobInput, type EffectJobProgress, type EffectJobResult } from '../analysis/effect-job.js';
import { compiledModule } from '../config/project-root.js';
import { ComputeThreads } from '../runtime/compute-threads.js';
import { noEbpmMetrics, type EbpmMetrics } from '../runtime/ebpm-metrics.js';
import { studySpecSchema } from '../schemas/study-spec.js';
import type { Database } from '../sql/database.js';
import { activityCancellationSignal, reportProgress, whileHeartbeating } from './activity-context.js';
import type { RunDataCache } from './analysis-data.js';
import { dataProblemAsPermanent } from './data-problems.js';
import { effectJobInput } from './effect-job-input.js';
import { programmeOrFailure } from './programme-registry.js';
import type { EffectSummary, RunStepInput } from './contracts.js';

const INSERT_BATCH = 2_000;

/** Every table the effect step writes, keyed by run. */
const RUN_RESULT_TABLES = [
  'results.effect_estimates',
  'results.pretests',
  'results.sensitivity_bounds',
  'results.sensitivity_summaries',
  'results.outcome_designs',
  'results.synthetic_trajectories',
  'results.synthetic_unit_weights',
  'results.rd_summaries',
  'results.rd_bins',
  'results.rd_covariate_balance',
  'results.baseline_moments',
] as const;

/** The designs used, and what the synthetic-DiD and regression-discontinuity outcomes produce for their charts. */
async function writeDesignResults(trx: Kysely<Database>, input: RunStepInput, study: EffectJobResult['study']): Promise<void> {
  const runKey = input.runKey;
  if (study.designs.length) {
    await trx
      .insertInto('results.outcome_designs')
      .values(study.designs.map((row) => ({ run_key: runKey, programme_id: input.programmeId, outcome: row.outcome, design: row.design, settings: JSON.stringify(row.settings), reason: row.reason })))
      .execute();
  }
  const inBatches = async <Row>(rows: readonly Row[], insert: (batch: readonly Row[]) => Promise<unknown>) => {
    for (let start = 0; start < rows.length; start += INSERT_BATCH) await insert(rows.slice(start, start + INSERT_BATCH));
  };
  await inBatches(study.trajectories, (batch) =>
    trx
      .insertInto('results.synthetic_trajectories')
      .values(batch.map((row) => ({ run_key: runKey, outcome: row.outcome, cohort: row.cohort, fiscal_year: row.fiscalYear, treated_mean: row.treatedMean, synthetic_mean: row.syntheticMean, synthetic_shifted: row.syntheticShifted, time_weight: row.timeWeight, treated_units: row.treatedUnits, treated_firms: row.treatedFirms })))
      .execute(),
  );
  await inBatches(study.unitWeights, (batch) =>
    trx
      .insertInto('results.synthetic_unit_weights')
      .values(batch.map((row) => ({ run_key: runKey, outcome: row.outcome, cohort: row.cohort, unit_id: row.unitId, weight: row.weight })))
      .execute(),
  );
  if (study.rdSummaries.length) {
    await trx
      .insertInto('results.rd_summaries')
      .values(
        study.rdSummaries.map(({ outcome, report, ...row }) => ({
          run_key: runKey,
          outcome,
          fuzzy: row.fuzzy,
          follow_up_years: row.followUpYears,
          kernel: row.kernel,
          polynomial_order: row.polynomialOrder,
          bandwidth_selector: row.bandwidthSelector,
          h_left: report.bandwidth.h_left,
          h_right: report.bandwidth.h_right,
          b_left: report.bandwidth.b_left,
          b_right: report.bandwidth.b_right,
          units_left: report.n.left,
          units_right: report.n.right,
          effective_left: report.n.effective_left,
          effective_right: report.n.effective_right,
          mass_points: report.design.mass_points,
          awards_against_score: row.awardsAgainstScore,
          units_dropped: row.unitsDropped,
          density_statistic: row.densityStatistic,
          density_p_value: row.densityPValue,
          first_stage: report.first_stage?.coef ?? null,
        })),
      )
      .execute();
  }
  await inBatches(
    study.rdBins.map((bin, i, all) => ({ ...bin, index: all.slice(0, i).filter((earlier) => earlier.outcome === bin.outcome).length })),
    (batch) =>
      trx
        .insertInto('results.rd_bins')
        .values(batch.map((bin) => ({ run_key: runKey, outcome: bin.outcome, bin: bin.index, score_low: bin.scoreLow, score_high: bin.scoreHigh, score_mean: bin.scoreMean, outcome_mean: bin.outcomeMean, units: bin.units, firms: bin.firms, fitted: bin.fitted })))
        .execute(),
  );
  if (study.rdCovariateBalance.length) {
    await trx
      .insertInto('results.rd_covariate_balance')
      .values(
        study.rdCovariateBalance.map((row) => ({
          run_key: runKey,
          outcome: row.outcome,
          covariate: row.covariate,
          kind: row.kind,
          estimate: row.estimate,
          std_error: row.stdError,
          ci_low: row.ciLow,
          ci_high: row.ciHigh,
          p_value: row.pValue,
          h_left: row.hLeft,
          h_right: row.hRight,
          effective_left: row.effectiveLeft,
          effective_right: row.effectiveRight,
          note: row.note,
        })),
      )
      .execute();
  }
}

/**
 * Threads for the studies, each taking a share of a study's outcomes: every core but the one the worker's
 * event loop, and the KPIs computed beside a study, run on. On a 2-core machine a second thread did not
 * shorten the step (both cores were already busy) and took the worker's peak from 0.8 to 1.06 GB at
 * 100,000 applicants.
 */
const STUDY_THREADS = Math.max(1, availableParallelism() - 1);

export function createEffectActivities(db: Kysely<Database>, runData: RunDataCache, metrics: EbpmMetrics = noEbpmMetrics) {
  const threads = new ComputeThreads<EffectJobInput, EffectJobResult, EffectJobProgress>(compiledModule('runtime/effect-thread.js'), STUDY_THREADS, {
    onQueueLength: (waiting) => metrics.computeQueueLength('effects', waiting),
  });
  // Started now, while the worker's first run is still ingesting, so the threads are ready when its effect step
  // begins. (The review-sheet load's own worker never creates them: see activities/review-sheet-set.ts.)
  setImmediate(() => threads.warm());
  return {
    estimateEffects: async (input: RunStepInput): Promise<EffectSummary> => {
      try {
        return await whileHeartbeating(() => estimateEffects(input));
      } finally {
        runData.release(input.runKey);
      }
    },
  };

  async function estimateEffects(input: RunStepInput): Promise<EffectSummary> {
    const programme = programmeOrFailure(input.programmeId);
    const spec = studySpecSchema.parse(programme.studySpec);
    const data = await runData.read(input.runKey, programme);
    // The outcomes split over the threads; when one part fails the others are stopped.
    const stopJobs = new AbortController();
    const cancelled = activityCancellationSignal();
    const signal = cancelled ? AbortSignal.any([cancelled, stopJobs.signal]) : stopJobs.signal;
    let job: EffectJobResult;
    try {
      const jobs = splitOutcomes(effectJobInput(spec, programme.file.callRounds, data), STUDY_THREADS).map((part) => threads.run(part, { signal, onProgress: reportProgress }));
      jobs.forEach((running) => running.catch((error: unknown) => stopJobs.abort(error)));
      job = mergeParts(await Promise.all(jobs));
    } catch (error) {
      // Data problems (a singular design, an inconsistent panel, …) will not go away on retry.
      throw dataProblemAsPermanent(error);
    }
    const { study, sensitivity, moments } = job;
    // The run's earlier rows go first: an attempt whose worker died after writing is retried without duplicates.
    await db.transaction().execute(async (trx) => {
      for (const table of RUN_RESULT_TABLES) await trx.deleteFrom(table).where('run_key', '=', input.runKey).execute();
      await writeDesignResults(trx, input, study);
      if (moments.length) {
        await trx
          .insertInto('results.baseline_moments')
          .values(moments.map((m) => ({ run_key: input.runKey, programme_id: input.programmeId, outcome: m.outcome, sd: m.sd, year_to_year_correlation: m.yearToYearCorrelation, units: m.units, first_year: m.firstYear, last_year: m.lastYear })))
          .execute();
      }
      const rows = study.effects.map((row) => ({
        run_key: input.runKey,
        programme_id: input.programmeId,
        outcome: row.outcome,
        estimator: row.estimator,
        term: row.term,
        event_time: row.eventTime,
        cohort: row.cohort,
        period: row.period,
        status: row.status,
        estimate: row.estimate,
        std_error: row.stdError,
        ci_low: row.ciLow,
        ci_high: row.ciHigh,
        p_value: row.pValue,
        confidence_level: row.confidenceLevel,
        bootstrap_std_error: row.bootstrapStdError,
        band_low: row.bandLow,
        band_high: row.bandHigh,
        band_critical_value: row.bandCriticalValue,
        treated_units: row.treatedUnits,
        comparison_units: row.comparisonUnits,
        observations: row.observations,
        cell_units: row.cellUnits,
        cell_firms: row.cellFirms,
        comparison_firms: row.comparisonFirms,
        note: row.note,
        se_method: row.seMethod ?? null,
      }));
      for (let start = 0; start < rows.length; start += INSERT_BATCH) {
        await trx.insertInto('results.effect_estimates').values(rows.slice(start, start + INSERT_BATCH)).execute();
      }
      if (study.pretests.length) {
        await trx
          .insertInto('results.pretests')
          .values(
            study.pretests.map((pretest) => ({
              run_key: input.runKey,
              programme_id: input.programmeId,
              outcome: pretest.outcome,
              statistic: pretest.statistic,
              df: pretest.df,
              p_value: pretest.pValue,
              note: pretest.note,
            })),
          )
          .execute();
      }
      if (sensitivity.summaries.length) {
        await trx
          .insertInto('results.sensitivity_summaries')
          .values(
            sensitivity.summaries.map((row) => ({
              run_key: input.runKey,
              programme_id: input.programmeId,
              outcome: row.outcome,
              target: row.target,
              status: row.status,
              event_times: [...row.eventTimes],
              estimate: row.estimate,
              std_error: row.stdError,
              original_low: row.originalLow,
              original_high: row.originalHigh,
              confidence_level: row.confidenceLevel,
              breakdown_mbar: row.breakdownMbar,
              breakdown_m: row.breakdownM,
              breakdown_mbar_searched_to: row.breakdownMbarSearchedTo,
              breakdown_m_searched_to: row.breakdownMSearchedTo,
              statement: row.statement,
              statement_ja: row.statementJa,
            })),
          )
          .execute();
      }
      if (sensitivity.bounds.length) {
        await trx
          .insertInto('results.sensitivity_bounds')
          .values(
            sensitivity.bounds.map((row) => ({
              run_key: input.runKey,
              outcome: row.outcome,
              target: row.target,
              restriction: row.restriction,
              parameter: row.parameter,
              lower_bound: row.lower,
              upper_bound: row.upper,
              open_at_grid_end: row.lowerOpen || row.upperOpen,
              lower_open: row.lowerOpen,
              upper_open: row.upperOpen,
              empty_reason: row.emptyReason,
            })),
          )
          .execute();
      }
      await trx.updateTable('results.evaluation_runs').set({ notes: JSON.stringify(study.notes) }).where('run_key', '=', input.runKey).execute();
    });
    const overall = study.effects
      .filter((row) => row.term === 'overall')
      .map(({ outcome, estimator, status, estimate, stdError, ciLow, ciHigh, confidenceLevel, treatedUnits, comparisonUnits, note }) => ({
        outcome, estimator, status, estimate, stdError, ciLow, ciHigh, confidenceLevel, treatedUnits, comparisonUnits, note,
      }));
    const pretests = study.pretests.map(({ outcome, statistic, df, pValue }) => ({ outcome, statistic, df, pValue }));
    const statements = sensitivity.summaries.map(({ outcome, target, statement }) => ({ outcome, target, statement }));
    return { rowsWritten: study.effects.length, overall, pretests, samples: study.samples, sensitivity: statements };
  }
}
