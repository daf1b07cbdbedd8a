import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { portAnswers } from '../../runtime/port-probe.js';
import { installTemporalCli } from '../../runtime/temporal-cli.js';
import { findTemporalCli } from '../../runtime/temporal-cli.js';
import { startDevServer, TemporalUnavailableError, type TemporalSession } from '../../runtime/temporal.js';
import { UsageError } from '../errors.js';
import { positiveInteger } from './generate.js';

export async function temporalCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const environment = readEnvironment();
  const log = (line: string) => console.log(line);
  if (action === 'install') {
    parseArgs({ args: rest, options: {} });
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
    try {
      await serveUntilSignal(session);
      log('Stopping the Temporal dev server…');
    } finally {
      await session.close();
    }
    return;
  }
  throw new UsageError(`unknown action "${action ?? ''}" for ebpm temporal`);
}

const HEALTH_CHECK_MS = 2_000;
/** Consecutive failed checks after which the server is taken for dead. */
const FAILED_CHECKS_TOLERATED = 3;

/**
 * Resolves on SIGINT or SIGTERM; rejects when the server stops answering. A pending promise alone does
 * not keep Node running (it would exit at once, code 13): the health check's timer does, and it also
 * notices a server that died under us.
 */
function serveUntilSignal(session: TemporalSession): Promise<void> {
  return new Promise((resolve, reject) => {
    let failures = 0;
    let timer: NodeJS.Timeout;
    let stopped = false;
    const scheduleCheck = () => {
      timer = setTimeout(async () => {
        const answered = await portAnswers(session.address, HEALTH_CHECK_MS);
        if (stopped) return;
        failures = answered ? 0 : failures + 1;
        if (failures < FAILED_CHECKS_TOLERATED) return scheduleCheck();
        stop();
        reject(new TemporalUnavailableError(session.address, new Error('the dev server stopped answering; start it again')));
      }, HEALTH_CHECK_MS);
    };
    const onSignal = () => {
      stop();
      resolve();
    };
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    scheduleCheck();
  });
}
