/**
 * The review-sheet load's activities by name, in a module of their own: `ebpm review-sheets load` makes its worker
 * with them before it loads the activities' code and the database layer (runtime/worker.ts, createReviewSheetWorker),
 * and activities/review-sheet-set.ts checks at compile time that its set has these names, no more and no fewer.
 */
export const REVIEW_SHEET_ACTIVITY_NAMES = ['listReviewSheetFiles', 'loadReviewSheetFile', 'refreshReviewViews'] as const;

export type ReviewSheetActivityName = (typeof REVIEW_SHEET_ACTIVITY_NAMES)[number];
