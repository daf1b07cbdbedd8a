import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestActivities } from '../activities/ingest-file.js';
import { readConsentingPanel, unitIdOfRows, type ConsentingPanel } from '../activities/analysis-data.js';
import { codeRunFirms } from '../analysis/run-firm-codes.js';
import { openDatabase } from '../runtime/database.js';
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import pg from 'pg';
import { writeCsvFile } from './support/csv-files.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';
import { REFERENCES_TO_FILES } from '../sql/migrations/0036_reference_checks_on_distinct_values.js';
import { INDICATOR_VALUES_REFERENCE } from '../sql/migrations/0039_review_indicator_values_loaded.js';
import { INDICATORS_REFERENCE } from '../sql/migrations/0045_review_indicators_loaded.js';
import { setWriteCheckForm } from '../sql/migrations/statement-reference-checks.js';

/**
 * Outcome rows on their way in and out: a fresh load copies them straight into core.outcomes (migration 0035), a load
 * that meets stored rows merges them, and the analysis reads them back in two halves of the programme's pages at once,
 * in one snapshot.
 */
const HEADER = 'corporate_number,fiscal_year,labour_productivity,average_wage,employees';
const corporateNumber = (i: number) => withCheckDigit(String(400000000000 + i));
const outcomeLine = (i: number, year: number, shift = 0) => `${corporateNumber(i)},${year},${600 + i + shift}.5,${450 + i},${100 + i}`;
/** Unit i's application in the first call round: every third awarded in 2022. */
const applicantLine = (i: number, consent: boolean) =>
  `${corporateNumber(i)},合成データ株式会社${i},1,2022-07-15,${i % 3 === 0 ? 'awarded' : 'rejected'},${i % 3 === 0 ? 2022 : ''},${i % 3 === 0 ? 5000000 : ''},10000000,E,13,${20 + i},${consent}`;

let database: TestDatabase;
let scratch: string;

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-outcome-load-'));
});
afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

const file = (name: string, lines: readonly string[], header = HEADER): string => writeCsvFile(scratch, name, header, lines);

const ingest = (programmeId: string, kind: 'applicants' | 'outcomes', path: string, options: { batchSize?: number } = {}) =>
  createIngestActivities(database.db, options).ingestFile({ programmeId, kind, path });

async function storedOutcomes(programmeId: string) {
  const { rows } = await sql<{ unit_id: string; fiscal_year: number; labour_productivity: string; source_file_sha256: string; source_line: number }>`
    SELECT unit_id, fiscal_year, core.outcome_measures_json(programme_id, measure_values) ->> 'labour_productivity' AS labour_productivity, source_file_sha256, source_line
      FROM core.outcomes WHERE programme_id = ${programmeId} ORDER BY unit_id, fiscal_year`.execute(database.db);
  return rows;
}

