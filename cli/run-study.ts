/**
 * Starts an evaluation workflow and follows it to the end, reporting each step as it is reached.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition, Workflow, WorkflowResultType } from '@temporalio/common';
import { evaluateProgramme, progressQuery, type EvaluateProgrammeInput, type EvaluationProgress, type EvaluationResult } from '../workflows/index.js';

export interface RunStudyOptions {
  readonly client: Client;
  readonly taskQueue: string;
  readonly input: EvaluateProgrammeInput;
  readonly workflowId?: string;
  readonly onProgress?: (progress: EvaluationProgress) => void;
  readonly pollMilliseconds?: number;
}

export async function runStudy(options: RunStudyOptions): Promise<{ workflowId: string; result: EvaluationResult }> {
  const workflowId = options.workflowId ?? `study-${options.input.programmeId}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const handle = await options.client.workflow.start(evaluateProgramme, {
    taskQueue: options.taskQueue,
    workflowId,
    args: [options.input],
  });
  const result = await followWorkflow(handle, progressQuery, options.onProgress, options.pollMilliseconds);
  return { workflowId, result };
}

/**
 * Waits for a workflow's result, reporting each new step of its progress query (when asked) as it is reached.
 */
export async function followWorkflow<W extends Workflow, Progress extends { readonly step: string }>(
  handle: WorkflowHandle<W>,
  query: QueryDefinition<Progress>,
  onProgress?: (progress: Progress) => void,
  pollMilliseconds = 250,
): Promise<WorkflowResultType<W>> {
  let lastStep = '';
  let finished = false;
  const follow = async () => {
    while (!finished) {
      try {
        const progress = await handle.query(query);
        if (progress.step !== lastStep) {
          lastStep = progress.step;
          onProgress?.(progress);
        }
      } catch {
        // The first query can race the first workflow task; the next poll will answer.
      }
      await new Promise((resolve) => setTimeout(resolve, pollMilliseconds));
    }
  };
  const following = onProgress ? follow() : Promise.resolve();
  try {
    return await handle.result();
  } finally {
    finished = true;
    await following;
  }
}
