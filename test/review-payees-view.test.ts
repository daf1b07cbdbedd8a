/**
 * bi.review_payees names each payee's block from the block's first row (migration 0046 joins the block rows once where
 * 0025 looked each one up): the same rows either way, for a block given twice, a payee whose block has no row of its
 * own, and a file retired by a newer one.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { storeReviewSheet } from '../review-sheets/store-file.js';
import { migrateTo, migrateToLatest } from '../sql/migrate.js';
import { migratedDatabaseOfTheBlock, sheetSource } from './support/migrated-database.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'review-sheets-2024');
const name = readdirSync(FIXTURES).find((file) => file.startsWith('5-1_RS_2024_'))!;
const published = readFileSync(join(FIXTURES, name));

const csvLine = (record: readonly string[]) => `${record.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(',')}\r\n`;

/**
 * The published file with three more records: block A of the first project again under another name (a later row,
 * so not the name shown), and a payee of that project in block Z, which has no block row.
 */
function withOddBlocks(): Buffer {
  const records = parse(published, { bom: true }) as string[][];
  const header = records[0];
  const column = (title: string) => header.indexOf(title);
  const block = records.find((record, index) => index > 0 && record[column('支出先ブロック名')] !== '')!;
  const payee = records.find((record, index) => index > 0 && record[column('支出先名')] !== '' && record[column('支出先の合計支出額')].trim() !== '')!;
  const renamed = block.map((cell, index) => (index === column('支出先ブロック名') ? '後から来た名前' : cell));
  const orphan = payee.map((cell, index) => (index === column('支出先ブロック番号') ? 'Z' : index === column('支出先名') ? 'ブロックのない支出先' : cell));
  return Buffer.concat([published, Buffer.from(csvLine(renamed) + csvLine(orphan))]);
}

const source = (bytes: Buffer) => sheetSource(name, bytes);

describe('bi.review_payees', () => {
  const database = migratedDatabaseOfTheBlock('m0046');

  const viewRows = async () => (await sql<{ row: string }>`SELECT p::text AS row FROM bi.review_payees p ORDER BY 1`.execute(database())).rows.map((row) => row.row);


  it('names the block of each payee from its first block row, as before 0046, through the migration both ways', async () => {
    expect(await storeReviewSheet(database(), source(published))).toMatchObject({ skipped: false, quarantined: 0 });
    const original = await viewRows();
    expect(await storeReviewSheet(database(), source(withOddBlocks()))).toMatchObject({ skipped: false, quarantined: 0, retired: [name] });
    const shown = await viewRows();
    // The newer file's rows only: one payee more, in a block with no name; block A keeps the name of its first row.
    expect(shown.length).toBe(original.length + 1);
    const { rows: orphans } = await sql<{ block_name: string | null }>`SELECT block_name FROM bi.review_payees WHERE payee_name = 'ブロックのない支出先'`.execute(database());
    expect(orphans).toEqual([{ block_name: null }]);
    const { rows: names } = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM bi.review_payees WHERE block_name = '後から来た名前'`.execute(database());
    expect(names).toEqual([{ n: 0 }]);

    await migrateTo(database(), '0045_review_indicators_loaded');
    const { rows: index } = await sql<{ name: string | null }>`SELECT to_regclass('core.review_payee_rows_blocks')::text AS name`.execute(database());
    expect(index).toEqual([{ name: 'core.review_payee_rows_blocks' }]);
    expect(await viewRows()).toEqual(shown);
    await migrateToLatest(database());
    expect(await viewRows()).toEqual(shown);
    const { rows: comment } = await sql<{ text: string | null }>`SELECT col_description('bi.review_payees'::regclass, 4) AS text`.execute(database());
    expect(comment[0].text).toContain('支出先ブロック名');

    // The published file back in force: its rows as they were.
    expect(await storeReviewSheet(database(), source(published))).toMatchObject({ reinstated: true });
    expect(await viewRows()).toEqual(original);
  });
});
