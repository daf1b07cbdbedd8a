/**
 * 3-1's indicators by fiscal year, written by the load (review-sheets/indicator-values.ts, migration 0039): the rows
 * are those the SQL of migration 0034 computed from the stored rows, for the files in force, across replacement,
 * reinstatement and the migration both ways; the findings on 3-1's cells by year read them (migration 0040).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createReviewSheetActivities } from '../activities/review-sheets.js';
import { compareCodePoints, IndicatorValues } from '../review-sheets/indicator-values.js';
import type { Row } from '../review-sheets/records.js';
import { storeReviewSheet } from '../review-sheets/store-file.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { YearValues } from '../review-sheets/year-values.js';
import { migratedDatabaseOfTheBlock, sheetSource } from './support/migrated-database.js';
import { copyLineFields } from './support/copy-lines.js';
import { expectReviewFileReferenceChecked } from './support/file-references.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');

/** A 3-1 row as the parse makes it, its cells by year given as an object. */
function indicatorRow({ year_values: years, ...fields }: { [column: string]: string | number | boolean | null | Record<string, string>; row_kind: string | null; year_values: Record<string, string> }): Row {
  return {
    year_values: YearValues.of(years),
    review_year: 2024,
    project_id: 11,
    node_number: 10,
    indicator_seq: 1,
    node_kind: 'output',
    outcome_term: null,
    qualitative: false,
    indicator_name: '利用終了支援の件数',
    unit: '件',
    direction: 'up',
    ...fields,
  };
}

/** The COPY lines split back into fields (\N as null), without the leading digest. */
const fieldsOf = (values: IndicatorValues): (string | null)[][] => copyLineFields(values.copyLines('d'));

describe('an indicator turned round by year', () => {
  it('puts the four rows of an indicator side by side, one row per fiscal year with a cell, the target year marked', () => {
    const values = new IndicatorValues();
    values.add(indicatorRow({ row_kind: 'target_year', year_values: { '2025': '1' } }));
    values.add(indicatorRow({ row_kind: 'target', year_values: { '2023': '5', '2025': '8' } }));
    values.add(indicatorRow({ row_kind: 'actual', year_values: { '2023': '4' } }));
    values.add(indicatorRow({ row_kind: 'achievement', year_values: { '2023': '80' } }));
    // Years in the order their first cell came: 2025 from the 1.目標年度 row.
    expect(fieldsOf(values)).toEqual([
      ['2024', '11', '10', '1', 'output', null, 'f', '利用終了支援の件数', '件', 'up', '2025', 't', '8', null, null],
      ['2024', '11', '10', '1', 'output', null, 'f', '利用終了支援の件数', '件', 'up', '2023', 'f', '5', '4', '80'],
    ]);
  });

  it('leaves out activities and takes the name, unit and direction of the indicator\'s first row', () => {
    const values = new IndicatorValues();
    values.add(indicatorRow({ row_kind: null, node_kind: 'activity', node_number: 1, year_values: {} }));
    values.add(indicatorRow({ row_kind: 'target', year_values: { '2024': '3' } }));
    values.add(indicatorRow({ row_kind: 'actual', indicator_name: '別の名前', unit: '回', year_values: { '2024': '2' } }));
    expect(fieldsOf(values).map((row) => [row[4], row[7], row[8], row[12], row[13]])).toEqual([['output', '利用終了支援の件数', '件', '3', '2']]);
  });

  it('gathers an indicator whose rows are apart in the file, and keeps nodes of another kind or without a kind apart', () => {
    const values = new IndicatorValues();
    values.add(indicatorRow({ row_kind: 'target', year_values: { '2024': '3' } }));
    values.add(indicatorRow({ row_kind: 'target', node_kind: 'outcome', outcome_term: 'short', year_values: { '2024': '7' } }));
    values.add(indicatorRow({ row_kind: 'target', node_kind: null, year_values: { '2024': '9' } }));
    values.add(indicatorRow({ row_kind: 'actual', year_values: { '2024': '2' } }));
    expect(fieldsOf(values).map((row) => [row[4], row[12], row[13]])).toEqual([
      ['output', '3', '2'],
      ['outcome', '7', null],
      [null, '9', null],
    ]);
  });

  it('keeps the greater text in code-point order where a row kind repeats within an indicator, as max() in PostgreSQL', () => {
    const values = new IndicatorValues();
    values.add(indicatorRow({ row_kind: 'actual', year_values: { '2023': '95', '2024': '！' } }));
    values.add(indicatorRow({ row_kind: 'actual', year_values: { '2023': '100', '2024': '𠮷' } }));
    // '95' > '100' as text; U+20BB7 > U+FF01 by code point, though its first UTF-16 unit (U+D842) sorts lower.
    expect(fieldsOf(values).map((row) => row[13])).toEqual(['95', '𠮷']);
    expect(compareCodePoints('𠮷', '！')).toBeGreaterThan(0);
    expect('𠮷' < '！').toBe(true);
  });

  it('escapes text for COPY: a tab, a line break and a backslash in a name stay as published', () => {
    const values = new IndicatorValues();
    values.add(indicatorRow({ row_kind: 'target', indicator_name: 'a\tb\nc\\d', year_values: { '2024': '1' } }));
    const [line] = [...values.copyLines('d')];
    expect(line).toContain('\ta\\tb\\nc\\\\d\t');
  });
});

