/**
 * Starts an evaluation workflow and follows it to the end, reporting each step as it is reached.
 */
import type { Client } from '@temporalio/client';
import { evaluateProgramme, progressQuery, type EvaluateProgrammeInput, type EvaluationProgress, type EvaluationResult } from '../workflows/index.js';
import { followWorkflow, type FollowOptions } from './follow-workflow.js';

export interface RunStudyOptions {
  readonly client: Client;
  readonly taskQueue: string;
  readonly input: EvaluateProgrammeInput;
  readonly workflowId?: string;
  readonly onProgress?: (progress: EvaluationProgress) => void;
  /** How the workflow and its progress are followed through a restart of the server; absent, only the result is awaited. */
  readonly follow?: FollowOptions;
}

export async function runStudy(options: RunStudyOptions): Promise<{ workflowId: string; result: EvaluationResult }> {
  const workflowId = options.workflowId ?? `study-${options.input.programmeId}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const handle = await options.client.workflow.start(evaluateProgramme, {
    taskQueue: options.taskQueue,
    workflowId,
    args: [options.input],
  });
  // Without follow options (tests, embedding code) it only waits for the result.
  const result = options.follow ? await followWorkflow(handle, { ...options.follow, query: progressQuery, onProgress: options.onProgress }) : await handle.result();
  return { workflowId, result };
}
