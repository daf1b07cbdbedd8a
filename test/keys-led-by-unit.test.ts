import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestActivities } from '../activities/ingest-file.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import type { Database } from '../sql/database.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { writeCsvFile } from './support/csv-files.js';
import { diedAfterFirstBatch } from './support/first-file-loads.js';
import { withDatabaseOfTheTest } from './support/migrated-database.js';

/**
 * Migration 0054: the keys of core.outcomes and core.applications, and the applications' firm index, led by the unit
 * and the firm, the programme last, on the partitioned tables and every partition; the loads' attachments build the
 * same (ingest/loading/built-beside.ts), and the merges' ON CONFLICT finds the key in its new order.
 */
const firm = (i: number) => withCheckDigit(String(800000000000 + i));
const LOADED = 'sme-labour-saving';
/** Programmes whose rows were stored before the migration: one in partitions of its own, one in the default partitions. */
const PARTITIONED = 'large-scale-growth-investment';
const IN_DEFAULT = 'space-strategy-fund';

const OUTCOME_HEADER = 'corporate_number,fiscal_year,labour_productivity,average_wage,employees';
const outcomeLine = (i: number, year: number, shift = 0) => `${firm(i)},${year},${600 + i + shift}.5,${450 + i},${100 + i}`;
const APPLICANT_HEADER = 'corporate_number,firm_name,call_round,application_date,decision,award_fiscal_year,subsidy_amount_yen,requested_amount_yen,industry_code,prefecture_code,employees,consent';
const applicantLine = (i: number, requested = 1_000_000 + i) => `${firm(i)},Firm ${i},1,2022-05-10,rejected,,,${requested},E,13,${20 + i},true`;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-keys-led-by-unit-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every index of core.outcomes and core.applications and of their partitions, as (table, index, columns). */
async function indexes(db: Kysely<Database>): Promise<string[][]> {
  const { rows } = await sql<{ tab: string; name: string; definition: string }>`
    SELECT x.indrelid::regclass::text AS tab, x.indexrelid::regclass::text AS name, pg_get_indexdef(x.indexrelid) AS definition
      FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'core' AND t.relkind IN ('r', 'p') AND (t.relname LIKE 'outcomes%' OR t.relname LIKE 'applications%')
     ORDER BY 1, 2`.execute(db);
  return rows.map((row) => [row.tab, row.name, row.definition.replace(/^.* USING btree /, '')]);
}

/** What every index should be: the table's key (and the firm index) on each table, named after it. */
function expectedIndexes(tables: { outcomes: string[]; applications: string[] }, order: 'led by the unit' | 'led by the programme'): string[][] {
  const led = order === 'led by the unit';
  const all = [
    ...tables.outcomes.map((table) => [[`core.${table}`, `core.${table}_pkey`, led ? '(unit_id, fiscal_year, programme_id)' : '(programme_id, unit_id, fiscal_year)']]),
    ...tables.applications.map((table) => [
      [`core.${table}`, `core.${table}_firm`, led ? '(corporate_number, programme_id)' : '(programme_id, corporate_number)'],
      [`core.${table}`, `core.${table}_pkey`, led ? '(unit_id, call_round, programme_id)' : '(programme_id, unit_id, call_round)'],
    ]),
  ].flat();
  return all.sort((a, b) => (a.join() < b.join() ? -1 : 1));
}

const partitionName = async (db: Kysely<Database>, kind: 'outcome' | 'application', programme: string) =>
  (await sql<{ name: string }>`SELECT ${sql.raw(`core.${kind}_partition_name`)}(${programme}) AS name`.execute(db)).rows[0].name;

