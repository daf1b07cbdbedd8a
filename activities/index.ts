/**
 * All activities, bound to their services. The worker registers this object; workflows see only its type.
 */
import type { Kysely } from 'kysely';
import { noEbpmMetrics, type EbpmMetrics } from '../runtime/ebpm-metrics.js';
import { silentLog, type WorkerLog } from '../runtime/logging.js';
import type { Database } from '../sql/database.js';
import { createEffectActivities } from './effects.js';
import { createEvaluationRunActivities } from './evaluation-runs.js';
import { createExploratoryActivities } from './exploratory.js';
import { createIngestActivities } from './ingest-file.js';
import { instrumentActivities } from './instrumented.js';
import { RunDataCache } from './analysis-data.js';
import { createKpiActivities } from './kpis.js';
import { createProgrammeRegistryActivities } from './programme-registry.js';
import { createReviewSheetActivities } from './review-sheets.js';

export interface ActivityServices {
  readonly db: Kysely<Database>;
  readonly codeVersion: string;
  /** Rows per committed ingest batch; 50,000 when absent. */
  readonly ingestBatchRows?: number;
  /** Input files must lie under this directory (EBPM_INPUT_DIR); any path is read when absent. */
  readonly inputDir?: string;
  /** ebpm's metrics (rows, step durations, failures, runs, compute queue); recorded nowhere when absent. */
  readonly metrics?: EbpmMetrics;
  /** One line per activity attempt; silent when absent (activities run inside a CLI command print nothing). */
  readonly log?: WorkerLog;
}

export function createActivities(services: ActivityServices) {
  const runData = new RunDataCache(services.db);
  const metrics = services.metrics ?? noEbpmMetrics;
  return instrumentActivities(
    {
      ...createProgrammeRegistryActivities(services.db),
      ...createIngestActivities(services.db, { ...(services.ingestBatchRows ? { batchSize: services.ingestBatchRows } : {}), inputDir: services.inputDir, metrics }),
      ...createEvaluationRunActivities(services.db, services.codeVersion, metrics),
      ...createKpiActivities(services.db, runData),
      ...createEffectActivities(services.db, runData, metrics),
      ...createExploratoryActivities(services.db, services.codeVersion, metrics),
      ...createReviewSheetActivities(services.db, { inputDir: services.inputDir }),
    },
    metrics,
    services.log ?? silentLog,
  );
}

export type EbpmActivities = ReturnType<typeof createActivities>;
