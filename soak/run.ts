/**
 * `npm run soak -- --minutes N [--json]`: one Temporal server, two `ebpm worker` processes and a scratch database,
 * kept busy for N minutes (default 20) with the all-programme schedule every minute, an ad-hoc study every 30 s,
 * a replacement outcome file every two minutes and a consent withdrawal every five. It samples each worker's
 * resident memory and the database's connections throughout, then prints what ran and the checks; exit 1 when a
 * check fails (named), 2 for refused options.
 */
import { parseArgs } from 'node:util';

class SoakUsageError extends Error {}

function parseOptions(argv: string[]): { minutes: number; json: boolean } {
  let values: { minutes?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { minutes: { type: 'string' }, json: { type: 'boolean' } } }));
  } catch (error) {
    throw new SoakUsageError((error as Error).message);
  }
  const minutes = values.minutes === undefined ? 20 : Number(values.minutes);
  if (!(Number.isFinite(minutes) && minutes > 0 && minutes <= 24 * 60)) throw new SoakUsageError(`--minutes must be a number of minutes above 0, e.g. 20 or 1.5 (got "${values.minutes}")`);
  return { minutes, json: values.json === true };
}


async function main(argv: string[]): Promise<number> {
  let options: { minutes: number; json: boolean };
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof SoakUsageError)) throw error;
    console.error(`${error.message}\nusage: npm run soak -- [--minutes N] [--json]`);
    return 2;
  }
  // The soak's modules load only once the options are known good, so a refusal is immediate.
  const { soak } = await import('./soak.js');
  const { formatReport } = await import('./report.js');
  const report = await soak(options.minutes);
  console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
