#!/usr/bin/env node
/**
 * ebpm: the command line. Each command lives in ./commands and is loaded only when called, so that a
 * quick command (estimate, help) does not pay for Temporal and Postgres clients it never uses.
 */
import { rootCauseMessage } from '../workflows/root-cause.js';
import { CommandFailure, UsageError } from './errors.js';
import { USAGE, type CommandName } from './usage.js';

type Command = (args: string[]) => Promise<void>;

const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  study: async () => (await import('./commands/study.js')).studyCommand,
  estimate: async () => (await import('./commands/estimate.js')).estimateCommand,
  sdid: async () => (await import('./commands/sdid.js')).sdidCommand,
  rd: async () => (await import('./commands/rd.js')).rdCommand,
  sensitivity: async () => (await import('./commands/sensitivity.js')).sensitivityCommand,
  schedule: async () => (await import('./commands/schedule.js')).scheduleCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
  migrate: async () => (await import('./commands/migrate.js')).migrateCommand,
  generate: async () => (await import('./commands/generate.js')).generateCommand,
  temporal: async () => (await import('./commands/temporal.js')).temporalCommand,
  // `programmes list` has a module of its own: it reads the cached catalogue and never loads zod or the power analysis.
  programmes: async () => async (args) =>
    args[0] === 'list' ? (await import('./commands/programmes-list.js')).programmesListCommand(args.slice(1)) : (await import('./commands/programmes.js')).programmesCommand(args),
  ingest: async () => (await import('./commands/ingest.js')).ingestCommand,
  quarantine: async () => (await import('./commands/quarantine.js')).quarantineCommand,
  consent: async () => (await import('./commands/consent.js')).consentCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  runs: async () => (await import('./commands/runs.js')).runsCommand,
  metabase: async () => (await import('./commands/metabase.js')).metabaseCommand,
  'review-sheets': async () => (await import('./commands/review-sheets.js')).reviewSheetsCommand,
};

/** Errors whose message already says what went wrong and how to fix it: printed without a stack trace. */
const EXPECTED_FAILURES = new Set([
  'EnvironmentError',
  'DatabaseUnavailableError',
  'TemporalUnavailableError',
  'TemporalInstallError',
  'MigrationFailedError',
  'ScheduleRequestError',
  'CatalogueValidationError',
  'UnknownProgrammeError',
  'InvalidProgrammeError',
  'MetabaseRequestError',
  'MetabaseNotReadyError',
  // Activity failures raised outside Temporal (ebpm ingest) carry messages written for the user.
  'ApplicationFailure',
]);

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}

function usage(): string {
  return `usage:\n${Object.values(USAGE).map(indent).join('\n')}\n\nenvironment: DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, EBPM_TASK_QUEUE (see README.md)`;
}

/** --help or -h anywhere before a `--` (after it, words are the command's values, whatever they look like). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return 0;
  }
  if (!isCommandName(name)) {
    console.error(`ebpm: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  if (asksForHelp(args)) {
    console.log(`usage:\n${indent(USAGE[name])}`);
    return 0;
  }
  try {
    await (await COMMANDS[name]())(args);
    return 0;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    if (error instanceof UsageError || ('code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`ebpm ${name}: ${error.message}\nusage:\n${indent(USAGE[name])}`);
      return 2;
    }
    if (error instanceof CommandFailure) {
      console.error(`ebpm ${name}: ${error.message}`);
      return error.exitCode;
    }
    if (error.name === 'WorkflowFailedError') {
      console.error(`ebpm ${name}: the evaluation workflow failed: ${rootCauseMessage(error)}`);
      return 1;
    }
    if (EXPECTED_FAILURES.has(error.name)) {
      console.error(`ebpm ${name}: ${error.message}`);
      return 1;
    }
    console.error(`ebpm ${name}: unexpected error:`, process.env.EBPM_DEBUG ? error : error.message);
    if (!process.env.EBPM_DEBUG) console.error('(set EBPM_DEBUG=1 for the stack trace)');
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
