import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../sql/database.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

/** The tables' own checks of a stored 法人番号's shape (13 ASCII digits; migration 0050 checks it without a regex). */
const SHAPES = [
  { value: '1234567890123', admitted: true },
  { value: '123456789012', admitted: false },
  { value: '12345678901234', admitted: false },
  { value: '12345678901a3', admitted: false },
  { value: ' 234567890123', admitted: false },
  { value: '１２３４５６７８９０１２３', admitted: false },
  { value: '123456789012３', admitted: false },
  { value: '', admitted: false },
];

/** A registered file, and a project whose members the unit_members inserts name. */
const FILE = 'c'.repeat(64);

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await sql`
    INSERT INTO raw.input_files (file_sha256, content_sha256, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected)
    VALUES (${FILE}, ${FILE}, 'p', 'applicants', 'p.csv', 1, 1, 0)`.execute(database.db);
  await sql`INSERT INTO core.units (programme_id, unit_id, unit_kind, lead_corporate_number, prefecture_code, source_file_sha256) VALUES ('p', 'member-of', 'project', '1234567890123', '13', ${FILE})`.execute(database.db);
});
afterAll(() => database.drop());

/** Whether each table's check admits `value` (each insert in a transaction rolled back). */
async function admittedBy(db: Kysely<Database>, value: string): Promise<Record<string, boolean>> {
  const inserts: Record<string, string> = {
    firms: `INSERT INTO core.firms (corporate_number, firm_name, industry_code, prefecture_code) VALUES ($1, 'F', 'E', '13')`,
    consent_withdrawals: `INSERT INTO core.consent_withdrawals (programme_id, corporate_number, applications_excluded, contacts_erased) VALUES ('p', $1, 0, 0)`,
    units: `INSERT INTO core.units (programme_id, unit_id, unit_kind, lead_corporate_number, prefecture_code, source_file_sha256) VALUES ('p', 'u', 'project', $1, '13', '${FILE}')`,
    unit_members: `INSERT INTO core.unit_members (programme_id, unit_id, corporate_number) VALUES ('p', 'member-of', $1)`,
  };
  const admitted: Record<string, boolean> = {};
  for (const [table, insert] of Object.entries(inserts)) {
    admitted[table] = await db
      .transaction()
      .execute(async (trx) => {
        await sql`SAVEPOINT shape`.execute(trx);
        try {
          await sql.raw(insert.replace('$1', `'${value}'`)).execute(trx);
          return true;
        } catch (error) {
          if ((error as { code?: string }).code !== '23514') throw error;
          return false;
        } finally {
          await sql`ROLLBACK TO SAVEPOINT shape`.execute(trx);
        }
      });
  }
  return admitted;
}

describe("the tables' checks of a stored 法人番号", () => {
  it('admit 13 ASCII digits and nothing else, before and after migration 0050, under the same constraint names', async () => {
    const expected = Object.fromEntries(SHAPES.map(({ value, admitted }) => [value, { firms: admitted, consent_withdrawals: admitted, units: admitted, unit_members: admitted }]));
    const read = async () => Object.fromEntries(await Promise.all(SHAPES.map(async ({ value }) => [value, await admittedBy(database.db, value)] as const)));
    const names = async () =>
      (
        await sql<{ name: string }>`SELECT conname AS name FROM pg_constraint WHERE conname LIKE '%corporate_number_check' ORDER BY 1`.execute(database.db)
      ).rows.map((row) => row.name);
    const namesNow = await names();
    expect(namesNow).toEqual(['consent_withdrawals_corporate_number_check', 'firms_corporate_number_check', 'unit_members_corporate_number_check', 'units_lead_corporate_number_check']);
    expect(await read()).toEqual(expected);
    const { rows } = await sql<{ definition: string }>`SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname LIKE '%corporate_number_check'`.execute(database.db);
    expect(rows.map((row) => row.definition.includes('~'))).toEqual([false, false, false, false]);

    await migrateTo(database.db, '0049_applications_partitioned_by_programme');
    expect(await read()).toEqual(expected);
    await migrateToLatest(database.db);
    expect(await read()).toEqual(expected);
    expect(await names()).toEqual(namesNow);
  });
});
