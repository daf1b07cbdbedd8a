/**
 * 3-1's indicators, one row each, written by the load (review-sheets/indicator-summaries.ts, migration 0045): the rows
 * are those migration 0040's grouping of the stored rows gave, and the findings read from them are the findings that
 * grouping gave, across the migration both ways.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReviewSheetActivities } from '../activities/review-sheets.js';
import { IndicatorSummaries } from '../review-sheets/indicator-summaries.js';
import { IndicatorValues } from '../review-sheets/indicator-values.js';
import { IndicatorSequence } from '../review-sheets/tables.js';
import type { Row } from '../review-sheets/records.js';
import { storeReviewSheet } from '../review-sheets/store-file.js';
import { nationalReviewYear } from '../review-sheets/synthetic/national-year.js';
import { writeReviewYear } from '../review-sheets/synthetic/write-review-year.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { migratedDatabaseOfTheBlock, sheetSource } from './support/migrated-database.js';
import { copyLineFields } from './support/copy-lines.js';
import { expectReviewFileReferenceChecked } from './support/file-references.js';

function indicatorRow(fields: Partial<Row>): Row {
  return {
    review_year: 2024,
    project_id: 11,
    node_number: 2,
    indicator_seq: 1,
    row_kind: 'target',
    node_kind: 'outcome',
    outcome_term: null,
    qualitative: null,
    indicator_name: null,
    unit: null,
    qualitative_reason: null,
    qualitative_result: null,
    ...fields,
  };
}

/** The COPY lines split back into fields (\N as null), without the leading digest. */
const fieldsOf = (summaries: IndicatorSummaries, values = new IndicatorValues()): (string | null)[][] => copyLineFields(summaries.copyLines('d', values));

describe('an indicator summarised from its 3-1 rows', () => {
  it('takes the first name and unit given, the greatest term, and whether any row is qualitative or states a reason or result', () => {
    const summaries = new IndicatorSummaries();
    summaries.add(indicatorRow({ row_kind: 'target_year', outcome_term: 'long', qualitative: false }));
    summaries.add(indicatorRow({ indicator_name: '導入件数', unit: null, outcome_term: 'short' }));
    summaries.add(indicatorRow({ row_kind: 'actual', indicator_name: '別の名前', unit: '件', qualitative: true, qualitative_result: '達成した' }));
    summaries.add(indicatorRow({ row_kind: 'achievement', unit: '％', outcome_term: 'mid' }));
    // 'short' is the greatest text of short, mid and long, as max() gives it.
    expect(fieldsOf(summaries)).toEqual([['2024', '11', 'outcome', '2', '1', 'short', '導入件数', '件', 't', 'f', 't', 'f']]);
  });

  it('says nothing of qualitative when no row says, and false when rows say only quantitative', () => {
    const summaries = new IndicatorSummaries();
    summaries.add(indicatorRow({ node_number: 1 }));
    summaries.add(indicatorRow({ node_number: 3, qualitative: false }));
    summaries.add(indicatorRow({ node_number: 3, qualitative_reason: '数値化できない' }));
    expect(fieldsOf(summaries).map((fields) => [fields[3], fields[8], fields[9]])).toEqual([
      ['1', null, 'f'],
      ['3', 'f', 't'],
    ]);
  });

  it('leaves out activities and rows of no kind, and gathers an indicator whose rows are apart in the file', () => {
    const summaries = new IndicatorSummaries();
    summaries.add(indicatorRow({ node_kind: 'activity', node_number: 1 }));
    summaries.add(indicatorRow({ node_kind: null, node_number: 1 }));
    summaries.add(indicatorRow({ node_kind: 'output', node_number: 1, indicator_name: '件数' }));
    summaries.add(indicatorRow({ node_kind: 'outcome', node_number: 1 }));
    summaries.add(indicatorRow({ node_kind: 'output', node_number: 1, unit: '件' }));
    summaries.add(indicatorRow({ node_kind: 'output', node_number: 1, indicator_seq: 2 }));
    expect(fieldsOf(summaries).map((fields) => fields.slice(2, 8))).toEqual([
      ['output', '1', '1', null, '件数', '件'],
      ['outcome', '1', '1', null, null, null],
      ['output', '1', '2', null, null, null],
    ]);
  });

  it('escapes text for COPY: a tab, a line break and a backslash in a name stay as published', () => {
    const summaries = new IndicatorSummaries();
    summaries.add(indicatorRow({ indicator_name: 'a\tb\nc\\d' }));
    expect([...summaries.copyLines('d', new IndicatorValues())][0]).toContain('\ta\\tb\\nc\\\\d\t');
  });
});

describe('the indicators of a node numbered in file order', () => {
  it('starts the next indicator at each 1.目標年度 row, per node of each kind, for rows apart too', () => {
    const sequence = new IndicatorSequence();
    const seqs = [
      sequence.next(1, 'activity', 1, null),
      sequence.next(1, 'output', 1, 'target_year'),
      sequence.next(1, 'output', 1, 'target'),
      sequence.next(1, 'output', 1, 'target_year'),
      sequence.next(1, 'output', 1, 'actual'),
      sequence.next(1, 'outcome', 1, 'target'),
      // Back to output 1 after another node: its count goes on.
      sequence.next(1, 'output', 1, 'achievement'),
      sequence.next(1, 'output', 1, 'target_year'),
      sequence.next(2, 'output', 1, 'target'),
      sequence.next(1, null, 1, 'target'),
    ];
    expect(seqs).toEqual([1, 1, 1, 2, 2, 1, 2, 3, 1, 1]);
  });
});

