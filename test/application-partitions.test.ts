import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestActivities } from '../activities/ingest-file.js';
import { withdrawConsent } from '../governance/consent-withdrawal.js';
import { APPLICATIONS_BESIDE } from '../ingest/loading/application-rows.js';
import { buildingTableName } from '../ingest/loading/built-beside.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import type { Database } from '../sql/database.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { writeCsvFile } from './support/csv-files.js';
import { diedAfterFirstBatch, withOwnDatabase } from './support/first-file-loads.js';
import { withDatabaseOfTheTest } from './support/migrated-database.js';

/**
 * core.applications partitioned by programme (migration 0049): a programme's first applicant file is built in a table
 * of its own with no key or per-statement checks and attached whole when it completes (ingest/loading/built-beside.ts,
 * application-rows.ts); later files go in through the key.
 */
const HEADER = 'corporate_number,firm_name,call_round,application_date,decision,award_fiscal_year,subsidy_amount_yen,requested_amount_yen,industry_code,prefecture_code,employees,consent';
const PROGRAMME = 'sme-labour-saving';
const firm = (i: number) => withCheckDigit(String(700000000000 + i));
/** An application of firm `i` in call round 1: awarded when `subsidy` is given, rejected otherwise. */
const applicantLine = (i: number, subsidy?: number) =>
  subsidy === undefined
    ? `${firm(i)},Firm ${i},1,2022-05-10,rejected,,,${1_000_000 + i},E,13,${20 + i},true`
    : `${firm(i)},Firm ${i},1,2022-05-10,awarded,2022,${subsidy},${1_000_000 + i},E,13,${20 + i},true`;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-application-partitions-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const file = (name: string, lines: readonly string[]): string => writeCsvFile(scratch, name, HEADER, lines);

/** The tables named applications… in schema core, with their partition bounds. */
async function applicationTables(db: Kysely<Database>) {
  const { rows } = await sql<{ name: string; bound: string | null }>`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'core' AND c.relkind = 'r' AND c.relname LIKE 'applications%'
     ORDER BY 1`.execute(db);
  return rows;
}

/** The programme's applications as (firm, subsidy, consent, source line), by firm. */
async function storedApplications(db: Kysely<Database>, from = sql`core.applications`) {
  const { rows } = await sql<{ corporate_number: string; subsidy_amount_yen: string | null; consent: boolean; source_line: number }>`
    SELECT corporate_number, subsidy_amount_yen, consent, source_line FROM ${from} WHERE programme_id = ${PROGRAMME} ORDER BY corporate_number`.execute(db);
  return rows.map((row) => [row.corporate_number, row.subsidy_amount_yen === null ? null : Number(row.subsidy_amount_yen), row.consent, row.source_line]);
}

const partitionOf = async (db: Kysely<Database>, programme: string) =>
  (await sql<{ name: string }>`SELECT core.application_partition_name(${programme}) AS name`.execute(db)).rows[0].name;


