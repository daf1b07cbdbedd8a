import { sql, type Kysely } from 'kysely';
import { ATTRIBUTION } from './0025_review_sheets.js';
import { comment } from './view-helpers.js';

/**
 * What happened to each review-sheet file, in order: loaded, retired when another file of its table and review year
 * took its place (a newer download, or an earlier file loaded again), put back in force (raw.review_sheet_file_events,
 * written by a trigger on the register), and the register as BI tools may read it (bi.review_sheet_files). The
 * register keeps only a file's present state and its last retirement, so a file retired, put back and retired again
 * had lost the first retirement; which sheet was in force when is the provenance of every number the review views
 * showed at the time.
 *
 * The events are numbered as they are written (id), which is their order: loads of one table and review year take
 * turns (an advisory lock), and each event's time is the database clock when it was written, where the register's
 * times are the start of the transaction (a load that waited for the lock started before the one it waited for).
 * The events of files registered before this migration are taken from the register: each file's load (loaded_at)
 * and, for a file retired when the migration runs, that retirement. A retirement undone before the migration, and the
 * putting back that undid it, were not kept anywhere and are not here.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE raw.review_sheet_file_events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      file_sha256 text NOT NULL REFERENCES raw.review_sheet_files (file_sha256) ON DELETE CASCADE,
      event text NOT NULL CHECK (event IN ('loaded', 'retired', 'reinstated')),
      at timestamptz NOT NULL,
      by_file text,
      CHECK ((event = 'retired') = (by_file IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX review_sheet_file_events_file ON raw.review_sheet_file_events (file_sha256)`.execute(db);
  await sql`COMMENT ON TABLE raw.review_sheet_file_events IS ${sql.lit(
    'What happened to each review-sheet file of raw.review_sheet_files, in the order of id, written by a trigger on it (migration 0043): loaded, retired (another file of its table and review year took its place: by_file), put back in force (reinstated). Files registered before the migration have their load and, if retired when it ran, that retirement. A file removed from the register takes its events with it.',
  )}`.execute(db);
  await sql`COMMENT ON COLUMN raw.review_sheet_file_events.id IS 'The events in the order they were written, which is the order they happened (loads of one table and review year take turns).'`.execute(db);
  await sql`COMMENT ON COLUMN raw.review_sheet_file_events.file_sha256 IS 'The file (its SHA-256, the key of raw.review_sheet_files).'`.execute(db);
  await sql`COMMENT ON COLUMN raw.review_sheet_file_events.event IS 'loaded (first stored), retired (another file of its table and review year took its place: a newer download, or an earlier file loaded again), reinstated (loaded again after it was retired: in force again).'`.execute(db);
  await sql`COMMENT ON COLUMN raw.review_sheet_file_events.at IS 'When the change was written (the database clock); it took effect when its load committed, moments later. For events taken from the register by the migration, the register''s times (the start of the load).'`.execute(db);
  await sql`COMMENT ON COLUMN raw.review_sheet_file_events.by_file IS 'For a retirement, the file that took its place (its SHA-256); null otherwise.'`.execute(db);
  await sql`
    CREATE FUNCTION raw.log_review_sheet_file_event() RETURNS trigger LANGUAGE plpgsql AS $log$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO raw.review_sheet_file_events (file_sha256, event, at) VALUES (NEW.file_sha256, 'loaded', clock_timestamp());
      ELSIF NEW.status = 'retired' AND OLD.status = 'loaded' THEN
        INSERT INTO raw.review_sheet_file_events (file_sha256, event, at, by_file) VALUES (NEW.file_sha256, 'retired', clock_timestamp(), NEW.retired_by);
      ELSIF NEW.status = 'loaded' AND OLD.status = 'retired' THEN
        INSERT INTO raw.review_sheet_file_events (file_sha256, event, at) VALUES (NEW.file_sha256, 'reinstated', clock_timestamp());
      END IF;
      RETURN NULL;
    END
    $log$`.execute(db);
  await sql`
    CREATE TRIGGER log_review_sheet_file_event AFTER INSERT OR UPDATE OF status ON raw.review_sheet_files
      FOR EACH ROW EXECUTE FUNCTION raw.log_review_sheet_file_event()`.execute(db);
  // In the order they happened: by time, and within one load the file retired before the one that took its place.
  await sql`
    INSERT INTO raw.review_sheet_file_events (file_sha256, event, at, by_file)
    SELECT file_sha256, event, at, by_file FROM (
      SELECT file_sha256, 'loaded' AS event, loaded_at AS at, NULL AS by_file, 1 AS within_load FROM raw.review_sheet_files
      UNION ALL
      SELECT file_sha256, 'retired', retired_at, retired_by, 0 FROM raw.review_sheet_files WHERE status = 'retired' AND retired_at IS NOT NULL AND retired_by IS NOT NULL
    ) taken ORDER BY at, within_load, file_sha256`.execute(db);
  await createReviewSheetFilesView(db);
}

/** bi.review_sheet_files as this migration made it, with its grant and comments (also what 0044 goes down to). */
export async function createReviewSheetFilesView(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW bi.review_sheet_files AS
    SELECT f.review_year, f.sheet_table, f.file_name, f.status = 'loaded' AS in_force, f.records, f.loaded, f.quarantined,
           f.loaded_at, CASE WHEN f.status = 'retired' THEN f.retired_at END AS retired_at,
           CASE WHEN f.status = 'retired' THEN r.file_name END AS retired_by_file_name,
           CASE WHEN f.status = 'retired' THEN f.retired_by END AS retired_by_sha256, f.file_sha256
      FROM raw.review_sheet_files f LEFT JOIN raw.review_sheet_files r ON r.file_sha256 = f.retired_by`.execute(db);
  // Granted as the other review views are, not left to the schema's default privileges (which hold only for views made
  // by the role that set them).
  await sql`GRANT SELECT ON bi.review_sheet_files TO bi_reader`.execute(db);
  await comment(
    db,
    'bi.review_sheet_files',
    `The review-sheet files loaded (RS system CSVs), one row per file: which is in force for its table and review year (the other bi.review_* views show only those), and each file's account of records. ${ATTRIBUTION}`,
    {
      review_year: 'The review year of the file (事業年度, from its published name).',
      sheet_table: 'The review-sheet table the file holds (1-2, 2-1, 3-1, 3-2, 4-1 or 5-1).',
      file_name: 'The file\'s name as loaded (for a zip entry, the zip\'s name, then the entry\'s).',
      in_force: 'True for the file the other review views show for its table and review year; false for a file another took the place of.',
      records: 'Records read from the file: loaded + quarantined.',
      loaded: 'Records stored (the review views show them while the file is in force).',
      quarantined: 'Records not loaded, each kept with its line and reason (ebpm review-sheets quarantine FILE_ID lists them).',
      loaded_at: 'When the file was first loaded.',
      retired_at: 'For a file not in force, when the load that took its place began; null for a file in force.',
      retired_by_file_name: 'For a file not in force, the name of the file that took its place (often the same published name: another download); null for a file in force.',
      retired_by_sha256: 'For a file not in force, the SHA-256 of the file that took its place; null for a file in force.',
      file_sha256: 'The file\'s SHA-256: its id (ebpm review-sheets files shows its first 12 characters).',
    },
  );
}

/** The events written since the migration go with the table: migrating up again rebuilds only what the register holds. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW bi.review_sheet_files`.execute(db);
  await sql`DROP TRIGGER log_review_sheet_file_event ON raw.review_sheet_files`.execute(db);
  await sql`DROP FUNCTION raw.log_review_sheet_file_event()`.execute(db);
  await sql`DROP TABLE raw.review_sheet_file_events`.execute(db);
}