/** 0040's grouping of the stored 3-1 rows, the rows core.review_indicators must hold, as text in a fixed order. */
const GROUPED_FROM_ROWS = sql<{ row: string }>`
  SELECT row(i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq,
             max(i.outcome_term),
             (array_agg(i.indicator_name ORDER BY i.line) FILTER (WHERE i.indicator_name IS NOT NULL))[1],
             (array_agg(i.unit ORDER BY i.line) FILTER (WHERE i.unit IS NOT NULL))[1],
             bool_or(i.qualitative), bool_or(i.qualitative_reason IS NOT NULL), bool_or(i.qualitative_result IS NOT NULL))::text AS row
    FROM core.review_indicator_rows i
   WHERE i.node_kind IN ('output', 'outcome')
   GROUP BY i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq
   ORDER BY 1`;

const STORED_SUMMARIES = sql<{ row: string }>`
  SELECT row(file_sha256, review_year, project_id, node_kind, node_number, indicator_seq, outcome_term, indicator_name,
             unit, qualitative, has_reason, has_qualitative_result)::text AS row
    FROM core.review_indicators ORDER BY 1`;

describe('core.review_indicators in the database', () => {
  const database = migratedDatabaseOfTheBlock('m0045');
  let dir: string;
  let files: readonly string[];

  const source = (path: string) => sheetSource(basename(path), readFileSync(path));

  const rowsOf = async (query: typeof STORED_SUMMARIES) => (await query.execute(database())).rows.map((row) => row.row);
  const findings = async () =>
    (await sql<{ row: string }>`SELECT f::text AS row FROM core.review_findings_of('{2024}') f ORDER BY 1`.execute(database())).rows.map((row) => row.row);

  beforeAll(async () => {
    // A synthetic year of 300 projects: every kind of indicator the generator makes, qualitative ones with reasons and
    // results among them, and every table the findings read.
    dir = mkdtempSync(join(tmpdir(), 'ebpm-review-indicators-'));
    files = writeReviewYear(dir, 2024, nationalReviewYear({ projects: 300, seed: 5, reviewYear: 2024 })).files.map((file) => file.path);
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds what the grouping of the stored rows gives, and the findings read from it are the grouping\'s, through the migration both ways', async () => {
    for (const path of files) expect(await storeReviewSheet(database(), source(path)), path).toMatchObject({ skipped: false, quarantined: expect.any(Number) });
    const stored = await rowsOf(STORED_SUMMARIES);
    expect(stored.length).toBeGreaterThan(300);
    expect(stored).toEqual(await rowsOf(GROUPED_FROM_ROWS));
    // The year has indicators of each kind the checks tell apart.
    const { rows: kinds } = await sql<{ kinds: number }>`
      SELECT count(DISTINCT (qualitative, has_reason, has_qualitative_result))::integer AS kinds FROM core.review_indicators`.execute(database());
    expect(kinds[0].kinds).toBeGreaterThanOrEqual(3);

    // The load's last step, as the workflow runs it, then the same findings computed by 0041's grouping (0045 taken
    // back), and again once 0045 fills the table from the stored rows.
    await createReviewSheetActivities(database()).refreshReviewViews([2024]);
    const written = (await sql<{ row: string }>`SELECT f::text AS row FROM core.review_findings f ORDER BY 1`.execute(database())).rows.map((row) => row.row);
    expect(written.length).toBeGreaterThan(0);
    expect(await findings()).toEqual(written);
    await migrateTo(database(), '0044_review_sheet_synthetic_files');
    const { rows: table } = await sql<{ name: string | null }>`SELECT to_regclass('core.review_indicators')::text AS name`.execute(database());
    expect(table).toEqual([{ name: null }]);
    expect(await findings()).toEqual(written);
    await migrateToLatest(database());
    expect(await rowsOf(STORED_SUMMARIES)).toEqual(stored);
    expect(await findings()).toEqual(written);
  });

  it('writes the indicators of a 3-1 file loaded without them (by a worker older than 0045) before the findings', async () => {
    const stored = await rowsOf(STORED_SUMMARIES);
    const findingsBefore = await findings();
    // The checks the step may compute on a second connection read these indicators too: the year has findings of each.
    for (const check of ['outcome_unreached', 'output_repeated_as_outcome']) expect(findingsBefore.some((row) => row.includes(`,${check},`))).toBe(true);
    const threeOne = files.find((path) => basename(path).startsWith('3-1_'))!;
    const sha = source(threeOne).sha256;
    await sql`DELETE FROM core.review_indicators WHERE file_sha256 = ${sha}`.execute(database());
    await createReviewSheetActivities(database()).refreshReviewViews([2024]);
    expect(await rowsOf(STORED_SUMMARIES)).toEqual(stored);
    const written = (await sql<{ row: string }>`SELECT f::text AS row FROM core.review_findings f ORDER BY 1`.execute(database())).rows.map((row) => row.row);
    expect(written).toEqual(findingsBefore);
  });

  it('refuses indicators of a file that is not registered, and the removal of a file its indicators refer to', async () => {
    const insert = (sha: string) =>
      sql`INSERT INTO core.review_indicators (file_sha256, review_year, project_id, node_kind, node_number, indicator_seq, has_reason, has_qualitative_result)
          VALUES (${sha}, 2016, 1, 'output', 1, 1, false, false)`.execute(database());
    await expectReviewFileReferenceChecked(database(), 'core.review_indicators', insert);
  });
});
