/**
 * Ad-hoc (exploratory) studies on the data already loaded: register the run with its spec document (the
 * registered spec plus the analyst's overrides, who asked and why, and the pre-registered run it starts
 * from), estimate, and finish it. Estimates are written in one transaction, and only while the run is still
 * running, so a cancelled or failed study leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { AdhocRequestError, applyOverrides, runAdhocStudy, validateOverrides, type AdhocContext, type AdhocOverrides } from '../analysis/adhoc-study.js';
import { cohortsFromApplications } from '../analysis/effect-study.js';
import type { Programme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { canonicalJson, studySpecSchema, type StudySpec } from '../schemas/study-spec.js';
import type { Database } from '../sql/database.js';
import { noEbpmMetrics, type EbpmMetrics } from '../runtime/ebpm-metrics.js';
import { permanentFailure, reportProgress, whileHeartbeating } from './activity-context.js';
import { APPLICANT_CHARACTERISTICS, readConsentingPanel, readUnitAttributes, unitIdOfRows, withCharacteristics } from './analysis-data.js';
import type { ExploratoryRunInput, ExploratoryStepInput, ExploratorySummary, FinishExploratoryRunInput, RegisteredExploratoryRun } from './contracts.js';
import { programmeOrFailure } from './programme-registry.js';
import { dataProblemAsPermanent } from './data-problems.js';

/** The applicant characteristics a spec may condition on. */
const NUMERIC_CHARACTERISTICS = Object.keys(APPLICANT_CHARACTERISTICS);

/** What an ad-hoc request is checked against: the declared subgroup fields and their values, measures and covariates. */
export async function adhocContext(db: Kysely<Database>, programme: Programme): Promise<AdhocContext> {
  const fields = programme.file.subgroupFields;
  return {
    fields,
    valuesByUnit: await readUnitAttributes(db, programme.id, fields),
    measures: fileDeclaration(programme.file, 'outcomes').measures.map((measure) => measure.name),
    numericCharacteristics: NUMERIC_CHARACTERISTICS,
    callRounds: programme.file.callRounds,
  };
}

function asPermanent(error: unknown): unknown {
  if (error instanceof AdhocRequestError) return permanentFailure('AdhocRequestError', error.message, { offending: error.offending, valid: error.valid });
  return dataProblemAsPermanent(error);
}

