import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestActivities } from '../activities/ingest-file.js';
import { buildingTableName } from '../ingest/loading/built-beside.js';
import { OUTCOMES_BESIDE } from '../ingest/loading/outcome-rows.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import type { Database } from '../sql/database.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { writeCsvFile } from './support/csv-files.js';
import { diedAfterFirstBatch, withOwnDatabase } from './support/first-file-loads.js';
import { withDatabaseOfTheTest } from './support/migrated-database.js';

/**
 * core.outcomes partitioned by programme (migration 0037): a programme's first outcome file is built in a table of
 * its own and attached whole when it completes (ingest/loading/outcome-rows.ts); later files go in through the key.
 */
const HEADER = 'corporate_number,fiscal_year,labour_productivity,average_wage,employees';
const PROGRAMME = 'sme-labour-saving';
const corporateNumber = (i: number) => withCheckDigit(String(500000000000 + i));
const outcomeLine = (i: number, year: number, shift = 0) => `${corporateNumber(i)},${year},${600 + i + shift}.5,${450 + i},${100 + i}`;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-outcome-partitions-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const file = (name: string, lines: readonly string[]): string => writeCsvFile(scratch, name, HEADER, lines);

async function outcomeTables(db: Kysely<Database>) {
  const { rows } = await sql<{ name: string; bound: string | null; parent: string | null }>`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, i.inhparent::regclass::text AS parent
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
     WHERE n.nspname = 'core' AND c.relkind = 'r' AND c.relname LIKE 'outcomes%'
     ORDER BY 1`.execute(db);
  return rows;
}

async function storedRows(db: Kysely<Database>, from = sql`core.outcomes`) {
  const { rows } = await sql<{ unit_id: string; fiscal_year: number; labour_productivity: string; source_line: number }>`
    SELECT unit_id, fiscal_year, core.outcome_measures_json(programme_id, measure_values) ->> 'labour_productivity' AS labour_productivity, source_line
      FROM ${from} WHERE programme_id = ${PROGRAMME} ORDER BY unit_id, fiscal_year`.execute(db);
  return rows.map((row) => [row.unit_id, row.fiscal_year, row.labour_productivity, row.source_line]);
}

/** The rows a file of `lines` should leave stored, in key order. */
const expectedRows = (lines: readonly string[]) =>
  lines
    .map((line, index) => {
      const [unit, year, productivity] = line.split(',');
      return [unit, Number(year), productivity, index + 2];
    })
    .sort((a, b) => (`${a[0]}${a[1]}` < `${b[0]}${b[1]}` ? -1 : 1));


