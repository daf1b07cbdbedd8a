#!/usr/bin/env node
/**
 * ebpm: the command line. Each command lives in ./commands; this file only dispatches and reports errors.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { EnvironmentError } from '../config/environment.js';
import { DatabaseUnavailableError } from '../runtime/database.js';
import { TemporalInstallError } from '../runtime/temporal-cli.js';
import { TemporalUnavailableError } from '../runtime/temporal.js';
import { ScheduleRequestError } from '../scheduling/evaluation-schedules.js';
import { MigrationFailedError } from '../sql/migrate.js';
import { demoCommand, demoUsage } from './commands/demo.js';
import { generateCommand, generateUsage } from './commands/generate.js';
import { migrateCommand, migrateUsage } from './commands/migrate.js';
import { scheduleCommand, scheduleUsage } from './commands/schedule.js';
import { studyCommand, studyUsage } from './commands/study.js';
import { temporalCommand, temporalUsage } from './commands/temporal.js';
import { workerCommand, workerUsage } from './commands/worker.js';
import { UsageError } from './errors.js';

const COMMANDS: Record<string, { run: (args: string[]) => Promise<void>; usage: string }> = {
  demo: { run: demoCommand, usage: demoUsage },
  study: { run: studyCommand, usage: studyUsage },
  schedule: { run: scheduleCommand, usage: scheduleUsage },
  worker: { run: workerCommand, usage: workerUsage },
  migrate: { run: migrateCommand, usage: migrateUsage },
  generate: { run: generateCommand, usage: generateUsage },
  temporal: { run: temporalCommand, usage: temporalUsage },
};

const EXPECTED_FAILURES = [
  EnvironmentError,
  DatabaseUnavailableError,
  TemporalUnavailableError,
  TemporalInstallError,
  MigrationFailedError,
  ScheduleRequestError,
];

function usage(): string {
  return `usage:\n${Object.values(COMMANDS)
    .map((command) => command.usage.replace(/^/gm, '  '))
    .join('\n')}\n\nenvironment: DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, EBPM_TASK_QUEUE (see README.md)`;
}

/** The innermost message of a workflow failure: usually the activity's own error, which names the fix. */
function rootMessage(error: Error): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`ebpm: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  try {
    await command.run(args);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`ebpm ${name}: ${error.message}\nusage:\n${command.usage.replace(/^/gm, '  ')}`);
      return 2;
    }
    if (error instanceof WorkflowFailedError) {
      console.error(`ebpm ${name}: the evaluation workflow failed: ${rootMessage(error)}`);
      return 1;
    }
    if (EXPECTED_FAILURES.some((type) => error instanceof type)) {
      console.error(`ebpm ${name}: ${(error as Error).message}`);
      return 1;
    }
    console.error(`ebpm ${name}: unexpected error:`, process.env.EBPM_DEBUG ? error : (error as Error).message ?? error);
    if (!process.env.EBPM_DEBUG) console.error('(set EBPM_DEBUG=1 for the stack trace)');
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
