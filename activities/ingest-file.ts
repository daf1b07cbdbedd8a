/**
 * The ingestion activity: loads one file (ingest/loading/load-file.ts), heartbeating after every committed batch
 * so that a worker that dies is noticed and the retry resumes after the last committed line. Cancelled (or
 * its worker shutting down), it stops after the batch under way has committed.
 */
import { existsSync, statSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../sql/database.js';
import { assertInputAllowed, InputOutsideDirectoryError } from '../ingest/loading/input-confinement.js';
import { InputFormatError, loadFile, ResumeMismatchError, type LoadOptions } from '../ingest/loading/load-file.js';
import { BuiltApplicationsFirmMissingError } from '../ingest/loading/application-rows.js';
import { BuildingTableMissingError, FirstFileStillLoadingError } from '../ingest/loading/built-beside.js';
import { noEbpmMetrics, type EbpmMetrics } from '../runtime/ebpm-metrics.js';
import { activityCancellationSignal, currentAttemptKey, permanentFailure, reportProgress } from './activity-context.js';
import type { IngestAccount, IngestFileInput } from './contracts.js';

export interface IngestActivityOptions extends LoadOptions {
  /** Input files must lie under this directory (EBPM_INPUT_DIR); any path is read when absent. */
  readonly inputDir?: string;
  /** Counts the rows of each committed batch (ebpm_rows_loaded_total, ebpm_rows_quarantined_total). */
  readonly metrics?: EbpmMetrics;
}

export function createIngestActivities(db: Kysely<Database>, { metrics = noEbpmMetrics, ...options }: IngestActivityOptions = {}) {
  return {
    async ingestFile(input: IngestFileInput): Promise<IngestAccount> {
      if (!existsSync(input.path) || !statSync(input.path).isFile()) {
        throw permanentFailure('InputFileNotFound', `the ${input.kind} file ${input.path} does not exist on the worker; give a path the worker can read`);
      }
      try {
        assertInputAllowed(input.path, options.inputDir);
        const signal = activityCancellationSignal();
        const loadedBy = currentAttemptKey();
        return await loadFile(db, input, {
          ...options,
          ...(signal ? { signal } : {}),
          ...(loadedBy ? { loadedBy } : {}),
          onWaitingForOtherLoad: () => reportProgress({ waitingForOtherLoadOf: input.path }),
          onCompleting: () => {
            reportProgress({ completing: input.path });
            options.onCompleting?.();
          },
          onProgress: (progress) => {
            metrics.batchCommitted(input.programmeId, input.kind, progress.batchLoaded, progress.batchQuarantined);
            reportProgress(progress);
            options.onProgress?.(progress);
          },
        });
      } catch (error) {
        // Errors retrying cannot fix go to the workflow at once.
        if (error instanceof InputOutsideDirectoryError) throw permanentFailure('InputOutsideDirectory', error.message);
        if (error instanceof InputFormatError) throw permanentFailure('UnreadableInputFile', error.message);
        if (error instanceof ResumeMismatchError) throw permanentFailure('ResumeMismatch', error.message);
        if (error instanceof BuildingTableMissingError) throw permanentFailure('BuildingTableMissing', error.message);
        if (error instanceof FirstFileStillLoadingError) throw permanentFailure('FirstFileStillLoading', error.message);
        if (error instanceof BuiltApplicationsFirmMissingError) throw permanentFailure('BuiltApplicationsFirmMissing', error.message);
        throw error;
      }
    },
  };
}
