import { sql, type Kysely } from 'kysely';
import { ATTRIBUTION } from './0025_review_sheets.js';
import { createReviewSheetFilesView } from './0043_review_sheet_file_history.js';

/**
 * Which review-sheet files are synthetic: made up by `ebpm generate` in the published format (the demo's sheets for the
 * 11 programmes, the bench's national year), not downloaded from the RS system. Their outputs must not cite the RS
 * system as their source, so the register keeps the mark their names carry (`…_合成データ_synthetic.csv`), and
 * bi.review_sheet_files shows it to BI tools. Files registered before this migration are all taken as published:
 * the mark did not exist. `ebpm generate` writes the same bytes for the same seed, so a year it wrote then is marked
 * when generated again and loaded (the load marks known bytes that come under a marked name; `ebpm demo` does so).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE raw.review_sheet_files ADD COLUMN synthetic boolean NOT NULL DEFAULT false`.execute(db);
  await sql`COMMENT ON COLUMN raw.review_sheet_files.synthetic IS ${sql.lit(
    "True for a file made up by ebpm generate (its name carries _合成データ_synthetic): in the published format, but not the government's data. Its outputs say so instead of citing the RS system. False for the RS system's files, and for every file registered before migration 0044 unless it was loaded again under a marked name.",
  )}`.execute(db);
  // CREATE OR REPLACE keeps the view's grants and comments; a new column may only come last.
  await sql`
    CREATE OR REPLACE VIEW bi.review_sheet_files AS
    SELECT f.review_year, f.sheet_table, f.file_name, f.status = 'loaded' AS in_force, f.records, f.loaded, f.quarantined,
           f.loaded_at, CASE WHEN f.status = 'retired' THEN f.retired_at END AS retired_at,
           CASE WHEN f.status = 'retired' THEN r.file_name END AS retired_by_file_name,
           CASE WHEN f.status = 'retired' THEN f.retired_by END AS retired_by_sha256, f.file_sha256, f.synthetic
      FROM raw.review_sheet_files f LEFT JOIN raw.review_sheet_files r ON r.file_sha256 = f.retired_by`.execute(db);
  await sql`COMMENT ON VIEW bi.review_sheet_files IS ${sql.lit(
    `The review-sheet files loaded, one row per file: the RS system's CSVs, or synthetic ones that ebpm generate made in the published format (synthetic). Which is in force for its table and review year (the other bi.review_* views show only those), and each file's account of records. For the RS system's files: ${ATTRIBUTION}`,
  )}`.execute(db);
  await sql`COMMENT ON COLUMN bi.review_sheet_files.synthetic IS ${sql.lit(
    `True for a file made up by ebpm generate in the published format (the demo's and the bench's sheets), not the government's data: what a review view shows from it is synthetic and must not be cited as the RS system's. False for the RS system's files, whose use requires: ${ATTRIBUTION}`,
  )}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW bi.review_sheet_files`.execute(db);
  await createReviewSheetFilesView(db);
  await sql`ALTER TABLE raw.review_sheet_files DROP COLUMN synthetic`.execute(db);
}