describe('migration 0054', () => {
  it('leads every key and firm index with the unit and the firm, keeps every row, lets loads attach and merge through them, and undoes it on the way down', () =>
    withDatabaseOfTheTest('m0054', async (db) => {
      await migrateTo(db, '0053_outcome_measures_typed');
      await sql`INSERT INTO core.firms (corporate_number, firm_name, industry_code, prefecture_code) VALUES (${firm(0)}, 'Firm', 'E', '13')`.execute(db);
      const outcomePartition = await partitionName(db, 'outcome', PARTITIONED);
      const applicationPartition = await partitionName(db, 'application', PARTITIONED);
      await sql`CREATE TABLE ${sql.table(`core.${outcomePartition}`)} PARTITION OF core.outcomes FOR VALUES IN (${sql.lit(PARTITIONED)})`.execute(db);
      await sql`CREATE TABLE ${sql.table(`core.${applicationPartition}`)} PARTITION OF core.applications FOR VALUES IN (${sql.lit(PARTITIONED)})`.execute(db);
      // Its part of the firm index named as 0049 and a load's attachment name it.
      const { rows: made } = await sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_index x ON x.indexrelid = c.oid
         WHERE i.inhparent = 'core.applications_firm'::regclass AND x.indrelid = ${`core.${applicationPartition}`}::regclass`.execute(db);
      await sql`ALTER INDEX ${sql.table(`core.${made[0].name}`)} RENAME TO ${sql.id(`${applicationPartition}_firm`)}`.execute(db);
      for (const [index, programme] of [PARTITIONED, IN_DEFAULT].entries()) {
        const outcomes = String(index + 1).repeat(64);
        const applicants = String(index + 3).repeat(64);
        await sql`
          INSERT INTO raw.input_files (file_sha256, content_sha256, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected)
          VALUES (${outcomes}, ${outcomes}, ${programme}, 'outcomes', ${`${programme}-outcomes.csv`}, 120, 120, 0),
                 (${applicants}, ${applicants}, ${programme}, 'applicants', ${`${programme}-applicants.csv`}, 30, 30, 0)`.execute(db);
        await sql`
          INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measure_values, source_file_sha256, source_line)
          SELECT ${programme}, 'unit-' || (n / 4), 2020 + n % 4, ARRAY[n, n / 3.0]::float8[], ${outcomes}, n + 2 FROM generate_series(0, 119) AS n`.execute(db);
        await sql`
          INSERT INTO core.applications (programme_id, unit_id, corporate_number, call_round, application_date, decision, requested_amount_yen, employees_at_application, consent, source_file_sha256, source_line)
          SELECT ${programme}, 'unit-' || n, ${firm(0)}, 1 + n % 2, DATE '2022-05-10', 'rejected', 1000 + n, 10, true, ${applicants}, n + 2 FROM generate_series(0, 29) AS n`.execute(db);
      }
      const everyRow = async () => ({
        outcomes: (await sql<{ row: string }>`SELECT o::text AS row FROM core.outcomes o ORDER BY 1`.execute(db)).rows.map((r) => r.row),
        applications: (await sql<{ row: string }>`SELECT a::text AS row FROM core.applications a ORDER BY 1`.execute(db)).rows.map((r) => r.row),
      });
      const before = await everyRow();
      expect([before.outcomes.length, before.applications.length]).toEqual([240, 60]);
      const stored = { outcomes: ['outcomes', 'outcomes_default', outcomePartition], applications: ['applications', 'applications_default', applicationPartition] };
      expect(await indexes(db)).toEqual(expectedIndexes(stored, 'led by the programme'));
      // A programme's first outcome file under way across the migration: its first batch is held in the table built
      // beside (which has no key until the file completes).
      const firstOutcomes = writeCsvFile(scratch, 'first.csv', OUTCOME_HEADER, [outcomeLine(1, 2022), outcomeLine(1, 2023), outcomeLine(2, 2022)]);
      await diedAfterFirstBatch(db, LOADED, 'outcomes', firstOutcomes);

      await migrateToLatest(db);
      expect(await indexes(db)).toEqual(expectedIndexes(stored, 'led by the unit'));
      expect(await everyRow()).toEqual(before);
      // Still the key: a second row of a unit's year is refused, in a partition and in the default one alike.
      for (const programme of [PARTITIONED, IN_DEFAULT]) {
        await expect(
          sql`INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measure_values, source_file_sha256, source_line)
              VALUES (${programme}, 'unit-0', 2020, '{}', ${'1'.repeat(64)}, 1)`.execute(db),
        ).rejects.toThrow(/duplicate key value violates unique constraint/);
      }

      // A programme's first files are attached with keys built in the table's order (a partition that already has a
      // primary key other than the table's is refused by ATTACH PARTITION: "multiple primary keys"), the one under way
      // resumed; later files merge through the keys.
      const ingest = createIngestActivities(db, { batchSize: 2 });
      const applicants = await ingest.ingestFile({ programmeId: LOADED, kind: 'applicants', path: writeCsvFile(scratch, 'applicants.csv', APPLICANT_HEADER, [1, 2, 3].map((i) => applicantLine(i))) });
      expect(applicants).toMatchObject({ rowsLoaded: 3, rowsRejected: 0 });
      const moreApplicants = await ingest.ingestFile({
        programmeId: LOADED,
        kind: 'applicants',
        path: writeCsvFile(scratch, 'more-applicants.csv', APPLICANT_HEADER, [applicantLine(1), applicantLine(2, 5_000)]),
      });
      expect(moreApplicants).toMatchObject({ rowsLoaded: 2, rowsUnchanged: 1 });
      const { rows: requested } = await sql<{ requested: string }>`
        SELECT requested_amount_yen::text AS requested FROM core.applications WHERE programme_id = ${LOADED} AND corporate_number = ${firm(2)}`.execute(db);
      expect(requested).toEqual([{ requested: '5000' }]);
      const first = await ingest.ingestFile({ programmeId: LOADED, kind: 'outcomes', path: firstOutcomes });
      expect(first).toMatchObject({ rowsLoaded: 3, rowsRejected: 0 });
      const second = await ingest.ingestFile({
        programmeId: LOADED,
        kind: 'outcomes',
        path: writeCsvFile(scratch, 'second.csv', OUTCOME_HEADER, [outcomeLine(1, 2022), outcomeLine(2, 2022, 10)]),
      });
      expect(second).toMatchObject({ rowsLoaded: 2, rowsUnchanged: 1 });
      const { rows: merged } = await sql<{ unit_id: string; fiscal_year: number; productivity: string }>`
        SELECT unit_id, fiscal_year, core.outcome_measures_json(programme_id, measure_values) ->> 'labour_productivity' AS productivity
          FROM core.outcomes WHERE programme_id = ${LOADED} ORDER BY unit_id, fiscal_year`.execute(db);
      expect(merged).toEqual([
        { unit_id: firm(1), fiscal_year: 2022, productivity: '601.5' },
        { unit_id: firm(1), fiscal_year: 2023, productivity: '601.5' },
        { unit_id: firm(2), fiscal_year: 2022, productivity: '612.5' },
      ]);
      const loaded = {
        outcomes: [...stored.outcomes, await partitionName(db, 'outcome', LOADED)],
        applications: [...stored.applications, await partitionName(db, 'application', LOADED)],
      };
      expect(await indexes(db)).toEqual(expectedIndexes(loaded, 'led by the unit'));

      const after = await everyRow();
      await migrateTo(db, '0053_outcome_measures_typed');
      expect(await indexes(db)).toEqual(expectedIndexes(loaded, 'led by the programme'));
      expect(await everyRow()).toEqual(after);
    }));
});
