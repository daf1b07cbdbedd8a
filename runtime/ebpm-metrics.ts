/**
 * ebpm's own metrics, recorded on the Temporal SDK's metric meter so that they come out of the same
 * Prometheus exposition as the SDK's runtime metrics (one scrape, one exporter, no second metrics library).
 * Counters count what this worker process did: the sum over a deployment's workers is the deployment's.
 */
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';

export interface EbpmMetrics {
  /** One committed ingest batch: rows loaded into the core tables and rows quarantined in raw.rejected_rows. */
  batchCommitted(programme: string, fileKind: string, loaded: number, quarantined: number): void;
  /** An activity (a step of a run) ended; `outcome` is completed or failed. */
  stepEnded(programme: string, step: string, seconds: number, outcome: 'completed' | 'failed'): void;
  /** A failed activity attempt, by the failure's type (an ApplicationFailure's type, else the error's name). */
  stepFailed(step: string, cause: string): void;
  /** A run recorded its end (succeeded, failed or cancelled): a pre-registered evaluation or an exploratory study. */
  runEnded(programme: string, status: string, kind: 'pre-registered' | 'exploratory'): void;
  /** Jobs waiting for a compute thread of `pool`. */
  computeQueueLength(pool: string, waiting: number): void;
}

/** The histogram buckets of ebpm_step_duration_seconds: a registration takes milliseconds, a large estimation minutes. */
export const STEP_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export const EBPM_METRIC_NAMES = {
  rowsLoaded: 'ebpm_rows_loaded_total',
  rowsQuarantined: 'ebpm_rows_quarantined_total',
  stepDuration: 'ebpm_step_duration_seconds',
  stepFailures: 'ebpm_failures_total',
  runs: 'ebpm_runs_total',
  computeQueue: 'ebpm_compute_thread_queue_length',
} as const;

export function ebpmMetrics(meter: MetricMeter): EbpmMetrics {
  const rowsLoaded = meter.createCounter(EBPM_METRIC_NAMES.rowsLoaded, 'rows', 'Rows loaded into the core tables, by programme and file kind');
  const rowsQuarantined = meter.createCounter(EBPM_METRIC_NAMES.rowsQuarantined, 'rows', 'Rows quarantined in raw.rejected_rows, by programme and file kind');
  const stepDuration = meter.createHistogram(EBPM_METRIC_NAMES.stepDuration, 'float', 's', 'Duration of each activity attempt (a step of a run), by programme, step and outcome');
  const stepFailures = meter.createCounter(EBPM_METRIC_NAMES.stepFailures, 'attempts', 'Failed activity attempts, by step and cause (the failure type)');
  const runs = meter.createCounter(EBPM_METRIC_NAMES.runs, 'runs', 'Runs that recorded their end, by programme, status and kind (pre-registered or exploratory)');
  const computeQueue = meter.createGauge(EBPM_METRIC_NAMES.computeQueue, 'int', 'jobs', 'Jobs waiting for a compute thread, by pool');
  return {
    batchCommitted(programme, fileKind, loaded, quarantined) {
      const tags = { programme, file_kind: fileKind };
      rowsLoaded.add(loaded, tags);
      rowsQuarantined.add(quarantined, tags);
    },
    stepEnded(programme, step, seconds, outcome) {
      stepDuration.record(seconds, { programme, step, outcome });
    },
    stepFailed(step, cause) {
      stepFailures.add(1, { step, cause });
    },
    runEnded(programme, status, kind) {
      runs.add(1, { programme, status, kind });
    },
    computeQueueLength(pool, waiting) {
      computeQueue.set(waiting, { pool });
    },
  };
}

/** Records nothing: activities run outside a worker with metrics. */
export const noEbpmMetrics: EbpmMetrics = ebpmMetrics(noopMetricMeter);
