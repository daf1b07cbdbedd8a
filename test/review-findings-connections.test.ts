/**
 * The connections of the review load's last step (refreshReviewViews): it analyses the tables on two of the pool's
 * connections, then computes the checks in two groups, the second on a connection of its own. The findings are the
 * same when the server has no connection left for that one: every check then runs in the step's own transaction.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createReviewSheetActivities } from '../activities/review-sheets.js';
import { storeReviewSheet } from '../review-sheets/store-file.js';
import { nationalReviewYear } from '../review-sheets/synthetic/national-year.js';
import { writeReviewYear } from '../review-sheets/synthetic/write-review-year.js';
import { openDatabase, withDatabaseName } from '../runtime/database.js';
import { migratedDatabaseOfTheBlock, sheetSource } from './support/migrated-database.js';

describe('the findings\' step on a server with no connection left for its second connection', () => {
  const database = migratedDatabaseOfTheBlock('findconn');
  let dir: string;

  const writtenFindings = async () =>
    (await sql<{ row: string }>`SELECT f::text AS row FROM core.review_findings f ORDER BY 1`.execute(database())).rows.map((row) => row.row);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpm-review-findings-connections-'));
    const files = writeReviewYear(dir, 2024, nationalReviewYear({ projects: 200, seed: 4, reviewYear: 2024 })).files.map((file) => file.path);
    for (const path of files) await storeReviewSheet(database(), sheetSource(basename(path), readFileSync(path)));
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the same findings with every check in its own transaction, as a role whose two connections the pool holds', async () => {
    await createReviewSheetActivities(database()).refreshReviewViews([2024]);
    const written = await writtenFindings();
    // Findings of the checks the second connection computes when it can, and of the others.
    for (const check of ['outcome_unreached', 'output_repeated_as_outcome', 'outcome_without_target']) expect(written.some((row) => row.includes(`,${check},`))).toBe(true);
    // Indicators without has_target, as a worker older than 0052 writes them: the step fills them on that connection too.
    await sql`UPDATE core.review_indicators SET has_target = NULL WHERE project_id % 2 = 0`.execute(database());

    const role = `ebpm_two_connections_${Date.now().toString(36)}`;
    await sql.raw(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 2`).execute(database());
    await sql.raw(`GRANT USAGE ON SCHEMA raw, core TO ${role}`).execute(database());
    await sql.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA raw, core TO ${role}`).execute(database());
    const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(database());
    const url = new URL(withDatabaseName(inject('templateDatabaseUrl'), rows[0].name));
    url.username = role;
    url.password = '';
    const roleUrl = url.toString();
    const limited = openDatabase(roleUrl, 10);
    try {
      // The pool holds the role's two connections, idle, when the step begins: the step analyses on them and takes one
      // for its transaction, and the server refuses a third.
      await Promise.all([sql`SELECT pg_sleep(0.2)`.execute(limited), sql`SELECT pg_sleep(0.2)`.execute(limited)]);
      const third = new pg.Client({ connectionString: roleUrl });
      const refused = await third.connect().then(
        () => 'connected',
        (error: unknown) => (error as { code?: string }).code,
      );
      await third.end().catch(() => undefined);
      expect(refused).toBe('53300');
      await createReviewSheetActivities(limited).refreshReviewViews([2024]);
    } finally {
      await limited.destroy();
      await sql.raw(`REVOKE ALL ON ALL TABLES IN SCHEMA raw, core FROM ${role}`).execute(database());
      await sql.raw(`REVOKE ALL ON SCHEMA raw, core FROM ${role}`).execute(database());
      await sql.raw(`DROP ROLE ${role}`).execute(database());
    }
    expect(await writtenFindings()).toEqual(written);
    const { rows: pending } = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM core.review_indicators WHERE has_target IS NULL`.execute(database());
    expect(pending).toEqual([{ n: 0 }]);
  });
});
