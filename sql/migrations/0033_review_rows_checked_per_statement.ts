import type { Kysely } from 'kysely';
import { checkReferencesPerStatement, restoreForeignKeys, type Reference } from './statement-reference-checks.js';

/**
 * The review-sheet rows' reference to their file (raw.review_sheet_files) is checked once per COPY over all the
 * rows it wrote, as the applicant tables' are since 0008, instead of by a foreign-key trigger per row. At a national
 * year (370,000 rows) those per-row checks ran after each COPY, one after another, and cost about 1.7 s of
 * PostgreSQL's time in a load of about 9 s. How the checks keep the foreign keys' guarantee:
 * statement-reference-checks.ts. The quarantine's foreign key stays: its rows are few.
 */
const REFERENCES: readonly Reference[] = ['review_projects', 'review_budget', 'review_indicator_rows', 'review_edges', 'review_checks', 'review_payee_rows'].map((table) => ({
  table: `core.${table}`,
  column: 'file_sha256',
  target: 'raw.review_sheet_files',
  key: 'file_sha256',
  foreignKey: `${table}_file_sha256_fkey`,
}));

export async function up(db: Kysely<unknown>): Promise<void> {
  await checkReferencesPerStatement(db, REFERENCES);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await restoreForeignKeys(db, REFERENCES);
}
