/**
 * `ebpm study adhoc`: an exploratory study on the data already loaded, as a Temporal workflow, starting from
 * the programme's registered spec with the analyst's overrides. Its estimates go to bi.exploratory_effects only.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod/v3';
import { AdhocRequestError, validateOverrides, type AdhocEffectRow, type AdhocOverrides } from '../../analysis/adhoc-study.js';
import { adhocContext } from '../../activities/exploratory.js';
import { InvalidProgrammeError, loadCatalogue } from '../../programmes/catalogue.js';
import { heartbeatTimeout, readEnvironment } from '../../config/environment.js';
import { createEbpmWorker } from '../../runtime/worker.js';
import { exploratoryProgressQuery, exploratoryStudy, type ExploratoryResult, type ExploratoryStudyInput } from '../../workflows/index.js';
import { UsageError } from '../errors.js';
import { formatNumber, formatTable } from '../format.js';
import type { TemporalSession } from '../../runtime/temporal.js';
import { followWorkflow } from '../follow-workflow.js';
import { openDatabaseReady, openTemporalSession } from '../services.js';

const list = (flag: string) =>
  z
    .string()
    .min(1, `${flag} needs a value`)
    .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

const adhocArgumentsSchema = z.object({
  programme: z.string({ required_error: '--programme ID is required' }).min(1),
  outcome: list('--outcome').optional(),
  subgroup: z
    .array(z.string().regex(/^[a-z][a-z0-9_]*=[^=]+$/, '--subgroup takes COLUMN=VALUE[,VALUE…], e.g. --subgroup industry_code=E,F'))
    .optional(),
  by: z.string().regex(/^[a-z][a-z0-9_]*$/, '--by takes a column name, e.g. --by industry_code').optional(),
  control: z.enum(['never', 'notyet'], { errorMap: () => ({ message: '--control must be never or notyet' }) }).optional(),
  method: z.enum(['dr', 'ipw', 'reg'], { errorMap: () => ({ message: '--method must be dr, ipw or reg' }) }).optional(),
  covariates: list('--covariates').optional(),
  anticipation: z.string().regex(/^\d+$/, '--anticipation must be a whole number').transform(Number).optional(),
  'missing-years': z
    .enum(['balanced', 'unbalanced', 'unbalanced_paired'], { errorMap: () => ({ message: '--missing-years must be balanced, unbalanced or unbalanced_paired' }) })
    .optional(),
  design: z.literal('staggered_did', { errorMap: () => ({ message: '--design: ad-hoc studies use staggered_did (the only design implemented so far)' }) }).optional(),
  note: z.string().max(2000, '--note is limited to 2,000 characters').optional(),
  json: z.boolean().default(false),
  'deployed-worker': z.boolean().default(false),
});

function overridesOf(args: z.output<typeof adhocArgumentsSchema>): AdhocOverrides {
  return {
    ...(args.outcome ? { outcomes: args.outcome } : {}),
    ...(args.subgroup
      ? {
          subgroups: args.subgroup.map((filter) => {
            const [field, values] = filter.split('=');
            return { field, values: values.split(',').map((value) => value.trim()).filter(Boolean) };
          }),
        }
      : {}),
    ...(args.by ? { by: args.by } : {}),
    ...(args.control ? { control: args.control } : {}),
    ...(args.method ? { method: args.method } : {}),
    ...(args.covariates ? { covariates: args.covariates } : {}),
    ...(args.anticipation !== undefined ? { anticipation: args.anticipation } : {}),
    ...(args['missing-years'] ? { missingYears: args['missing-years'] } : {}),
  };
}

/** The request's own mistake (an unknown column, value, outcome or covariate), which the workflow refused. */
function requestRefusal(error: unknown): string | null {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type === 'AdhocRequestError') return current.message;
    current = current.cause;
  }
  return null;
}

