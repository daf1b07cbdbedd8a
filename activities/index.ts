/**
 * All activities, bound to their services. The worker registers this object; workflows see only its type.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../sql/database.js';
import { createEffectActivities } from './effects.js';
import { createEvaluationRunActivities } from './evaluation-runs.js';
import { createExploratoryActivities } from './exploratory.js';
import { createIngestActivities } from './ingest-file.js';
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
}

export function createActivities(services: ActivityServices) {
  const runData = new RunDataCache(services.db);
  return {
    ...createProgrammeRegistryActivities(services.db),
    ...createIngestActivities(services.db, { ...(services.ingestBatchRows ? { batchSize: services.ingestBatchRows } : {}), inputDir: services.inputDir }),
    ...createEvaluationRunActivities(services.db, services.codeVersion),
    ...createKpiActivities(services.db, runData),
    ...createEffectActivities(services.db, runData),
    ...createExploratoryActivities(services.db, services.codeVersion),
    ...createReviewSheetActivities(services.db, { inputDir: services.inputDir }),
  };
}

export type EbpmActivities = ReturnType<typeof createActivities>;
