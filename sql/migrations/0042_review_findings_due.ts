import { sql, type Kysely } from 'kysely';

/**
 * A review year whose sheets in force have changed is marked due for its findings, and the next findings step writes
 * it, whichever years that step's own load was for. Since 0041 a load writes the findings of its own files' review
 * years at its end (activity refreshReviewViews). A load whose files committed but whose last step never ran (the
 * workflow terminated, the step's retries spent while the database was away) left those years' findings stale until
 * another load of the same year; before 0041 any later load repaired them, since every year was refreshed.
 *
 * The mark is made by a trigger on the files' register, so every change of what is in force marks its year, in the
 * transaction that makes it: a file registered, retired, put back in force, or removed (a change to a retired file
 * alone, or to a file's counts, marks nothing). The findings step deletes the marks it sees, in its own transaction,
 * and writes their years with the ones it was asked for: if it fails, the marks come back with its rollback. The
 * table has no key, so loads of the same year side by side never wait on each other's marks, and a mark of a load
 * still in progress (not yet committed) is not seen, so stays for that load's own step.
 *
 * A failed step before this migration left no trace, so the migration writes every loaded year's findings again (as
 * 0041 wrote them first), and starts with no year due.
 */

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE core.review_findings_due (review_year integer NOT NULL, marked_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  await sql`COMMENT ON TABLE core.review_findings_due IS ${sql.lit(
    'Review years whose sheets in force changed since their findings (core.review_findings) were last written: marked by a trigger on raw.review_sheet_files, deleted by the findings step of a review-sheet load, which writes those years too (migration 0042). A row here means the findings of that year may lag its sheets in force: a load still running, or one whose findings step did not run (or ran on a worker older than this migration). The next review-sheet load that reaches its findings step writes them.',
  )}`.execute(db);
  await sql`COMMENT ON COLUMN core.review_findings_due.review_year IS 'The review year (事業年度 of the sheets) whose findings are due to be written again.'`.execute(db);
  await sql`COMMENT ON COLUMN core.review_findings_due.marked_at IS 'When the change was made (the start of the transaction that made it).'`.execute(db);
  await sql`
    CREATE FUNCTION core.mark_review_findings_due() RETURNS trigger LANGUAGE plpgsql AS $mark$
    BEGIN
      -- The account's counts, written at the end of each load, change nothing that is in force.
      IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status AND OLD.review_year = NEW.review_year THEN
        RETURN NULL;
      END IF;
      -- A file was in force before the change, or is after it: its year's findings may differ.
      IF TG_OP <> 'INSERT' AND OLD.status = 'loaded' THEN
        INSERT INTO core.review_findings_due (review_year) VALUES (OLD.review_year);
      END IF;
      IF TG_OP <> 'DELETE' AND NEW.status = 'loaded' AND (TG_OP = 'INSERT' OR NEW.review_year <> OLD.review_year OR OLD.status <> 'loaded') THEN
        INSERT INTO core.review_findings_due (review_year) VALUES (NEW.review_year);
      END IF;
      RETURN NULL;
    END
    $mark$`.execute(db);
  await sql`
    CREATE TRIGGER mark_review_findings_due AFTER INSERT OR UPDATE OR DELETE ON raw.review_sheet_files
      FOR EACH ROW EXECUTE FUNCTION core.mark_review_findings_due()`.execute(db);
  await sql`DELETE FROM core.review_findings`.execute(db);
  await sql`INSERT INTO core.review_findings SELECT * FROM core.review_findings_of(ARRAY(SELECT DISTINCT review_year FROM raw.review_sheet_files))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER mark_review_findings_due ON raw.review_sheet_files`.execute(db);
  await sql`DROP FUNCTION core.mark_review_findings_due()`.execute(db);
  await sql`DROP TABLE core.review_findings_due`.execute(db);
}
