import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { connectTemporal } from '../../runtime/temporal.js';
import {
  createEvaluationSchedule,
  deleteEvaluationSchedule,
  listEvaluationSchedules,
  triggerEvaluationSchedule,
} from '../../scheduling/evaluation-schedules.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format.js';
import { parseAllProgrammesRequest, parseStudyRequest } from '../study-input.js';

export async function scheduleCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (!['create', 'list', 'delete', 'trigger'].includes(action ?? '')) throw new UsageError(`unknown action "${action ?? ''}" for ebpm schedule`);
  const { values } = parseArgs({
    args: rest,
    options: {
      id: { type: 'string' },
      programme: { type: 'string' },
      applicants: { type: 'string' },
      outcomes: { type: 'string' },
      statistics: { type: 'string' },
      cron: { type: 'string' },
      every: { type: 'string' },
      note: { type: 'string' },
      all: { type: 'boolean' },
      'data-dir': { type: 'string' },
      replaces: { type: 'boolean' },
    },
  });
  const environment = readEnvironment();
  if (!environment.temporalAddress) {
    throw new UsageError(
      'schedules live on a long-running Temporal server: set TEMPORAL_ADDRESS (for a local one, run `npx ebpm temporal start` ' +
        'in another terminal and use TEMPORAL_ADDRESS=127.0.0.1:7233), and run `npx ebpm worker` to execute the scheduled runs',
    );
  }
  const temporal = await connectTemporal(environment.temporalAddress, environment.temporalNamespace);
  try {
    if (action === 'list') {
      const schedules = await listEvaluationSchedules(temporal.client);
      console.log(
        schedules.length === 0
          ? 'No schedules.'
          : formatTable(
              ['id', 'programme', 'paused', 'next run', 'last run', 'note'],
              schedules.map((s) => [
                s.scheduleId,
                s.programmeId ?? '—',
                s.paused ? 'yes' : 'no',
                s.nextRuns[0]?.toISOString() ?? '—',
                s.recentRuns.at(-1)?.toISOString() ?? '—',
                s.note ?? '',
              ]),
            ),
      );
      return;
    }
    if (!values.id) throw new UsageError('--id ID is required');
    if (action === 'create') {
      await createEvaluationSchedule(temporal.client, {
        scheduleId: values.id,
        taskQueue: environment.taskQueue,
        evaluation: values.all ? { kind: 'all-programmes', input: parseAllProgrammesRequest(values['data-dir'], { replaces: values.replaces }) } : { kind: 'programme', input: parseStudyRequest(values) },
        cron: values.cron,
        every: values.every,
        note: values.note,
      });
      console.log(`Schedule ${values.id} created; runs go to task queue ${environment.taskQueue}.`);
    } else if (action === 'delete') {
      await deleteEvaluationSchedule(temporal.client, values.id);
      console.log(`Schedule ${values.id} deleted.`);
    } else {
      await triggerEvaluationSchedule(temporal.client, values.id);
      console.log(`Schedule ${values.id} triggered.`);
    }
  } finally {
    await temporal.close();
  }
}
