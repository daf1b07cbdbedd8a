import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { heartbeatTimeout, readEnvironment, type EbpmEnvironment } from '../../config/environment.js';
import type { ReviewFileAccount } from '../../review-sheets/store-file.js';
import type { LoadReviewSheetsResult } from '../../workflows/index.js';
import type { TemporalSession } from '../../runtime/temporal.js';
import { rootCauseMessage } from '../../workflows/root-cause.js';
import { originsOf, reviewSheetSourceText } from '../../review-sheets/attribution.js';
import { CommandFailure, UsageError } from '../errors.js';

/**
 * ebpm review-sheets load PATH… (the published 行政事業レビュー CSVs, through loadReviewSheetsWorkflow) | check | show |
 * files | quarantine: all but load read the database only and need no Temporal server.
 */
export async function reviewSheetsCommand(args: string[]): Promise<void> {
  const [subcommand, ...rest] = args;
  if (subcommand === 'check') return (await import('./review-sheets-check.js')).checkCommand(rest);
  if (subcommand === 'show') return (await import('./review-sheets-show.js')).showCommand(rest);
  if (subcommand === 'files') return (await import('./review-sheets-register.js')).filesCommand(rest);
  if (subcommand === 'quarantine') return (await import('./review-sheets-register.js')).quarantineCommand(rest);
  if (subcommand !== 'load') throw new UsageError(subcommand ? `unknown subcommand "${subcommand}"` : 'name a subcommand: load, check, show, files or quarantine');
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, 'deployed-worker': { type: 'boolean' } },
  });
  if (!positionals.length) throw new UsageError('name a folder of one review year\'s CSVs or the files to load');
  // The worker may run elsewhere (--deployed-worker): it gets absolute paths.
  const paths = positionals.map((path) => resolve(path));
  const environment = readEnvironment();
  const deployed = values['deployed-worker'] === true;
  const taskQueue = deployed ? environment.taskQueue : `${environment.taskQueue}-review-sheets-${process.pid}`;
  // With its own worker, the command begins parsing the costliest file (3-1) on a thread of its own now, before it
  // loads the Temporal SDK (whose modules hold this thread for about 0.4 s at a stretch): the thread reads the file
  // itself on the core the start leaves idle, and the file's activity takes its text (review-sheets/encoding-ahead.ts).
  const ahead = deployed ? undefined : await import('../../review-sheets/encoding-ahead.js');
  try {
    await ahead?.startEncodingAheadForLoad(paths, environment.inputDir);
    await loadThroughWorkflow(paths, environment, deployed, taskQueue, values.json === true);
  } finally {
    // Text made ahead and never taken (the load failed before that file, or the worker never asked for it) is let go of.
    await ahead?.closeEncodingsAhead();
  }
}

