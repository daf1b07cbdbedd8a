import type { Kysely } from 'kysely';
import { REFERENCES as APPLICANT_FILE_REFERENCES } from './0008_set_based_reference_checks.js';
import { REFERENCES as REVIEW_SHEET_REFERENCES } from './0033_review_rows_checked_per_statement.js';
import { setWriteCheckForm, type Reference } from './statement-reference-checks.js';

/**
 * The statement checks of 0008 and 0033 that refer to a file look up each distinct file written, not each row: a batch
 * of 50,000 outcome rows names one file, and the join of every row probed raw.input_files' key 50,000 times. Copying
 * 400,000 outcome rows into core.outcomes took 2.11–2.28 s with the check joining every row, 1.84–2.05 s with it taking
 * distinct values first, against 1.83–1.85 s with a trigger that only receives the rows (psql, three or four runs
 * each). The applications' reference to core.firms keeps its join: a batch names as many firms as it has rows, and
 * making them distinct first only added a hash of them all (the 1M-row `ingest-1M-database` bench, two runs each:
 * 13.9–14.3 s with it, 12.6–13.1 s without). The guarantee is unchanged: the same values are found missing.
 */
const REFERENCES_TO_FILES: readonly Reference[] = [
  ...APPLICANT_FILE_REFERENCES.filter((reference) => reference.target === 'raw.input_files'),
  ...REVIEW_SHEET_REFERENCES,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await setWriteCheckForm(db, REFERENCES_TO_FILES, 'distinct-values-first');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await setWriteCheckForm(db, REFERENCES_TO_FILES, 'join-every-row');
}
