/**
 * Starts an evaluation workflow and follows it to the end, reporting each step as it is reached.
 */
import type { Client } from '@temporalio/client';
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
  let lastStep = '';
  let finished = false;
  const follow = async () => {
    while (!finished) {
      try {
        const progress = await handle.query(progressQuery);
        if (progress.step !== lastStep) {
          lastStep = progress.step;
          options.onProgress?.(progress);
        }
      } catch {
        // The first query can race the first workflow task; the next poll will answer.
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMilliseconds ?? 250));
    }
  };
  const following = options.onProgress ? follow() : Promise.resolve();
  try {
    const result = await handle.result();
    return { workflowId, result };
  } finally {
    finished = true;
    await following;
  }
}