export async function adhocCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      programme: { type: 'string' },
      outcome: { type: 'string' },
      subgroup: { type: 'string', multiple: true },
      by: { type: 'string' },
      control: { type: 'string' },
      method: { type: 'string' },
      covariates: { type: 'string' },
      anticipation: { type: 'string' },
      'missing-years': { type: 'string' },
      design: { type: 'string' },
      note: { type: 'string' },
      json: { type: 'boolean' },
      'deployed-worker': { type: 'boolean' },
    },
  });
  const parsed = adhocArgumentsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  const options = parsed.data;
  const environment = readEnvironment();
  const input: ExploratoryStudyInput = {
    programmeId: options.programme,
    overrides: overridesOf(options),
    requestedBy: process.env.EBPM_REQUESTED_BY || userInfo().username,
    ...(options.note ? { note: options.note } : {}),
    ...heartbeatTimeout(environment),
  };
  const log = (line: string) => console.error(line);
  const db = await openDatabaseReady(environment, log);
  let temporal: TemporalSession | undefined;
  try {
    // Checked here first for a clear refusal; the workflow checks again, for requests that reach it otherwise.
    const current = loadCatalogue();
    const broken = current.broken.find((candidate) => candidate.programmeId === options.programme);
    if (broken) throw new InvalidProgrammeError(broken);
    const programme = current.programmes.find((candidate) => candidate.id === options.programme);
    if (!programme) throw new UsageError(`no programme "${options.programme}" in the catalogue; ebpm programmes list shows the ids`);
    try {
      validateOverrides(input.overrides, await adhocContext(db, programme));
    } catch (error) {
      if (error instanceof AdhocRequestError) throw new UsageError(error.message);
      throw error;
    }
    temporal = await openTemporalSession(environment, log);
    const client = temporal.client;
    const deployed = options['deployed-worker'];
    const taskQueue = deployed ? environment.taskQueue : `${environment.taskQueue}-adhoc-${process.pid}`;
    const workflowId = `adhoc-${options.programme}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const study = async (): Promise<ExploratoryResult> =>
      followWorkflow(await client.workflow.start(exploratoryStudy, { taskQueue, workflowId, args: [input] }), {
        address: temporal!.address,
        log,
        reconnectSeconds: environment.reconnectSeconds,
        workerInThisCommand: !deployed,
        query: exploratoryProgressQuery,
        onProgress: (progress) =>
          log(`workflow: ${progress.step} (${progress.completedSteps}/${progress.totalSteps})${progress.runKey ? ` · run ${progress.runKey.slice(0, 12)}` : ''}`),
      });
    let result: ExploratoryResult;
    try {
      result = deployed
        ? await study()
        : await (await createEbpmWorker({ connection: temporal.nativeConnection, namespace: temporal.namespace, taskQueue, db, inputDir: environment.inputDir, maxConcurrentActivities: environment.maxConcurrentActivities })).runUntil(study());
    } catch (error) {
      const refusal = error instanceof WorkflowFailedError ? requestRefusal(error) : null;
      if (refusal) throw new UsageError(refusal);
      throw error;
    }
    if (options.json) {
      console.log(JSON.stringify({ workflowId, runKey: result.run.runKey, specHash: result.run.specHash, baseRunKey: result.run.baseRunKey, estimates: result.estimates.effects, notes: result.estimates.notes }, null, 2));
      return;
    }
    console.log(formatAdhocResult(workflowId, result));
  } finally {
    await temporal?.close();
    await db.destroy();
  }
}

const ESTIMATOR_LABELS: Readonly<Record<AdhocEffectRow['estimator'], string>> = {
  cs_simple: 'overall ATT',
  cs_dynamic: 'average over years since award',
  sdid: 'synthetic DiD over award cohorts',
  rd_robust: 'regression discontinuity (robust interval)',
  group_difference_test: 'test: groups differ (Wald χ²)',
};

export function formatAdhocResult(workflowId: string, result: ExploratoryResult): string {
  const table = formatTable(
    ['outcome', 'group', 'estimate', 'std. error', 'CI', 'p-value', 'treated', 'comparison', 'what'],
    result.estimates.effects.map((row) => [
      row.outcome,
      row.groupField === null ? 'all' : row.groupValue === null ? `by ${row.groupField}` : `${row.groupField}=${row.groupValue}`,
      row.status === 'estimated' ? formatNumber(row.estimate) : 'not estimated',
      formatNumber(row.stdError),
      row.ciLow === null ? (row.status === 'estimated' ? '' : (row.note ?? '')) : `${Math.round(row.confidenceLevel * 100)}% [${formatNumber(row.ciLow)}, ${formatNumber(row.ciHigh)}]`,
      formatNumber(row.pValue, 3),
      String(row.treatedUnits),
      String(row.comparisonUnits),
      ESTIMATOR_LABELS[row.estimator],
    ]),
  );
  return (
    `Exploratory study ${result.run.runKey} (workflow ${workflowId}) — NOT pre-registered; in bi.exploratory_effects only.\n` +
    `spec ${result.run.specHash.slice(0, 12)}… = registered spec + overrides · starts from run ${result.run.baseRunKey?.slice(0, 12) ?? '(none yet)'}\n\n` +
    `${table}${formatNotes(result)}`
  );
}

/** The whole sample's notes; those of each --by group stay in `ebpm runs show RUN`. */
function formatNotes(result: ExploratoryResult): string {
  const groupNote = /^[a-z][a-z0-9_]*=[^:]+: /;
  const shown = result.estimates.notes.filter((note) => !groupNote.test(note));
  const hidden = result.estimates.notes.length - shown.length;
  if (shown.length === 0 && hidden === 0) return '';
  const more = hidden ? `\n- and ${hidden} notes on the groups: ebpm runs show ${result.run.runKey.slice(0, 12)}` : '';
  return `\n\nNotes\n${shown.map((note) => `- ${note}`).join('\n')}${more}`;
}
