import { sql, type Kysely } from 'kysely';

/**
 * Data that changes after it is loaded:
 * - a replacement file supersedes the programme's earlier files of its kind: the stored rows it no longer
 *   holds are retired, moved to core.retired_rows with when and by which file, so current tables hold only
 *   current rows and nothing is deleted;
 * - a firm that withdraws its consent is recorded in core.consent_withdrawals (when and why, no personal
 *   data); its contact data is erased and its applications are excluded from every later run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE raw.input_files ADD COLUMN rows_retired integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE raw.input_files ADD COLUMN replaces_earlier boolean NOT NULL DEFAULT false`.execute(db);
  await sql`COMMENT ON COLUMN raw.input_files.rows_retired IS 'Stored rows this replacement file no longer holds, retired to core.retired_rows when it completed.'`.execute(db);
  await sql`COMMENT ON COLUMN raw.input_files.replaces_earlier IS 'True when the file was loaded as a replacement (--replaces) of the programme''s earlier files of its kind.'`.execute(db);

  await sql`
    CREATE TABLE raw.replacement_keys (
      file_sha256 text NOT NULL REFERENCES raw.input_files (file_sha256),
      key_id      text NOT NULL,
      key_period  integer NOT NULL,
      PRIMARY KEY (file_sha256, key_id, key_period)
    )`.execute(db);
  await sql`COMMENT ON TABLE raw.replacement_keys IS 'Keys (unit or indicator, and call round or fiscal year) of the rows a replacement file loaded, gathered batch by batch with its commits so that a resumed load keeps them; emptied when the file completes and the rows it no longer holds are retired.'`.execute(db);

  await sql`
    CREATE TABLE core.retired_rows (
      retired_id             bigserial PRIMARY KEY,
      programme_id           text NOT NULL,
      kind                   text NOT NULL CHECK (kind IN ('applicants', 'outcomes', 'statistics')),
      row_key                text NOT NULL,
      row_data               jsonb NOT NULL,
      source_file_sha256     text NOT NULL,
      retired_at             timestamptz NOT NULL DEFAULT now(),
      retired_by_file_sha256 text NOT NULL REFERENCES raw.input_files (file_sha256)
    )`.execute(db);
  await sql`CREATE INDEX retired_rows_programme ON core.retired_rows (programme_id, kind, retired_at)`.execute(db);
  await sql`COMMENT ON TABLE core.retired_rows IS 'Rows a replacement file no longer holds: the stored row as it was (row_data), the file that had loaded it, and when and by which file it was retired. Runs before retired_at used them.'`.execute(db);

  await sql`
    CREATE TABLE core.consent_withdrawals (
      programme_id          text NOT NULL,
      corporate_number      text NOT NULL CHECK (corporate_number ~ '^[0-9]{13}$'),
      withdrawn_at          timestamptz NOT NULL DEFAULT now(),
      reason                text,
      applications_excluded integer NOT NULL,
      contacts_erased       integer NOT NULL,
      PRIMARY KEY (programme_id, corporate_number)
    )`.execute(db);
  await sql`COMMENT ON TABLE core.consent_withdrawals IS 'Firms that withdrew their consent to data use: when and why (no personal data). Their contact data was erased, their applications count as without consent, and later loads cannot restore either.'`.execute(db);

  await sql`
    CREATE OR REPLACE VIEW bi.input_quality AS
    SELECT f.programme_id, f.kind, f.file_name, f.file_sha256, f.encoding, f.rows_total, f.rows_loaded, f.rows_rejected,
           f.rows_without_consent, round(100.0 * f.rows_rejected / NULLIF(f.rows_total, 0), 2) AS rejected_percent, f.loaded_at,
           f.replaces_earlier, f.rows_retired
      FROM raw.input_files f
     WHERE f.status = 'complete'`.execute(db);
  await sql`COMMENT ON COLUMN bi.input_quality.replaces_earlier IS 'True when the file replaced the programme''s earlier files of its kind.'`.execute(db);
  await sql`COMMENT ON COLUMN bi.input_quality.rows_retired IS 'Earlier rows the replacement file no longer held: retired (kept in core.retired_rows), no longer analysed.'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW bi.input_quality`.execute(db);
  await sql`
    CREATE VIEW bi.input_quality AS
    SELECT f.programme_id, f.kind, f.file_name, f.file_sha256, f.encoding, f.rows_total, f.rows_loaded, f.rows_rejected,
           f.rows_without_consent, round(100.0 * f.rows_rejected / NULLIF(f.rows_total, 0), 2) AS rejected_percent, f.loaded_at
      FROM raw.input_files f
     WHERE f.status = 'complete'`.execute(db);
  await sql`DROP TABLE core.consent_withdrawals`.execute(db);
  await sql`DROP TABLE core.retired_rows`.execute(db);
  await sql`DROP TABLE raw.replacement_keys`.execute(db);
  await sql`ALTER TABLE raw.input_files DROP COLUMN replaces_earlier, DROP COLUMN rows_retired`.execute(db);
}
