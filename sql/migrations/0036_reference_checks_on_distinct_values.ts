import type { Kysely } from 'kysely';
import { setWriteCheckForm, type Reference } from './statement-reference-checks.js';

/**
 * The statement checks of 0008 and 0033 that refer to a file look up each distinct file written, not each row: a batch
 * of 50,000 outcome rows names one file, and the join of every row probed raw.input_files' key 50,000 times. Copying
 * 400,000 outcome rows into a copy of core.outcomes took 2.11–2.28 s with the check joining every row, 1.90–2.05 s with
 * it taking distinct values first, against 1.83–1.85 s with a trigger that only receives the rows (psql, three or four
 * runs each). The applications' reference to core.firms keeps its join: a batch names as many firms as it has rows, and
 * making them distinct first only added a hash of them all (the 1M-row `ingest-1M-database` bench, two runs each:
 * 13.9–14.3 s with it, 12.6–13.1 s without). The guarantee is unchanged: the same values are found missing.
 */

/** The references to files that 0008 and 0033 check per statement, written out: this migration changes these and no others. */
export const REFERENCES_TO_FILES: readonly Reference[] = [
  { table: 'core.applications', column: 'source_file_sha256', target: 'raw.input_files', key: 'file_sha256', foreignKey: 'applications_source_file_sha256_fkey' },
  { table: 'core.outcomes', column: 'source_file_sha256', target: 'raw.input_files', key: 'file_sha256', foreignKey: 'outcomes_source_file_sha256_fkey' },
  { table: 'restricted.applicant_contacts', column: 'source_file_sha256', target: 'raw.input_files', key: 'file_sha256', foreignKey: 'applicant_contacts_source_file_sha256_fkey' },
  ...['review_projects', 'review_budget', 'review_indicator_rows', 'review_edges', 'review_checks', 'review_payee_rows'].map((table) => ({
    table: `core.${table}`,
    column: 'file_sha256',
    target: 'raw.review_sheet_files',
    key: 'file_sha256',
    foreignKey: `${table}_file_sha256_fkey`,
  })),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await setWriteCheckForm(db, REFERENCES_TO_FILES, 'distinct-values-first');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await setWriteCheckForm(db, REFERENCES_TO_FILES, 'join-every-row');
}