async function loadThroughWorkflow(paths: readonly string[], environment: EbpmEnvironment, deployed: boolean, taskQueue: string, json: boolean): Promise<void> {
  const log = (line: string) => console.error(line);
  // The worker is made first, from the Temporal SDK alone, while the rest (the workflows, kysely and pg, the load's
  // code) loads and the database is readied, waiting on PostgreSQL.
  // Loaded only for `load`: the other subcommands read the database and need neither the worker nor the workflows.
  const [{ createReviewSheetWorker }, { openTemporalSession }] = await Promise.all([import('../../runtime/worker.js'), import('../temporal-session.js')]);
  // With TEMPORAL_ADDRESS unset a dev server is started, which takes seconds: the database is made ready first then, so
  // that one it cannot reach is said before the server starts.
  const readyFirst = environment.temporalAddress ? undefined : await (await import('../services.js')).openDatabaseReady(environment, log);
  let temporal: TemporalSession;
  try {
    temporal = await openTemporalSession(environment, log);
  } catch (error) {
    await readyFirst?.destroy();
    throw error;
  }
  try {
    const workerMade = deployed
      ? undefined
      : createReviewSheetWorker({
          connection: temporal.nativeConnection,
          namespace: temporal.namespace,
          taskQueue,
          maxConcurrentActivities: environment.maxConcurrentActivities,
          // None runs before the database is ready, whatever reaches the task queue.
          activities: async () => {
            const [{ createReviewSheetActivitySet }, { db, ready }] = await Promise.all([import('../../activities/review-sheet-set.js'), prepared]);
            await ready;
            return createReviewSheetActivitySet({ db, inputDir: environment.inputDir });
          },
        });
    // The rest, while the worker is made: the workflows, the database layer, the database made ready, and (for
    // the worker here) the activities' code, which the first activity would otherwise load.
    const prepared = (async () => {
      const [{ loadReviewSheetsWorkflow }, { followWorkflow }, { openDatabaseReadying }] = await Promise.all([
        import('../../workflows/index.js'),
        import('../follow-workflow.js'),
        import('../services.js'),
      ]);
      if (!deployed) import('../../activities/review-sheet-set.js').catch(() => undefined);
      return { loadReviewSheetsWorkflow, followWorkflow, ...(readyFirst ? { db: readyFirst, ready: Promise.resolve() } : openDatabaseReadying(environment, log)) };
    })();
    // Both are awaited below; a failure before then is not an unhandled rejection.
    workerMade?.catch(() => undefined);
    prepared.catch(() => undefined);
    const workflowId = `review-sheets-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
    const load = async (): Promise<LoadReviewSheetsResult> => {
      const { loadReviewSheetsWorkflow, followWorkflow, ready } = await prepared;
      await ready;
      return followWorkflow(await temporal.client.workflow.start(loadReviewSheetsWorkflow, { taskQueue, workflowId, args: [{ paths, ...heartbeatTimeout(environment) }] }), {
        address: temporal.address,
        log,
        reconnectSeconds: environment.reconnectSeconds,
        workerInThisCommand: !deployed,
      });
    };
    try {
      let result: LoadReviewSheetsResult;
      try {
        // The worker polls its own task queue from the start. Whatever fails before the workflow ends (the modules, the
        // database not ready) fails the load inside runUntil, which stops the worker first and then throws it.
        result = workerMade ? await (await workerMade).runUntil(load) : await load();
      } catch (error) {
        if (error instanceof Error && error.name === 'WorkflowFailedError') throw new CommandFailure(`the load was refused: ${rootCauseMessage(error)}`, 2);
        throw error;
      }
      if (json) console.log(JSON.stringify(result, null, 2));
      else console.log(formatAccounts(result));
      const refusals = result.files.flatMap((file) => ('refused' in file ? [file.refused] : []));
      if (refusals.length) {
        const one = refusals.length === 1;
        throw new CommandFailure(
          `${refusals.length} of the ${result.files.length} files ${one ? 'was' : 'were'} refused and nothing of ${one ? 'it' : 'them'} stored; the other files are accounted for above. ` +
            `Fix or replace ${one ? 'it' : 'each'} and load it again (the files already in are skipped):\n${refusals.map((reason) => `  ${reason}`).join('\n')}`,
          2,
        );
      }
    } finally {
      const opened = await prepared.catch(() => undefined);
      if (opened) {
        // Readiness still running (a start-up that failed first) ends before its pool does.
        await opened.ready.catch(() => undefined);
        await opened.db.destroy();
      }
    }
  } finally {
    await temporal.close();
  }
}

/** A file whose bytes were loaded before: as what, and whether that is in force (nothing is stored for its name). */
function skippedLine(file: ReviewFileAccount): string {
  const before = file.loadedBefore;
  const counts = `${file.loaded} loaded, ${file.quarantined} quarantined`;
  const marked = file.markedSynthetic ? '; registered as synthetic now, as its name is marked (its outputs no longer cite the RS system)' : '';
  if (!before || (before.inForce && before.table === file.table && before.reviewYear === file.reviewYear)) return `${file.file}: skipped, loaded before and in force (${counts})${marked}`;
  const state = before.inForce ? 'in force' : 'retired by a newer file';
  return `${file.file}: skipped, nothing stored: the same bytes were loaded before as table ${before.table}, review year ${before.reviewYear} (${counts}; ${state})${marked}`;
}

function formatAccounts(result: LoadReviewSheetsResult): string {
  const lines = result.files.map((file) =>
    'notLoaded' in file ? `${file.file}: not loaded (${file.notLoaded})`
    : 'refused' in file ? `${file.file}: refused, nothing of it stored (see below)`
    : file.skipped ? skippedLine(file)
    : file.reinstated ? `${file.file}: table ${file.table}, review year ${file.reviewYear}: retired earlier, now back in force as loaded before (${file.records} records, ${file.loaded} loaded, ${file.quarantined} quarantined)${file.retired.length ? `; retires ${file.retired.join(', ')}` : ''}`
    : `${file.file}: table ${file.table}, review year ${file.reviewYear}: ${file.records} records, ${file.loaded} loaded, ${file.quarantined} quarantined${file.retired.length ? `; replaces ${file.retired.join(', ')}` : ''}`,
  );
  const quarantined = result.files.some((file) => !('notLoaded' in file) && !('refused' in file) && !file.skipped && file.quarantined > 0);
  const hint = quarantined ? '\n\nQuarantined records are kept with their lines and reasons: `ebpm review-sheets files` gives each file\'s id, `ebpm review-sheets quarantine FILE_ID` lists them.' : '';
  // Files refused or not loaded gave nothing to cite; an account from a deployed worker older than the mark has none and
  // counts as published.
  const stored = result.files.flatMap((file) => ('notLoaded' in file || 'refused' in file ? [] : [{ synthetic: file.synthetic === true, table: file.table, reviewYear: file.reviewYear }]));
  return `${lines.join('\n')}${hint}\n\n${reviewSheetSourceText(originsOf(stored))}`;
}
