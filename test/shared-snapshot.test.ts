import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, withSharedSnapshot } from '../runtime/database.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

/**
 * Reads on several connections at once in one snapshot (runtime/database.ts): the analysis reads the applications and
 * the two halves of the outcome rows this way, so that a change committed while they run is in all of them or in none.
 */
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await sql`CREATE TABLE public.snapshot_probe (n integer)`.execute(database.db);
  await sql`INSERT INTO public.snapshot_probe VALUES (1), (2)`.execute(database.db);
});
afterAll(async () => {
  await database?.drop();
});

const countOn = async (client: { query: (text: string) => Promise<{ rows: { n: string }[] }> }) => Number((await client.query('SELECT count(*) AS n FROM public.snapshot_probe')).rows[0].n);

describe('reads in a shared snapshot', () => {
  it('see on every connection the rows as they were when the first took its snapshot, not a row committed between', async () => {
    const counts = await withSharedSnapshot(database.db, 3, async ([first, second, third]) => {
      const before = await countOn(first);
      // Committed by another session after the snapshot was taken and before the other two connections read.
      await sql`INSERT INTO public.snapshot_probe VALUES (3)`.execute(database.db);
      return [before, await countOn(second), await countOn(third)];
    });
    expect(counts).toEqual([2, 2, 2]);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM public.snapshot_probe`.execute(database.db)).rows[0].n)).toBe(3);
  });

  it('take one connection from the pool, so reads at once on a pool of one do not wait on each other forever', async () => {
    const poolOfOne = openDatabase(database.url, 1);
    try {
      const counts = await Promise.all(Array.from({ length: 3 }, () => withSharedSnapshot(poolOfOne, 3, (clients) => Promise.all(clients.map(countOn)))));
      expect(counts).toHaveLength(3);
      for (const count of counts) expect(count).toHaveLength(3);
    } finally {
      await poolOfOne.destroy();
    }
  });

  it('pass a failed read on to the caller and leave no transaction open behind it', async () => {
    await expect(
      withSharedSnapshot(database.db, 2, async ([, second]) => {
        await second.query('SELECT no_such_column FROM public.snapshot_probe');
      }),
    ).rejects.toThrow(/no_such_column/);
    // The connections are closed, not handed back: the server ends their sessions as it notices, within moments.
    await vi.waitFor(
      async () => {
        const { rows } = await sql<{ sessions: string }>`
          SELECT count(*) AS sessions FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`.execute(database.db);
        expect(Number(rows[0].sessions)).toBe(0);
      },
      { timeout: 5_000, interval: 100 },
    );
  });
});
