import { sql, type Kysely } from 'kysely';

/**
 * The checks that a stored 法人番号 is 13 ASCII digits no longer run a regular expression per row. An applicant load
 * writes each firm through core.firms' check: psql inserting 1,000,000 firms (the bench's `ingest-1M`) into a copy of
 * the table took 3.48 and 3.04 s with `~ '^[0-9]{13}$'`, 2.63 and 2.64 s with the test below, and 2.24 and 2.25 s with
 * no check at all (2026-12-07, a 2-core machine, alternated). The rows each check admits are the same: 13 bytes, every
 * one of them a digit 0–9 (any other character, of one byte or more, is left by translate).
 */

const CHECKED = [
  { table: 'core.firms', column: 'corporate_number', constraint: 'firms_corporate_number_check' },
  { table: 'core.units', column: 'lead_corporate_number', constraint: 'units_lead_corporate_number_check' },
  { table: 'core.unit_members', column: 'corporate_number', constraint: 'unit_members_corporate_number_check' },
  { table: 'core.consent_withdrawals', column: 'corporate_number', constraint: 'consent_withdrawals_corporate_number_check' },
] as const;

async function checkEach(db: Kysely<unknown>, shape: (column: string) => string): Promise<void> {
  for (const { table, column, constraint } of CHECKED) {
    await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint}, ADD CONSTRAINT ${constraint} CHECK (${shape(column)})`).execute(db);
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await checkEach(db, (column) => `octet_length(${column}) = 13 AND translate(${column}, '0123456789', '') = ''`);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await checkEach(db, (column) => `${column} ~ '^[0-9]{13}$'`);
}
