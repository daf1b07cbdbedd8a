/**
 * Whether an indicator has a target that is a number (core.review_indicators.has_target, migration 0052), written by
 * the load: the value 0052 derives from core.review_indicators by year, and the findings read from it are the findings
 * the search of the indicators by year gave, across the migration both ways and for rows written without it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReviewSheetActivities } from '../activities/review-sheets.js';
import { IndicatorSummaries } from '../review-sheets/indicator-summaries.js';
import { IndicatorValues } from '../review-sheets/indicator-values.js';
import type { Row } from '../review-sheets/records.js';
import { storeReviewSheet } from '../review-sheets/store-file.js';
import { nationalReviewYear } from '../review-sheets/synthetic/national-year.js';
import { writeReviewYear } from '../review-sheets/synthetic/write-review-year.js';
import { YearValues } from '../review-sheets/year-values.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { copyLineFields } from './support/copy-lines.js';
import { migratedDatabaseOfTheBlock, sheetSource } from './support/migrated-database.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');

/** An outcome's 3-1 row as the parse makes it, its cells by year given as an object (none: a row of no row kind). */
function outcomeRow(nodeNumber: number, rowKind: string | null, years: Record<string, string>): Row {
  return {
    review_year: 2024,
    project_id: 11,
    node_number: nodeNumber,
    indicator_seq: 1,
    row_kind: rowKind,
    node_kind: 'outcome',
    outcome_term: 'short',
    qualitative: false,
    indicator_name: `成果指標${nodeNumber}`,
    unit: '件',
    direction: 'up',
    qualitative_reason: null,
    qualitative_result: null,
    year_values: YearValues.of(years),
  };
}

/** Each indicator's node number and has_target from the summaries' COPY lines. */
function targetsOf(rows: readonly Row[]): [string | null, string | null][] {
  const values = new IndicatorValues();
  const summaries = new IndicatorSummaries();
  for (const row of rows) {
    values.add(row);
    summaries.add(row);
  }
  return copyLineFields(summaries.copyLines('d', values)).map((fields) => [fields[3], fields[11]]);
}

describe('has_target of an indicator summarised from its 3-1 rows', () => {
  it('is true when a fiscal year\'s target cell is a number, negative or with decimals, and false when none is', () => {
    expect(
      targetsOf([
        outcomeRow(1, 'target', { '2023': '5' }),
        outcomeRow(2, 'target', { '2023': '－', '2024': '定性' }),
        outcomeRow(2, 'actual', { '2023': '3' }),
        outcomeRow(3, 'target', { '2022': '-3.5' }),
        outcomeRow(4, 'target', { '2022': '12.50' }),
        outcomeRow(5, 'target', { '2022': '1.', '2023': '1e3', '2024': '.5' }),
        outcomeRow(6, 'target_year', { '2025': '1' }),
        outcomeRow(6, 'achievement', { '2023': '80' }),
      ]),
    ).toEqual([
      ['1', 't'],
      ['2', 'f'],
      ['3', 't'],
      ['4', 't'],
      ['5', 'f'],
      ['6', 'f'],
    ]);
  });

  it('reads the year\'s cell as written to the indicators by year: the greater text where a target row repeats', () => {
    // 'ー' (U+30FC) is greater than '5' by code point: the year's target_text is 'ー', and its target_value null.
    expect(targetsOf([outcomeRow(1, 'target', { '2023': '5' }), outcomeRow(1, 'target', { '2023': 'ー' })])).toEqual([['1', 'f']]);
    expect(targetsOf([outcomeRow(1, 'target', { '2023': '5' }), outcomeRow(1, 'target', { '2024': 'ー' })])).toEqual([['1', 't']]);
  });

  it('is false for an indicator whose rows carry no row kind, which has no cells by year', () => {
    expect(targetsOf([outcomeRow(1, null, { '2023': '5' })])).toEqual([['1', 'f']]);
  });

  it('tells apart an output and an outcome of one node number, two indicators of one node, rows apart, and rows of no kind', () => {
    const values = new IndicatorValues();
    const summaries = new IndicatorSummaries();
    const rows: Row[] = [
      { ...outcomeRow(1, 'target', { '2023': '5' }), node_kind: 'output' },
      outcomeRow(1, 'target', { '2023': '－' }),
      { ...outcomeRow(2, 'target', { '2023': '－' }), indicator_seq: 1 },
      { ...outcomeRow(2, 'target', { '2023': '3' }), indicator_seq: 2 },
      // Outcome 1's rows again after the others: its second target row gives it a numeric target for 2024.
      outcomeRow(1, 'target', { '2024': '9' }),
      { ...outcomeRow(3, 'target', { '2023': '－' }), node_kind: 'output' },
      // A row of no node kind with output 3's number and a numeric target: not a row of output 3.
      { ...outcomeRow(3, 'target', { '2023': '7' }), node_kind: null },
    ];
    for (const row of rows) {
      values.add(row);
      summaries.add(row);
    }
    const fields = copyLineFields(summaries.copyLines('d', values));
    expect(fields.map((line) => [line[2], line[3], line[4], line[11]])).toEqual([
      ['output', '1', '1', 't'],
      ['outcome', '1', '1', 't'],
      ['outcome', '2', '1', 'f'],
      ['outcome', '2', '2', 't'],
      ['output', '3', '1', 'f'],
    ]);
  });
});