describe('outcome loads', () => {
  it('copy a fresh file straight in with its programme and file, then merge a file that meets stored rows, changing only what differs', async () => {
    const programme = 'large-scale-growth-investment';
    // The file holds unit 1's years the other way round from key order.
    const firstLines = [outcomeLine(2, 2022), outcomeLine(1, 2023), outcomeLine(1, 2022)];
    const first = await ingest(programme, 'outcomes', file('first.csv', firstLines));
    expect(first).toMatchObject({ rowsLoaded: 3, rowsUnchanged: 0, rowsRejected: 0 });
    // Copied straight in, the rows lie in the table in the file's order; staged and inserted, they would lie in key order.
    const { rows: onDisk } = await sql<{ source_line: number }>`SELECT source_line FROM core.outcomes WHERE programme_id = ${programme} ORDER BY ctid`.execute(database.db);
    expect(onDisk.map((row) => row.source_line)).toEqual([2, 3, 4]);
    // Stored in key order, which the check digit (the leading digit) decides.
    const inKeyOrder = <Row extends readonly unknown[]>(rows: Row[]) => rows.sort((a, b) => (`${a[0]}${a[1]}` < `${b[0]}${b[1]}` ? -1 : 1));
    expect((await storedOutcomes(programme)).map((row) => [row.unit_id, row.fiscal_year, row.labour_productivity, row.source_file_sha256, row.source_line])).toEqual(
      inKeyOrder([
        [corporateNumber(1), 2022, '601.5', first.fileSha256, 4],
        [corporateNumber(1), 2023, '601.5', first.fileSha256, 3],
        [corporateNumber(2), 2022, '602.5', first.fileSha256, 2],
      ]),
    );

    // One row the same, one corrected, one new: the straight copy meets a stored row and the batch is merged instead.
    const second = await ingest(programme, 'outcomes', file('second.csv', [outcomeLine(1, 2022), outcomeLine(2, 2022, 10), outcomeLine(3, 2022)]));
    expect(second).toMatchObject({ rowsLoaded: 3, rowsUnchanged: 1, rowsRejected: 0 });
    const stored = await storedOutcomes(programme);
    expect(stored.map((row) => [row.unit_id, row.fiscal_year, row.labour_productivity, row.source_file_sha256])).toEqual(
      inKeyOrder([
        [corporateNumber(1), 2022, '601.5', first.fileSha256],
        [corporateNumber(1), 2023, '601.5', first.fileSha256],
        [corporateNumber(2), 2022, '612.5', second.fileSha256],
        [corporateNumber(3), 2022, '603.5', second.fileSha256],
      ]),
    );
    const accounts = await database.db.selectFrom('raw.input_files').select(['file_sha256', 'rows_loaded', 'rows_unchanged', 'status']).where('programme_id', '=', programme).orderBy('file_name').execute();
    expect(accounts).toEqual([
      { file_sha256: first.fileSha256, rows_loaded: 3, rows_unchanged: 0, status: 'complete' },
      { file_sha256: second.fileSha256, rows_loaded: 3, rows_unchanged: 1, status: 'complete' },
    ]);
  });

  it('merge from the first stored row met while a large batch is still being sent, and the connection goes on', async () => {
    const programme = 'sme-growth-acceleration';
    const header = 'corporate_number,fiscal_year,labour_productivity,average_wage,employees,sales';
    const line = (i: number, year: number) => `${outcomeLine(i, year)},${9000 + i}`;
    await ingest(programme, 'outcomes', file('growth-first.csv', [line(1, 2022)], header));
    // The stored row first, then 30,000 new ones: the server refuses the copy long before the client has sent it all.
    const lines = [line(1, 2022), ...Array.from({ length: 30_000 }, (_, i) => line(1000 + i, 2023))];
    const account = await ingest(programme, 'outcomes', file('growth-large.csv', lines, header));
    expect(account).toMatchObject({ rowsTotal: 30_001, rowsLoaded: 30_001, rowsUnchanged: 1, rowsRejected: 0 });
    const { rows } = await sql<{ rows: number }>`SELECT count(*)::integer AS rows FROM core.outcomes WHERE programme_id = ${programme}`.execute(database.db);
    expect(rows[0].rows).toBe(30_001);
  });

  it('leave no programme or file for any other writer to take: outside a load the defaults are null and the row is refused', async () => {
    const insert = (client: pg.ClientBase, columns = '') =>
      client.query(`INSERT INTO core.outcomes (unit_id, fiscal_year, measure_values, source_line${columns ? `, ${columns}` : ''}) VALUES ('x', 2022, '{}', 1${columns ? ", 'sme-labour-saving'" : ''})`);
    // A connection that never had the settings reads them as unset; one that ran a load, as empty text.
    const fresh = new pg.Client({ connectionString: database.url });
    await fresh.connect();
    try {
      await expect(insert(fresh)).rejects.toThrow(/null value in column "programme_id"/);
      await fresh.query('BEGIN');
      await fresh.query("SELECT set_config('ebpm.loading_programme_id', 'sme-labour-saving', true), set_config('ebpm.loading_file_sha256', 'x', true)");
      await fresh.query('COMMIT');
      await expect(insert(fresh)).rejects.toThrow(/null value in column "programme_id"/);
      // The programme given, the file left out: the file's default is null as well.
      await expect(insert(fresh, 'programme_id')).rejects.toThrow(/null value in column "source_file_sha256"/);
    } finally {
      await fresh.end();
    }
  });

  it('refuse a statement naming a file not registered, whether the check looks up distinct files or every row', async () => {
    const programme = 'sme-labour-saving';
    await ingest(programme, 'outcomes', file('checked.csv', [outcomeLine(7, 2022)]));
    const [{ source_file_sha256: registered }] = await sql<{ source_file_sha256: string }>`SELECT source_file_sha256 FROM core.outcomes WHERE programme_id = ${programme} LIMIT 1`
      .execute(database.db)
      .then((result) => result.rows);
    const unknown = 'e'.repeat(64);
    // Many rows of the registered file and, in the statements that fail, rows of one or of two files never registered.
    const secondUnknown = 'f'.repeat(64);
    const write = (unregisteredRows: number, secondUnregistered = 0) => sql`
      INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measure_values, source_file_sha256, source_line)
      SELECT 'reference-check', 'u' || n, 2022, '{}',
             CASE WHEN n <= ${unregisteredRows} THEN ${unknown} WHEN n <= ${unregisteredRows + secondUnregistered} THEN ${secondUnknown} ELSE ${registered} END, n
        FROM generate_series(1, 2000) AS n`.execute(database.db);
    const clear = () => sql`DELETE FROM core.outcomes WHERE programme_id = 'reference-check'`.execute(database.db);
    const outcomesReference = REFERENCES_TO_FILES.filter((reference) => reference.table === 'core.outcomes');
    const checkText = () =>
      sql<{ text: string }>`SELECT pg_get_functiondef('core.outcomes_source_file_sha256_exists'::regproc) AS text`.execute(database.db).then((result) => result.rows[0].text);
    // As migrated (0036): distinct values first.
    expect(await checkText()).toMatch(/SELECT DISTINCT source_file_sha256 FROM written/);
    try {
      for (const form of ['distinct-values-first', 'join-every-row'] as const) {
        await setWriteCheckForm(database.db, outcomesReference, form);
        await expect(write(1)).rejects.toThrow(`core.outcomes.source_file_sha256 ${unknown} is not in raw.input_files`);
        await expect(write(300, 300)).rejects.toThrow(/core\.outcomes\.source_file_sha256 (e{64}|f{64}) is not in raw\.input_files/);
        await write(0);
        const { rows: written } = await sql<{ rows: string }>`SELECT count(*) AS rows FROM core.outcomes WHERE programme_id = 'reference-check'`.execute(database.db);
        expect(Number(written[0].rows)).toBe(2000);
        await clear();
      }
    } finally {
      await clear();
      await setWriteCheckForm(database.db, outcomesReference, 'distinct-values-first');
    }
    expect(await checkText()).toMatch(/SELECT DISTINCT source_file_sha256 FROM written/);
  });

  it('leave every reference to a file checked on distinct values, and the applications\' reference to firms on every row', async () => {
    const { rows } = await sql<{ name: string; text: string }>`
      SELECT n.nspname || '.' || p.proname AS name, pg_get_functiondef(p.oid) AS text
        FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
       WHERE p.proname ~ '_exists$' AND n.nspname IN ('core', 'restricted') ORDER BY 1`.execute(database.db);
    const distinctFirst = rows.filter((row) => /FROM \(SELECT DISTINCT \w+ FROM written\) AS written_value/.test(row.text)).map((row) => row.name);
    const everyRow = rows.filter((row) => /FROM written LEFT JOIN/.test(row.text)).map((row) => row.name);
    // 0036's, and the ones 0039 and 0045 added in that form.
    const referencesToFiles = [...REFERENCES_TO_FILES, INDICATOR_VALUES_REFERENCE, INDICATORS_REFERENCE];
    expect(distinctFirst).toEqual(referencesToFiles.map((reference) => `${reference.table.split('.')[0]}.${reference.table.split('.')[1]}_${reference.column}_exists`).sort());
    expect(everyRow).toEqual(['core.applications_corporate_number_exists']);
  });
});

