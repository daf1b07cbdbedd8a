import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestActivities } from '../activities/ingest-file.js';
import { readConsentingPanel, unitIdOfRows } from '../activities/analysis-data.js';
import { outcomeMeasureSlots } from '../ingest/loading/measure-slots.js';
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { writeCsvFile } from './support/csv-files.js';
import { withDatabaseOfTheTest } from './support/migrated-database.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

/**
 * An outcome row's measures are a float8 array, each programme's names in their places (migration 0053,
 * ingest/loading/measure-slots.ts): the places outlive catalogue edits, and every value is read under its own name.
 */
const HEADER = 'corporate_number,fiscal_year,labour_productivity,average_wage,employees';
const corporateNumber = (i: number) => withCheckDigit(String(610000000000 + i));
const productivity = (i: number, year: number) => 600 + i + (year - 2020) / 10;
const outcomeLine = (i: number, year: number) => `${corporateNumber(i)},${year},${productivity(i, year)},${450 + i},${100 + i}`;
const applicantLine = (i: number) => `${corporateNumber(i)},合成データ株式会社${i},1,2022-07-15,rejected,,,10000000,E,13,${20 + i},true`;

let database: TestDatabase;
let scratch: string;
beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-measure-places-'));
});
afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('outcome measures in their places', () => {
  it('are written and read under their own names where the places are not the catalogue’s order, with a gap and a name no longer declared', async () => {
    const programme = 'sme-labour-saving';
    // Places as an earlier catalogue entry could have left them: employees first, a measure since dropped, a gap, then
    // labour productivity; average_wage has none yet.
    await sql`
      INSERT INTO core.outcome_measures (programme_id, measure_name, slot)
      VALUES (${programme}, 'employees', 1), (${programme}, 'dropped_measure', 2), (${programme}, 'labour_productivity', 4)`.execute(database.db);
    const activities = createIngestActivities(database.db);
    const units = [1, 2, 3];
    await activities.ingestFile({ programmeId: programme, kind: 'applicants', path: writeCsvFile(scratch, 'applicants.csv', APPLICANT_COLUMNS.join(','), units.map(applicantLine)) });
    const lines = units.flatMap((i) => [outcomeLine(i, 2021), outcomeLine(i, 2022)]);
    const loaded = await activities.ingestFile({ programmeId: programme, kind: 'outcomes', path: writeCsvFile(scratch, 'outcomes.csv', HEADER, lines) });
    expect(loaded).toMatchObject({ rowsLoaded: 6, rowsRejected: 0 });

    const { rows: places } = await sql<{ measure_name: string; slot: number }>`
      SELECT measure_name, slot FROM core.outcome_measures WHERE programme_id = ${programme} ORDER BY slot`.execute(database.db);
    expect(places).toEqual([
      { measure_name: 'employees', slot: 1 },
      { measure_name: 'dropped_measure', slot: 2 },
      { measure_name: 'labour_productivity', slot: 4 },
      { measure_name: 'average_wage', slot: 5 },
    ]);
    const { rows: stored } = await sql<{ unit_id: string; fiscal_year: number; measure_values: (number | null)[] }>`
      SELECT unit_id, fiscal_year, measure_values FROM core.outcomes WHERE programme_id = ${programme} ORDER BY unit_id, fiscal_year`.execute(database.db);
    const expected = units
      .flatMap((i) => [2021, 2022].map((year) => ({ i, year })))
      .sort((a, b) => (corporateNumber(a.i) < corporateNumber(b.i) ? -1 : corporateNumber(a.i) > corporateNumber(b.i) ? 1 : a.year - b.year));
    expect(stored).toEqual(
      expected.map(({ i, year }) => ({ unit_id: corporateNumber(i), fiscal_year: year, measure_values: [100 + i, null, null, productivity(i, year), 450 + i] })),
    );
    const { rows: named } = await sql<{ measures: Record<string, number | null> }>`
      SELECT core.outcome_measures_json(programme_id, measure_values) AS measures FROM core.outcomes
       WHERE programme_id = ${programme} AND unit_id = ${corporateNumber(2)} AND fiscal_year = 2022`.execute(database.db);
    expect(named[0].measures).toEqual({ employees: 102, dropped_measure: null, labour_productivity: productivity(2, 2022), average_wage: 452 });

    const read = await readConsentingPanel(database.db, programme, ['labour_productivity', 'average_wage', 'employees']);
    expect(unitIdOfRows(read)).toEqual(expected.map(({ i }) => corporateNumber(i)));
    expect([...read.outcomes.measures.labour_productivity]).toEqual(expected.map(({ i, year }) => productivity(i, year)));
    expect([...read.outcomes.measures.average_wage]).toEqual(expected.map(({ i }) => 450 + i));
    expect([...read.outcomes.measures.employees]).toEqual(expected.map(({ i }) => 100 + i));
  });

  it('read as not reported (NaN) a declared measure no load has given a place, beside one that has', async () => {
    // The programme's rows of the test before: six rows of three consenting units.
    const read = await readConsentingPanel(database.db, 'sme-labour-saving', ['employees', 'never_loaded_measure']);
    expect(read.outcomes.measures.never_loaded_measure).toHaveLength(6);
    expect([...read.outcomes.measures.never_loaded_measure].every(Number.isNaN)).toBe(true);
    expect([...read.outcomes.measures.employees].sort()).toEqual([101, 101, 102, 102, 103, 103]);
  });

  it('keep their places: deleting or moving one is refused, and a renamed measure reads the values stored under its old name', async () => {
    const programme = 'sme-labour-saving';
    await expect(sql`DELETE FROM core.outcome_measures WHERE programme_id = ${programme} AND measure_name = 'dropped_measure'`.execute(database.db)).rejects.toThrow(
      /cannot be deleted or moved/,
    );
    await expect(sql`UPDATE core.outcome_measures SET slot = 9 WHERE programme_id = ${programme} AND measure_name = 'employees'`.execute(database.db)).rejects.toThrow(
      /cannot be deleted or moved/,
    );
    await expect(sql`TRUNCATE core.outcome_measures`.execute(database.db)).rejects.toThrow(/cannot be emptied/);
    await sql`UPDATE core.outcome_measures SET measure_name = 'staff' WHERE programme_id = ${programme} AND measure_name = 'employees'`.execute(database.db);
    const read = await readConsentingPanel(database.db, programme, ['staff']);
    expect([...read.outcomes.measures.staff].sort()).toEqual([101, 101, 102, 102, 103, 103]);
    await sql`UPDATE core.outcome_measures SET measure_name = 'employees' WHERE programme_id = ${programme} AND measure_name = 'staff'`.execute(database.db);
  });

  it('give each name one place when two loads of a programme ask at once', async () => {
    const programme = 'places-raced';
    const [first, second] = await Promise.all([
      outcomeMeasureSlots(database.db, programme, ['a', 'b']),
      outcomeMeasureSlots(database.db, programme, ['b', 'c']),
    ]);
    const { rows } = await sql<{ measure_name: string; slot: number }>`
      SELECT measure_name, slot FROM core.outcome_measures WHERE programme_id = ${programme} ORDER BY slot`.execute(database.db);
    expect(rows.map((row) => row.slot)).toEqual([1, 2, 3]);
    expect(rows.map((row) => row.measure_name).sort()).toEqual(['a', 'b', 'c']);
    // Each load sees the places of its own names, wherever the other put theirs.
    for (const names of [first, second]) for (const [index, name] of names.entries()) if (name !== null) expect(rows.find((row) => row.measure_name === name)?.slot).toBe(index + 1);
    expect(first).toEqual(expect.arrayContaining(['a', 'b']));
    expect(second).toEqual(expect.arrayContaining(['b', 'c']));
    // Asked again, nothing moves.
    expect(await outcomeMeasureSlots(database.db, programme, ['c'])).toEqual(rows.map((row) => row.measure_name));
  });
});

