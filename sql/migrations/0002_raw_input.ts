import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE raw.input_files (
      file_sha256   text PRIMARY KEY CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
      programme_id  text NOT NULL,
      kind          text NOT NULL CHECK (kind IN ('applicants', 'outcomes')),
      file_name     text NOT NULL,
      rows_total    integer NOT NULL,
      rows_loaded   integer NOT NULL,
      rows_rejected integer NOT NULL,
      rows_without_consent integer NOT NULL DEFAULT 0,
      rows_unchanged integer NOT NULL DEFAULT 0,
      encoding      text,
      status        text NOT NULL DEFAULT 'complete' CHECK (status IN ('loading', 'complete')),
      committed_through_line integer NOT NULL DEFAULT 1,
      loaded_at     timestamptz NOT NULL DEFAULT now(),
      CHECK (rows_total = rows_loaded + rows_rejected)
    )`.execute(db);
  await sql`COMMENT ON TABLE raw.input_files IS 'One row per input file, identified by its SHA-256; rows_total = rows_loaded + rows_rejected always holds. A file is loaded in committed batches: status loading with committed_through_line is where a retried load resumes.'`.execute(db);
  await sql`
    CREATE TABLE raw.rejected_rows (
      file_sha256 text NOT NULL REFERENCES raw.input_files (file_sha256) ON DELETE CASCADE,
      line_number integer NOT NULL,
      raw_record  jsonb NOT NULL,
      reasons     jsonb NOT NULL,
      PRIMARY KEY (file_sha256, line_number)
    )`.execute(db);
  await sql`COMMENT ON TABLE raw.rejected_rows IS 'Quarantine: every input row that failed validation, kept as received with the reasons (code, field, message).'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS raw.rejected_rows, raw.input_files`.execute(db);
}
