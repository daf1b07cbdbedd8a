import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { getProgramme, listProgrammes } from '../../programmes/catalogue.js';
import { writeReports } from '../../report/write-reports.js';
import { UsageError } from '../errors.js';
import { openDatabaseReady } from '../services.js';

export async function reportCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { programme: { type: 'string' }, all: { type: 'boolean' }, out: { type: 'string' } } });
  if (!values.out) throw new UsageError('--out DIR is required');
  if (!values.all && !values.programme) throw new UsageError('give --programme ID or --all');
  const programmes = values.all ? listProgrammes() : [getProgramme(values.programme as string)];
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    const written = await writeReports(db, programmes, resolve(values.out));
    console.log(`Wrote ${written.pages.length} report(s), ${written.svgs.length} event-study plot(s) as SVG and PNG; open ${written.index}`);
  } finally {
    await db.destroy();
  }
}
