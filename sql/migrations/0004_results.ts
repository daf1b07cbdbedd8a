import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE results.evaluation_runs (
      run_key         text PRIMARY KEY,
      programme_id    text NOT NULL REFERENCES core.programmes (programme_id),
      spec_version    integer NOT NULL,
      spec_hash       text NOT NULL,
      spec            jsonb NOT NULL,
      spec_registered_after_call_opened boolean NOT NULL,
      input_files     jsonb NOT NULL,
      code_version    text NOT NULL,
      workflow_id     text NOT NULL,
      workflow_run_id text NOT NULL,
      status          text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
      started_at      timestamptz NOT NULL,
      finished_at     timestamptz,
      notes           jsonb NOT NULL DEFAULT '[]'
    )`.execute(db);
  await sql`COMMENT ON TABLE results.evaluation_runs IS 'One row per distinct evaluation: run_key hashes programme, spec hash, input file hashes and code version, so re-running the same inputs updates this row instead of adding one.'`.execute(db);
  await sql`
    CREATE TABLE results.kpi_values (
      run_key      text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      programme_id text NOT NULL,
      indicator_id text NOT NULL,
      fiscal_year  integer NOT NULL,
      value        double precision NOT NULL,
      firms        integer NOT NULL,
      PRIMARY KEY (run_key, indicator_id, fiscal_year),
      FOREIGN KEY (programme_id, indicator_id) REFERENCES core.indicators (programme_id, indicator_id)
    )`.execute(db);
  await sql`
    CREATE TABLE results.kpi_progress (
      run_key              text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      programme_id         text NOT NULL,
      indicator_id         text NOT NULL,
      fiscal_year          integer NOT NULL,
      value                double precision NOT NULL,
      share_achieved       double precision,
      expected_value       double precision,
      on_track             boolean,
      PRIMARY KEY (run_key, indicator_id),
      FOREIGN KEY (programme_id, indicator_id) REFERENCES core.indicators (programme_id, indicator_id)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.kpi_progress IS 'Latest value of each computed indicator against its target: share of the way from baseline to target, and whether it is on the straight path.'`.execute(db);
  await sql`
    CREATE TABLE results.effect_estimates (
      run_key          text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      programme_id     text NOT NULL,
      outcome          text NOT NULL,
      estimator        text NOT NULL,
      term             text NOT NULL,
      event_time       integer,
      cohort           integer,
      period           integer,
      status           text NOT NULL CHECK (status IN ('estimated', 'insufficient_data')),
      estimate         double precision,
      std_error        double precision,
      ci_low           double precision,
      ci_high          double precision,
      p_value          double precision,
      confidence_level double precision NOT NULL,
      bootstrap_std_error double precision,
      band_low         double precision,
      band_high        double precision,
      band_critical_value double precision,
      treated_units    integer NOT NULL,
      comparison_units integer NOT NULL,
      observations     integer NOT NULL,
      cell_units       integer,
      note             text,
      PRIMARY KEY (run_key, outcome, estimator, term),
      CHECK ((status = 'estimated') = (estimate IS NOT NULL))
    )`.execute(db);
  await sql`COMMENT ON TABLE results.effect_estimates IS 'Effect estimates per run, outcome, estimator and term: Callaway-Sant''Anna ATT(g,t) (cs_attgt) and aggregations (cs_simple, cs_dynamic, cs_group, cs_calendar), and TWFE fits for comparison; insufficient_data rows carry a note instead of a number.'`.execute(db);
  await sql`
    CREATE TABLE results.disclosure_settings (
      singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      min_cell_units integer NOT NULL DEFAULT 10 CHECK (min_cell_units >= 1)
    )`.execute(db);
  await sql`INSERT INTO results.disclosure_settings DEFAULT VALUES`.execute(db);
  await sql`COMMENT ON TABLE results.disclosure_settings IS 'Disclosure control for public views: cells computed from fewer than min_cell_units firms are suppressed (set with EBPM_MIN_CELL_UNITS at migrate).'`.execute(db);
  await sql`
    CREATE TABLE results.pretests (
      run_key      text NOT NULL REFERENCES results.evaluation_runs (run_key) ON DELETE CASCADE,
      programme_id text NOT NULL,
      outcome      text NOT NULL,
      statistic    double precision,
      df           integer,
      p_value      double precision,
      note         text,
      PRIMARY KEY (run_key, outcome)
    )`.execute(db);
  await sql`COMMENT ON TABLE results.pretests IS 'Wald pre-test of parallel trends on the pre-treatment ATT(g,t), per run and outcome.'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS results.disclosure_settings, results.pretests, results.effect_estimates, results.kpi_progress, results.kpi_values, results.evaluation_runs`.execute(db);
}
