import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsBiReader, createTestDatabase, type TestDatabase } from './support/services.js';

describe('the bi_reader role that BI tools log in as', () => {
  let database: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = await connectAsBiReader(database);
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('reads every bi view', async () => {
    const { rows } = await client.query<{ name: string }>(
      "SELECT schemaname || '.' || viewname AS name FROM pg_views WHERE schemaname = 'bi' UNION SELECT schemaname || '.' || matviewname FROM pg_matviews WHERE schemaname = 'bi'",
    );
    expect(rows.length).toBeGreaterThan(8);
    for (const { name } of rows) await expect(client.query(`SELECT * FROM ${name} LIMIT 1`), name).resolves.toBeDefined();
  });

  it('cannot read raw, core, results or the restricted personal data', async () => {
    for (const table of ['raw.input_files', 'raw.rejected_rows', 'core.applications', 'core.firms', 'results.effect_estimates', 'restricted.applicant_contacts']) {
      await expect(client.query(`SELECT * FROM ${table} LIMIT 1`), table).rejects.toMatchObject({ code: '42501' });
    }
  });
});