describe("a programme's first outcome file", () => {
  it('is built beside core.outcomes and attached whole as the programme’s partition, with its key and nothing left behind', () =>
    withOwnDatabase(async (database) => {
      const lines = [outcomeLine(3, 2022), outcomeLine(1, 2023), outcomeLine(1, 2022), outcomeLine(2, 2022)];
      const account = await createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path: file('first.csv', lines) });
      expect(account).toMatchObject({ rowsLoaded: 4, rowsUnchanged: 0, rowsRejected: 0 });

      const [{ partition }] = (await sql<{ partition: string }>`SELECT core.outcome_partition_name(${PROGRAMME}) AS partition`.execute(database.db)).rows;
      expect(await outcomeTables(database.db)).toEqual(
        [
          { name: 'outcomes_default', bound: 'DEFAULT', parent: 'core.outcomes' },
          { name: partition, bound: `FOR VALUES IN ('${PROGRAMME}')`, parent: 'core.outcomes' },
        ].sort((a, b) => (a.name < b.name ? -1 : 1)),
      );
      expect(await storedRows(database.db)).toEqual(expectedRows(lines));
      expect(await storedRows(database.db, sql.table(`core.${partition}`))).toEqual(expectedRows(lines));
      // The partition keeps the programme's key (as part of the table's) and no check of its own: the one on the
      // programme that let it attach without a scan is gone, and the table has none (jsonb's went with 0053).
      const { rows: constraints } = await sql<{ name: string; type: string }>`
        SELECT conname AS name, contype AS type FROM pg_constraint WHERE conrelid = ${`core.${partition}`}::regclass ORDER BY 1`.execute(database.db);
      expect(constraints).toEqual([{ name: `${partition}_pkey`, type: 'p' }]);
      const { rows: lineage } = await sql<{ files: string[] }>`SELECT array_agg(DISTINCT source_file_sha256) AS files FROM core.outcomes`.execute(database.db);
      expect(lineage[0].files).toEqual([account.fileSha256]);

      // The key is the table's: a second file meets it and merges, changing only what differs.
      const second = await createIngestActivities(database.db).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path: file('second.csv', [outcomeLine(1, 2022), outcomeLine(2, 2022, 10)]) });
      expect(second).toMatchObject({ rowsLoaded: 2, rowsUnchanged: 1 });
      expect((await storedRows(database.db)).find((row) => row[0] === corporateNumber(2))?.[2]).toBe('612.5');
      expect((await outcomeTables(database.db)).map((table) => table.name)).not.toContain(buildingTableName(OUTCOMES_BESIDE, second.fileSha256));
    }));

  it('reports while its completion builds the key and attaches the table, and leaves no timer behind', () =>
    withOwnDatabase(async (database) => {
      const lines = Array.from({ length: 2_000 }, (_, i) => outcomeLine(1_000 + i, 2022));
      let reports = 0;
      const account = await createIngestActivities(database.db, { completingReportMs: 1, onCompleting: () => reports++ }).ingestFile({
        programmeId: PROGRAMME,
        kind: 'outcomes',
        path: file('reported.csv', lines),
      });
      expect(account).toMatchObject({ rowsLoaded: 2_000 });
      expect(reports).toBeGreaterThan(0);
      // Reported every millisecond while it ran: a report after the load would be a timer left running.
      const atEnd = reports;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(reports).toBe(atEnd);
    }));

  it('resumes into the same table after its load dies, and shows none of its rows until the file completes', () =>
    withOwnDatabase(async (database) => {
      const lines = Array.from({ length: 7 }, (_, i) => outcomeLine(10 + i, 2022));
      const path = file('resumed.csv', lines);
      let batches = 0;
      const dying = createIngestActivities(database.db, {
        batchSize: 2,
        onProgress: () => {
          // Stands for a worker that dies after its second committed batch.
          if (++batches === 2) throw new Error('worker died');
        },
      });
      await expect(dying.ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path })).rejects.toThrow('worker died');
      const { rows: files } = await sql<{ file_sha256: string; status: string; rows_loaded: number }>`
        SELECT file_sha256, status, rows_loaded FROM raw.input_files WHERE file_name = 'resumed.csv'`.execute(database.db);
      expect(files).toMatchObject([{ status: 'loading', rows_loaded: 4 }]);
      const building = buildingTableName(OUTCOMES_BESIDE, files[0].file_sha256);
      expect(await storedRows(database.db)).toEqual([]);
      expect(await storedRows(database.db, sql.table(`core.${building}`))).toEqual(expectedRows(lines.slice(0, 4)));

      const resumed = await createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path });
      expect(resumed).toMatchObject({ rowsTotal: 7, rowsLoaded: 7, rowsRejected: 0, rowsUnchanged: 0, skippedDuplicateFile: false });
      expect(await storedRows(database.db)).toEqual(expectedRows(lines));
      expect((await outcomeTables(database.db)).map((table) => table.name)).not.toContain(building);
    }));

  it('is merged instead when rows of its programme reached core.outcomes while it was loading, counting those it found unchanged', () =>
    withOwnDatabase(async (database) => {
      const lines = [outcomeLine(20, 2022), outcomeLine(21, 2022), outcomeLine(22, 2022), outcomeLine(23, 2022)];
      const path = file('raced.csv', lines);
      const fileSha256 = await diedAfterFirstBatch(database.db, PROGRAMME, 'outcomes', path);
      // Meanwhile another writer stores two of the file's keys in the whole table (its default partition): one the
      // same as the file's row, one different, which the file corrects.
      await sql`
        INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measure_values, source_file_sha256, source_line)
        VALUES (${PROGRAMME}, ${corporateNumber(20)}, 2022, core.outcome_measure_values(${PROGRAMME}, ${JSON.stringify({ labour_productivity: 620.5, average_wage: 470, employees: 120 })}), ${fileSha256}, 2),
               (${PROGRAMME}, ${corporateNumber(23)}, 2022, core.outcome_measure_values(${PROGRAMME}, ${JSON.stringify({ labour_productivity: 1, average_wage: 473, employees: 123 })}), ${fileSha256}, 99)`.execute(database.db);

      const resumed = await createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path });
      expect(resumed).toMatchObject({ rowsTotal: 4, rowsLoaded: 4, rowsUnchanged: 1 });
      expect(await storedRows(database.db)).toEqual(expectedRows(lines));
      // No partition was attached: the programme's rows stay together in the default partition.
      expect((await outcomeTables(database.db)).map((table) => table.name)).toEqual(['outcomes_default']);
      expect(await storedRows(database.db, sql`core.outcomes_default`)).toEqual(expectedRows(lines));
    }));

  it('is merged into the programme’s partition when another file of the programme was attached first', () =>
    withOwnDatabase(async (database) => {
      const lines = [outcomeLine(30, 2022), outcomeLine(31, 2022), outcomeLine(32, 2022)];
      const path = file('interrupted.csv', lines);
      await diedAfterFirstBatch(database.db, PROGRAMME, 'outcomes', path);
      // Another file of the programme, loaded whole meanwhile, is built beside and attached first: one row in common.
      const other = [outcomeLine(31, 2022), outcomeLine(33, 2022)];
      await createIngestActivities(database.db).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path: file('other.csv', other) });

      const resumed = await createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path });
      expect(resumed).toMatchObject({ rowsTotal: 3, rowsLoaded: 3, rowsUnchanged: 1 });
      const [{ partition }] = (await sql<{ partition: string }>`SELECT core.outcome_partition_name(${PROGRAMME}) AS partition`.execute(database.db)).rows;
      expect((await outcomeTables(database.db)).map((table) => table.name).sort()).toEqual(['outcomes_default', partition].sort());
      const stored = await storedRows(database.db, sql.table(`core.${partition}`));
      expect(stored.map((row) => row[0])).toEqual([30, 31, 32, 33].map(corporateNumber).sort());
    }));
});

