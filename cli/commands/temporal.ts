import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { installTemporalCli } from '../../runtime/temporal-cli.js';
import { findTemporalCli } from '../../runtime/temporal-cli.js';
import { startDevServer } from '../../runtime/temporal.js';
import { UsageError } from '../errors.js';
import { positiveInteger } from './generate.js';

export async function temporalCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const environment = readEnvironment();
  const log = (line: string) => console.log(line);
  if (action === 'install') {
    const existing = findTemporalCli(environment.toolsDir);
    log(existing ? `Temporal CLI present: ${existing}` : `Temporal CLI installed: ${await installTemporalCli(environment.toolsDir, log)}`);
    return;
  }
  if (action === 'start') {
    const { values } = parseArgs({ args: rest, options: { port: { type: 'string' } } });
    const port = positiveInteger('--port', values.port, 7233) ?? 7233;
    mkdirSync(environment.dataDir, { recursive: true });
    const session = await startDevServer({
      toolsDir: environment.toolsDir,
      namespace: environment.temporalNamespace,
      log,
      port,
      ui: true,
      dbFilename: join(environment.dataDir, 'temporal.db'),
    });
    log(`Set TEMPORAL_ADDRESS=${session.address} for ebpm worker / study / schedule. Web UI on port ${port + 1000}. Ctrl-C stops the server.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await session.close();
    return;
  }
  throw new UsageError(`unknown action "${action ?? ''}" for ebpm temporal`);
}
