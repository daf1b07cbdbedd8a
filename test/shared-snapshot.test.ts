import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inSharedSnapshot, openDatabase } from '../runtime/database.js';
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

const countOn = async (client: pg.ClientBase) => Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM public.snapshot_probe')).rows[0].n);

/** A promise and the function that settles it. */
function gate(): { readonly opened: Promise<void>; open(): void } {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('reads in a shared snapshot', () => {
  it('see on every connection the rows as they were when the first took its snapshot, not a row committed between', async () => {
    const inserted = gate();
    const counts = await inSharedSnapshot(database.db, [
      async (client) => {
        const before = await countOn(client);
        // Committed by another session after the snapshot was taken and before the other two read.
        await sql`INSERT INTO public.snapshot_probe VALUES (3)`.execute(database.db);
        inserted.open();
        return before;
      },
      async (client) => {
        await inserted.opened;
        return countOn(client);
      },
      async (client) => {
        await inserted.opened;
        return countOn(client);
      },
    ]);
    expect(counts).toEqual([2, 2, 2]);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM public.snapshot_probe`.execute(database.db)).rows[0].n)).toBe(3);
  });

  it('end a read\'s transaction when its own task ends, so that a stronger lock asked for then is not held up by the tasks still running', async () => {
    const firstRead = gate();
    const locked = gate();
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      const rows = await countOn(locker);
      const reads = inSharedSnapshot(database.db, [
        async (client) => {
          const count = await countOn(client);
          firstRead.open();
          return count;
        },
        async (client) => {
          await locked.opened;
          return countOn(client);
        },
      ]);
      // Once the first read has its rows: what attaching a partition asks of its default partition, asked without
      // waiting, until the first read's transaction has ended. The second read waits until it is granted and given up.
      await firstRead.opened;
      await vi.waitFor(
        async () => {
          await locker.query('BEGIN');
          try {
            await locker.query('LOCK TABLE public.snapshot_probe IN ACCESS EXCLUSIVE MODE NOWAIT');
          } catch (error) {
            await locker.query('ROLLBACK');
            throw error;
          }
          await locker.query('COMMIT');
        },
        { timeout: 5_000, interval: 50 },
      );
      locked.open();
      expect(await reads).toEqual([rows, rows]);
    } finally {
      locked.open();
      await locker.end();
    }
  });

  it('take one connection from the pool, so reads at once on a pool of one do not wait on each other forever', async () => {
    const poolOfOne = openDatabase(database.url, 1);
    try {
      const rows = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM public.snapshot_probe`.execute(database.db)).rows[0].n);
      const counts = await Promise.all(Array.from({ length: 3 }, () => inSharedSnapshot(poolOfOne, [countOn, countOn, countOn])));
      expect(counts).toEqual(Array.from({ length: 3 }, () => [rows, rows, rows]));
    } finally {
      await poolOfOne.destroy();
    }
  });

  it('pass a failed read on to the caller and leave no transaction open behind it', async () => {
    await expect(
      inSharedSnapshot(database.db, [
        countOn,
        async (client) => {
          await client.query('SELECT no_such_column FROM public.snapshot_probe');
          return 0;
        },
      ]),
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
