/**
 * Loads the published review sheets a user names, one file per activity in name order. Each file loads in one
 * transaction, so when a worker dies the retried activity either skips the file (it is in) or loads it whole.
 * Last, bi.review_findings (materialized) is refreshed once, also after a file failed: the files loaded before it
 * stay in force, and the findings must describe them.
 */
import { patched, proxyActivities } from '@temporalio/workflow';
import type { EbpmActivities } from '../activities/index.js';
import type { ReviewFileAccount, ReviewFileNotLoaded } from '../activities/review-sheets.js';

export interface LoadReviewSheetsInput {
  /** Folders of one review year's CSVs, .zip files of them, or single files. */
  readonly paths: readonly string[];
}

export interface LoadReviewSheetsResult {
  readonly files: readonly (ReviewFileAccount | ReviewFileNotLoaded)[];
  /** The materialized views refreshed at the end (absent in loads recorded before the refresh step). */
  readonly refreshedViews?: readonly string[];
}

/** Patch id of the refresh step, so loads recorded before it replay unchanged. */
const REFRESH_REVIEW_VIEWS = 'refresh-review-views';

export async function loadReviewSheetsWorkflow(input: LoadReviewSheetsInput): Promise<LoadReviewSheetsResult> {
  const { listReviewSheetFiles, loadReviewSheetFile, refreshReviewViews } = proxyActivities<EbpmActivities>({
    startToCloseTimeout: '30 minutes',
    retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2 },
  });
  const files = await listReviewSheetFiles(input.paths);
  const accounts: (ReviewFileAccount | ReviewFileNotLoaded)[] = [];
  if (!patched(REFRESH_REVIEW_VIEWS)) {
    for (const file of files) accounts.push(await loadReviewSheetFile(file));
    return { files: accounts };
  }
  try {
    for (const file of files) accounts.push(await loadReviewSheetFile(file));
  } catch (loadFailure) {
    // The files loaded before the failed one stay in force: the findings are refreshed for them, and the load's own
    // failure is the one reported (a refresh that fails too must not replace it).
    await refreshReviewViews().catch(() => undefined);
    throw loadFailure;
  }
  return { files: accounts, refreshedViews: await refreshReviewViews() };
}
