/**
 * Loads the published review sheets a user names, one file per activity. Files of different tables or review years
 * load two at a time (one file's parsing beside the other's writing); files of the same table and review year load
 * one after another in name order, since the later one replaces the earlier. Each file loads in one transaction,
 * so when a worker dies (its heartbeats stop) the retried activity either skips the file (it is in) or loads it whole.
 * A file refused for what it holds (its header) is an account like the others (ReviewFileRefused), and the rest
 * load. Last, the findings of the files' review years are written again once (bi.review_findings), also after a file
 * failed or the load was cancelled: the files loaded before it stay in force, and the findings must describe them.
 */
import { ActivityCancellationType, CancellationScope, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { EbpmActivities } from '../activities/index.js';
import type { ListedReviewSheet, ReviewFileAccount, ReviewFileNotLoaded, ReviewFileRefused } from '../activities/review-sheets.js';
import { DEFAULT_HEARTBEAT_TIMEOUT } from './heartbeat-timeout.js';

export interface LoadReviewSheetsInput {
  /** Folders of one review year's CSVs, .zip files of them, or single files. */
  readonly paths: readonly string[];
  /**
   * How long a file's load or the views' refresh may go without a heartbeat before Temporal takes its worker for dead
   * and retries it on any worker (default 2 minutes; the activities heartbeat every second).
   */
  readonly heartbeatTimeout?: string;
}

export interface LoadReviewSheetsResult {
  readonly files: readonly Account[];
  /** The views brought up to date at the end (absent in loads recorded before the refresh step). */
  readonly refreshedViews?: readonly string[];
}

/** Patch id of the refresh step, so loads recorded before it replay unchanged. */
const REFRESH_REVIEW_VIEWS = 'refresh-review-views';
/** Patch id of loading files side by side; loads recorded before it replay one file at a time. */
const SIDE_BY_SIDE_LOADS = 'review-loads-side-by-side';
/**
 * Patch id of a cancellation that waits for the files under way and then writes the findings; cancelled loads recorded
 * before it went on as soon as they asked their files to stop, and wrote no findings.
 */
const CANCELLED_CLEANLY = 'review-loads-cancelled-cleanly';
/**
 * Patch id of handing out the costliest tables first (COSTLIEST_FIRST); loads recorded before it took the tables in
 * the files' order.
 */
const COSTLIEST_TABLES_FIRST = 'review-loads-costliest-tables-first';
/** Files loading at once: two keep the worker's thread and PostgreSQL busy together; more only queue for them. */
const LANES = 2;
/**
 * The loaded tables from the costliest to load to the cheapest, as the bench's synthetic national year measured them
 * (bench/README.md, "2026-12-07"): 3-1 takes the longest of all, though 5-1 is the larger file (3-1's rows carry each
 * year's values as jsonb, and two tables are derived from them), then 5-1, 2-1, 3-2, 1-2, 4-1. Handed out in this
 * order, the longest file starts at once and the others fill the second lane beside it; in the files' order 3-1 waited
 * for 1-2, and its lane ended last. Tables not loaded (listed as skipped at once) come last. Recorded loads replay this
 * order: changing it needs a patch id of its own.
 */
const COSTLIEST_FIRST = ['3-1', '5-1', '2-1', '3-2', '1-2', '4-1'];

type Account = ReviewFileAccount | ReviewFileNotLoaded | ReviewFileRefused;

/**
 * Every file loaded, LANES at a time, each table and review year in one lane in name order; the accounts in the
 * files' order. After a failure no file is started, the files in flight finish, and the first failure is thrown.
 */
async function loadSideBySide(files: readonly ListedReviewSheet[], load: (file: ListedReviewSheet) => Promise<Account>, costliestFirst: boolean): Promise<Account[]> {
  const sequences = new Map<string, number[]>();
  files.forEach((file, index) => {
    const key = file.sheet ? `${file.sheet.table}:${file.sheet.reviewYear}` : 'unnamed';
    sequences.set(key, [...(sequences.get(key) ?? []), index]);
  });
  const waiting = [...sequences.values()];
  // A stable sort: sequences of equal cost (one table's review years) keep the files' order.
  if (costliestFirst) waiting.sort((a, b) => costRank(files[a[0]]) - costRank(files[b[0]]));
  const accounts: Account[] = new Array(files.length);
  let failed: { readonly error: unknown } | undefined;
  async function lane(): Promise<void> {
    for (let sequence = waiting.shift(); sequence !== undefined; sequence = waiting.shift()) {
      for (const index of sequence) {
        if (failed) return;
        try {
          accounts[index] = await load(files[index]);
        } catch (error) {
          failed ??= { error };
          return;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: LANES }, lane));
  if (failed) throw failed.error;
  return accounts;
}

/** Where the file's table comes in COSTLIEST_FIRST; after every loaded table for any other. */
function costRank(file: ListedReviewSheet): number {
  const rank = file.sheet ? COSTLIEST_FIRST.indexOf(file.sheet.table) : -1;
  return rank === -1 ? COSTLIEST_FIRST.length : rank;
}

/**
 * The listed files' review years, in order; undefined (every year) when a file was listed without its table and year,
 * as loads listed before the files carried them were.
 */
export function reviewYearsOf(files: readonly ListedReviewSheet[]): number[] | undefined {
  const years = new Set<number>();
  for (const file of files) {
    if (file.sheet === undefined) return undefined;
    years.add(file.sheet.reviewYear);
  }
  return [...years].sort((a, b) => a - b);
}

export async function loadReviewSheetsWorkflow(input: LoadReviewSheetsInput): Promise<LoadReviewSheetsResult> {
  // Cancelled, the load waits for each file under way to stop (its transaction rolled back) or, if it was committing,
  // to end loaded, so that the findings written after it describe every file then in force.
  const cancelledCleanly = patched(CANCELLED_CLEANLY);
  const options = {
    startToCloseTimeout: '30 minutes',
    // Without it a worker that died mid-file left the file's attempt waiting out the 30 minutes before its retry.
    heartbeatTimeout: input.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT,
    retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2 },
    ...(cancelledCleanly ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}),
  };
  const { listReviewSheetFiles, loadReviewSheetFile, refreshReviewViews } = proxyActivities<EbpmActivities>(options);
  // After a cancellation the findings are written once, in a scope no second cancellation can stop: one attempt, not
  // five. A year it leaves unwritten stays marked due, and the next load writes it (migration 0042).
  const { refreshReviewViews: refreshOnceAfterCancellation } = proxyActivities<EbpmActivities>({ ...options, retry: { maximumAttempts: 1 } });
  const files = await listReviewSheetFiles(input.paths);
  const accounts: Account[] = [];
  if (!patched(REFRESH_REVIEW_VIEWS)) {
    for (const file of files) accounts.push(await loadReviewSheetFile(file));
    return { files: accounts };
  }
  // The findings are written again for the files' review years only; the other years' are left as they are.
  const reviewYears = reviewYearsOf(files);
  try {
    if (patched(SIDE_BY_SIDE_LOADS)) accounts.push(...(await loadSideBySide(files, loadReviewSheetFile, patched(COSTLIEST_TABLES_FIRST))));
    else for (const file of files) accounts.push(await loadReviewSheetFile(file));
  } catch (loadFailure) {
    // The files loaded before the failed one stay in force: the findings are refreshed for them, and the load's own
    // failure is the one reported (a refresh that fails too must not replace it). In a cancelled load (whichever
    // failure came first) the step runs outside the cancellation, which would otherwise refuse it at once.
    const refreshOutsideCancellation = cancelledCleanly && (isCancellation(loadFailure) || CancellationScope.current().consideredCancelled);
    await (refreshOutsideCancellation ? CancellationScope.nonCancellable(() => refreshOnceAfterCancellation(reviewYears)) : refreshReviewViews(reviewYears)).catch(() => undefined);
    throw loadFailure;
  }
  return { files: accounts, refreshedViews: await refreshReviewViews(reviewYears) };
}