describe('core.review_indicator_values in the database', () => {
  const database = migratedDatabaseOfTheBlock('m0039');
  const name = readdirSync(FIXTURES).find((file) => file.startsWith('3-1_RS_2024_'))!;
  const published = readFileSync(join(FIXTURES, name));

  /** The published file with one more 3.実績値 record: a repeated row kind, apart from its indicator's other rows. */
  function withRepeatedActual(): { bytes: Buffer; year: string; text: string } {
    const records = parse(published, { bom: true }) as string[][];
    const header = records[0];
    const kindColumn = header.indexOf('目標年度／目標値／実績値／達成率');
    const actual = records.find((record, index) => index > 0 && record[kindColumn].replace(/\s/g, '') === '3.実績値' && record.slice(kindColumn + 1).some((cell) => /^\d/.test(cell.trim())));
    if (!actual) throw new Error('the fixture has no numeric 3.実績値 record');
    const yearIndex = actual.findIndex((cell, index) => index > kindColumn && /^\d/.test(cell.trim()));
    // As text '9999' is greater than the published number it repeats (and numerically too): it is the one kept.
    const repeated = actual.map((cell, index) => (index === yearIndex ? '9999' : cell));
    const csvLine = repeated.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(',');
    return { bytes: Buffer.concat([published, Buffer.from(`${csvLine}\r\n`)]), year: header[yearIndex], text: '9999' };
  }

  const source = (bytes: Buffer) => sheetSource(name, bytes);

  async function viewRows(): Promise<string[]> {
    const { rows } = await sql<{ row: string }>`SELECT v::text AS row FROM bi.review_indicator_values v ORDER BY 1`.execute(database());
    return rows.map((row) => row.row);
  }


  it('shows the rows of the file in force through a replacement, both migrations and a reinstatement', async () => {
    const first = await storeReviewSheet(database(), source(published));
    expect(first).toMatchObject({ table: '3-1', skipped: false, quarantined: 0 });
    const original = await viewRows();
    expect(original.length).toBeGreaterThan(0);

    const { bytes, year, text } = withRepeatedActual();
    const replaced = await storeReviewSheet(database(), source(bytes));
    expect(replaced.retired).toEqual([name]);
    const corrected = await viewRows();
    expect(corrected).not.toEqual(original);
    const { rows: repeated } = await sql<{ n: number }>`
      SELECT count(*)::integer AS n FROM bi.review_indicator_values WHERE fiscal_year = ${Number(year)} AND actual_text = ${text}`.execute(database());
    expect(repeated).toEqual([{ n: 1 }]);
    // Both files' values are kept; the view shows the file in force.
    const { rows: stored } = await sql<{ files: number }>`SELECT count(DISTINCT file_sha256)::integer AS files FROM core.review_indicator_values`.execute(database());
    expect(stored).toEqual([{ files: 2 }]);

    // Migration 0034's query over the stored rows (0039 taken back) gives the same rows; 0039 again fills the table
    // from the stored rows with the same result.
    await migrateTo(database(), '0038_review_projects_department');
    const { rows: kind } = await sql<{ kind: string }>`SELECT relkind AS kind FROM pg_class WHERE oid = 'bi.review_indicator_values'::regclass`.execute(database());
    expect(kind).toEqual([{ kind: 'm' }]);
    expect(await viewRows()).toEqual(corrected);
    await migrateToLatest(database());
    expect(await viewRows()).toEqual(corrected);

    const reinstated = await storeReviewSheet(database(), source(published));
    expect(reinstated).toMatchObject({ reinstated: true });
    expect(await viewRows()).toEqual(original);
  });

  it('names in its findings on 3-1 the cells and numbers the view shows, where a row kind repeats (migration 0040)', async () => {
    const { bytes, year, text } = withRepeatedActual();
    expect(await storeReviewSheet(database(), source(bytes))).toMatchObject({ reinstated: true });
    // The load's last step, as the workflow runs it for the review year of its files.
    await createReviewSheetActivities(database()).refreshReviewViews([2024]);

    interface YearFinding {
      check_id: string;
      fiscal_year: number;
      actual_value: string | null;
      finding: string;
      shown: string | null;
    }
    // Each finding on a fiscal year beside the view's row of that indicator and year, in the same columns.
    const findingsBesideTheView = async () =>
      (
        await sql<YearFinding>`
          SELECT f.check_id, f.fiscal_year, f.actual_value::text AS actual_value,
                 row(f.indicator_name, f.outcome_term, f.target_value, f.actual_value, f.achievement_reported, f.achievement_computed)::text AS finding,
                 (SELECT row(v.indicator_name, v.outcome_term, v.target_value,
                             CASE WHEN f.check_id = 'achievement_mismatch' THEN v.actual_value END,
                             CASE WHEN f.check_id = 'achievement_mismatch' THEN v.achievement_reported END,
                             CASE WHEN f.check_id = 'achievement_mismatch' THEN v.achievement_computed END)::text
                    FROM bi.review_indicator_values v
                   WHERE v.review_year = f.review_year AND v.project_id = f.project_id AND v.node_kind = f.node_kind
                     AND v.node_number = f.node_number AND v.indicator_seq = f.indicator_seq AND v.fiscal_year = f.fiscal_year) AS shown
            FROM bi.review_findings f
           WHERE f.check_id IN ('achievement_mismatch', 'target_year_passed_without_actual')
           ORDER BY f.project_id, f.node_kind, f.node_number, f.indicator_seq, f.fiscal_year`.execute(database())
      ).rows;

    const found = await findingsBesideTheView();
    expect(found.length).toBeGreaterThan(0);
    for (const row of found) expect(row.finding, `${row.check_id} ${row.fiscal_year}`).toBe(row.shown);
    // The repeated 3.実績値 row's greater text is the actual the view shows, and the finding names it.
    expect(found.filter((row) => row.check_id === 'achievement_mismatch' && row.fiscal_year === Number(year) && row.actual_value === text)).toHaveLength(1);

    // 0026's checks (0040 taken back) read the first 3.実績値 row of the indicator instead.
    await migrateTo(database(), '0039_review_indicator_values_loaded');
    const before = await findingsBesideTheView();
    expect(before.some((row) => row.actual_value === text)).toBe(false);
    await migrateToLatest(database());
    expect(await findingsBesideTheView()).toEqual(found);
    const { rows: comment } = await sql<{ text: string }>`SELECT obj_description('bi.review_findings'::regclass, 'pg_class') AS text`.execute(database());
    expect(comment[0].text).toContain('read that view');

    expect(await storeReviewSheet(database(), source(published))).toMatchObject({ reinstated: true });
  });

  it('refuses values of a file that is not registered, and the removal of a file its values refer to', async () => {
    const insertValue = (sha: string) =>
      sql`INSERT INTO core.review_indicator_values (file_sha256, review_year, project_id, node_number, indicator_seq, fiscal_year, is_target_year)
          VALUES (${sha}, 2016, 1, 1, 1, 2016, false)`.execute(database());
    await expectReviewFileReferenceChecked(database(), 'core.review_indicator_values', insertValue);
  });
});
