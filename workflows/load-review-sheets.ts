/**
 * Loads the published review sheets a user names, one file per activity in name order. Each file loads in one
 * transaction, so when a worker dies the retried activity either skips the file (it is in) or loads it whole.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { EbpmActivities } from '../activities/index.js';
import type { ReviewFileAccount, ReviewFileNotLoaded } from '../activities/review-sheets.js';

export interface LoadReviewSheetsInput {
  /** Folders of one review year's CSVs, .zip files of them, or single files. */
  readonly paths: readonly string[];
}

export interface LoadReviewSheetsResult {
  readonly files: readonly (ReviewFileAccount | ReviewFileNotLoaded)[];
}

export async function loadReviewSheetsWorkflow(input: LoadReviewSheetsInput): Promise<LoadReviewSheetsResult> {
  const { listReviewSheetFiles, loadReviewSheetFile } = proxyActivities<EbpmActivities>({
    startToCloseTimeout: '30 minutes',
    retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2 },
  });
  const files = await listReviewSheetFiles(input.paths);
  const accounts: (ReviewFileAccount | ReviewFileNotLoaded)[] = [];
  for (const file of files) accounts.push(await loadReviewSheetFile(file));
  return { files: accounts };
}
