/**
 * The lineage record of an evaluation. Its key hashes everything that determines the results
 * (programme, spec hash, input file hashes, code version), so a re-run of the same inputs replaces its
 * own rows instead of adding new ones.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { canonicalJson, studySpecHash, studySpecSchema } from '../schemas/study-spec.js';
import type { Database } from '../sql/database.js';
import { withdrawnFirms } from '../governance/consent-withdrawal.js';
import { registeringUser, registerSpecVersion, type RegistrationOutcome } from '../governance/spec-registrations.js';
import { registeredAfterCallOpened, type Programme } from '../programmes/catalogue.js';
import { noEbpmMetrics, type EbpmMetrics } from '../runtime/ebpm-metrics.js';
import { programmeOrFailure } from './programme-registry.js';
import type { FinishRunInput, RegisteredRun, RegisteredSpec, RegisterRunInput, RegisterStudySpecInput } from './contracts.js';

export function runKeyOf(parts: {
  programmeId: string;
  specHash: string;
  inputFiles: RegisterRunInput['inputFiles'];
  codeVersion: string;
  /** Firms that withdrew their consent: they change the results, so the key. Absent when none did, so earlier keys stay. */
  withdrawnFirms?: readonly string[];
}): string {
  const inputFiles = [...parts.inputFiles].sort((a, b) => (a.kind + a.sha256 < b.kind + b.sha256 ? -1 : 1));
  const { withdrawnFirms, ...rest } = parts;
  const keyed = withdrawnFirms && withdrawnFirms.length > 0 ? { ...rest, inputFiles, withdrawnFirms: [...withdrawnFirms].sort() } : { ...rest, inputFiles };
  return createHash('sha256').update(canonicalJson(keyed)).digest('hex');
}

export function createEvaluationRunActivities(db: Kysely<Database>, codeVersion: string, metrics: EbpmMetrics = noEbpmMetrics) {
  /** The run's spec in the registration log: found there, or recorded now (database time) when the run is the first to see it. */
  const registerLatestSpec = (programme: Programme, workflowId: string): Promise<RegistrationOutcome> =>
    registerSpecVersion(db, programme, programme.studySpec.version, { registeredBy: registeringUser(), codeVersion, via: `run ${workflowId}` });

  return {
    /** Where a run starts: records its spec version in the append-only registration log unless it is there already. */
    async registerStudySpec(input: RegisterStudySpecInput): Promise<RegisteredSpec> {
      const programme = programmeOrFailure(input.programmeId);
      const { registration, newlyRecorded } = await registerLatestSpec(programme, input.workflowId);
      return {
        programmeId: programme.id,
        specVersion: registration.specVersion,
        specHash: registration.specHash,
        sequence: registration.sequence,
        claimedRegisteredAt: registration.claimedRegisteredAt,
        recordedAt: registration.recordedAt.toISOString(),
        newlyRecorded,
        registeredAfterCallOpened: registeredAfterCallOpened(programme.file, registration.recordedAt),
      };
    },

    async registerRun(input: RegisterRunInput): Promise<RegisteredRun> {
      const programme = programmeOrFailure(input.programmeId);
      const spec = studySpecSchema.parse(programme.studySpec);
      const specHash = studySpecHash(spec);
      // Runs started before registerStudySpec existed, and callers without a workflow, register here; for the
      // others the row is already there and this only reads it.
      const { registration } = await registerLatestSpec(programme, input.workflowId);
      const afterCallOpened = registeredAfterCallOpened(programme.file, registration.recordedAt);
      const runKey = runKeyOf({ programmeId: input.programmeId, specHash, inputFiles: input.inputFiles, codeVersion, withdrawnFirms: await withdrawnFirms(db, input.programmeId) });
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('results.evaluation_runs')
          .values({
            run_key: runKey,
            programme_id: input.programmeId,
            spec_version: spec.version,
            spec_hash: specHash,
            spec: JSON.stringify(spec),
            spec_registered_after_call_opened: afterCallOpened,
            spec_registration_hash: registration.rowHash,
            input_files: JSON.stringify(input.inputFiles),
            code_version: codeVersion,
            workflow_id: input.workflowId,
            workflow_run_id: input.workflowRunId,
            status: 'running',
            started_at: sql<Date>`now()`,
            finished_at: null,
          })
          .onConflict((conflict) =>
            conflict.column('run_key').doUpdateSet({
              workflow_id: input.workflowId,
              workflow_run_id: input.workflowRunId,
              status: 'running',
              started_at: sql<Date>`now()`,
              finished_at: null,
            }),
          )
          .execute();
        await trx.deleteFrom('results.kpi_values').where('run_key', '=', runKey).execute();
        await trx.deleteFrom('results.kpi_progress').where('run_key', '=', runKey).execute();
        await trx.deleteFrom('results.effect_estimates').where('run_key', '=', runKey).execute();
        await trx.deleteFrom('results.pretests').where('run_key', '=', runKey).execute();
        await trx.deleteFrom('results.sensitivity_bounds').where('run_key', '=', runKey).execute();
        await trx.deleteFrom('results.sensitivity_summaries').where('run_key', '=', runKey).execute();
      });
      return { runKey, specRegisteredAfterCallOpened: afterCallOpened, specVersion: spec.version, specHash, codeVersion, specRecordedAt: registration.recordedAt.toISOString() };
    },

    async finishRun(input: FinishRunInput): Promise<void> {
      const finished = await db
        .updateTable('results.evaluation_runs')
        .set({ status: input.status, finished_at: sql<Date>`clock_timestamp()` })
        .where('run_key', '=', input.runKey)
        .returning('programme_id')
        .executeTakeFirst();
      if (finished) metrics.runEnded(finished.programme_id, input.status, 'pre-registered');
    },

    /**
     * Refreshes every materialised view of the bi schema an evaluation feeds, without blocking readers. The review
     * sheets' (bi.review_*) are the review-sheet load's to write: an evaluation does not change them (none is a
     * materialized view since migration 0041).
     */
    async refreshBiViews(): Promise<string[]> {
      const { rows } = await sql<{ name: string }>`SELECT matviewname AS name FROM pg_matviews WHERE schemaname = 'bi' AND matviewname NOT LIKE 'review\\_%' ORDER BY 1`.execute(db);
      for (const { name } of rows) await sql`REFRESH MATERIALIZED VIEW CONCURRENTLY ${sql.table(`bi.${name}`)}`.execute(db);
      return rows.map((row) => `bi.${row.name}`);
    },
  };
}
