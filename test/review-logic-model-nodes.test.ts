/**
 * bi.review_logic_model_nodes shows the first stored row of each node of the 3-1 files in force, marked by the load
 * (core.review_indicator_rows.opens_node, migration 0048): the rows 0030's sort of every row gave, through the
 * migration both ways, and a quarantined row never opens a node.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeReviewSheet } from '../review-sheets/store-file.js';
import { nationalReviewYear } from '../review-sheets/synthetic/national-year.js';
import { writeReviewYear } from '../review-sheets/synthetic/write-review-year.js';
import { NodeOpenings } from '../review-sheets/tables.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { migratedDatabaseOfTheBlock, sheetSource } from './support/migrated-database.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');

describe('the first row of each node', () => {
  it('opens its node, for rows apart too, with outcome terms and kinds apart, and rows of no kind opening none', () => {
    const openings = new NodeOpenings();
    const opened = [
      openings.opens(1, 'activity', null, 1),
      openings.opens(1, 'activity', null, 1),
      openings.opens(1, 'output', null, 1),
      openings.opens(1, 'outcome', 'short', 1),
      openings.opens(1, 'outcome', 'long', 1),
      openings.opens(1, 'outcome', null, 1),
      openings.opens(1, 'activity', null, 1),
      openings.opens(2, 'activity', null, 1),
      openings.opens(2, null, null, 5),
      openings.opens(2, null, null, 6),
    ];
    expect(opened).toEqual([true, false, true, true, true, true, false, true, false, false]);
  });
});

/** 0030's view: the first row by line of each node of the files in force, as text in a fixed order. */
const SORTED_FROM_ROWS = sql<{ row: string }>`
  SELECT row(n.*)::text AS row FROM (
    SELECT DISTINCT ON (i.review_year, i.project_id, i.node_kind, i.outcome_term, i.node_number)
           i.review_year, i.project_id, i.node_kind, i.node_number, i.outcome_term, i.qualitative, i.goal
      FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256)
     WHERE f.status = 'loaded' AND i.node_kind IS NOT NULL
     ORDER BY i.review_year, i.project_id, i.node_kind, i.outcome_term, i.node_number, i.line) n
   ORDER BY 1`;

const VIEW_ROWS = sql<{ row: string }>`SELECT row(n.*)::text AS row FROM bi.review_logic_model_nodes n ORDER BY 1`;

const sourceOf = sheetSource;

describe('bi.review_logic_model_nodes', () => {
  const database = migratedDatabaseOfTheBlock('m0048');
  let dir: string;

  const rowsOf = async (query: typeof VIEW_ROWS) => (await query.execute(database())).rows.map((row) => row.row);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpm-review-nodes-'));
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the nodes 0030\'s sort of every row found, for a synthetic year and through the migration both ways', async () => {
    const written = writeReviewYear(dir, 2023, nationalReviewYear({ projects: 200, seed: 8, reviewYear: 2023 }));
    const threeOne = written.files.find((file) => file.table === '3-1')!.path;
    expect(await storeReviewSheet(database(), sourceOf(basename(threeOne), readFileSync(threeOne)))).toMatchObject({ skipped: false });
    const shown = await rowsOf(VIEW_ROWS);
    expect(shown.length).toBeGreaterThan(200);
    expect(shown).toEqual(await rowsOf(SORTED_FROM_ROWS));

    await migrateTo(database(), '0047_review_rows_indexed_not_keyed');
    expect(await rowsOf(VIEW_ROWS)).toEqual(shown);
    await migrateToLatest(database());
    expect(await rowsOf(VIEW_ROWS)).toEqual(shown);
  });

  it('leaves a quarantined row out: the node is opened by its first row stored, and its indicators are numbered from 1', async () => {
    const name = readdirSync(FIXTURES).find((file) => file.startsWith('3-1_RS_2024_'))!;
    const published = readFileSync(join(FIXTURES, name));
    const records = parse(published, { bom: true }) as string[][];
    const header = records[0];
    const term = header.indexOf('アウトカムの期間');
    const goal = header.indexOf('アクティビティ／活動目標／成果目標');
    // The first outcome record with a term: a copy of it, with a term that is none of 短期, 中期, 長期 and a goal of its
    // own, goes before it, and is quarantined.
    const at = records.findIndex((record, index) => index > 0 && record[term].trim() !== '');
    const refused = records[at].map((cell, index) => (index === term ? '4.超長期' : index === goal ? '拒まれる行の目標' : cell));
    const csvLine = (record: readonly string[]) => `${record.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(',')}\r\n`;
    const bytes = Buffer.from(`\uFEFF${[...records.slice(0, at), refused, ...records.slice(at)].map(csvLine).join('')}`);
    expect(await storeReviewSheet(database(), sourceOf(name, bytes))).toMatchObject({ skipped: false, quarantined: 1 });
    const { rows } = await sql<{ goal: string | null }>`SELECT goal FROM bi.review_logic_model_nodes WHERE review_year = 2024 AND goal = '拒まれる行の目標'`.execute(database());
    expect(rows).toEqual([]);
    expect(await rowsOf(VIEW_ROWS)).toEqual(await rowsOf(SORTED_FROM_ROWS));
    const { rows: opened } = await sql<{ n: number }>`
      SELECT count(*)::integer AS n FROM bi.review_logic_model_nodes WHERE review_year = 2024 AND goal = ${records[at][goal].trim() || null}`.execute(database());
    expect(opened[0].n).toBeGreaterThanOrEqual(1);
    // The refused row was a 1.目標年度 row: it starts no indicator, so every node's stored indicators start at 1.
    expect(refused[header.indexOf('目標年度／目標値／実績値／達成率')].replace(/\s/g, '')).toBe('1.目標年度');
    const { rows: numbering } = await sql<{ first: number }>`
      SELECT DISTINCT min(indicator_seq)::integer AS first FROM core.review_indicator_rows i JOIN raw.review_sheet_files f USING (file_sha256)
       WHERE f.status = 'loaded' AND i.review_year = 2024 AND i.row_kind IS NOT NULL
       GROUP BY i.project_id, i.node_kind, i.node_number`.execute(database());
    expect(numbering).toEqual([{ first: 1 }]);
  });
});
