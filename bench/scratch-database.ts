/** Scratch databases for benchmarks: created for one measurement, checkpointed before it, dropped after. */
import { sql } from 'kysely';
import { dropDatabase, ensureDatabaseExists, openDatabase, withDatabaseName } from '../runtime/database.js';
import { migrateToLatest } from '../sql/migrate.js';

/** A scratch database per measurement, so every load is a first load; dropped afterwards. */
export async function withScratchDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ebpm';
  const url = withDatabaseName(base, `ebpm_bench_${process.pid}_${Date.now().toString(36)}`);
  await ensureDatabaseExists(url);
  try {
    // Writes of the run before (its WAL) are flushed now, not by a checkpoint in the middle of this run.
    await checkpoint(url);
    return await work(url);
  } finally {
    await dropDatabase(url);
  }
}

async function checkpoint(url: string): Promise<void> {
  const db = openDatabase(url, 1);
  try {
    await sql`CHECKPOINT`.execute(db);
  } finally {
    await db.destroy();
  }
}

/** A scratch database with every migration applied before the work is timed, so the measurement is the load alone. */
export function withMigratedScratchDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  return withScratchDatabase(async (url) => {
    const db = openDatabase(url, 1);
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
    await checkpoint(url);
    return work(url);
  });
}
