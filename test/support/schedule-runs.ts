import type { Client } from '@temporalio/client';
import type { EvaluationResult } from '../../workflows/index.js';

/** The result of the workflow a schedule's latest action started (waiting up to 20 s for the action to appear). */
export async function latestScheduledRunResult(client: Client, scheduleId: string): Promise<EvaluationResult> {
  const handle = client.schedule.getHandle(scheduleId);
  for (let attempt = 0; attempt < 100; attempt++) {
    const started = (await handle.describe()).info.recentActions[0]?.action.workflow;
    if (started) return (await client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result()) as EvaluationResult;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`schedule ${scheduleId} started no workflow within 20 s of its trigger`);
}
