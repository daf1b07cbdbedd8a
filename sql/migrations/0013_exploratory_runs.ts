import { sql, type Kysely } from 'kysely';
import { comment } from './view-helpers.js';

/**
 * Analysts' ad-hoc (exploratory) studies, kept apart from the pre-registered results: their own runs table
 * (the spec they used = the registered spec plus overrides, who asked and why, the pre-registered run they start
 * from) and their own estimates table, which no headline, public or published output reads. Runs of either kind
 * can now end as cancelled.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE results.evaluation_runs DROP CONSTRAINT evaluation_runs_status_check`.execute(db);
  await sql`ALTER TABLE results.evaluation_runs ADD CONSTRAINT evaluation_runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled'))`.execute(db);

  await sql`
    CREATE TABLE results.exploratory_runs (
      run_key          text PRIMARY KEY,
      programme_id     text NOT NULL REFERENCES core.programmes (programme_id),
      base_run_key     text REFERENCES results.evaluation_runs (run_key) ON DELETE SET NULL,
      registered_spec_hash text NOT NULL,
      spec             jsonb NOT NULL,
      spec_hash        text NOT NULL,
      overrides        jsonb NOT NULL,
      requested_by     text NOT NULL,
      note             text,
      code_version     text NOT NULL,
      workflow_id      text NOT NULL,
      workflow_run_id  text NOT NULL,
      status           text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
      started_at       timestamptz NOT NULL DEFAULT now(),
      finished_at      timestamptz,
      notes            jsonb NOT NULL DEFAULT '[]'
    )`.execute(db);
  await sql`CREATE INDEX exploratory_runs_programme ON results.exploratory_runs (programme_id, started_at)`.execute(db);
  await sql`COMMENT ON TABLE results.exploratory_runs IS 'Ad-hoc (exploratory) studies: the registered spec with an analyst''s overrides, who asked and why, and the pre-registered run they start from. Never published as headline results.'`.execute(db);

  await sql`
    CREATE TABLE results.exploratory_effects (
      run_key          text NOT NULL REFERENCES results.exploratory_runs (run_key) ON DELETE CASCADE,
      outcome          text NOT NULL,
      group_field      text,
      group_value      text,
      estimator        text NOT NULL,
      status           text NOT NULL CHECK (status IN ('estimated', 'insufficient_data')),
      estimate         double precision,
      std_error        double precision,
      ci_low           double precision,
      ci_high          double precision,
      p_value          double precision,
      confidence_level double precision NOT NULL,
      treated_units    integer NOT NULL,
      comparison_units integer NOT NULL,
      note             text
    )`.execute(db);
  await sql`CREATE INDEX exploratory_effects_run ON results.exploratory_effects (run_key)`.execute(db);
  await sql`COMMENT ON TABLE results.exploratory_effects IS 'Overall estimates of ad-hoc studies (one row per outcome, estimator and --by group; the group-difference test as estimator group_difference_test). Written in one transaction when a study succeeds.'`.execute(db);

  await sql`
    CREATE VIEW bi.exploratory_effects AS
    SELECT r.run_key, r.programme_id, r.started_at, r.requested_by, r.note AS request_note, r.base_run_key, r.spec_hash, r.registered_spec_hash,
           r.overrides, e.outcome, e.group_field, e.group_value, e.estimator, e.status, e.estimate, e.std_error,
           e.ci_low, e.ci_high, e.p_value, e.confidence_level, e.treated_units, e.comparison_units, e.note,
           'exploratory, not pre-registered'::text AS standing
      FROM results.exploratory_runs r
      JOIN results.exploratory_effects e USING (run_key)
     WHERE r.status = 'succeeded'`.execute(db);
  await comment(
    db,
    'bi.exploratory_effects',
    'Estimates of analysts’ ad-hoc studies (ebpm study adhoc): exploratory, NOT pre-registered, and never the published effect. Only studies that finished; a cancelled or failed study shows nothing.',
    {
      run_key: 'The ad-hoc study’s run key (ebpm runs show RUN).',
      programme_id: 'Programme id, as in the catalogue.',
      started_at: 'When the study was started.',
      requested_by: 'Who asked for the study (the operating-system user, or EBPM_REQUESTED_BY).',
      request_note: 'Why the study was asked for, as given with --note.',
      base_run_key: 'The latest pre-registered run of the programme when the study started, whose data and spec it starts from.',
      spec_hash: 'SHA-256 of the study’s definition: the spec it estimated with (the registered spec with the overrides applied) and the overrides themselves (subsample and --by split included).',
      registered_spec_hash: 'SHA-256 of the registered (frozen) spec the overrides were applied to.',
      overrides: 'What the analyst changed: outcomes, subgroup filters, --by field, comparison group, method, covariates, anticipation, missing years.',
      outcome: 'Outcome measure.',
      group_field: 'The --by field, or null for the study’s whole (sub)sample.',
      group_value: 'The --by group this row is for, or null.',
      estimator: 'cs_simple (overall ATT), cs_dynamic (average over years since award), or group_difference_test (Wald test that the --by groups’ overall ATTs are equal: estimate = statistic, p_value its p-value).',
      status: 'estimated, or insufficient_data with the reason in note.',
      estimate: 'The estimate (for group_difference_test: the Wald statistic).',
      std_error: 'Analytic standard error, clustered by unit.',
      ci_low: 'Lower end of the confidence interval.',
      ci_high: 'Upper end of the confidence interval.',
      p_value: 'Two-sided p-value of no effect (for group_difference_test: of equal effects across groups).',
      confidence_level: 'Confidence level of the interval.',
      treated_units: 'Awarded units in the estimate.',
      comparison_units: 'Comparison units in the estimate.',
      note: 'Why a row was not estimated, and remarks.',
      standing: 'Always "exploratory, not pre-registered": these rows are not the programme’s published results.',
    },
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.exploratory_effects`.execute(db);
  await sql`DROP TABLE IF EXISTS results.exploratory_effects`.execute(db);
  await sql`DROP TABLE IF EXISTS results.exploratory_runs`.execute(db);
  await sql`UPDATE results.evaluation_runs SET status = 'failed' WHERE status = 'cancelled'`.execute(db);
  await sql`ALTER TABLE results.evaluation_runs DROP CONSTRAINT evaluation_runs_status_check`.execute(db);
  await sql`ALTER TABLE results.evaluation_runs ADD CONSTRAINT evaluation_runs_status_check CHECK (status IN ('running', 'succeeded', 'failed'))`.execute(db);
}
