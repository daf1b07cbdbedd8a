import { sql, type Kysely } from 'kysely';

/**
 * A plain bi view turned into a materialized one and back (migrations 0031 and 0034; 0039 back, over a table): its
 * query, its comment and its columns' comments are carried over from the view in force, so the columns and rows stay
 * the same and a reader of the catalogue sees the same descriptions. A new query may be given instead of the one in
 * force, with the same columns and rows.
 */
interface Carried {
  readonly definition: string;
  readonly comment: string | null;
  readonly columns: readonly { readonly name: string; readonly comment: string | null }[];
}

/** How a materialized view is kept current; appended to its comment, taken off again when it is a view once more. */
export interface Materialization {
  /** The view, schema-qualified (bi.…). */
  readonly view: string;
  /** Its index: name and columns. */
  readonly index: { readonly name: string; readonly columns: readonly string[] };
  /** The sentence added to the view's comment, with its leading space. */
  readonly refreshed: string;
}

async function carried(db: Kysely<unknown>, view: string): Promise<Carried> {
  const [{ definition, comment }] = (
    await sql<{ definition: string; comment: string | null }>`
      SELECT pg_get_viewdef(${view}::regclass, true) AS definition, obj_description(${view}::regclass, 'pg_class') AS comment`.execute(db)
  ).rows;
  const columns = (
    await sql<{ name: string; comment: string | null }>`
      SELECT a.attname AS name, col_description(a.attrelid, a.attnum) AS comment FROM pg_attribute a
       WHERE a.attrelid = ${view}::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`.execute(db)
  ).rows;
  return { definition: definition.trim().replace(/;$/, ''), comment, columns };
}

async function restoreComments(db: Kysely<unknown>, kind: 'VIEW' | 'MATERIALIZED VIEW', materialization: Materialization, saved: Carried): Promise<void> {
  const { view, refreshed } = materialization;
  if (saved.comment !== null) {
    const text = kind === 'VIEW' ? saved.comment.replace(refreshed, '') : saved.comment + refreshed;
    await sql`COMMENT ON ${sql.raw(kind)} ${sql.table(view)} IS ${sql.lit(text)}`.execute(db);
  }
  for (const column of saved.columns) {
    if (column.comment !== null) await sql`COMMENT ON COLUMN ${sql.raw(view)}.${sql.id(column.name)} IS ${sql.lit(column.comment)}`.execute(db);
  }
  await sql`GRANT SELECT ON ${sql.table(view)} TO bi_reader`.execute(db);
}

export async function materialize(db: Kysely<unknown>, materialization: Materialization, definition?: string): Promise<void> {
  const { view, index } = materialization;
  const saved = await carried(db, view);
  await sql`DROP VIEW ${sql.table(view)}`.execute(db);
  await sql.raw(`CREATE MATERIALIZED VIEW ${view} AS ${definition ?? saved.definition} WITH DATA`).execute(db);
  await sql.raw(`CREATE INDEX ${index.name} ON ${view} (${index.columns.join(', ')})`).execute(db);
  await restoreComments(db, 'MATERIALIZED VIEW', materialization, saved);
}

export async function dematerialize(db: Kysely<unknown>, materialization: Materialization, definition?: string): Promise<void> {
  const { view } = materialization;
  const saved = await carried(db, view);
  await sql`DROP MATERIALIZED VIEW ${sql.table(view)}`.execute(db);
  await sql.raw(`CREATE VIEW ${view} AS ${definition ?? saved.definition}`).execute(db);
  await restoreComments(db, 'VIEW', materialization, saved);
}