describe("a programme's first applicant file", () => {
  it('is built beside core.applications and attached whole as the programme’s partition, with its key and firm index; a later file merges through the key', () =>
    withOwnDatabase(async (database) => {
      const lines = [applicantLine(3, 5_000_000), applicantLine(1), applicantLine(2, 7_000_000)];
      const account = await createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'applicants', path: file('first.csv', lines) });
      expect(account).toMatchObject({ rowsLoaded: 3, rowsUnchanged: 0, rowsRejected: 0 });

      const partition = await partitionOf(database.db, PROGRAMME);
      expect(await applicationTables(database.db)).toEqual(
        [
          { name: 'applications_default', bound: 'DEFAULT' },
          { name: partition, bound: `FOR VALUES IN ('${PROGRAMME}')` },
        ].sort((a, b) => (a.name < b.name ? -1 : 1)),
      );
      const expected = [
        [firm(1), null, true, 3],
        [firm(2), 7_000_000, true, 4],
        [firm(3), 5_000_000, true, 2],
      ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
      expect(await storedApplications(database.db, sql.table(`core.${partition}`))).toEqual(expected);
      const { rows: indexes } = await sql<{ name: string; definition: string }>`
        SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indrelid = ${`core.${partition}`}::regclass ORDER BY 1`.execute(database.db);
      expect(indexes.map((index) => [index.name, index.definition.replace(/^.* USING /, '')])).toEqual([
        [`core.${partition}_firm`, 'btree (corporate_number, programme_id)'],
        [`core.${partition}_pkey`, 'btree (unit_id, call_round, programme_id)'],
      ]);
      const { rows: firms } = await sql<{ firms: number }>`SELECT count(*)::integer AS firms FROM core.firms`.execute(database.db);
      expect(firms).toEqual([{ firms: 3 }]);

      // The key is the table's: a second file meets it and merges, changing only what differs.
      const second = await createIngestActivities(database.db).ingestFile({
        programmeId: PROGRAMME,
        kind: 'applicants',
        path: file('second.csv', [applicantLine(1), applicantLine(2, 6_000_000)]),
      });
      expect(second).toMatchObject({ rowsLoaded: 2, rowsUnchanged: 1 });
      expect((await storedApplications(database.db)).find((row) => row[0] === firm(2))?.[1]).toBe(6_000_000);
      const { rows: paths } = await sql<{ file_name: string; applications_built_beside: boolean }>`
        SELECT file_name, applications_built_beside FROM raw.input_files ORDER BY file_name`.execute(database.db);
      expect(paths).toEqual([
        { file_name: 'first.csv', applications_built_beside: true },
        { file_name: 'second.csv', applications_built_beside: false },
      ]);
    }));

  it('resumes into the same table after its load dies, shows none of its applications until the file completes, and keeps a consent withdrawn meanwhile withdrawn', () =>
    withOwnDatabase(async (database) => {
      const lines = [10, 11, 12, 13, 14].map((i) => applicantLine(i, 1_000_000 * i));
      const path = file('resumed.csv', lines);
      const fileSha256 = await diedAfterFirstBatch(database.db, PROGRAMME, 'applicants', path);
      const building = buildingTableName(APPLICATIONS_BESIDE, fileSha256);
      expect(await storedApplications(database.db)).toEqual([]);
      expect((await storedApplications(database.db, sql.table(`core.${building}`))).map((row) => row[0])).toEqual([firm(10), firm(11)].sort());

      // The firm of a held application withdraws its consent: the held application counts as without it.
      const withdrawal = await withdrawConsent(database.db, { programmeId: PROGRAMME, corporateNumber: firm(10) });
      expect(withdrawal.applicationsExcluded).toBe(1);
      expect((await storedApplications(database.db, sql.table(`core.${building}`))).map((row) => [row[0], row[2]])).toEqual(
        [
          [firm(10), false],
          [firm(11), true],
        ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
      );

      const resumed = await createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'applicants', path });
      expect(resumed).toMatchObject({ rowsTotal: 5, rowsLoaded: 5, rowsRejected: 0 });
      const stored = await storedApplications(database.db);
      expect(stored.map((row) => [row[0], row[2]])).toEqual([10, 11, 12, 13, 14].map((i) => [firm(i), i !== 10]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)));
      expect((await applicationTables(database.db)).map((table) => table.name)).not.toContain(building);
    }));
});

