/**
 * The ingestion activity: loads one file (ingest/load-file.ts), heartbeating after every committed batch
 * so that a worker that dies is noticed and the retry resumes after the last committed line.
 */
import { existsSync, statSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../sql/database.js';
import { InputFormatError, loadFile, type LoadOptions } from '../ingest/load-file.js';
import { permanentFailure, reportProgress } from './activity-context.js';
import type { IngestAccount, IngestFileInput } from './contracts.js';

export function createIngestActivities(db: Kysely<Database>, options: LoadOptions = {}) {
  return {
    async ingestFile(input: IngestFileInput): Promise<IngestAccount> {
      if (!existsSync(input.path) || !statSync(input.path).isFile()) {
        throw permanentFailure('InputFileNotFound', `the ${input.kind} file ${input.path} does not exist on the worker; give a path the worker can read`);
      }
      try {
        return await loadFile(db, input, {
          ...options,
          onProgress: (progress) => {
            reportProgress(progress);
            options.onProgress?.(progress);
          },
        });
      } catch (error) {
        if (error instanceof InputFormatError) throw permanentFailure('UnreadableInputFile', error.message);
        throw error;
      }
    },
  };
}
