import { parseArgs } from 'node:util';
import { heartbeatTimeout, readEnvironment } from '../../config/environment.js';
import { CommandFailure } from '../errors.js';
import { createEbpmWorker } from '../../runtime/worker.js';
import { parseStudyRequest } from '../study-input.js';
import { formatEffects, formatIngestAccount, formatKpis } from '../summary.js';
import { runStudy } from '../run-study.js';
import { openServices } from '../services.js';

export async function studyCommand(args: string[]): Promise<void> {
  if (args[0] === 'adhoc') return (await import('./adhoc.js')).adhocCommand(args.slice(1));
  const { values } = parseArgs({
    args,
    options: {
      programme: { type: 'string' },
      applicants: { type: 'string' },
      outcomes: { type: 'string' },
      statistics: { type: 'string' },
      json: { type: 'boolean' },
      'deployed-worker': { type: 'boolean' },
      replaces: { type: 'boolean' },
    },
  });
  const request = parseStudyRequest(values);
  const environment = readEnvironment();
  const input = { ...request, ...heartbeatTimeout(environment) };
  // Progress goes to stderr so that --json output on stdout stays machine-readable.
  const log = (line: string) => console.error(line);
  const services = await openServices(environment, log, { temporal: true });
  try {
    const temporal = services.temporal!;
    const deployed = values['deployed-worker'] === true;
    const taskQueue = deployed ? environment.taskQueue : `${environment.taskQueue}-study-${process.pid}`;
    const study = () =>
      runStudy({
        client: temporal.client,
        taskQueue,
        input,
        onProgress: (p) => log(`workflow: ${p.step} (${p.completedSteps}/${p.totalSteps})`),
        follow: { address: temporal.address, log, reconnectSeconds: environment.reconnectSeconds, workerInThisCommand: !deployed },
      });
    const { workflowId, result } = deployed
      ? await study()
      : await (await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db: services.db, inputDir: environment.inputDir, maxConcurrentActivities: environment.maxConcurrentActivities })).runUntil(study());
    if (values.json) console.log(JSON.stringify({ workflowId, ...result }, null, 2));
    else console.log(`Workflow ${workflowId} completed.\n\n${formatIngestAccount(result)}\n\n${formatKpis(result)}\n\n${formatEffects(result)}`);
    // A file none of whose rows loaded makes the study's numbers meaningless: say so with the exit code too.
    const empty = result.ingest.filter((account) => !account.skippedDuplicateFile && account.rowsLoaded === 0);
    if (empty.length) {
      const listed = empty.map((account) => `${account.fileName} (${account.kind}: ${account.rowsTotal} rows, all quarantined${Object.keys(account.reasons).length ? `: ${Object.keys(account.reasons).join(', ')}` : ''})`).join('; ');
      throw new CommandFailure(`no row of ${listed} was loaded`, 1);
    }
  } finally {
    await services.close();
  }
}