describe('a first outcome file held apart, guarded', () => {
  it('refuses to finish a load whose table built beside was dropped, saying which rows are gone and how to start again', () =>
    withOwnDatabase(async (database) => {
      const path = file('dropped.csv', [outcomeLine(40, 2022), outcomeLine(41, 2022), outcomeLine(42, 2022)]);
      const fileSha256 = await diedAfterFirstBatch(database.db, PROGRAMME, 'outcomes', path);
      await sql`DROP TABLE ${sql.table(`core.${buildingTableName(OUTCOMES_BESIDE, fileSha256)}`)}`.execute(database.db);
      const resume = createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path });
      await expect(resume).rejects.toThrow(`core.${buildingTableName(OUTCOMES_BESIDE, fileSha256)}, which no longer exists`);
      await expect(resume).rejects.toThrow(`DELETE FROM raw.input_files WHERE file_sha256 = '${fileSha256}'`);
      const [account] = (await sql<{ status: string; rows_loaded: number }>`SELECT status, rows_loaded FROM raw.input_files WHERE file_sha256 = ${fileSha256}`.execute(database.db)).rows;
      expect(account).toEqual({ status: 'loading', rows_loaded: 2 });

      // Following the message: the account removed, the file loads whole from its first line.
      await sql`DELETE FROM raw.rejected_rows WHERE file_sha256 = ${fileSha256}`.execute(database.db);
      await sql`DELETE FROM raw.input_files WHERE file_sha256 = ${fileSha256}`.execute(database.db);
      const again = await createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path });
      expect(again).toMatchObject({ rowsTotal: 3, rowsLoaded: 3 });
      expect((await storedRows(database.db)).map((row) => row[0])).toEqual([40, 41, 42].map(corporateNumber).sort());
    }));

  it('refuses a replacement while the programme’s first file is held apart, and loads it once that file is in, with the last word', () =>
    withOwnDatabase(async (database) => {
      const firstPath = file('first-held.csv', [outcomeLine(50, 2022), outcomeLine(51, 2022), outcomeLine(52, 2022)]);
      await diedAfterFirstBatch(database.db, PROGRAMME, 'outcomes', firstPath);
      const replacementPath = file('replacement.csv', [outcomeLine(50, 2022, 5), outcomeLine(53, 2022)]);
      const replace = () => createIngestActivities(database.db).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path: replacementPath, replaces: true });
      await expect(replace()).rejects.toThrow(`the outcome file first-held.csv of programme ${PROGRAMME} is still being loaded as the programme's first`);
      expect(await storedRows(database.db)).toEqual([]);

      await createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: PROGRAMME, kind: 'outcomes', path: firstPath });
      const replaced = await replace();
      expect(replaced).toMatchObject({ rowsLoaded: 2, rowsRetired: 2 });
      // The replacement has the last word: its corrected row and its new one, the first file's other rows retired.
      expect((await storedRows(database.db)).map((row) => [row[0], row[2]])).toEqual(
        [
          [corporateNumber(50), '655.5'],
          [corporateNumber(53), '653.5'],
        ].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      );
    }));
});

