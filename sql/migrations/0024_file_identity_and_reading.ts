import { sql, type Kysely } from 'kysely';

/**
 * A loaded table's identity is its file's content with the sheet and the kind: one workbook may carry the
 * applicants on one sheet and the outcomes on another, and a retry with --sheet after the wrong sheet was
 * read must not be taken for the same load. file_sha256 stays the key every lineage column refers to: the
 * content hash itself for a text file (CSV, TSV, JSON Lines: one table of one kind), and for a workbook
 * sheet the SHA-256 of "xlsx-sheet", the content hash, the sheet and the kind (see ingest/loading/file-identity.ts).
 * The file's account also records how it was read: where the header was, the title lines skipped above it,
 * and the unit conversions applied.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE raw.input_files ADD COLUMN content_sha256 text CHECK (content_sha256 ~ '^[0-9a-f]{64}$')`.execute(db);
  await sql`UPDATE raw.input_files SET content_sha256 = file_sha256`.execute(db);
  await sql`ALTER TABLE raw.input_files ALTER COLUMN content_sha256 SET NOT NULL`.execute(db);
  await sql`ALTER TABLE raw.input_files ADD COLUMN sheet text`.execute(db);
  await sql`ALTER TABLE raw.input_files ADD COLUMN reading jsonb NOT NULL DEFAULT '{}'::jsonb`.execute(db);
  await sql`CREATE UNIQUE INDEX input_files_content_sheet_kind ON raw.input_files (content_sha256, kind, coalesce(sheet, ''))`.execute(db);
  await sql`COMMENT ON COLUMN raw.input_files.file_sha256 IS 'Identity of the loaded table: the SHA-256 of the file for a text file; for a workbook sheet, the SHA-256 of "xlsx-sheet", the file''s SHA-256, the sheet and the kind (one workbook may hold several tables).'`.execute(db);
  await sql`COMMENT ON COLUMN raw.input_files.content_sha256 IS 'SHA-256 of the file''s bytes.'`.execute(db);
  await sql`COMMENT ON COLUMN raw.input_files.sheet IS 'The workbook sheet read; null for text files (and for workbooks loaded before sheets were recorded).'`.execute(db);
  await sql`COMMENT ON COLUMN raw.input_files.reading IS 'How the file was read: headerLines (the header''s line or row numbers), linesAboveHeader (title and date lines skipped, not data), hiddenSheetNamed, and conversions (values shown in another unit than the declared one, with the power of ten applied and how many cells).'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS raw.input_files_content_sheet_kind`.execute(db);
  await sql`ALTER TABLE raw.input_files DROP COLUMN reading, DROP COLUMN sheet, DROP COLUMN content_sha256`.execute(db);
}
