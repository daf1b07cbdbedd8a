import { sql, type Kysely } from 'kysely';

/**
 * An outcome row's measures are stored as a float8 array (measure_values) instead of a jsonb object by name. Each
 * programme's measure names have their places in that array in core.outcome_measures, given the first time a load
 * meets the name (ingest/loading/measure-slots.ts) and never moved, so a measure added to the catalogue later takes
 * the next place and the rows stored before it read null there, as a missing key read before.
 *
 * jsonb was most of PostgreSQL's work on an outcome row: 787,923 rows of three measures (psql \copy into a fresh table
 * with no key, two runs each, bench/README.md "2026-12-07 (17:10 UTC)") took 2.03 and 2.17 s as jsonb, 1.10 and 1.16 s
 * as float8[], against 0.60 and 0.80 s for the same rows as text; the table was 125 MB against 100 MB.
 *
 * Values keep their doubles: a load writes each as JavaScript's shortest text for it, which float8 reads back to the
 * same double, and the read gets float8's shortest text again (extra_float_digits > 0, as analysis-data.ts and
 * core.outcome_measures_json set it). Rows stored before this migration are converted from jsonb's decimal text, the
 * nearest double of which is what the analysis read parsed from it.
 *
 * core.outcome_measures_json(programme_id, measure_values) gives a row's measures as the object jsonb held (every
 * named place, null where not reported), for people reading the table and for the archive of retired rows;
 * core.outcome_measure_values(programme_id, measures) is its inverse, for rows written by hand.
 *
 * A place is never taken back: core.outcome_measures refuses to delete a place, move it or be emptied (triggers), as the rows
 * stored would then read another measure's values. Its name may be changed, which is how a measure renamed in the
 * catalogue keeps its history (otherwise the new name gets a new place, and earlier years read as not reported).
 */

const MEASURE_VALUES_COMMENT =
  'The measures the programme declares in the catalogue, as double-precision numbers, each in the place core.outcome_measures gives its name (its slot, counted from 1; a place can also hold a name the catalogue no longer declares); null where a unit did not report an optional measure, or where the measure was not declared when the row was loaded. core.outcome_measures_json(programme_id, measure_values) gives them by name.';

const TABLE_COMMENT =
  'Yearly follow-up outcomes per unit of analysis (fiscal years start in April): the measures the programme declares in the catalogue, in measure_values, each in its place (core.outcome_measures).';

/** core.outcomes' comment as 0037 wrote it, restored on the way down. */
const TABLE_COMMENT_0037 =
  'Yearly follow-up outcomes per unit of analysis (fiscal years start in April): the measures the programme declares in the catalogue, by field name; null where a unit did not report an optional measure.';

/**
 * Converts a table shaped like core.outcomes (the table itself, whose partitions follow, or a table built beside it)
 * from measures to measure_values in one rewrite: the column's type changed with each programme's places written out
 * (CASE programme_id), then renamed, so the column keeps its position and no row keeps its jsonb or a dead copy of
 * itself. (An UPDATE of every row, then dropping measures, left each row's jsonb in the table until it was rewritten.)
 * jsonb's check goes first, from a table built beside too, which copied it. A function of its own for the migration,
 * dropped at its end.
 */
const CONVERT_TO_VALUES = `
  CREATE FUNCTION core.outcome_measures_to_values_0053(target text) RETURNS void LANGUAGE plpgsql AS $convert$
  DECLARE
    cases text;
  BEGIN
    SELECT string_agg(format('WHEN %L THEN ARRAY[%s]::float8[]', programme_id, places), ' ') INTO cases
      FROM (SELECT programme_id, string_agg(format('(measures ->> %L)::float8', measure_name), ', ' ORDER BY slot) AS places
              FROM core.outcome_measures GROUP BY programme_id) AS programmes;
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS outcomes_measures_check', target);
    -- A row of a programme without places: its measures name nothing.
    EXECUTE format('ALTER TABLE %s ALTER COLUMN measures TYPE float8[] USING %s', target,
                   coalesce('CASE programme_id ' || cases || ' ELSE ''{}''::float8[] END', '''{}''::float8[]'));
    EXECUTE format('ALTER TABLE %s RENAME COLUMN measures TO measure_values', target);
  END
  $convert$`;

