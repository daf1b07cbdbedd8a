import { sql, type Kysely } from 'kysely';

/**
 * core.outcomes becomes a table partitioned by programme, so that a programme's first outcome file can be copied into
 * a table of its own with no key and the key built once at the end, then attached whole as the programme's partition
 * (ingest/loading/outcome-rows.ts). Keeping the key up to date row by row, with units in no particular order,
 * was most of an outcome load's database time: 787,923 rows with jsonb measures, in batches of 50,000, took psql
 * 4.5–5.5 s into the keyed table against 3.1–4.2 s with the key built after the copy (three runs each); 7,880,045
 * rows, 44.5 s against 29.4 s (one run each).
 *
 * Each programme's partition is named by core.outcome_partition_name. Rows of a programme without a partition of
 * its own go to core.outcomes_default: rows written outside a load, and those of a load that found rows of its
 * programme there and merged into them. The key,
 * the check on measures, the defaults of 0035 and the per-statement reference check (0011, 0036) stay on the whole
 * table; the rows already stored move into one partition per programme.
 */

const COLUMNS = `
      programme_id       text NOT NULL DEFAULT nullif(current_setting('ebpm.loading_programme_id', true), ''),
      unit_id            text NOT NULL,
      fiscal_year        integer NOT NULL,
      measures           jsonb NOT NULL CONSTRAINT outcomes_measures_check CHECK (jsonb_typeof(measures) = 'object'),
      source_file_sha256 text NOT NULL DEFAULT nullif(current_setting('ebpm.loading_file_sha256', true), ''),
      source_line        integer NOT NULL,
      CONSTRAINT outcomes_pkey PRIMARY KEY (programme_id, unit_id, fiscal_year)`;

const TABLE_COMMENT =
  'Yearly follow-up outcomes per unit of analysis (fiscal years start in April): the measures the programme declares in the catalogue, by field name; null where a unit did not report an optional measure.';

async function withReferenceChecks(db: Kysely<unknown>): Promise<void> {
  for (const event of ['insert', 'update'] as const) {
    await sql
      .raw(
        `CREATE TRIGGER outcomes_source_file_sha256_exists_after_${event} AFTER ${event.toUpperCase()} ON core.outcomes
           REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION core.outcomes_source_file_sha256_exists()`,
      )
      .execute(db);
  }
  await sql.raw(`COMMENT ON TABLE core.outcomes IS '${TABLE_COMMENT}'`).execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE core.outcomes RENAME TO outcomes_before_0037`.execute(db);
  await sql`ALTER INDEX core.outcomes_pkey RENAME TO outcomes_before_0037_pkey`.execute(db);
  await sql.raw(`CREATE TABLE core.outcomes (${COLUMNS}) PARTITION BY LIST (programme_id)`).execute(db);
  await sql`
    CREATE FUNCTION core.outcome_partition_name(programme_id text) RETURNS text LANGUAGE sql IMMUTABLE STRICT
      AS $name$ SELECT 'outcomes_' || left(md5(programme_id), 16) $name$`.execute(db);
  await sql`COMMENT ON FUNCTION core.outcome_partition_name(text) IS 'The name, in schema core, of the partition of core.outcomes that holds one programme''s rows (a programme id can be longer than a table name may be).'`.execute(db);
  await sql`CREATE TABLE core.outcomes_default PARTITION OF core.outcomes DEFAULT`.execute(db);
  await sql`COMMENT ON TABLE core.outcomes_default IS 'Outcome rows of programmes without a partition of their own in core.outcomes.'`.execute(db);
  await sql`
    DO $partitions$
    DECLARE
      programme text;
    BEGIN
      FOR programme IN SELECT DISTINCT programme_id FROM core.outcomes_before_0037 LOOP
        EXECUTE format('CREATE TABLE core.%I PARTITION OF core.outcomes FOR VALUES IN (%L)', core.outcome_partition_name(programme), programme);
        EXECUTE format('COMMENT ON TABLE core.%I IS %L', core.outcome_partition_name(programme), 'Outcome rows of programme ' || programme || ' (a partition of core.outcomes).');
      END LOOP;
    END
    $partitions$`.execute(db);
  await sql`
    INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line)
    SELECT programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line
      FROM core.outcomes_before_0037 ORDER BY programme_id, unit_id, fiscal_year`.execute(db);
  await sql`DROP TABLE core.outcomes_before_0037`.execute(db);
  await withReferenceChecks(db);
  await sql`ALTER TABLE raw.input_files ADD COLUMN outcomes_built_beside boolean NOT NULL DEFAULT false`.execute(db);
  await sql`COMMENT ON COLUMN raw.input_files.outcomes_built_beside IS 'An outcome file loaded as its programme''s first: its rows are held in core.outcomes_building_<first 16 characters of file_sha256> until the file completes, then attached to core.outcomes as the programme''s partition.'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE core.outcomes RENAME TO outcomes_after_0037`.execute(db);
  await sql`ALTER INDEX core.outcomes_pkey RENAME TO outcomes_after_0037_pkey`.execute(db);
  await sql.raw(`CREATE TABLE core.outcomes (${COLUMNS})`).execute(db);
  await sql`
    INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line)
    SELECT programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line
      FROM core.outcomes_after_0037 ORDER BY programme_id, unit_id, fiscal_year`.execute(db);
  // The rows of loads still under way beside the partitions (ingest/loading/outcome-rows.ts) join the table, where their
  // committed batches would have been before 0037: the loads then resume as they did then.
  await sql`
    DO $building$
    DECLARE
      building text;
    BEGIN
      FOR building IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'core' AND c.relname LIKE 'outcomes\\_building\\_%' LOOP
        EXECUTE format('INSERT INTO core.outcomes SELECT programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line FROM core.%I '
                       'ON CONFLICT (programme_id, unit_id, fiscal_year) DO UPDATE SET measures = excluded.measures, '
                       'source_file_sha256 = excluded.source_file_sha256, source_line = excluded.source_line', building);
        EXECUTE format('DROP TABLE core.%I', building);
      END LOOP;
    END
    $building$`.execute(db);
  await sql`DROP TABLE core.outcomes_after_0037`.execute(db);
  await sql`ALTER TABLE raw.input_files DROP COLUMN outcomes_built_beside`.execute(db);
  await sql`DROP FUNCTION core.outcome_partition_name(text)`.execute(db);
  await withReferenceChecks(db);
}
