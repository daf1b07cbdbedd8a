/**
 * Whether a database's schema is the one this code migrates to, told from the migrations' own table in two short
 * statements: on a database already up to date, Kysely's migrator (its 50 modules loaded, its lock taken, about ten
 * statements) cost a command's start about 70 ms before anything else could use the database (bench/README.md,
 * "2026-12-07 (09:00 UTC)").
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { MIGRATION_NAMES } from './migration-names.js';

/**
 * True when every migration this code knows is applied and no other is: the migrator would have nothing to do.
 * False otherwise, and when the database cannot be read at all (missing, unreachable, never migrated): the migrator's
 * path then runs, creating the database, reporting what is wrong, applying what is missing or refusing migrations it
 * does not know.
 */
export async function schemaIsCurrent(db: Kysely<Database>): Promise<boolean> {
  try {
    const table = await sql<{ present: boolean }>`SELECT to_regclass('public.ebpm_migrations') IS NOT NULL AS present`.execute(db);
    if (!table.rows[0]?.present) return false;
    const applied = await sql<{ name: string }>`SELECT name FROM public.ebpm_migrations`.execute(db);
    const names = applied.rows.map((row) => row.name).sort();
    const known = [...MIGRATION_NAMES].sort();
    return names.length === known.length && names.every((name, index) => name === known[index]);
  } catch {
    return false;
  }
}
