/**
 * Settings a command applies to the database from its environment each time it starts, once the schema is current.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** Lets bi_reader log in with this password (or keeps it without login when there is none). */
export async function configureBiReader(db: Kysely<Database>, password: string | undefined): Promise<void> {
  if (password) await sql`ALTER ROLE bi_reader LOGIN PASSWORD ${sql.lit(password)}`.execute(db);
}

/** Sets the disclosure minimum of public views (cells from fewer firms are suppressed). */
export async function configureDisclosure(db: Kysely<Database>, minCellUnits: number | undefined): Promise<void> {
  if (minCellUnits !== undefined) await db.updateTable('results.disclosure_settings').set({ min_cell_units: minCellUnits }).execute();
}
