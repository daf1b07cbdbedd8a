/**
 * The scheduled evaluation run: every programme of the catalogue, one child workflow each. A programme
 * that fails does not stop the others; the summary says which failed and why. A programme file of the
 * catalogue that does not validate is named as failed, with its problems, and the others run; only an
 * unreadable base catalogue stops the run before anything is evaluated.
 */
import { defineQuery, executeChild, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { EbpmActivities } from '../activities/index.js';
import { isHeadline } from '../analysis/effect-rows.js';
import { evaluateProgramme, type EvaluateProgrammeInput } from './evaluate-programme.js';
import { rootCauseMessage } from './root-cause.js';

export interface EvaluateAllProgrammesInput {
  readonly programmes: readonly EvaluateProgrammeInput[];
}

export interface ProgrammeHeadline {
  readonly outcome: string;
  /** cs_simple (staggered DiD), sdid (synthetic DiD) or rd_robust (regression discontinuity). */
  readonly estimator: string;
  readonly status: 'estimated' | 'insufficient_data';
  readonly estimate: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly note: string | null;
}

export interface ProgrammeRunSummary {
  readonly programmeId: string;
  readonly status: 'succeeded' | 'failed';
  readonly workflowId: string;
  readonly runKey: string | null;
  readonly specRegisteredAfterCallOpened: boolean | null;
  /** The headline estimate per outcome, by the design its spec names. */
  readonly headlines: readonly ProgrammeHeadline[];
  readonly error: string | null;
}

export interface AllProgrammesSummary {
  readonly programmes: readonly ProgrammeRunSummary[];
  readonly succeeded: number;
  readonly failed: number;
}

export interface AllProgrammesProgress {
  readonly total: number;
  readonly finished: number;
  readonly failed: number;
}

export const allProgrammesProgressQuery = defineQuery<AllProgrammesProgress>('allProgrammesProgress');

/** Runs started before this change replay the old path (validateCatalogue, which then stopped on any invalid file). */
const INVALID_PROGRAMMES_NAMED = 'invalid-programmes-named-as-failed';

const { validateCatalogue, invalidProgrammes } = proxyActivities<EbpmActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

export async function evaluateAllProgrammes(input: EvaluateAllProgrammesInput): Promise<AllProgrammesSummary> {
  let progress: AllProgrammesProgress = { total: input.programmes.length, finished: 0, failed: 0 };
  setHandler(allProgrammesProgressQuery, () => progress);
  const parentId = workflowInfo().workflowId;
  // Broken programme files the input does not already name (a programme named in the input whose file broke
  // since fails in its own child, with the same message).
  let skipped: ProgrammeRunSummary[] = [];
  if (patched(INVALID_PROGRAMMES_NAMED)) {
    const named = new Set(input.programmes.map((programme) => programme.programmeId));
    skipped = (await invalidProgrammes())
      .filter((broken) => !named.has(broken.programmeId))
      .map((broken) => ({ programmeId: broken.programmeId, status: 'failed', workflowId: `${parentId}/${broken.programmeId}`, runKey: null, specRegisteredAfterCallOpened: null, headlines: [], error: broken.error }));
    progress = { total: progress.total + skipped.length, finished: skipped.length, failed: skipped.length };
  } else {
    await validateCatalogue();
  }
  const programmes = await Promise.all(
    input.programmes.map(async (programme): Promise<ProgrammeRunSummary> => {
      const workflowId = `${parentId}/${programme.programmeId}`;
      try {
        const result = await executeChild(evaluateProgramme, { args: [programme], workflowId });
        progress = { ...progress, finished: progress.finished + 1 };
        return {
          programmeId: programme.programmeId,
          status: 'succeeded',
          workflowId,
          runKey: result.run.runKey,
          specRegisteredAfterCallOpened: result.run.specRegisteredAfterCallOpened,
          headlines: result.effects.overall
            .filter((row) => isHeadline(row.estimator))
            .map(({ outcome, estimator, status, estimate, ciLow, ciHigh, note }) => ({ outcome, estimator, status, estimate, ciLow, ciHigh, note })),
          error: null,
        };
      } catch (error) {
        progress = { ...progress, finished: progress.finished + 1, failed: progress.failed + 1 };
        return { programmeId: programme.programmeId, status: 'failed', workflowId, runKey: null, specRegisteredAfterCallOpened: null, headlines: [], error: rootCauseMessage(error) };
      }
    }),
  );
  const all = [...programmes, ...skipped];
  const failed = all.filter((p) => p.status === 'failed').length;
  return { programmes: all, succeeded: all.length - failed, failed };
}