export function createExploratoryActivities(db: Kysely<Database>, codeVersion: string, metrics: EbpmMetrics = noEbpmMetrics) {
  return {
    async registerExploratoryRun(input: ExploratoryRunInput): Promise<RegisteredExploratoryRun> {
      const programme = programmeOrFailure(input.programmeId);
      try {
        validateOverrides(input.overrides, await adhocContext(db, programme));
      } catch (error) {
        throw asPermanent(error);
      }
      const registered = studySpecSchema.parse(programme.studySpec);
      const spec = applyOverrides(registered, input.overrides);
      // The study's definition: the spec it estimates with, and the subsample and split the overrides choose.
      const specHash = createHash('sha256').update(canonicalJson({ spec: studySpecSchema.parse(spec), overrides: input.overrides })).digest('hex');
      const runKey = createHash('sha256')
        .update(canonicalJson({ programmeId: input.programmeId, specHash, overrides: input.overrides, workflowId: input.workflowId, codeVersion }))
        .digest('hex');
      const base = await db
        .selectFrom('results.evaluation_runs')
        .select('run_key')
        .where('programme_id', '=', input.programmeId)
        .where('status', '=', 'succeeded')
        .orderBy('finished_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      await db
        .insertInto('results.exploratory_runs')
        .values({
          run_key: runKey,
          programme_id: input.programmeId,
          base_run_key: base?.run_key ?? null,
          registered_spec_hash: programme.specHash,
          spec: JSON.stringify(spec),
          spec_hash: specHash,
          overrides: JSON.stringify(input.overrides),
          requested_by: input.requestedBy,
          note: input.note ?? null,
          code_version: codeVersion,
          workflow_id: input.workflowId,
          workflow_run_id: input.workflowRunId,
          status: 'running',
        })
        // A retried registration (same workflow) finds its own row.
        .onConflict((conflict) => conflict.column('run_key').doNothing())
        .execute();
      return { runKey, specHash, baseRunKey: base?.run_key ?? null };
    },

    estimateExploratory: (input: ExploratoryStepInput): Promise<ExploratorySummary> => whileHeartbeating(() => estimateExploratory(input)),

    async finishExploratoryRun(input: FinishExploratoryRunInput): Promise<void> {
      const finished = await db.transaction().execute(async (trx) => {
        await trx.selectFrom('results.exploratory_runs').select('status').where('run_key', '=', input.runKey).forUpdate().execute();
        if (input.status !== 'succeeded') await trx.deleteFrom('results.exploratory_effects').where('run_key', '=', input.runKey).execute();
        return trx
          .updateTable('results.exploratory_runs')
          .set({ status: input.status, finished_at: sql<Date>`now()` })
          .where('run_key', '=', input.runKey)
          // A study already recorded as cancelled stays so.
          .where('status', 'in', input.status === 'cancelled' ? ['running', 'succeeded', 'failed'] : ['running'])
          .returning('programme_id')
          .executeTakeFirst();
      });
      if (finished) metrics.runEnded(finished.programme_id, input.status, 'exploratory');
    },
  };

  async function estimateExploratory(input: ExploratoryStepInput): Promise<ExploratorySummary> {
    const programme = programmeOrFailure(input.programmeId);
    const run = await db.selectFrom('results.exploratory_runs').select(['spec', 'overrides']).where('run_key', '=', input.runKey).executeTakeFirstOrThrow();
    const spec = studySpecSchema.parse(run.spec) as StudySpec;
    const overrides = run.overrides as AdhocOverrides;
    const measureNames = fileDeclaration(programme.file, 'outcomes').measures.map((measure) => measure.name);
    const [panel, context] = await Promise.all([readConsentingPanel(db, programme.id, measureNames), adhocContext(db, programme)]);
    const { applications } = panel;
    const outcomes = { unitId: unitIdOfRows(panel), fiscalYear: panel.outcomes.fiscalYear, measures: panel.outcomes.measures };
    reportProgress({ step: 'estimating', units: applications.length, observations: outcomes.fiscalYear.length, groupsDone: 0 });
    let study;
    try {
      study = runAdhocStudy(spec, cohortsFromApplications(applications.map(withCharacteristics)), outcomes, overrides, context, (done, total) =>
        reportProgress({ step: 'estimating', units: applications.length, observations: outcomes.fiscalYear.length, groupsDone: done, groups: total }),
      );
    } catch (error) {
      throw asPermanent(error);
    }
    const stored = await db.transaction().execute(async (trx) => {
      // Only a study still running stores its estimates: one cancelled meanwhile leaves nothing.
      const current = await trx.selectFrom('results.exploratory_runs').select('status').where('run_key', '=', input.runKey).forUpdate().executeTakeFirst();
      if (current?.status !== 'running') return false;
      await trx.deleteFrom('results.exploratory_effects').where('run_key', '=', input.runKey).execute();
      if (study.effects.length) {
        await trx
          .insertInto('results.exploratory_effects')
          .values(
            study.effects.map((row) => ({
              run_key: input.runKey,
              outcome: row.outcome,
              group_field: row.groupField,
              group_value: row.groupValue,
              estimator: row.estimator,
              status: row.status,
              estimate: row.estimate,
              std_error: row.stdError,
              ci_low: row.ciLow,
              ci_high: row.ciHigh,
              p_value: row.pValue,
              confidence_level: row.confidenceLevel,
              treated_units: row.treatedUnits,
              comparison_units: row.comparisonUnits,
              note: row.note,
            })),
          )
          .execute();
      }
      await trx.updateTable('results.exploratory_runs').set({ notes: JSON.stringify(study.notes) }).where('run_key', '=', input.runKey).execute();
      return true;
    });
    return { stored, effects: study.effects, notes: study.notes };
  }
}
