import { sql, type Kysely } from 'kysely';

/**
 * bi.review_logic_model_nodes reads the rows the load marks as opening their node (core.review_indicator_rows.opens_node:
 * the first row of each project, kind, outcome term and number in the file, review-sheets/tables.ts), instead of
 * sorting every 3-1 row in force to find them (0030's DISTINCT ON). The rows are 0030's: one 3-1 file of a review year
 * is in force, so the first row of a node in that file is the first row of the node in the view. On a national year
 * (118,360 rows, 35,161 nodes) counting the view took 177-244 ms before. The migration marks the rows of every file
 * loaded before it; the column is required, so a worker older than 0048 fails its 3-1 loads (upgrade workers with
 * the migration) instead of loading rows the view would not show.
 */
const VIEW_0030 = `
    SELECT DISTINCT ON (i.review_year, i.project_id, i.node_kind, i.outcome_term, i.node_number)
           i.review_year, i.project_id, i.node_kind, i.node_number, i.outcome_term, i.qualitative, i.goal
      FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256)
     WHERE f.status = 'loaded' AND i.node_kind IS NOT NULL
     ORDER BY i.review_year, i.project_id, i.node_kind, i.outcome_term, i.node_number, i.line`;

const VIEW_0048 = `
    SELECT i.review_year, i.project_id, i.node_kind, i.node_number, i.outcome_term, i.qualitative, i.goal
      FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256)
     WHERE f.status = 'loaded' AND i.opens_node`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE core.review_indicator_rows ADD COLUMN opens_node boolean`.execute(db);
  // Every file's rows, retired files' too (a file put back in force shows its nodes again): the first of each node by line.
  await sql`
    UPDATE core.review_indicator_rows i SET opens_node = (o.line IS NOT NULL)
      FROM core.review_indicator_rows r
      LEFT JOIN (SELECT DISTINCT ON (file_sha256, project_id, node_kind, outcome_term, node_number) file_sha256, line
                   FROM core.review_indicator_rows WHERE node_kind IS NOT NULL
                  ORDER BY file_sha256, project_id, node_kind, outcome_term, node_number, line) o
        ON o.file_sha256 = r.file_sha256 AND o.line = r.line
     WHERE i.file_sha256 = r.file_sha256 AND i.line = r.line`.execute(db);
  await sql`ALTER TABLE core.review_indicator_rows ALTER COLUMN opens_node SET NOT NULL`.execute(db);
  await sql`COMMENT ON COLUMN core.review_indicator_rows.opens_node IS ${sql.lit(
    'Whether the row is the first in its file of its node (project, node_kind, outcome_term, node_number), activities included: the row bi.review_logic_model_nodes shows.',
  )}`.execute(db);
  await sql.raw(`CREATE OR REPLACE VIEW bi.review_logic_model_nodes AS ${VIEW_0048}`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`CREATE OR REPLACE VIEW bi.review_logic_model_nodes AS ${VIEW_0030}`).execute(db);
  await sql`ALTER TABLE core.review_indicator_rows DROP COLUMN opens_node`.execute(db);
}
