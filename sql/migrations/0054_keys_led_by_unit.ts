import { sql, type Kysely } from 'kysely';

/**
 * The keys of core.outcomes and core.applications, and the applications' firm index, lead with the column that tells
 * a programme's rows apart (the unit, the firm) and end with the programme, instead of beginning with it. Both tables
 * are partitioned by programme (0037, 0049), so within each partition programme_id is the same on every row: led by
 * it, every comparison of the index's sort and of its descent first compared two equal texts. A partitioned table's
 * unique key must hold its partition key, but in any place.
 *
 * Each is built once at the end of a programme's first file of its kind (ingest/loading/built-beside.ts), and the
 * load waits for it. As PostgreSQL logged them in `ebpm ingest` of the bench's files, alternated with the code before
 * (bench/README.md, "2026-12-08"): the key of 788,289 outcome rows 0.99–1.01 s against 1.20–1.23 s (three pairs); of
 * 1,000,000 applications 1.26–1.31 s against 1.54–2.38 s, and their firm index 1.01–1.14 s against 1.50–2.37 s (two
 * pairs).
 *
 * No query changes: the merges name their conflict by columns (ON CONFLICT (programme_id, unit_id, …)), which
 * matches the key in any order; a programme's rows are found by its partition, and within it the key still orders a
 * unit's years. The check that a deleted firm has no applications (core.firms_still_referenced), which looks for the
 * firm in every programme, now finds it by the firm index's first column. Only in the default partitions, which hold
 * the rows of programmes without a partition of their own (empty unless rows were written outside a load or merged
 * there), a search by programme alone now reads the whole partition instead of a range of its key: a programme's first
 * file asking whether its programme has rows there, and a replacement's retirement or a study's read for such a
 * programme.
 *
 * Every partition's key and firm index is built again here (about as long as a first file's key, per programme).
 * A worker older than this migration fails the completion of a programme's first file (its partition's key, in the
 * old order, is not the table's: "multiple primary keys … are not allowed"), and is rolled back whole: upgrade workers
 * with the migration.
 */

/** Each index as it is built: the constraint or index name on the partitioned table, and its columns before and after. */
const KEYS = [
  { table: 'outcomes', constraint: 'outcomes_pkey', before: 'programme_id, unit_id, fiscal_year', after: 'unit_id, fiscal_year, programme_id' },
  { table: 'applications', constraint: 'applications_pkey', before: 'programme_id, unit_id, call_round', after: 'unit_id, call_round, programme_id' },
] as const;

const FIRM_INDEX = { before: 'programme_id, corporate_number', after: 'corporate_number, programme_id' } as const;

async function rebuildKey(db: Kysely<unknown>, table: string, constraint: string, columns: string): Promise<void> {
  // Dropped on the partitioned table, the key goes from every partition too; added there, PostgreSQL builds it on each
  // partition and names each part <partition>_pkey, as a partition attached by a load names it.
  await sql.raw(`ALTER TABLE core.${table} DROP CONSTRAINT ${constraint}`).execute(db);
  await sql.raw(`ALTER TABLE core.${table} ADD CONSTRAINT ${constraint} PRIMARY KEY (${columns})`).execute(db);
}

/**
 * The firm index built again, each partition's part renamed <partition>_firm (as 0049 and a load's attachment name it)
 * from the name PostgreSQL makes up.
 */
async function rebuildFirmIndex(db: Kysely<unknown>, columns: string): Promise<void> {
  await sql`DROP INDEX core.applications_firm`.execute(db);
  await sql.raw(`CREATE INDEX applications_firm ON core.applications (${columns})`).execute(db);
  await sql
    .raw(
      `DO $named$
    DECLARE
      part text;
      made text;
    BEGIN
      FOR part, made IN
        SELECT t.relname, c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_index x ON x.indexrelid = c.oid JOIN pg_class t ON t.oid = x.indrelid
         WHERE i.inhparent = 'core.applications_firm'::regclass
      LOOP
        EXECUTE format('ALTER INDEX core.%I RENAME TO %I', made, part || '_firm');
      END LOOP;
    END
    $named$`,
    )
    .execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const key of KEYS) await rebuildKey(db, key.table, key.constraint, key.after);
  await rebuildFirmIndex(db, FIRM_INDEX.after);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const key of KEYS) await rebuildKey(db, key.table, key.constraint, key.before);
  await rebuildFirmIndex(db, FIRM_INDEX.before);
}