/** The way down, in one rewrite too; a table built beside gets jsonb's check back as well: attaching it needs every check of its parent. */
const CONVERT_TO_JSON = `
  CREATE FUNCTION core.outcome_measures_to_json_0053(target text) RETURNS void LANGUAGE plpgsql AS $convert$
  BEGIN
    EXECUTE format('ALTER TABLE %s ALTER COLUMN measure_values TYPE jsonb USING core.outcome_measures_json(programme_id, measure_values)', target);
    EXECUTE format('ALTER TABLE %s RENAME COLUMN measure_values TO measures', target);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT outcomes_measures_check CHECK (jsonb_typeof(measures) = ''object'')', target);
  END
  $convert$`;

const convertToValues = (table: string): string => `SELECT core.outcome_measures_to_values_0053(${sqlLiteral(table)});`;
const convertToJson = (table: string): string => `SELECT core.outcome_measures_to_json_0053(${sqlLiteral(table)});`;

/** Gives each measure name in `table`'s jsonb that has no place yet the next place of its programme. */
function placeNamesOf(table: string): string {
  return `
    INSERT INTO core.outcome_measures (programme_id, measure_name, slot)
    SELECT names.programme_id, names.measure_name,
           coalesce((SELECT max(slot) FROM core.outcome_measures m WHERE m.programme_id = names.programme_id), 0)
             + row_number() OVER (PARTITION BY names.programme_id ORDER BY names.measure_name COLLATE "C")
      FROM (SELECT DISTINCT programme_id, jsonb_object_keys(measures) AS measure_name FROM ${table}) AS names
     WHERE NOT EXISTS (SELECT 1 FROM core.outcome_measures m WHERE m.programme_id = names.programme_id AND m.measure_name = names.measure_name);`;
}

/** Runs `statement` on each table of a load still under way beside core.outcomes (migration 0037). */
function eachTableBuiltBeside(statement: (table: string) => string): string {
  return `
    DO $building$
    DECLARE
      building text;
    BEGIN
      FOR building IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'core' AND c.relname LIKE 'outcomes\\_building\\_%' AND c.relkind = 'r'
                         AND NOT c.relispartition LOOP
        EXECUTE replace(${sqlLiteral(statement('core.%BUILDING%'))}, '%BUILDING%', quote_ident(building));
      END LOOP;
    END
    $building$`;
}

function sqlLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE core.outcome_measures (
      programme_id text NOT NULL,
      measure_name text NOT NULL,
      slot         integer NOT NULL CHECK (slot >= 1),
      PRIMARY KEY (programme_id, measure_name),
      UNIQUE (programme_id, slot)
    )`.execute(db);
  await sql`COMMENT ON TABLE core.outcome_measures IS 'Where each outcome measure of a programme is held in core.outcomes.measure_values: a name gets the next place the first time a load of the programme meets it, and keeps it.'`.execute(db);
  await sql`COMMENT ON COLUMN core.outcome_measures.programme_id IS 'The programme (core.programmes.programme_id, as the catalogue names it).'`.execute(db);
  await sql`COMMENT ON COLUMN core.outcome_measures.measure_name IS 'The measure''s field name in the programme''s outcome file, as the catalogue declares it.'`.execute(db);
  await sql`COMMENT ON COLUMN core.outcome_measures.slot IS 'Its place in measure_values, counted from 1.'`.execute(db);
  // The names stored so far, by programme, in the order of their names (any order serves, as long as it stays); then
  // names met only in a load still under way beside the table.
  await sql.raw(placeNamesOf('core.outcomes')).execute(db);
  await sql.raw(eachTableBuiltBeside(placeNamesOf)).execute(db);
  await sql`
    CREATE FUNCTION core.outcome_measures_json(programme_id text, measure_values float8[]) RETURNS jsonb LANGUAGE sql STABLE
      SET extra_float_digits = 1
      AS $json$
        SELECT coalesce(jsonb_object_agg(m.measure_name, measure_values[m.slot] ORDER BY m.slot), '{}'::jsonb)
          FROM core.outcome_measures m WHERE m.programme_id = outcome_measures_json.programme_id
      $json$`.execute(db);
  await sql`COMMENT ON FUNCTION core.outcome_measures_json(text, float8[]) IS 'An outcome row''s measures by name (core.outcome_measures), as a jsonb object: null where the row holds no value.'`.execute(db);
  await sql`
    CREATE FUNCTION core.outcome_measure_values(programme_id text, measures jsonb) RETURNS float8[] LANGUAGE sql STABLE
      AS $values$
        SELECT coalesce(array_agg((measures ->> m.measure_name)::float8 ORDER BY places.slot), '{}')
          FROM generate_series(1, (SELECT max(slot) FROM core.outcome_measures WHERE programme_id = outcome_measure_values.programme_id)) AS places(slot)
          LEFT JOIN core.outcome_measures m ON m.programme_id = outcome_measure_values.programme_id AND m.slot = places.slot
      $values$`.execute(db);
  await sql`COMMENT ON FUNCTION core.outcome_measure_values(text, jsonb) IS 'The measure_values of an outcome row whose measures are given by name (a jsonb object), each in its place (core.outcome_measures); a name without a place there is left out. For rows written by hand: a load gives new names their places (ingest/loading/measure-slots.ts).'`.execute(db);
  await sql`
    CREATE FUNCTION core.outcome_measures_keep_places() RETURNS trigger LANGUAGE plpgsql AS $keep$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'core.outcome_measures cannot be emptied: the stored outcome rows hold each measure''s values in its place'
          USING HINT = 'To rename a measure, update its measure_name; a measure no longer declared keeps its place and reads as not reported.';
      END IF;
      IF TG_OP = 'DELETE' OR NEW.programme_id IS DISTINCT FROM OLD.programme_id OR NEW.slot IS DISTINCT FROM OLD.slot THEN
        RAISE EXCEPTION 'the place % of measure % of programme % cannot be deleted or moved: the stored outcome rows hold its values there', OLD.slot, OLD.measure_name, OLD.programme_id
          USING HINT = 'To rename a measure, update its measure_name; a measure no longer declared keeps its place and reads as not reported.';
      END IF;
      RETURN NEW;
    END
    $keep$`.execute(db);
  await sql`
    CREATE TRIGGER outcome_measures_keep_places BEFORE UPDATE OR DELETE ON core.outcome_measures
      FOR EACH ROW EXECUTE FUNCTION core.outcome_measures_keep_places()`.execute(db);
  await sql`
    CREATE TRIGGER outcome_measures_not_emptied BEFORE TRUNCATE ON core.outcome_measures
      FOR EACH STATEMENT EXECUTE FUNCTION core.outcome_measures_keep_places()`.execute(db);
  await sql.raw(CONVERT_TO_VALUES).execute(db);
  await sql.raw(convertToValues('core.outcomes')).execute(db);
  await sql.raw(eachTableBuiltBeside(convertToValues)).execute(db);
  await sql`DROP FUNCTION core.outcome_measures_to_values_0053(text)`.execute(db);
  await sql.raw(`COMMENT ON COLUMN core.outcomes.measure_values IS ${sqlLiteral(MEASURE_VALUES_COMMENT)}`).execute(db);
  await sql.raw(`COMMENT ON TABLE core.outcomes IS ${sqlLiteral(TABLE_COMMENT)}`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(CONVERT_TO_JSON).execute(db);
  await sql.raw(convertToJson('core.outcomes')).execute(db);
  await sql.raw(eachTableBuiltBeside(convertToJson)).execute(db);
  await sql`DROP FUNCTION core.outcome_measures_to_json_0053(text)`.execute(db);
  await sql.raw(`COMMENT ON TABLE core.outcomes IS ${sqlLiteral(TABLE_COMMENT_0037)}`).execute(db);
  // The column had no comment of its own before 0053; the rename kept measure_values' comment on it.
  await sql`COMMENT ON COLUMN core.outcomes.measures IS NULL`.execute(db);
  await sql`DROP FUNCTION core.outcome_measures_json(text, float8[])`.execute(db);
  await sql`DROP FUNCTION core.outcome_measure_values(text, jsonb)`.execute(db);
  await sql`DROP TABLE core.outcome_measures`.execute(db);
  await sql`DROP FUNCTION core.outcome_measures_keep_places()`.execute(db);
}
