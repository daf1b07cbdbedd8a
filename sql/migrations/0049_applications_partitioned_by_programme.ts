import { sql, type Kysely } from 'kysely';

/**
 * core.applications becomes a table partitioned by programme, as core.outcomes did in 0037, so that a programme's first
 * applicant file can be written into a table of its own with no key and no per-statement checks, the key and the
 * firm index built once at the end, and the table attached whole as the programme's partition
 * (ingest/loading/built-beside.ts, application-rows.ts).
 *
 * Measured with psql on 1,000,000 applicant rows in the load's 20 batches of 50,000 (2026-12-07, a 2-core machine):
 * the applications' statements took 8.57 s into the keyed table with its two reference triggers, against 2.94 s into
 * a table of their own, then 1.34 s for the key, 1.16 s for the firm index and 0.57 s to check every firm exists.
 *
 * Each programme's partition is named by core.application_partition_name. Rows of a programme without a partition of
 * its own go to core.applications_default: rows written outside a load, and those of a load that found rows of its
 * programme there and merged into them. The key, the firm index, the checks, the column comments and the
 * per-statement reference checks (0008, 0036) stay on the whole table; the rows already stored move into one
 * partition per programme.
 */

const TRIGGERS = [
  { column: 'corporate_number', fn: 'core.applications_corporate_number_exists()' },
  { column: 'source_file_sha256', fn: 'core.applications_source_file_sha256_exists()' },
] as const;

/** The table's comment, read from the table being replaced, so that each migration's wording carries over. */
async function copyTableComment(db: Kysely<unknown>, from: string): Promise<void> {
  await sql.raw(`DO $comment$ BEGIN EXECUTE format('COMMENT ON TABLE core.applications IS %L', obj_description('${from}'::regclass, 'pg_class')); END $comment$`).execute(db);
}

