import { sql, type Kysely } from 'kysely';
import { comment, createPublicEffectCellsView, PROGRAMME_COLUMNS } from './view-helpers.js';

/**
 * The views BI tools open. Names and columns are stable; a breaking change becomes a new view with a version suffix.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW bi.latest_runs AS
    SELECT DISTINCT ON (r.programme_id)
           r.programme_id, p.name_ja AS programme_name_ja, p.name_en AS programme_name_en,
           r.run_key, r.spec_version, r.spec_hash, r.spec_registered_after_call_opened, r.code_version, r.workflow_id, r.started_at, r.finished_at
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
    spec_registered_after_call_opened: 'True when the study spec version was registered after the first call for applications opened: the estimate was not pre-registered.',
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
    ...PROGRAMME_COLUMNS,
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
    CREATE VIEW bi.public_kpi_by_fiscal_year AS
    SELECT k.programme_id, k.programme_name_ja, k.programme_name_en, k.indicator_id, k.stage, k.indicator_name_ja,
           k.indicator_name_en, k.unit, k.display_order, k.fiscal_year,
           CASE WHEN v.firms < s.min_cell_units THEN NULL ELSE k.value END AS value,
           v.firms < s.min_cell_units AS suppressed, k.run_key, k.computed_at
      FROM bi.kpi_by_fiscal_year k
      JOIN results.kpi_values v ON v.run_key = k.run_key AND v.indicator_id = k.indicator_id AND v.fiscal_year = k.fiscal_year
      CROSS JOIN results.disclosure_settings s`.execute(db);
  await comment(db, 'bi.public_kpi_by_fiscal_year', 'KPIs per fiscal year for publication: a value computed from fewer firms than the disclosure minimum (results.disclosure_settings, default 10) is suppressed. No totals are published beside them, so no secondary suppression is needed.', {
    ...PROGRAMME_COLUMNS,
    indicator_id: 'Indicator identifier within the programme.',
    stage: 'Logic-model stage.',
    indicator_name_ja: 'Indicator name in Japanese.',
    indicator_name_en: 'Indicator name in English.',
    unit: 'Unit of the value.',
    display_order: 'Order in which to list the indicators of a programme.',
    fiscal_year: 'Japanese fiscal year (April to March).',
    value: 'Indicator value; null when suppressed.',
    suppressed: 'True when the value comes from fewer firms than the disclosure minimum.',
    run_key: 'Evaluation run that computed the value.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.effect_estimates AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           e.outcome, e.estimator, e.estimator = 'cs_simple' AS is_headline, e.status, e.estimate, e.std_error,
           e.ci_low, e.ci_high, e.p_value, e.confidence_level, e.bootstrap_std_error,
           e.treated_units, e.comparison_units, e.observations, e.note,
           l.spec_version, l.spec_hash, l.spec_registered_after_call_opened, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
     WHERE e.term = 'overall'`.execute(db);
  await comment(db, 'bi.effect_estimates', 'Overall effect of each programme on each outcome, from the latest run. The headline is cs_simple, the average effect on awarded firms (Callaway & Sant\'Anna 2021); the other rows summarise the same estimates differently, and twfe_static is shown for comparison.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured (labour_productivity in 万円 per employee, average_wage in 万円, employees).',
    estimator: 'cs_simple: average over all cohorts and years after award, weighted by cohort size; cs_dynamic: average of the effects 0, 1, 2 … years after award; cs_group: average of the cohort effects; cs_calendar: average of the yearly effects; twfe_static: two-way fixed effects (can be biased when effects change over time).',
    is_headline: 'True for the estimate to quote first (cs_simple).',
    status: 'estimated, or insufficient_data when the sample is below the study spec minimum (see note).',
    estimate: 'Estimated effect, in the unit of the outcome.',
    std_error: 'Analytic standard error clustered by firm.',
    ci_low: 'Lower bound of the pointwise confidence interval.',
    ci_high: 'Upper bound of the pointwise confidence interval.',
    p_value: 'Two-sided p-value for a zero effect.',
    confidence_level: 'Confidence level of the interval (e.g. 0.95).',
    bootstrap_std_error: 'Standard error from the multiplier bootstrap (close to std_error when all is well).',
    treated_units: 'Awarded firms in the estimation sample.',
    comparison_units: 'Comparison firms (never-awarded applicants) in the estimation sample.',
    observations: 'Firm-year observations used.',
    note: 'Why no estimate was produced, when status is insufficient_data.',
    spec_version: 'Version of the pre-registered study spec used.',
    spec_hash: 'SHA-256 of that study spec.',
    spec_registered_after_call_opened: 'True when the spec was registered after the first call opened: treat the estimate as not pre-registered.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.kpi_progress AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, i.indicator_id, i.stage,
           i.name_ja AS indicator_name_ja, i.name_en AS indicator_name_en, i.unit, i.indicator_class, i.direction,
           p.fiscal_year, p.value, i.baseline_value, i.baseline_fiscal_year, i.target_value, i.target_fiscal_year,
           p.share_achieved, p.expected_value, p.on_track, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.kpi_progress p USING (run_key)
      JOIN core.indicators i ON i.programme_id = p.programme_id AND i.indicator_id = p.indicator_id`.execute(db);
  await comment(db, 'bi.kpi_progress', 'Each computed logic-model indicator against its target, from the latest run: latest value, share of the way from baseline to target, and whether it is on the straight path to the target.', {
    ...PROGRAMME_COLUMNS,
    indicator_id: 'Indicator identifier within the programme.',
    stage: 'Logic-model stage.',
    indicator_name_ja: 'Indicator name in Japanese.',
    indicator_name_en: 'Indicator name in English.',
    unit: 'Unit of the values.',
    indicator_class: 'Class of the indicator in the ministry\'s outcome-indicator guide (see programmes/catalogue/indicator-classes.json).',
    direction: 'higher_is_better or lower_is_better.',
    fiscal_year: 'Fiscal year of the latest value.',
    value: 'Latest value.',
    baseline_value: 'Baseline value (null when the catalogue gives none).',
    baseline_fiscal_year: 'Fiscal year of the baseline.',
    target_value: 'Target value.',
    target_fiscal_year: 'Fiscal year by which the target should be reached.',
    share_achieved: 'Share of the way from baseline to target achieved (1 = target reached); without a baseline, value / target.',
    expected_value: 'Value on the straight path from baseline to target in fiscal_year.',
    on_track: 'True when the latest value is at least as good as the path (null without a baseline).',
    run_key: 'Evaluation run that computed the value.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.event_study AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en,
           e.outcome, e.estimator, e.event_time, e.estimate, e.std_error, e.ci_low, e.ci_high, e.p_value,
           e.confidence_level, e.band_low, e.band_high, e.band_critical_value, l.spec_hash, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
     WHERE e.event_time IS NOT NULL AND e.status = 'estimated'`.execute(db);
  await comment(db, 'bi.event_study', 'Effect by years since award (event time; negative = before the award, a check of parallel trends). cs_dynamic is the Callaway & Sant\'Anna event study with a uniform confidence band; twfe_event_study is the two-way fixed effects version (reference year −1 omitted), for comparison.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured (labour_productivity in 万円 per employee, average_wage in 万円, employees).',
    estimator: 'cs_dynamic (headline) or twfe_event_study (comparison).',
    event_time: 'Fiscal years since the award year (0 = the award year).',
    estimate: 'Estimated effect at this event time.',
    std_error: 'Standard error clustered by firm.',
    ci_low: 'Lower bound of the pointwise confidence interval.',
    ci_high: 'Upper bound of the pointwise confidence interval.',
    p_value: 'Two-sided p-value for a zero effect.',
    confidence_level: 'Confidence level of the intervals and band.',
    band_low: 'Lower bound of the uniform (simultaneous) band over all event times; plot this as the band.',
    band_high: 'Upper bound of the uniform band.',
    band_critical_value: 'Bootstrap critical value of the uniform band (1.96 would be pointwise).',
    spec_hash: 'SHA-256 of the study spec used.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.effects_by_cohort AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, e.outcome, e.cohort AS award_fiscal_year,
           e.estimate, e.std_error, e.ci_low, e.ci_high, e.band_low, e.band_high, e.confidence_level, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
     WHERE e.estimator = 'cs_group' AND e.cohort IS NOT NULL`.execute(db);
  await comment(db, 'bi.effects_by_cohort', 'Average effect after award for each call-round cohort (firms first awarded in the same fiscal year).', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured (labour_productivity in 万円 per employee, average_wage in 万円, employees).',
    award_fiscal_year: 'Fiscal year of the cohort\'s first award.',
    estimate: 'Average effect over the cohort\'s post-award years.',
    std_error: 'Standard error clustered by firm.',
    ci_low: 'Lower bound of the pointwise confidence interval.',
    ci_high: 'Upper bound of the pointwise confidence interval.',
    band_low: 'Lower bound of the uniform band over all cohorts.',
    band_high: 'Upper bound of the uniform band over all cohorts.',
    confidence_level: 'Confidence level.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.effects_by_year AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, e.outcome, e.period AS fiscal_year,
           e.estimate, e.std_error, e.ci_low, e.ci_high, e.band_low, e.band_high, e.confidence_level, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
     WHERE e.estimator = 'cs_calendar' AND e.period IS NOT NULL`.execute(db);
  await comment(db, 'bi.effects_by_year', 'Average effect on the firms awarded so far, by fiscal year.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured (labour_productivity in 万円 per employee, average_wage in 万円, employees).',
    fiscal_year: 'Fiscal year.',
    estimate: 'Average effect in that year over the cohorts already awarded.',
    std_error: 'Standard error clustered by firm.',
    ci_low: 'Lower bound of the pointwise confidence interval.',
    ci_high: 'Upper bound of the pointwise confidence interval.',
    band_low: 'Lower bound of the uniform band over all years.',
    band_high: 'Upper bound of the uniform band over all years.',
    confidence_level: 'Confidence level.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });

  await createPublicEffectCellsView(db, {
    view: 'bi.public_effects_by_cohort',
    description: 'Effects by call-round cohort for publication: a cohort of fewer firms than the disclosure minimum (results.disclosure_settings, default 10) is suppressed, and so is the next-smallest cohort when only one is, so no suppressed value can be derived from the rest.',
    estimator: 'cs_group',
    keyColumn: 'cohort',
    key: { name: 'award_fiscal_year', comment: 'Cohort: fiscal year of first award.' },
    estimateComment: 'Average effect after award for the cohort; null when suppressed.',
    firmsComment: 'Awarded firms in the cohort; null when suppressed.',
  });

  await sql`
    CREATE VIEW bi.group_time_effects AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, e.outcome, e.cohort AS award_fiscal_year, e.period AS fiscal_year,
           e.period - e.cohort AS years_since_award, e.status, e.estimate, e.std_error, e.ci_low, e.ci_high, e.band_low, e.band_high,
           e.confidence_level, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
     WHERE e.estimator = 'cs_attgt'`.execute(db);
  await comment(db, 'bi.group_time_effects', 'ATT(g,t): the effect for the cohort first awarded in award_fiscal_year, measured in fiscal_year, against never-awarded applicants. Rows before the award are placebo checks.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured (labour_productivity in 万円 per employee, average_wage in 万円, employees).',
    award_fiscal_year: 'Cohort: fiscal year of first award.',
    fiscal_year: 'Fiscal year the effect is measured in.',
    years_since_award: 'fiscal_year − award_fiscal_year (negative: before the award).',
    status: 'estimated, or insufficient_data when the cell could not be estimated.',
    estimate: 'Estimated effect.',
    std_error: 'Standard error clustered by firm.',
    ci_low: 'Lower bound of the pointwise confidence interval.',
    ci_high: 'Upper bound of the pointwise confidence interval.',
    band_low: 'Lower bound of the uniform band over all cells.',
    band_high: 'Upper bound of the uniform band over all cells.',
    confidence_level: 'Confidence level.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.parallel_trends_pretest AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, p.outcome, p.statistic, p.df, p.p_value,
           p.p_value < 0.05 AS rejected_at_5_percent, p.note, l.run_key, l.finished_at AS computed_at
      FROM bi.latest_runs l
      JOIN results.pretests p USING (run_key)`.execute(db);
  await comment(db, 'bi.parallel_trends_pretest', 'Wald test that all pre-award effects are zero (parallel trends before the award). A small p-value warns that the comparison group may not be comparable.', {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured (labour_productivity in 万円 per employee, average_wage in 万円, employees).',
    statistic: 'Wald statistic.',
    df: 'Degrees of freedom: the number of pre-award cells tested.',
    p_value: 'p-value of the chi-square test.',
    rejected_at_5_percent: 'True when parallel trends are rejected at the 5% level.',
    note: 'Why no test was possible, when there is no statistic.',
    run_key: 'Evaluation run that produced the test.',
    computed_at: 'When that run finished.',
  });

  await sql`
    CREATE VIEW bi.input_quality AS
    SELECT f.programme_id, f.kind, f.file_name, f.file_sha256, f.encoding, f.rows_total, f.rows_loaded, f.rows_rejected,
           f.rows_without_consent, round(100.0 * f.rows_rejected / NULLIF(f.rows_total, 0), 2) AS rejected_percent, f.loaded_at
      FROM raw.input_files f
     WHERE f.status = 'complete'`.execute(db);
  await comment(db, 'bi.input_quality', 'Row account of every input file: rows in = rows loaded + rows rejected. Rejected rows are kept in raw.rejected_rows with their reasons.', {
    programme_id: 'Programme the file belongs to.',
    kind: 'applicants or outcomes.',
    file_name: 'File name as given to the run.',
    file_sha256: 'SHA-256 of the file content; the same file is never loaded twice.',
    rows_total: 'Data rows in the file (header excluded).',
    rows_loaded: 'Rows that passed validation and were loaded.',
    rows_rejected: 'Rows that failed validation (quarantined with reasons).',
    encoding: 'Encoding the file was read in (utf8 or cp932, i.e. Shift_JIS).',
    rows_without_consent: 'Loaded rows whose applicant did not consent to data use: stored, never analysed.',
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
           r.spec_registered_after_call_opened, r.workflow_id, r.workflow_run_id, r.status, r.started_at, r.finished_at,
           extract(epoch FROM r.finished_at - r.started_at) AS duration_seconds, r.notes
      FROM results.evaluation_runs r`.execute(db);
  await comment(db, 'bi.run_history', 'Every evaluation run with its lineage: spec, input files, code version and Temporal workflow.', {
    run_key: 'Identity of the evaluation: hash of programme, spec hash, input file hashes and code version.',
    programme_id: 'Programme evaluated.',
    spec_version: 'Version of the study spec used.',
    spec_hash: 'SHA-256 of the study spec used.',
    code_version: 'Version of the ebpm code.',
    input_files: 'Input files used, as JSON: kind and SHA-256.',
    spec_registered_after_call_opened: 'True when the spec version was registered after the first call opened.',
    workflow_id: 'Temporal workflow id (open it in the Temporal UI).',
    workflow_run_id: 'Temporal run id of the latest execution for this run key.',
    status: 'running, succeeded or failed.',
    started_at: 'When the latest execution started.',
    finished_at: 'When it finished.',
    duration_seconds: 'Wall time of the latest execution, in seconds.',
    notes: 'Remarks from the estimation, as JSON: units dropped by the panel rules, cells not estimated.',
  });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS bi.run_history, bi.rejection_reasons, bi.input_quality, bi.kpi_progress, bi.parallel_trends_pretest, bi.group_time_effects, bi.public_effects_by_cohort, bi.public_kpi_by_fiscal_year, bi.effects_by_year, bi.effects_by_cohort, bi.event_study, bi.effect_estimates`.execute(db);
  await sql`DROP MATERIALIZED VIEW IF EXISTS bi.kpi_by_fiscal_year`.execute(db);
  await sql`DROP VIEW IF EXISTS bi.latest_runs`.execute(db);
}
