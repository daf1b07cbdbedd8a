import { sql, type Kysely } from 'kysely';

/**
 * bi.review_payees finds each payee's block name (支出先ブロック名, from the block's own row of 5-1) by joining the
 * block rows once, instead of looking the block up again for every payee row (0025: a lateral subquery through the
 * partial index review_payee_rows_blocks, which nothing else reads and which every 5-1 load had to fill). On a
 * national year (51,504 payees) the whole view read its block names in 117–131 ms against 146–150 ms, a count of its
 * rows took 53–57 ms against 137–196 ms (a reader that does not ask for the name skips the join), and one project's
 * rows are found through the table's key as before (through its index on review_year and project_id since 0047). The rows are 0025's: a block's name is that of its first block row
 * (by line) in the file of the payee's row; the columns, their comments and the grant stay.
 */
const VIEW_0025 = `
    SELECT p.review_year, p.project_id, p.block_number, blocks.block_name, p.payee_name, p.corporate_number,
           p.corporate_number_valid, p.payee_total_yen
      FROM core.review_payee_rows p
      JOIN raw.review_sheet_files f USING (file_sha256)
      LEFT JOIN LATERAL (
        SELECT b.block_name FROM core.review_payee_rows b
         WHERE b.file_sha256 = p.file_sha256 AND b.project_id = p.project_id AND b.block_number = p.block_number AND b.level = 'block'
         ORDER BY b.line LIMIT 1) blocks ON true
     WHERE f.status = 'loaded' AND p.level = 'payee'`;

const VIEW_0046 = `
    SELECT p.review_year, p.project_id, p.block_number, blocks.block_name, p.payee_name, p.corporate_number,
           p.corporate_number_valid, p.payee_total_yen
      FROM core.review_payee_rows p
      JOIN raw.review_sheet_files f USING (file_sha256)
      -- One row per block of each file: its first block row's name. review_year and project_id lead, so that a reader's
      -- conditions on them reach the block rows too.
      LEFT JOIN (
        SELECT DISTINCT ON (review_year, project_id, file_sha256, block_number) review_year, project_id, file_sha256, block_number, block_name
          FROM core.review_payee_rows
         WHERE level = 'block'
         ORDER BY review_year, project_id, file_sha256, block_number, line) blocks
        ON blocks.review_year = p.review_year AND blocks.project_id = p.project_id AND blocks.file_sha256 = p.file_sha256
       AND blocks.block_number = p.block_number
     WHERE f.status = 'loaded' AND p.level = 'payee'`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`CREATE OR REPLACE VIEW bi.review_payees AS ${VIEW_0046}`).execute(db);
  await sql`DROP INDEX core.review_payee_rows_blocks`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX review_payee_rows_blocks ON core.review_payee_rows (file_sha256, project_id, block_number) WHERE level = 'block'`.execute(db);
  await sql.raw(`CREATE OR REPLACE VIEW bi.review_payees AS ${VIEW_0025}`).execute(db);
}
