/**
 * Ad-hoc ingestion of one file, durably: the ingest activity heartbeats after every committed batch, so
 * when its worker dies the attempt times out after `heartbeatTimeout` and the retry, on any worker,
 * continues after the last committed line.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { EbpmActivities } from '../activities/index.js';
import type { IngestAccount, IngestFileInput } from '../activities/contracts.js';
import { DEFAULT_HEARTBEAT_TIMEOUT } from './heartbeat-timeout.js';

export interface IngestFileWorkflowInput {
  readonly file: IngestFileInput;
  /** How long without a heartbeat before an attempt counts as dead; Temporal duration, default '2 minutes'. */
  readonly heartbeatTimeout?: string;
}

export async function ingestFileWorkflow(input: IngestFileWorkflowInput): Promise<IngestAccount> {
  const { ingestFile } = proxyActivities<EbpmActivities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: input.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT,
    retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2 },
  });
  return ingestFile(input.file);
}