/** has_target as 0052 derives it from core.review_indicators by year, beside the stored value, per indicator. */
const STORED_AND_DERIVED = sql<{ stored: boolean | null; derived: boolean }>`
  SELECT n.has_target AS stored,
         EXISTS (SELECT 1 FROM core.review_indicator_values t
                  WHERE t.file_sha256 = n.file_sha256 AND t.project_id = n.project_id AND t.node_kind = n.node_kind
                    AND t.node_number = n.node_number AND t.indicator_seq = n.indicator_seq AND t.target_value IS NOT NULL) AS derived
    FROM core.review_indicators n
   ORDER BY n.file_sha256, n.project_id, n.node_kind, n.node_number, n.indicator_seq`;

describe('core.review_indicators.has_target in the database', () => {
  const database = migratedDatabaseOfTheBlock('m0052');
  let dir: string;
  let files: readonly string[];

  const source = (path: string) => sheetSource(basename(path), readFileSync(path));
  const findingsOfTheFunction = async () =>
    (await sql<{ row: string }>`SELECT f::text AS row FROM core.review_findings_of('{2024}') f ORDER BY 1`.execute(database())).rows.map((row) => row.row);
  const writtenFindings = async () =>
    (await sql<{ row: string }>`SELECT f::text AS row FROM core.review_findings f ORDER BY 1`.execute(database())).rows.map((row) => row.row);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpm-review-indicator-targets-'));
    files = writeReviewYear(dir, 2024, nationalReviewYear({ projects: 300, seed: 9, reviewYear: 2024 })).files.map((file) => file.path);
    for (const path of files) await storeReviewSheet(database(), source(path));
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is written by the load as 0052 derives it, and the findings read from it are the search\'s, through the migration both ways', async () => {
    const { rows } = await STORED_AND_DERIVED.execute(database());
    expect(rows.length).toBeGreaterThan(300);
    expect(rows.map((row) => row.stored)).toEqual(rows.map((row) => row.derived));
    // Both kinds are there, and outcomes without a target that the check reports.
    expect(new Set(rows.map((row) => row.stored))).toEqual(new Set([true, false]));
    await createReviewSheetActivities(database()).refreshReviewViews([2024]);
    const written = await writtenFindings();
    expect(written.some((row) => row.includes(',outcome_without_target,'))).toBe(true);
    expect(await findingsOfTheFunction()).toEqual(written);

    await migrateTo(database(), '0051_review_rows_indexed_by_block_range');
    const { rows: columns } = await sql<{ name: string }>`
      SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'core' AND table_name = 'review_indicators' AND column_name = 'has_target'`.execute(database());
    expect(columns).toEqual([]);
    expect(await findingsOfTheFunction()).toEqual(written);

    await migrateToLatest(database());
    expect((await STORED_AND_DERIVED.execute(database())).rows).toEqual(rows);
    expect(await findingsOfTheFunction()).toEqual(written);
  });

  it('is written as 0052 derives it for the published rows, and where target rows repeat or hold no number', async () => {
    const published = readdirSync(FIXTURES).find((name) => name.startsWith('3-1_RS_2024_'))!;
    const bytes = readFileSync(join(FIXTURES, published));
    const [header, ...records] = parse(bytes, { bom: true }) as string[][];
    const label = header.indexOf('目標年度／目標値／実績値／達成率');
    const years = header.flatMap((column, index) => (/^\d{4}$/.test(column) ? [index] : []));
    let targetRows = 0;
    const crafted = records.flatMap((record) => {
      if (record[label].trim() !== '2.目標値') return [record];
      targetRows += 1;
      // Every third target row repeated with 'ー' (after the digits by code point, so the year's cell), every third
      // with its numbers replaced by '－', the rest as published.
      if (targetRows % 3 === 0) return [record, record.map((cell, index) => (years.includes(index) && cell.trim() !== '' ? 'ー' : cell))];
      if (targetRows % 3 === 1) return [record.map((cell, index) => (years.includes(index) && /\d/.test(cell) ? '－' : cell))];
      return [record];
    });
    expect(targetRows).toBeGreaterThan(3);
    const quote = (cell: string) => `"${cell.replaceAll('"', '""')}"`;
    const craftedBytes = Buffer.from(`\uFEFF${[header, ...crafted].map((row) => row.map(quote).join(',')).join('\n')}\n`);
    // The published file, then the crafted one under the same name (it replaces the other; both keep their rows).
    await storeReviewSheet(database(), sheetSource(published, bytes));
    await storeReviewSheet(database(), sheetSource(published, craftedBytes));
    const { rows: checked } = await STORED_AND_DERIVED.execute(database());
    expect(checked.map((row) => row.stored)).toEqual(checked.map((row) => row.derived));
    // The crafted file's indicators lost numeric targets the published file's had, and kept some.
    const { rows: byFile } = await sql<{ published: number; crafted: number }>`
      SELECT count(*) FILTER (WHERE file_sha256 = ${sheetSource(published, bytes).sha256} AND has_target)::integer AS published,
             count(*) FILTER (WHERE file_sha256 = ${sheetSource(published, craftedBytes).sha256} AND has_target)::integer AS crafted
        FROM core.review_indicators`.execute(database());
    expect(byFile[0].crafted).toBeLessThan(byFile[0].published);
    expect(byFile[0].crafted).toBeGreaterThan(0);
  });

  it('is filled by the findings\' step where a worker older than 0052 wrote none, and the findings are the same before and after', async () => {
    await createReviewSheetActivities(database()).refreshReviewViews([2024]);
    const before = (await STORED_AND_DERIVED.execute(database())).rows;
    const written = await writtenFindings();
    expect(written.some((row) => row.includes(',outcome_without_target,'))).toBe(true);
    await sql`UPDATE core.review_indicators SET has_target = NULL`.execute(database());
    // Without has_target the check searches the indicators by year, row by row.
    expect(await findingsOfTheFunction()).toEqual(written);
    await createReviewSheetActivities(database()).refreshReviewViews([2024]);
    expect((await STORED_AND_DERIVED.execute(database())).rows).toEqual(before);
    expect(await writtenFindings()).toEqual(written);
    const { rows: pending } = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM core.review_indicators WHERE has_target IS NULL`.execute(database());
    expect(pending).toEqual([{ n: 0 }]);
  });
});