describe('a first applicant file held apart, guarded', () => {
  it('refuses a replacement while the programme’s first file is held apart, and loads it once that file is in', () =>
    withOwnDatabase(async (database) => {
      const firstPath = file('first-held.csv', [applicantLine(20), applicantLine(21), applicantLine(22)]);
      await diedAfterFirstBatch(database.db, PROGRAMME, 'applicants', firstPath);
      const replacementPath = file('replacement.csv', [applicantLine(20, 3_000_000), applicantLine(23)]);
      const replace = () => createIngestActivities(database.db).ingestFile({ programmeId: PROGRAMME, kind: 'applicants', path: replacementPath, replaces: true });
      await expect(replace()).rejects.toThrow(`the applicant file first-held.csv of programme ${PROGRAMME} is still being loaded as the programme's first`);
      // To give the held file up, what it wrote beside through their keys goes with its account (their references refuse the account's deletion otherwise).
      await expect(replace()).rejects.toThrow('delete what it wrote and its account from restricted.applicant_contacts, core.units, raw.rejected_rows and raw.input_files');
      expect(await storedApplications(database.db)).toEqual([]);

      await createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'applicants', path: firstPath });
      const replaced = await replace();
      expect(replaced).toMatchObject({ rowsLoaded: 2, rowsRetired: 2 });
      expect((await storedApplications(database.db)).map((row) => [row[0], row[1]])).toEqual(
        [
          [firm(20), 3_000_000],
          [firm(23), null],
        ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
      );
    }));

  it('refuses to attach applications whose firm was deleted while they were held, naming the firm', () =>
    withOwnDatabase(async (database) => {
      const path = file('firm-gone.csv', [applicantLine(30), applicantLine(31), applicantLine(32)]);
      const fileSha256 = await diedAfterFirstBatch(database.db, PROGRAMME, 'applicants', path);
      // core.firms' own check on delete sees core.applications only, not the table built beside.
      await sql`DELETE FROM core.firms WHERE corporate_number = ${firm(31)}`.execute(database.db);
      const resume = createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'applicants', path });
      await expect(resume).rejects.toThrow(`name the firm ${firm(31)}, which is not in core.firms`);
      const [account] = (await sql<{ status: string }>`SELECT status FROM raw.input_files WHERE file_sha256 = ${fileSha256}`.execute(database.db)).rows;
      expect(account).toEqual({ status: 'loading' });
      expect(await storedApplications(database.db)).toEqual([]);
    }));
});

