import { readEnvironment } from '../../config/environment.js';
import { openDatabaseReady } from '../services.js';

export async function migrateCommand(): Promise<void> {
  const db = await openDatabaseReady(readEnvironment(), (line) => console.log(line));
  await db.destroy();
}
