import { sql, type Kysely } from 'kysely';

/**
 * Two more columns of 1-2 in core.review_projects and bi.review_projects: 部 (department), which a project's
 * organisation line left out between 局・庁 and 課 (法務省 大臣官房 司法法制部 司法法制課 read 法務省 大臣官房
 * 司法法制課), and 終了予定なし (no end planned), which the sheet states beside 事業終了（予定）年度 and may contradict
 * it (a year given and 終了予定なし TRUE), so that neither is read for the other.
 *
 * Rows of files loaded before this migration hold null in both: the files were not kept, and a file already loaded
 * is skipped by its digest. Loading a newer download of the same table and review year fills them.
 */
const IN_FORCE = sql.raw(`JOIN raw.review_sheet_files f USING (file_sha256) WHERE f.status = 'loaded'`);

/** bi.review_projects as migration 0025 made it, then (when `withNewColumns`) the two new columns at its end. */
async function createView(db: Kysely<unknown>, withNewColumns: boolean): Promise<void> {
  const added = sql.raw(withNewColumns ? ', p.department, p.no_end_planned' : '');
  await sql`
    CREATE OR REPLACE VIEW bi.review_projects AS
    SELECT DISTINCT ON (p.review_year, p.project_id)
           p.review_year, p.project_id, p.project_name, p.ministry, p.policy_ministry, p.bureau, p.division,
           p.project_category, p.start_year, p.end_year,
           (SELECT string_agg(m.main_expense, '／' ORDER BY m.line) FROM core.review_projects m
             WHERE m.file_sha256 = p.file_sha256 AND m.project_id = p.project_id) AS main_expense,
           p.purpose${added}
      FROM core.review_projects p ${IN_FORCE}
     ORDER BY p.review_year, p.project_id, p.line`.execute(db);
}

const END_YEAR_BEFORE = 'Last fiscal year planned (事業終了（予定）年度); null when none is planned.';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE core.review_projects ADD COLUMN department text, ADD COLUMN no_end_planned boolean`.execute(db);
  // CREATE OR REPLACE keeps the view's comment, its columns' and its grant: only the new columns' are written.
  await createView(db, true);
  await sql`COMMENT ON COLUMN bi.review_projects.department IS ${sql.lit('Department (部), between bureau (局・庁) and division (課); null when the sheet gives none, and for files loaded before ebpm read it (migration 0038).')}`.execute(db);
  await sql`COMMENT ON COLUMN bi.review_projects.no_end_planned IS ${sql.lit('True where the sheet says no end is planned (終了予定なし TRUE), false where it says FALSE; null when blank, and for files loaded before ebpm read it (migration 0038). The sheet may give an end year as well: end_year is as published.')}`.execute(db);
  await sql`COMMENT ON COLUMN bi.review_projects.end_year IS ${sql.lit('Last fiscal year planned (事業終了（予定）年度), as published; null when the sheet gives none. See no_end_planned: a sheet may give a year and say no end is planned.')}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // A view's columns cannot be dropped by CREATE OR REPLACE: it is made again as 0025 left it, its grant and its
  // comments (read before the drop, which takes them) given back.
  const { rows: comments } = await sql<{ column_name: string; description: string }>`
    SELECT a.attname AS column_name, d.description FROM pg_attribute a
      JOIN pg_description d ON d.objoid = a.attrelid AND d.objsubid = a.attnum
     WHERE a.attrelid = 'bi.review_projects'::regclass AND a.attname NOT IN ('department', 'no_end_planned')`.execute(db);
  const { rows: [view] } = await sql<{ description: string }>`SELECT obj_description('bi.review_projects'::regclass, 'pg_class') AS description`.execute(db);
  await sql`DROP VIEW bi.review_projects`.execute(db);
  await createView(db, false);
  await sql`GRANT SELECT ON bi.review_projects TO bi_reader`.execute(db);
  await sql`COMMENT ON VIEW bi.review_projects IS ${sql.lit(view.description)}`.execute(db);
  for (const { column_name, description } of comments) {
    const text = column_name === 'end_year' ? END_YEAR_BEFORE : description;
    await sql`COMMENT ON COLUMN bi.review_projects.${sql.id(column_name)} IS ${sql.lit(text)}`.execute(db);
  }
  await sql`ALTER TABLE core.review_projects DROP COLUMN department, DROP COLUMN no_end_planned`.execute(db);
}
