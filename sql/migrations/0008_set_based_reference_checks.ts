import { sql, type Kysely } from 'kysely';
import { checkReferencesPerStatement, restoreForeignKeys, type Reference } from './statement-reference-checks.js';

/**
 * The loaded tables' references to core.firms and raw.input_files are checked once per statement over
 * all the rows it wrote, instead of by a foreign-key trigger per row: a 50,000-row batch spent more time
 * in those 100,000 trigger calls than in writing the rows. How the checks keep the foreign keys' guarantee:
 * statement-reference-checks.ts.
 */
const REFERENCES: readonly Reference[] = [
  { table: 'core.applications', column: 'corporate_number', target: 'core.firms', key: 'corporate_number', foreignKey: 'applications_corporate_number_fkey' },
  { table: 'core.applications', column: 'source_file_sha256', target: 'raw.input_files', key: 'file_sha256', foreignKey: 'applications_source_file_sha256_fkey' },
  { table: 'core.outcomes', column: 'source_file_sha256', target: 'raw.input_files', key: 'file_sha256', foreignKey: 'outcomes_source_file_sha256_fkey' },
  { table: 'restricted.applicant_contacts', column: 'source_file_sha256', target: 'raw.input_files', key: 'file_sha256', foreignKey: 'applicant_contacts_source_file_sha256_fkey' },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // Shared by every key-is-fixed trigger, here and in later migrations that replace foreign keys the same way.
  await sql`
    CREATE FUNCTION core.refuse_key_change() RETURNS trigger LANGUAGE plpgsql AS $refuse$
    BEGIN
      RAISE EXCEPTION '%.% keys cannot be changed: rows elsewhere refer to them', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'foreign_key_violation', HINT = 'insert a row with the new key and move the referring rows to it';
    END
    $refuse$`.execute(db);
  await checkReferencesPerStatement(db, REFERENCES);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await restoreForeignKeys(db, REFERENCES);
  await sql`DROP FUNCTION IF EXISTS core.refuse_key_change() CASCADE`.execute(db);
}