describe('migration 0053', () => {
  it('moves stored jsonb measures into places by name, a load under way beside the table included, and back on the way down', () =>
    withDatabaseOfTheTest('m0053', async (db) => {
      await migrateTo(db, '0052_review_indicators_with_target');
      const sha = 'a'.repeat(64);
      await sql`
        INSERT INTO raw.input_files (file_sha256, content_sha256, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected)
        VALUES (${sha}, ${sha}, 'sme-labour-saving', 'outcomes', 'outcomes.csv', 3, 3, 0)`.execute(db);
      // Decimals as jsonb kept them (one longer than a double holds), a null and a key a row lacks.
      const stored = [
        { unit: 'u1', measures: '{"sales": 0.1, "wage": 123456789.123456789, "staff": 12}' },
        { unit: 'u2', measures: '{"sales": -0.0000001, "wage": null, "staff": 7}' },
        { unit: 'u3', measures: '{"sales": 1e21}' },
      ];
      for (const [index, row] of stored.entries()) {
        await sql`
          INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line)
          VALUES ('sme-labour-saving', ${row.unit}, 2022, ${row.measures}::jsonb, ${sha}, ${index + 2})`.execute(db);
      }
      // Loads under way beside the table: one of another programme, and one of the same programme with a name no stored
      // row has, which takes the place after the stored names'.
      await sql`CREATE TABLE core.outcomes_building_0123456789abcdef (LIKE core.outcomes INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(db);
      await sql`
        INSERT INTO core.outcomes_building_0123456789abcdef (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line)
        VALUES ('semiconductor-fund', 'FAB-1', 2023, '{"production_capacity": 15.5}', ${sha}, 2)`.execute(db);
      await sql`CREATE TABLE core.outcomes_building_fedcba9876543210 (LIKE core.outcomes INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(db);
      await sql`
        INSERT INTO core.outcomes_building_fedcba9876543210 (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line)
        VALUES ('sme-labour-saving', 'u9', 2023, '{"sales": 2.5, "added_later": 9}', ${sha}, 2)`.execute(db);
      const checksOf = async (table: string) =>
        (await sql<{ name: string }>`SELECT conname AS name FROM pg_constraint WHERE conrelid = ${table}::regclass AND contype = 'c' ORDER BY 1`.execute(db)).rows.map(
          (row) => row.name,
        );
      expect(await checksOf('core.outcomes_building_fedcba9876543210')).toEqual(['outcomes_measures_check']);

      await migrateToLatest(db);
      const { rows: places } = await sql<{ programme_id: string; measure_name: string; slot: number }>`
        SELECT programme_id, measure_name, slot FROM core.outcome_measures ORDER BY programme_id, slot`.execute(db);
      expect(places).toEqual([
        { programme_id: 'semiconductor-fund', measure_name: 'production_capacity', slot: 1 },
        { programme_id: 'sme-labour-saving', measure_name: 'sales', slot: 1 },
        { programme_id: 'sme-labour-saving', measure_name: 'staff', slot: 2 },
        { programme_id: 'sme-labour-saving', measure_name: 'wage', slot: 3 },
        { programme_id: 'sme-labour-saving', measure_name: 'added_later', slot: 4 },
      ]);
      const { rows: converted } = await sql<{ unit_id: string; measure_values: (number | null)[] }>`
        SELECT unit_id, measure_values FROM core.outcomes ORDER BY unit_id`.execute(db);
      // Each value is the nearest double of the decimal jsonb held, as the analysis read parsed it before.
      expect(converted).toEqual([
        { unit_id: 'u1', measure_values: [Number('0.1'), 12, Number('123456789.123456789'), null] },
        { unit_id: 'u2', measure_values: [Number('-0.0000001'), 7, null, null] },
        { unit_id: 'u3', measure_values: [1e21, null, null, null] },
      ]);
      const { rows: building } = await sql<{ measure_values: number[] }>`SELECT measure_values FROM core.outcomes_building_0123456789abcdef`.execute(db);
      expect(building).toEqual([{ measure_values: [15.5] }]);
      const { rows: sameProgramme } = await sql<{ measure_values: number[] }>`SELECT measure_values FROM core.outcomes_building_fedcba9876543210`.execute(db);
      expect(sameProgramme).toEqual([{ measure_values: [2.5, null, null, 9] }]);
      // Rewritten, not updated: no table keeps the jsonb as a dropped column, and the column keeps its position.
      const { rows: columns } = await sql<{ table: string; name: string; dropped: boolean }>`
        SELECT attrelid::regclass::text AS table, attname AS name, attisdropped AS dropped FROM pg_attribute
         WHERE attrelid IN ('core.outcomes'::regclass, 'core.outcomes_building_fedcba9876543210'::regclass) AND attnum = 4`.execute(db);
      expect(columns.map((column) => [column.name, column.dropped])).toEqual([
        ['measure_values', false],
        ['measure_values', false],
      ]);
      const { rows: droppedColumns } = await sql<{ count: number }>`
        SELECT count(*)::integer AS count FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'core' AND c.relname LIKE 'outcomes%' AND a.attisdropped`.execute(db);
      expect(droppedColumns[0].count).toBe(0);
      expect(await checksOf('core.outcomes_building_fedcba9876543210')).toEqual([]);
      expect(await checksOf('core.outcomes')).toEqual([]);

      await migrateTo(db, '0052_review_indicators_with_target');
      const { rows: back } = await sql<{ unit_id: string; measures: Record<string, number | null> }>`
        SELECT unit_id, measures FROM core.outcomes ORDER BY unit_id`.execute(db);
      expect(back).toEqual([
        { unit_id: 'u1', measures: { sales: 0.1, staff: 12, wage: Number('123456789.123456789'), added_later: null } },
        { unit_id: 'u2', measures: { sales: -0.0000001, staff: 7, wage: null, added_later: null } },
        { unit_id: 'u3', measures: { sales: 1e21, staff: null, wage: null, added_later: null } },
      ]);
      const { rows: buildingBack } = await sql<{ measures: unknown }>`SELECT measures FROM core.outcomes_building_0123456789abcdef`.execute(db);
      expect(buildingBack).toEqual([{ measures: { production_capacity: 15.5 } }]);
      // The table and the tables of loads under way get jsonb's check back, which attaching them to the table needs.
      expect(await checksOf('core.outcomes')).toEqual(['outcomes_measures_check']);
      expect(await checksOf('core.outcomes_building_fedcba9876543210')).toEqual(['outcomes_measures_check']);
      const { rows: columnComment } = await sql<{ comment: string | null }>`SELECT col_description('core.outcomes'::regclass, 4) AS comment`.execute(db);
      expect(columnComment).toEqual([{ comment: null }]);
      await sql`DROP TABLE core.outcomes_building_0123456789abcdef`.execute(db);
      await sql`ALTER TABLE core.outcomes_building_fedcba9876543210 ADD CONSTRAINT programme_bound CHECK (programme_id = 'sme-labour-saving')`.execute(db);
      await sql`DELETE FROM core.outcomes WHERE programme_id = 'sme-labour-saving'`.execute(db);
      await sql`ALTER TABLE core.outcomes ATTACH PARTITION core.outcomes_building_fedcba9876543210 FOR VALUES IN ('sme-labour-saving')`.execute(db);
    }));
});