describe('migration 0037', () => {
  it('moves the stored outcome rows into one partition per programme, and back into one table on the way down', () =>
    withDatabaseOfTheTest('m0037', async (db) => {
      await migrateTo(db, '0036_reference_checks_on_distinct_values');
      const programmes = ['sme-labour-saving', 'large-scale-growth-investment'];
      for (const [index, programme] of programmes.entries()) {
        const sha = String(index + 1).repeat(64);
        await sql`
          INSERT INTO raw.input_files (file_sha256, content_sha256, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected)
          VALUES (${sha}, ${sha}, ${programme}, 'outcomes', ${`${programme}.csv`}, 300, 300, 0)`.execute(db);
        await sql`
          INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line)
          SELECT ${programme}, 'unit-' || (n % 100), 2020 + n / 100, jsonb_build_object('employees', n), ${sha}, n + 2
            FROM generate_series(0, 299) AS n`.execute(db);
      }
      // Every column, the measures by name: jsonb up to 0052, a float8 array in places from 0053 on.
      const everyRow = async () => {
        const { rows: placed } = await sql<{ placed: boolean }>`
          SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'core' AND table_name = 'outcomes' AND column_name = 'measure_values') AS placed`.execute(db);
        const measures = placed[0].placed ? sql`core.outcome_measures_json(programme_id, measure_values)` : sql`measures`;
        const { rows } = await sql<{ row: string }>`
          SELECT concat_ws(' | ', programme_id, unit_id, fiscal_year, ${measures}, source_file_sha256, source_line) AS row
            FROM core.outcomes ORDER BY programme_id, unit_id, fiscal_year`.execute(db);
        return rows.map((r) => r.row);
      };
      const before = await everyRow();
      expect(before).toHaveLength(600);

      await migrateToLatest(db);
      expect(await everyRow()).toEqual(before);
      const { rows: partitions } = await sql<{ name: string; bound: string }>`
        SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'core.outcomes'::regclass ORDER BY 2`.execute(db);
      const partitionOf = async (programme: string) => (await sql<{ name: string }>`SELECT core.outcome_partition_name(${programme}) AS name`.execute(db)).rows[0].name;
      expect(partitions).toEqual([
        { name: 'outcomes_default', bound: 'DEFAULT' },
        { name: await partitionOf('large-scale-growth-investment'), bound: "FOR VALUES IN ('large-scale-growth-investment')" },
        { name: await partitionOf('sme-labour-saving'), bound: "FOR VALUES IN ('sme-labour-saving')" },
      ]);
      const { rows: placed } = await sql<{ partition: string; programme: string; rows: number }>`
        SELECT tableoid::regclass::text AS partition, programme_id AS programme, count(*)::integer AS rows FROM core.outcomes GROUP BY 1, 2 ORDER BY 2`.execute(db);
      expect(placed).toEqual([
        { partition: `core.${await partitionOf('large-scale-growth-investment')}`, programme: 'large-scale-growth-investment', rows: 300 },
        { partition: `core.${await partitionOf('sme-labour-saving')}`, programme: 'sme-labour-saving', rows: 300 },
      ]);
      // The reference check still runs on the partitioned table.
      await expect(
        sql`INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measure_values, source_file_sha256, source_line) VALUES ('sme-labour-saving', 'u', 2030, '{}', ${'e'.repeat(64)}, 1)`.execute(db),
      ).rejects.toThrow(/is not in raw\.input_files/);

      // A load under way beside the partitions on the way down: its committed rows join the table, where the old code
      // resumes it (it finds them committed).
      const heldLines = [60, 61, 62].map((i) => `${corporateNumber(i)},2022,1.5,2,3,4`);
      await diedAfterFirstBatch(db, 'sme-growth-acceleration', 'outcomes', writeCsvFile(scratch, 'held.csv', `${HEADER},sales`, heldLines));
      expect((await outcomeTables(db)).map((table) => table.name)).toContainEqual(expect.stringMatching(/^outcomes_building_/));

      await migrateTo(db, '0036_reference_checks_on_distinct_values');
      const { rows: held } = await sql<{ unit_id: string }>`SELECT unit_id FROM core.outcomes WHERE programme_id = 'sme-growth-acceleration' ORDER BY unit_id`.execute(db);
      expect(held.map((row) => row.unit_id)).toEqual([corporateNumber(60), corporateNumber(61)].sort());
      expect((await outcomeTables(db)).map((table) => table.name)).toEqual(['outcomes']);
      await sql`DELETE FROM core.outcomes WHERE programme_id = 'sme-growth-acceleration'`.execute(db);
      expect(await everyRow()).toEqual(before);
      const { rows: kind } = await sql<{ kind: string }>`SELECT relkind AS kind FROM pg_class WHERE oid = 'core.outcomes'::regclass`.execute(db);
      expect(kind).toEqual([{ kind: 'r' }]);
      await expect(
        sql`INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line) VALUES ('sme-labour-saving', 'u', 2030, '{}', ${'e'.repeat(64)}, 1)`.execute(db),
      ).rejects.toThrow(/is not in raw\.input_files/);
    }));
});
