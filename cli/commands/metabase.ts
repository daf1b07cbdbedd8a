import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { metabaseEnvironmentSchema } from '../../config/metabase-environment.js';
import { provisionMetabase } from '../../dashboards/provision-metabase.js';
import { databaseName } from '../../runtime/database.js';
import { UsageError } from '../errors.js';
import { openDatabaseReady } from '../services.js';

/** `ebpm metabase setup`: the ready dashboards in a running Metabase, reading the bi schema as bi_reader. */
export async function metabaseCommand(args: string[]): Promise<void> {
  if (args[0] !== 'setup') throw new UsageError('usage: ebpm metabase setup (settings from MB_* and EBPM_BI_* variables; see README.md)');
  parseArgs({ args: args.slice(1), options: {} });
  const parsed = metabaseEnvironmentSchema.safeParse(process.env);
  if (!parsed.success) {
    throw new UsageError(`cannot set up Metabase: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
  }
  const settings = parsed.data;
  const environment = readEnvironment();
  if (!environment.biReaderPassword) {
    throw new UsageError('cannot set up Metabase: EBPM_BI_READER_PASSWORD is not set; it is the password Metabase logs in to Postgres with as bi_reader');
  }
  const log = (line: string) => console.error(line);
  // Migrating also enables bi_reader's login with EBPM_BI_READER_PASSWORD, which Metabase is about to use.
  const db = await openDatabaseReady(environment, log);
  await db.destroy();
  const databaseUrl = new URL(environment.databaseUrl);
  const dashboards = await provisionMetabase(
    {
      url: settings.MB_URL,
      publicUrl: settings.MB_PUBLIC_URL ?? settings.MB_URL,
      admin: { email: settings.MB_ADMIN_EMAIL, password: settings.MB_ADMIN_PASSWORD },
      database: {
        host: settings.EBPM_BI_DB_HOST ?? databaseUrl.hostname,
        port: settings.EBPM_BI_DB_PORT ?? Number(databaseUrl.port || 5432),
        name: settings.EBPM_BI_DB_NAME ?? databaseName(environment.databaseUrl),
        user: 'bi_reader',
        password: environment.biReaderPassword,
      },
      waitSeconds: settings.MB_WAIT_SECONDS,
    },
    log,
  );
  for (const dashboard of dashboards) console.log(`Metabase dashboard ready: ${dashboard.name} (${dashboard.cards} questions): ${dashboard.dashboardUrl}`);
  console.log(`Log in as ${settings.MB_ADMIN_EMAIL}.`);
}
