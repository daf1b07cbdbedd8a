/**
 * Runs started by an earlier version of the workflow code must replay on today's: a worker that picks up such a
 * run after an upgrade (or a retried workflow task) would otherwise fail it with a determinism violation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

const FIXTURES = join(import.meta.dirname, 'fixtures');

function recordedHistory(file: string): { events: { eventType: string; activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[] } {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
}

const scheduledActivities = (history: ReturnType<typeof recordedHistory>) =>
  history.events.flatMap((event) => (event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes.activityType.name] : []));

describe('replaying recorded runs on the current workflow code', () => {
  it('replays a run that computed the KPIs and then the effects, one after the other', async () => {
    const history = recordedHistory('evaluate-programme-sequential-history.json');
    const activities = scheduledActivities(history);
    // The recording is what it says: the estimate was scheduled only after the KPIs had completed.
    expect(activities).toEqual(['registerProgramme', 'ingestFile', 'ingestFile', 'registerRun', 'computeKpis', 'estimateEffects', 'finishRun', 'refreshBiViews']);
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'recorded-sequential-analysis'),
    ).resolves.toBeUndefined();
  });

  it('replays an all-programmes run recorded before a broken programme file stopped being fatal (validateCatalogue, no invalidProgrammes)', async () => {
    const history = recordedHistory('evaluate-all-programmes-before-isolation-history.json');
    const activities = scheduledActivities(history);
    expect(activities).toEqual(['validateCatalogue']);
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'recorded-all-programmes-before-isolation'),
    ).resolves.toBeUndefined();
  });

  it('replays a review-sheet load recorded when it loaded the files in name order and refreshed both views at its end', async () => {
    const history = recordedHistory('load-review-sheets-side-by-side-history.json');
    // The recording is what it says: seven files, then one refresh of both views (refreshReviewViews).
    expect(scheduledActivities(history)).toEqual(['listReviewSheetFiles', ...Array(7).fill('loadReviewSheetFile'), 'refreshReviewViews']);
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'recorded-review-load-side-by-side'),
    ).resolves.toBeUndefined();
  });
});

