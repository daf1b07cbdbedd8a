/** What check, show and draft-from-review-sheet share: --year Y (a review year), the project id, and the sheet they name. */
import type { Kysely } from 'kysely';
import { projectReviewYear, readProjectSheet, UnknownReviewSheetError, type ProjectSheet } from '../../review-sheets/project-sheet.js';
import type { Database } from '../../sql/database.js';
import { CommandFailure, UsageError } from '../errors.js';

export function reviewYearOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{4}$/.test(text)) throw new UsageError(`--year must be a review year such as 2024, not "${text}"`);
  return Number(text);
}

export function projectIdArgument(text: string | undefined, command: string): number {
  if (text === undefined) throw new UsageError(`ebpm ${command} needs a 予算事業ID (the RS system's project key, e.g. 3522)`);
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError(`the 予算事業ID must be a positive whole number, as in the RS system's 予算事業ID column, not "${text}"`);
  return Number(text);
}

/**
 * The project's sheet of the review year asked for (the latest loaded when none is). A project or year not loaded ends
 * the command with exit code 2 and the message naming what is loaded.
 */
export async function requestedProjectSheet(db: Kysely<Database>, projectId: number, year: number | undefined): Promise<ProjectSheet> {
  let reviewYear: number;
  try {
    reviewYear = await projectReviewYear(db, projectId, year);
  } catch (error) {
    if (error instanceof UnknownReviewSheetError) throw new CommandFailure(error.message, 2);
    throw error;
  }
  return readProjectSheet(db, projectId, reviewYear);
}
