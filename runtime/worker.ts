/**
 * The worker: registers the workflows (bundled from ../workflows) and the activities bound to Postgres.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createActivities } from '../activities/index.js';
import type { Database } from '../sql/database.js';
import { codeVersion } from './code-version.js';

/** The workflow entry point next to this module: compiled .js under dist/, .ts when run from source. */
export function workflowsEntryPoint(): string {
  for (const extension of ['js', 'ts']) {
    const path = fileURLToPath(new URL(`../workflows/index.${extension}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('cannot find workflows/index.(js|ts) beside the runtime folder; run `npm run build` first');
}

export interface EbpmWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly db: Kysely<Database>;
  /** A pre-built workflow bundle (tests build one and share it); bundled on start when absent. */
  readonly workflowBundlePath?: string;
  /** Rows per committed ingest batch; 50,000 when absent. */
  readonly ingestBatchRows?: number;
  /** Input files must lie under this directory (EBPM_INPUT_DIR); any path is read when absent. */
  readonly inputDir?: string;
}

export async function createEbpmWorker(options: EbpmWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: workflowsEntryPoint() }),
    activities: createActivities({ db: options.db, codeVersion: codeVersion(), ingestBatchRows: options.ingestBatchRows, inputDir: options.inputDir }),
  });
}
