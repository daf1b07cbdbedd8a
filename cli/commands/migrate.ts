import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { openDatabaseReady } from '../services.js';

export async function migrateCommand(args: string[]): Promise<void> {
  parseArgs({ args, options: {} });
  const db = await openDatabaseReady(readEnvironment(), (line) => console.log(line));
  await db.destroy();
}
