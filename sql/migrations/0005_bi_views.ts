import { sql, type Kysely } from 'kysely';

/**
 * The views BI tools open. Names and columns are stable; a breaking change becomes a new view with a version suffix.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW bi.latest_runs AS
    SELECT DISTINCT ON (r.programme_id)
           r.programme_id, p.name_ja AS programme_name_ja, p.name_en AS programme_name_en,
           r.run_key, r.spec_version, r.spec_hash, r.code_version, r.workflow_id, r.started_at, r.finished_at
      FROM results.evaluation_runs r
      JOIN core.programmes p USING (programme_id)
     WHERE r.status = 'succeeded'
     ORDER BY r.programme_id, r.finished_at DESC`.execute(db);
  await comment(db, 'bi.latest_runs', 'The most recent successful evaluation run of each programme; the other views show results of these runs.', {
    programme_id: 'Programme identifier (see core.programmes).',
    programme_name_ja: 'Programme name in Japanese.',
    programme_name_en: 'Programme name in English.',
    run_key: 'Identity of the evaluation: hash of programme, study-spec hash, input file hashes and code version.',
    spec_version: 'Version of the pre-registered study spec used.',
    spec_hash: 'SHA-256 of the study spec used (canonical JSON).',
    code_version: 'Version of the ebpm code that computed the results.',
    workflow_id: 'Temporal workflow id of the run.',
    started_at: 'When the run started.',
    finished_at: 'When the run finished.',
  });

  await sql`
    CREATE MATERIALIZED VIEW bi.kpi_by_fiscal_year AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           i.indicator_id, i.stage, i.name_ja AS indicator_name_ja, i.name_en AS indicator_name_en, i.unit,
           i.display_order, k.fiscal_year, k.value, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.kpi_values k USING (run_key)
      JOIN core.indicators i ON i.programme_id = k.programme_id AND i.indicator_id = k.indicator_id`.execute(db);
  await sql`CREATE UNIQUE INDEX kpi_by_fiscal_year_key ON bi.kpi_by_fiscal_year (programme_id, indicator_id, fiscal_year)`.execute(db);
  await comment(db, 'bi.kpi_by_fiscal_year', 'Logic-model indicators (KPIs) per programme and fiscal year (April–March), from the latest run. Refreshed at the end of every evaluation run.', {
    programme_id: 'Programme identifier.',
    programme_name_ja: 'Programme name in Japanese.',
    programme_name_en: 'Programme name in English.',
    indicator_id: 'Indicator identifier within the programme.',
    stage: 'Logic-model stage: input, activity, output, short_term_outcome, mid_term_outcome or impact.',
    indicator_name_ja: 'Indicator name in Japanese.',
    indicator_name_en: 'Indicator name in English.',
    unit: 'Unit of the value (e.g. 百万円, 社, %, 万円/人).',
    display_order: 'Order in which to list the indicators of a programme (logic-model order).',
    fiscal_year: 'Japanese fiscal year (FY2023 = April 2023 to March 2024).',
    value: 'Indicator value for the fiscal year.',
    run_key: 'Evaluation run that computed the value.',
    computed_at: 'When that run finished.',
  }, 'MATERIALIZED VIEW');

  await sql`
    CREATE VIEW bi.effect_estimates AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           e.outcome, e.estimator, e.status, e.estimate, e.std_error, e.ci_low, e.ci_high, e.p_value,
           e.confidence_level, e.treated_units, e.comparison_units, e.observations, e.note,
           l.spec_version, l.spec_hash, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
     WHERE e.event_time IS NULL`.execute(db);
  await comment(db, 'bi.effect_estimates', 'Overall effect of each programme on each outcome (average effect on the awarded firms), with confidence interval, from the latest run.', {
    programme_id: 'Programme identifier.',
    programme_name_ja: 'Programme name in Japanese.',
    programme_name_en: 'Programme name in English.',
    outcome: 'Outcome measured (e.g. labour_productivity in 万円 per employee, average_wage in 万円).',
    estimator: 'Estimator: twfe_static = two-way fixed effects difference-in-differences.',
    status: 'estimated, or insufficient_data when the sample is below the study spec minimum (see note).',
    estimate: 'Estimated effect, in the unit of the outcome.',
    std_error: 'Standard error clustered by firm.',
    ci_low: 'Lower bound of the confidence interval.',
    ci_high: 'Upper bound of the confidence interval.',
    p_value: 'Two-sided p-value for a zero effect.',
    confidence_level: 'Confidence level of the interval (e.g. 0.95).',
    treated_units: 'Awarded firms in the estimation sample.',
    comparison_units: 'Comparison firms (rejected applicants) in the estimation sample.',
    observations: 'Firm-year observations used.',
    note: 'Why no estimate was produced, when status is insufficient_data.',
    spec_version: 'Version of the pre-registered study spec used.',
    spec_hash: 'SHA-256 of that study spec.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.event_study AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           e.outcome, e.estimator, e.event_time, e.estimate, e.std_error, e.ci_low, e.ci_high, e.p_value,
           e.confidence_level, l.spec_hash, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
     WHERE e.event_time IS NOT NULL AND e.status = 'estimated'`.execute(db);
  await comment(db, 'bi.event_study', 'Effect by years since award (event time; negative = before the award, a check of parallel trends; the year before the award is the reference and is not listed).', {
    programme_id: 'Programme identifier.',
    programme_name_ja: 'Programme name in Japanese.',
    programme_name_en: 'Programme name in English.',
    outcome: 'Outcome measured.',
    estimator: 'Estimator: twfe_event_study = two-way fixed effects with one dummy per event time.',
    event_time: 'Fiscal years since the award year (0 = the award year).',
    estimate: 'Estimated effect at this event time, relative to the year before the award.',
    std_error: 'Standard error clustered by firm.',
    ci_low: 'Lower bound of the confidence interval.',
    ci_high: 'Upper bound of the confidence interval.',
    p_value: 'Two-sided p-value for a zero effect.',
    confidence_level: 'Confidence level of the interval.',
    spec_hash: 'SHA-256 of the study spec used.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.input_quality AS
    SELECT f.programme_id, f.kind, f.file_name, f.file_sha256, f.rows_total, f.rows_loaded, f.rows_rejected,
           round(100.0 * f.rows_rejected / NULLIF(f.rows_total, 0), 2) AS rejected_percent, f.loaded_at
      FROM raw.input_files f`.execute(db);
  await comment(db, 'bi.input_quality', 'Row account of every input file: rows in = rows loaded + rows rejected. Rejected rows are kept in raw.rejected_rows with their reasons.', {
    programme_id: 'Programme the file belongs to.',
    kind: 'applicants or outcomes.',
    file_name: 'File name as given to the run.',
    file_sha256: 'SHA-256 of the file content; the same file is never loaded twice.',
    rows_total: 'Data rows in the file (header excluded).',
    rows_loaded: 'Rows that passed validation and were loaded.',
    rows_rejected: 'Rows that failed validation (quarantined with reasons).',
    rejected_percent: 'Share of rows rejected, in percent.',
    loaded_at: 'When the file was loaded.',
  });

  await sql`
    CREATE VIEW bi.rejection_reasons AS
    SELECT f.programme_id, f.kind, f.file_name, f.file_sha256, reason ->> 'code' AS reason_code,
           reason ->> 'field' AS field, count(*)::integer AS rows
      FROM raw.rejected_rows r
      JOIN raw.input_files f USING (file_sha256)
      CROSS JOIN LATERAL jsonb_array_elements(r.reasons) AS reason
     GROUP BY 1, 2, 3, 4, 5, 6`.execute(db);
  await comment(db, 'bi.rejection_reasons', 'Why input rows were rejected: rows per file, reason code and field.', {
    programme_id: 'Programme the file belongs to.',
    kind: 'applicants or outcomes.',
    file_name: 'File name as given to the run.',
    file_sha256: 'SHA-256 of the file content.',
    reason_code: 'Machine-readable reason (e.g. corporate_number_check_digit, missing_column, invalid_employees).',
    field: 'Column at fault, when there is one.',
    rows: 'Rows rejected for this reason.',
  });

  await sql`
    CREATE VIEW bi.run_history AS
    SELECT r.run_key, r.programme_id, r.spec_version, r.spec_hash, r.code_version, r.input_files,
           r.workflow_id, r.workflow_run_id, r.status, r.started_at, r.finished_at,
           extract(epoch FROM r.finished_at - r.started_at) AS duration_seconds
      FROM results.evaluation_runs r`.execute(db);
  await comment(db, 'bi.run_history', 'Every evaluation run with its lineage: spec, input files, code version and Temporal workflow.', {
    run_key: 'Identity of the evaluation: hash of programme, spec hash, input file hashes and code version.',
    programme_id: 'Programme evaluated.',
    spec_version: 'Version of the study spec used.',
    spec_hash: 'SHA-256 of the study spec used.',
    code_version: 'Version of the ebpm code.',
    input_files: 'Input files used, as JSON: kind and SHA-256.',
    workflow_id: 'Temporal workflow id (open it in the Temporal UI).',
    workflow_run_id: 'Temporal run id of the latest execution for this run key.',
    status: 'running, succeeded or failed.',
    started_at: 'When the latest execution started.',
    finished_at: 'When it finished.',
    duration_seconds: 'Wall time of the latest execution, in seconds.',
  });
}

async function comment(
  db: Kysely<unknown>,
  relation: string,
  description: string,
  columns: Record<string, string>,
  kind: 'VIEW' | 'MATERIALIZED VIEW' = 'VIEW',
): Promise<void> {
  const [schema, name] = relation.split('.');
  const target = sql`${sql.id(schema)}.${sql.id(name)}`;
  await sql`COMMENT ON ${sql.raw(kind)} ${target} IS ${sql.lit(description)}`.execute(db);
  for (const [column, text] of Object.entries(columns)) {
    await sql`COMMENT ON COLUMN ${target}.${sql.id(column)} IS ${sql.lit(text)}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.run_history, bi.rejection_reasons, bi.input_quality, bi.event_study, bi.effect_estimates`.execute(db);
  await sql`DROP MATERIALIZED VIEW IF EXISTS bi.kpi_by_fiscal_year`.execute(db);
  await sql`DROP VIEW IF EXISTS bi.latest_runs`.execute(db);
}