describe('migration 0049', () => {
  it('moves the stored applications into one partition per programme, and back into one table on the way down', () =>
    withDatabaseOfTheTest('m0049', async (db) => {
      await migrateTo(db, '0048_review_logic_model_nodes_marked');
      const programmes = ['sme-labour-saving', 'large-scale-growth-investment'];
      await sql`INSERT INTO core.firms (corporate_number, firm_name, industry_code, prefecture_code) SELECT ${firm(0)}::text || '', 'Firm', 'E', '13'`.execute(db);
      for (const [index, programme] of programmes.entries()) {
        const sha = String(index + 1).repeat(64);
        await sql`
          INSERT INTO raw.input_files (file_sha256, content_sha256, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected)
          VALUES (${sha}, ${sha}, ${programme}, 'applicants', ${`${programme}.csv`}, 200, 200, 0)`.execute(db);
        await sql`
          INSERT INTO core.applications (programme_id, unit_id, corporate_number, call_round, application_date, decision, award_fiscal_year,
                                         subsidy_amount_yen, requested_amount_yen, employees_at_application, consent, review_score, source_file_sha256, source_line)
          SELECT ${programme}, 'unit-' || n, ${firm(0)}, 1 + n % 3, DATE '2022-05-10', 'rejected', NULL, NULL, 1000 + n, 10, n % 5 <> 0, n / 7.0, ${sha}, n + 2
            FROM generate_series(0, 199) AS n`.execute(db);
      }
      const everyRow = async () =>
        (await sql<{ row: string }>`SELECT a::text AS row FROM core.applications a ORDER BY programme_id, unit_id, call_round`.execute(db)).rows.map((r) => r.row);
      const before = await everyRow();
      expect(before).toHaveLength(400);
      const comments = async () =>
        (await sql<{ comment: string | null }>`SELECT col_description('core.applications'::regclass, attnum) AS comment FROM pg_attribute WHERE attrelid = 'core.applications'::regclass AND attnum > 0 ORDER BY attnum`.execute(db)).rows;
      const commentsBefore = await comments();
      const tableParts = async () => ({
        comment: (await sql<{ comment: string }>`SELECT obj_description('core.applications'::regclass, 'pg_class') AS comment`.execute(db)).rows[0].comment,
        checks: (
          await sql<{ definition: string }>`SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = 'core.applications'::regclass AND contype = 'c' ORDER BY 1`.execute(db)
        ).rows.map((row) => row.definition),
      });
      const partsBefore = await tableParts();
      expect(partsBefore.checks).toHaveLength(2);

      await migrateToLatest(db);
      expect(await everyRow()).toEqual(before);
      expect(await comments()).toEqual(commentsBefore);
      expect(await tableParts()).toEqual(partsBefore);
      const { rows: firmIndexes } = await sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'core.applications_firm'::regclass ORDER BY 1`.execute(db);
      expect(firmIndexes.map((row) => row.name)).toEqual(
        ['applications_default_firm', `${await partitionOf(db, 'large-scale-growth-investment')}_firm`, `${await partitionOf(db, 'sme-labour-saving')}_firm`].sort(),
      );
      const { rows: placed } = await sql<{ partition: string; programme: string; rows: number }>`
        SELECT tableoid::regclass::text AS partition, programme_id AS programme, count(*)::integer AS rows FROM core.applications GROUP BY 1, 2 ORDER BY 2`.execute(db);
      expect(placed).toEqual([
        { partition: `core.${await partitionOf(db, 'large-scale-growth-investment')}`, programme: 'large-scale-growth-investment', rows: 200 },
        { partition: `core.${await partitionOf(db, 'sme-labour-saving')}`, programme: 'sme-labour-saving', rows: 200 },
      ]);
      // The reference checks still run on the partitioned table.
      const stray = (corporateNumber: string, sha: string) =>
        sql`INSERT INTO core.applications (programme_id, unit_id, corporate_number, call_round, application_date, decision, requested_amount_yen, employees_at_application, consent, source_file_sha256, source_line)
            VALUES ('sme-labour-saving', 'stray', ${corporateNumber}, 1, DATE '2022-05-10', 'rejected', 1, 1, true, ${sha}, 1)`.execute(db);
      await expect(stray(firm(0), 'e'.repeat(64))).rejects.toThrow(/is not in raw\.input_files/);
      await expect(stray(firm(99), '1'.repeat(64))).rejects.toThrow(/is not in core\.firms/);

      // A load under way beside the partitions on the way down: its committed applications join the table, with a
      // consent withdrawn while they were held (written after the withdrawal, as a batch that did not see it).
      await diedAfterFirstBatch(db, 'sme-growth-acceleration', 'applicants', file('held.csv', [applicantLine(60), applicantLine(61), applicantLine(62)]));
      expect((await applicationTables(db)).map((table) => table.name)).toContainEqual(expect.stringMatching(/^applications_building_/));
      await sql`INSERT INTO core.consent_withdrawals (programme_id, corporate_number, applications_excluded, contacts_erased) VALUES ('sme-growth-acceleration', ${firm(61)}, 0, 0)`.execute(db);

      await migrateTo(db, '0048_review_logic_model_nodes_marked');
      const { rows: held } = await sql<{ corporate_number: string; consent: boolean }>`
        SELECT corporate_number, consent FROM core.applications WHERE programme_id = 'sme-growth-acceleration' ORDER BY 1`.execute(db);
      expect(held.map((row) => [row.corporate_number, row.consent])).toEqual(
        [
          [firm(60), true],
          [firm(61), false],
        ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
      );
      expect((await applicationTables(db)).map((table) => table.name)).toEqual(['applications']);
      await sql`DELETE FROM core.applications WHERE programme_id = 'sme-growth-acceleration'`.execute(db);
      await sql`DELETE FROM core.consent_withdrawals WHERE programme_id = 'sme-growth-acceleration'`.execute(db);
      expect(await everyRow()).toEqual(before);
      expect(await comments()).toEqual(commentsBefore);
      expect(await tableParts()).toEqual(partsBefore);
      await expect(stray(firm(99), '1'.repeat(64))).rejects.toThrow(/is not in core\.firms/);
    }));
});