describe('the analysis read of outcomes', () => {
  /** The read equals one query joining the consenting applications and sorting, and its units are theirs in their order. */
  async function expectAsJoinedAndSorted(programme: string, expectedRows: number, read: ConsentingPanel): Promise<void> {
    const { rows: expected } = await sql<{ unit_id: string; fiscal_year: number; labour_productivity: number; average_wage: number }>`
      SELECT o.unit_id, o.fiscal_year, (core.outcome_measures_json(o.programme_id, o.measure_values) ->> 'labour_productivity')::float8 AS labour_productivity, (core.outcome_measures_json(o.programme_id, o.measure_values) ->> 'average_wage')::float8 AS average_wage
        FROM core.outcomes o JOIN core.applications a ON a.programme_id = o.programme_id AND a.unit_id = o.unit_id AND a.consent
       WHERE o.programme_id = ${programme}
       ORDER BY o.unit_id, o.fiscal_year`.execute(database.db);
    expect(expected.length).toBe(expectedRows);
    expect(unitIdOfRows(read)).toEqual(expected.map((row) => row.unit_id));
    expect([...read.outcomes.fiscalYear]).toEqual(expected.map((row) => row.fiscal_year));
    expect([...read.outcomes.measures.labour_productivity]).toEqual(expected.map((row) => row.labour_productivity));
    expect([...read.outcomes.measures.average_wage]).toEqual(expected.map((row) => row.average_wage));
    // The units are the consenting applications' units, once each, in the order the applications come in.
    const { rows: consenting } = await sql<{ unit_id: string }>`
      SELECT unit_id FROM core.applications WHERE programme_id = ${programme} AND consent ORDER BY unit_id, call_round`.execute(database.db);
    expect(read.applications.map((application) => application.unitId)).toEqual(consenting.map((row) => row.unit_id));
    expect(read.units).toEqual([...new Set(consenting.map((row) => row.unit_id))]);
    expect(Array.from(read.applicationUnits, (index) => read.units[index])).toEqual(consenting.map((row) => row.unit_id));
    // The applications' firms as read, and coded from the read's indices as from their 法人番号.
    const { rows: firms } = await sql<{ corporate_number: string }>`
      SELECT corporate_number FROM core.applications WHERE programme_id = ${programme} AND consent ORDER BY unit_id, call_round`.execute(database.db);
    expect(read.applications.map((application) => application.corporateNumber)).toEqual(firms.map((row) => row.corporate_number));
    expect(read.applicationFirmIds).toHaveLength(firms.length);
    expect(Array.from(codeRunFirms(read, new Map()).ofApplication)).toEqual(Array.from(codeRunFirms({ applications: read.applications, units: read.units }, new Map()).ofApplication));
  }

  it('gives every consenting unit’s rows in unit and year order, the same as one query over the whole programme', async () => {
    const programme = 'sme-labour-saving';
    const units = Array.from({ length: 41 }, (_, i) => i + 100);
    await ingest(programme, 'applicants', file('applicants.csv', units.map((i) => applicantLine(i, i % 7 !== 0)), APPLICANT_COLUMNS.join(',')));
    // Years out of order in the file, units in no order (the check digit leads), a unit without consent (every seventh),
    // one whose rows lie apart (101) and one that never applied (999).
    const lines = units.flatMap((i) => [outcomeLine(i, 2023), outcomeLine(i, 2021)]);
    lines.push(outcomeLine(101, 2022), outcomeLine(999, 2022));
    await ingest(programme, 'outcomes', file('outcomes.csv', lines));

    // Read on the pool's usual settings and with every index scan off, which the read's own plans do not need (the
    // applications are sorted by the server after a scan of the table), on a pool of two connections.
    const tableOrder = openDatabase(`${database.url}?options=${encodeURIComponent('-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off')}`, 2);
    const reads = await Promise.all([database.db, tableOrder].map((db) => readConsentingPanel(db, programme, ['labour_productivity', 'average_wage', 'employees'])));
    await tableOrder.destroy();
    for (const read of reads) await expectAsJoinedAndSorted(programme, units.filter((i) => i % 7 !== 0).length * 2 + 1, read);
  });

  it('reads a programme loaded a year at a time, over several of the reader\'s chunks of rows (the first of 4,096) and past its first 2,048 ids, the same as the joined and sorted query', async () => {
    const programme = 'large-scale-growth-investment';
    const units = Array.from({ length: 9_000 }, (_, i) => i + 200_000);
    await ingest(programme, 'applicants', file('growth-applicants.csv', units.map((i) => applicantLine(i, i % 11 !== 0)), APPLICANT_COLUMNS.join(',')));
    // One file per year, as follow-up panels arrive: the table then holds the rows year by year, a unit's rows apart.
    for (const year of [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]) await ingest(programme, 'outcomes', file(`growth-${year}.csv`, units.map((i) => outcomeLine(i, year))));
    const read = await readConsentingPanel(database.db, programme, ['labour_productivity', 'average_wage', 'employees']);
    await expectAsJoinedAndSorted(programme, units.filter((i) => i % 11 !== 0).length * 8, read);
  });

  it('reads each unit and year once after rows were updated onto other pages, in both halves of the pages', async () => {
    const programme = 'large-scale-growth-investment';
    const { rows: before } = await sql<{ pages: string }>`SELECT pg_relation_size(format('core.%I', core.outcome_partition_name(${programme}))) / current_setting('block_size')::bigint AS pages`.execute(database.db);
    // Units in the first half of the pages get new versions, written where there is room: past the middle.
    await sql`UPDATE core.outcomes SET measure_values = measure_values || ARRAY[]::float8[] WHERE programme_id = ${programme} AND ctid < ${`(${Math.floor(Number(before[0].pages) / 2)},0)`}::tid AND fiscal_year IN (2019, 2020)`.execute(database.db);
    const { rows: moved } = await sql<{ rows: string }>`
      SELECT count(*) AS rows FROM core.outcomes WHERE programme_id = ${programme} AND ctid >= ${`(${Math.floor(Number(before[0].pages) / 2)},0)`}::tid AND fiscal_year IN (2019, 2020)`.execute(database.db);
    expect(Number(moved[0].rows)).toBeGreaterThan(0);
    // Each half a TID range scan of its pages, not a scan of the whole table.
    const { rows: plan } = await sql<{ 'QUERY PLAN': string }>`
      EXPLAIN SELECT unit_id FROM core.outcomes WHERE programme_id = ${programme} AND ctid >= ${`(${Math.floor(Number(before[0].pages) / 2)},0)`}::tid`.execute(database.db);
    expect(plan[0]['QUERY PLAN']).toMatch(/^Tid Range Scan/);
    const read = await readConsentingPanel(database.db, programme, ['labour_productivity', 'average_wage', 'employees']);
    await expectAsJoinedAndSorted(programme, 8_182 * 8, read);
  });

  it('reads a programme with no consenting applicant as empty columns', async () => {
    const read = await readConsentingPanel(database.db, 'space-strategy-fund', ['labour_productivity']);
    expect(read.units).toEqual([]);
    expect(read.outcomes.unit).toHaveLength(0);
    expect(read.outcomes.fiscalYear).toHaveLength(0);
  });
});