/** The key, the firm index and the reference checks of core.applications, on the table just made. */
async function withKeysAndChecks(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE core.applications ADD CONSTRAINT applications_pkey PRIMARY KEY (programme_id, unit_id, call_round)`.execute(db);
  await sql`CREATE INDEX applications_firm ON core.applications (programme_id, corporate_number)`.execute(db);
  for (const { column, fn } of TRIGGERS) {
    for (const event of ['insert', 'update'] as const) {
      await sql
        .raw(
          `CREATE TRIGGER applications_${column}_exists_after_${event} AFTER ${event.toUpperCase()} ON core.applications
             REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION ${fn}`,
        )
        .execute(db);
    }
  }
}

/**
 * Names a partition's part of the firm index `<partition>_firm`, as a partition attached by a load names it
 * (ingest/loading/built-beside.ts), instead of the name PostgreSQL makes up.
 */
const FIRM_INDEX_NAMED = `
  SELECT c.relname INTO made FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_index x ON x.indexrelid = c.oid
   WHERE i.inhparent = 'core.applications_firm'::regclass AND x.indrelid = format('core.%I', part)::regclass;
  EXECUTE format('ALTER INDEX core.%I RENAME TO %I', made, part || '_firm');`;

/** The old table renamed out of the way, with its key and index (their names are the new table's). */
async function setAside(db: Kysely<unknown>, name: string): Promise<void> {
  await sql.raw(`ALTER TABLE core.applications RENAME TO ${name}`).execute(db);
  await sql.raw(`ALTER INDEX core.applications_pkey RENAME TO ${name}_pkey`).execute(db);
  await sql.raw(`ALTER INDEX core.applications_firm RENAME TO ${name}_firm`).execute(db);
}

const MOVED_COLUMNS = `programme_id, corporate_number, call_round, application_date, decision, award_fiscal_year, subsidy_amount_yen,
  requested_amount_yen, employees_at_application, consent, source_file_sha256, source_line, unit_id, review_score`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await setAside(db, 'applications_before_0049');
  // The same columns in the same order (retired rows are archived as whole rows), with their defaults, checks and comments.
  await sql`
    CREATE TABLE core.applications (LIKE core.applications_before_0049 INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS)
      PARTITION BY LIST (programme_id)`.execute(db);
  await copyTableComment(db, 'core.applications_before_0049');
  await withKeysAndChecks(db);
  await sql`
    CREATE FUNCTION core.application_partition_name(programme_id text) RETURNS text LANGUAGE sql IMMUTABLE STRICT
      AS $name$ SELECT 'applications_' || left(md5(programme_id), 16) $name$`.execute(db);
  await sql`COMMENT ON FUNCTION core.application_partition_name(text) IS 'The name, in schema core, of the partition of core.applications that holds one programme''s rows (a programme id can be longer than a table name may be).'`.execute(db);
  await sql`CREATE TABLE core.applications_default PARTITION OF core.applications DEFAULT`.execute(db);
  await sql.raw(`DO $named$ DECLARE part text := 'applications_default'; made text; BEGIN ${FIRM_INDEX_NAMED} END $named$`).execute(db);
  await sql`COMMENT ON TABLE core.applications_default IS 'Applications of programmes without a partition of their own in core.applications.'`.execute(db);
  await sql
    .raw(
      `DO $partitions$
    DECLARE
      programme text;
      part text;
      made text;
    BEGIN
      FOR programme IN SELECT DISTINCT programme_id FROM core.applications_before_0049 LOOP
        part := core.application_partition_name(programme);
        EXECUTE format('CREATE TABLE core.%I PARTITION OF core.applications FOR VALUES IN (%L)', part, programme);
        EXECUTE format('COMMENT ON TABLE core.%I IS %L', part, 'Applications of programme ' || programme || ' (a partition of core.applications).');
        ${FIRM_INDEX_NAMED}
      END LOOP;
    END
    $partitions$`,
    )
    .execute(db);
  await sql
    .raw(`INSERT INTO core.applications (${MOVED_COLUMNS}) SELECT ${MOVED_COLUMNS} FROM core.applications_before_0049 ORDER BY programme_id, unit_id, call_round`)
    .execute(db);
  await sql`DROP TABLE core.applications_before_0049`.execute(db);
  await sql`ALTER TABLE raw.input_files ADD COLUMN applications_built_beside boolean NOT NULL DEFAULT false`.execute(db);
  await sql`COMMENT ON COLUMN raw.input_files.applications_built_beside IS 'An applicant file loaded as its programme''s first: its applications are held in core.applications_building_<first 16 characters of file_sha256> until the file completes, then attached to core.applications as the programme''s partition.'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await setAside(db, 'applications_after_0049');
  await sql`CREATE TABLE core.applications (LIKE core.applications_after_0049 INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS)`.execute(db);
  await copyTableComment(db, 'core.applications_after_0049');
  await withKeysAndChecks(db);
  await sql
    .raw(`INSERT INTO core.applications (${MOVED_COLUMNS}) SELECT ${MOVED_COLUMNS} FROM core.applications_after_0049 ORDER BY programme_id, unit_id, call_round`)
    .execute(db);
  // The applications of loads still under way beside the partitions join the table, where their committed batches would
  // have been before 0049: the loads then resume as they did then.
  const columns = MOVED_COLUMNS.replace(/\s+/g, ' ');
  // A consent withdrawn while they were held counts, as the attachment would have applied it.
  const values = columns.replace(
    'consent,',
    'consent AND NOT EXISTS (SELECT 1 FROM core.consent_withdrawals w WHERE w.programme_id = held.programme_id AND w.corporate_number = held.corporate_number),',
  );
  const updated = MOVED_COLUMNS.split(',')
    .map((column) => column.trim())
    .filter((column) => !['programme_id', 'unit_id', 'call_round'].includes(column))
    .map((column) => `${column} = excluded.${column}`)
    .join(', ');
  await sql
    .raw(
      `DO $building$
    DECLARE
      building text;
    BEGIN
      FOR building IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'core' AND c.relname LIKE 'applications\\_building\\_%' AND c.relkind = 'r' LOOP
        EXECUTE format('INSERT INTO core.applications (${columns}) SELECT ${values} FROM core.%I AS held '
                       'ON CONFLICT (programme_id, unit_id, call_round) DO UPDATE SET ${updated}', building);
        EXECUTE format('DROP TABLE core.%I', building);
      END LOOP;
    END
    $building$`,
    )
    .execute(db);
  await sql`DROP TABLE core.applications_after_0049`.execute(db);
  await sql`ALTER TABLE raw.input_files DROP COLUMN applications_built_beside`.execute(db);
  await sql`DROP FUNCTION core.application_partition_name(text)`.execute(db);
}
