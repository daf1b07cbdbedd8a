import { sql, type Kysely } from 'kysely';

/**
 * bi.review_findings becomes a materialized view, refreshed once at the end of each review-sheet load (the
 * workflow's last step, activity refreshReviewViews). As a plain view it recomputed its seven checks on every read:
 * `ebpm review-sheets check`, `show` and each report page paid for the whole national year (2–40 s at 5,700
 * projects, depending on whether the freshly loaded tables had statistics yet).
 *
 * The query, the column comments and the view comment are carried over from the view in force (migration 0026), so
 * the columns and rows stay the same. Readers select one review year, or one project of a review year: one index on
 * (review_year, project_id) serves both. No unique key exists (two payees of one block may repeat a finding word for
 * word), so it is refreshed without CONCURRENTLY, and the evaluation workflow's refresh of the bi views leaves it to
 * the review-sheet load.
 */
interface Carried {
  readonly definition: string;
  readonly comment: string | null;
  readonly columns: readonly { readonly name: string; readonly comment: string | null }[];
}

async function carried(db: Kysely<unknown>): Promise<Carried> {
  const [{ definition, comment }] = (
    await sql<{ definition: string; comment: string | null }>`
      SELECT pg_get_viewdef('bi.review_findings'::regclass, true) AS definition, obj_description('bi.review_findings'::regclass, 'pg_class') AS comment`.execute(db)
  ).rows;
  const columns = (
    await sql<{ name: string; comment: string | null }>`
      SELECT a.attname AS name, col_description(a.attrelid, a.attnum) AS comment FROM pg_attribute a
       WHERE a.attrelid = 'bi.review_findings'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`.execute(db)
  ).rows;
  return { definition: definition.trim().replace(/;$/, ''), comment, columns };
}

const REFRESHED = ' Materialized: refreshed at the end of each review-sheet load (ebpm review-sheets load, ebpm demo).';

async function restoreComments(db: Kysely<unknown>, kind: 'VIEW' | 'MATERIALIZED VIEW', saved: Carried): Promise<void> {
  if (saved.comment !== null) {
    const text = kind === 'VIEW' ? saved.comment.replace(REFRESHED, '') : saved.comment + REFRESHED;
    await sql`COMMENT ON ${sql.raw(kind)} bi.review_findings IS ${sql.lit(text)}`.execute(db);
  }
  for (const column of saved.columns) {
    if (column.comment !== null) await sql`COMMENT ON COLUMN bi.review_findings.${sql.id(column.name)} IS ${sql.lit(column.comment)}`.execute(db);
  }
  await sql`GRANT SELECT ON bi.review_findings TO bi_reader`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const saved = await carried(db);
  await sql`DROP VIEW bi.review_findings`.execute(db);
  await sql.raw(`CREATE MATERIALIZED VIEW bi.review_findings AS ${saved.definition} WITH DATA`).execute(db);
  await sql`CREATE INDEX review_findings_year_project ON bi.review_findings (review_year, project_id)`.execute(db);
  await restoreComments(db, 'MATERIALIZED VIEW', saved);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const saved = await carried(db);
  await sql`DROP MATERIALIZED VIEW bi.review_findings`.execute(db);
  await sql.raw(`CREATE VIEW bi.review_findings AS ${saved.definition}`).execute(db);
  await restoreComments(db, 'VIEW', saved);
}
