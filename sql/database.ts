/**
 * The typed shape of every table the code reads or writes; it mirrors the migrations in ./migrations.
 */
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type Numeric = ColumnType<number, number, number>;

export interface InputFilesTable {
  file_sha256: string;
  programme_id: string;
  kind: 'applicants' | 'outcomes' | 'statistics';
  file_name: string;
  rows_total: number;
  rows_loaded: number;
  rows_rejected: number;
  rows_without_consent: ColumnType<number, number | undefined, number>;
  rows_unchanged: ColumnType<number, number | undefined, number>;
  rows_retired: ColumnType<number, number | undefined, number>;
  replaces_earlier: ColumnType<boolean, boolean | undefined, boolean>;
  encoding: string | null;
  status: ColumnType<'loading' | 'complete', 'loading' | 'complete' | undefined, 'loading' | 'complete'>;
  committed_through_line: ColumnType<number, number | undefined, number>;
  loaded_at: Timestamp;
  /** SHA-256 of the file's bytes (file_sha256 is the table's identity: content, sheet and kind). */
  content_sha256: string;
  /** The workbook sheet read; null for text files. */
  sheet: string | null;
  /** How the file was read (ingest/loading/file-identity.ts ReadingAccount). */
  reading: ColumnType<ReadingAccountJson, string | undefined, string>;
  /** The load attempt (workflow run and activity) that completed the file; null outside an activity. */
  loaded_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** An outcome file whose rows are built beside core.outcomes until it completes (ingest/loading/built-beside.ts). */
  outcomes_built_beside: ColumnType<boolean, boolean | undefined, boolean>;
  /** An applicant file whose applications are built beside core.applications until it completes (ingest/loading/built-beside.ts). */
  applications_built_beside: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface ReadingAccountJson {
  readonly headerLines?: readonly number[];
  readonly linesAboveHeader?: number;
  readonly hiddenSheetNamed?: boolean;
  readonly conversions?: readonly { field: string; column: string; shown: string; declared: string; exponent: number; source: string; cells: number }[];
}

export interface RejectedRowsTable {
  file_sha256: string;
  line_number: number;
  raw_record: Json<unknown>;
  reasons: Json<{ code: string; field: string | null; message: string }[]>;
}

export interface ReplacementKeysTable {
  file_sha256: string;
  key_id: string;
  key_period: number;
}

export interface RetiredRowsTable {
  retired_id: ColumnType<string, never, never>;
  programme_id: string;
  kind: 'applicants' | 'outcomes' | 'statistics';
  row_key: string;
  row_data: Json<Record<string, unknown>>;
  source_file_sha256: string;
  retired_at: Timestamp;
  retired_by_file_sha256: string;
}

export interface ConsentWithdrawalsTable {
  programme_id: string;
  corporate_number: string;
  withdrawn_at: Timestamp;
  reason: string | null;
  applications_excluded: number;
  contacts_erased: number;
}

export interface ProgrammesTable {
  programme_id: string;
  name_ja: string;
  name_en: string;
  ministry: string;
}

export interface IndicatorsTable {
  programme_id: string;
  indicator_id: string;
  stage: string;
  name_ja: string;
  name_en: string;
  unit: string;
  display_order: number;
  indicator_class: string;
  direction: 'higher_is_better' | 'lower_is_better';
  definition: string;
  data_source: string;
  baseline_value: Numeric | null;
  baseline_fiscal_year: number | null;
  target_value: Numeric;
  target_fiscal_year: number;
  computed: boolean;
}

export interface FirmsTable {
  corporate_number: string;
  firm_name: string;
  industry_code: string;
  prefecture_code: string;
}

export interface ApplicationsTable {
  programme_id: string;
  unit_id: string;
  corporate_number: string;
  call_round: number;
  application_date: ColumnType<string, string, string>;
  decision: 'awarded' | 'rejected';
  award_fiscal_year: number | null;
  subsidy_amount_yen: ColumnType<string | null, number | null, number | null>;
  requested_amount_yen: ColumnType<string, number, number>;
  employees_at_application: number;
  consent: boolean;
  review_score: ColumnType<number | null, number | null | undefined, number | null>;
  source_file_sha256: string;
  source_line: number;
}

export interface ApplicantContactsTable {
  programme_id: string;
  unit_id: string;
  corporate_number: string;
  call_round: number;
  representative_name: string | null;
  address: string | null;
  phone: string | null;
  email: string | null;
  source_file_sha256: string;
}

export interface UnitsTable {
  programme_id: string;
  unit_id: string;
  unit_kind: 'project' | 'site';
  lead_corporate_number: string;
  prefecture_code: string;
  site_kind: string | null;
  source_file_sha256: string;
}

export interface UnitMembersTable {
  programme_id: string;
  unit_id: string;
  corporate_number: string;
}

export interface OutcomesTable {
  programme_id: string;
  unit_id: string;
  fiscal_year: number;
  /** The programme's declared measures, each in its place (core.outcome_measures.slot - 1); null where not reported. */
  measure_values: (number | null)[];
  source_file_sha256: string;
  source_line: number;
}

export interface OutcomeMeasuresTable {
  programme_id: string;
  measure_name: string;
  /** The measure's place in core.outcomes.measure_values, counted from 1. */
  slot: number;
}

export interface OfficialStatisticsTable {
  programme_id: string;
  indicator_id: string;
  fiscal_year: number;
  value: Numeric;
  source: string;
  provenance: string;
  source_file_sha256: string;
  source_line: number;
}

export interface EvaluationRunsTable {
  run_key: string;
  programme_id: string;
  spec_version: number;
  spec_hash: string;
  spec: Json<unknown>;
  spec_registered_after_call_opened: boolean;
  input_files: Json<{ kind: string; sha256: string }[]>;
  code_version: string;
  workflow_id: string;
  workflow_run_id: string;
  status: RunStatus;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  notes: ColumnType<string[], string | undefined, string>;
  /** row_hash of the spec's registration in governance.spec_registrations; null for runs before migration 0027. */
  spec_registration_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * governance.spec_registrations: append-only and hash-chained. The insert trigger sets sequence, recorded_at,
 * database_role, previous_hash and row_hash whatever the client sends, so an insert leaves them out.
 */
export interface SpecRegistrationsTable {
  sequence: ColumnType<string, never, never>;
  programme_id: ColumnType<string, string, never>;
  spec_version: ColumnType<number, number, never>;
  spec_hash: ColumnType<string, string, never>;
  spec: ColumnType<unknown, string, never>;
  claimed_registered_at: ColumnType<string, string, never>;
  recorded_at: ColumnType<Date, never, never>;
  database_role: ColumnType<string, never, never>;
  registered_by: ColumnType<string, string, never>;
  code_version: ColumnType<string, string, never>;
  via: ColumnType<string, string, never>;
  previous_hash: ColumnType<string, never, never>;
  row_hash: ColumnType<string, never, never>;
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ExploratoryRunsTable {
  run_key: string;
  programme_id: string;
  base_run_key: string | null;
  registered_spec_hash: string;
  spec: Json<unknown>;
  spec_hash: string;
  overrides: Json<unknown>;
  requested_by: string;
  note: string | null;
  code_version: string;
  workflow_id: string;
  workflow_run_id: string;
  status: RunStatus;
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  finished_at: Timestamp | null;
  notes: ColumnType<string[], string | undefined, string>;
}

export interface ExploratoryEffectsTable {
  run_key: string;
  outcome: string;
  group_field: string | null;
  group_value: string | null;
  estimator: string;
  status: 'estimated' | 'insufficient_data';
  estimate: number | null;
  std_error: number | null;
  ci_low: number | null;
  ci_high: number | null;
  p_value: number | null;
  confidence_level: number;
  treated_units: number;
  comparison_units: number;
  note: string | null;
}

export interface KpiValuesTable {
  run_key: string;
  programme_id: string;
  indicator_id: string;
  fiscal_year: number;
  value: Numeric;
  firms: number | null;
  units: number | null;
}

export interface KpiProgressTable {
  run_key: string;
  programme_id: string;
  indicator_id: string;
  fiscal_year: number;
  value: Numeric;
  share_achieved: Numeric | null;
  expected_value: Numeric | null;
  on_track: boolean | null;
}

export interface EffectEstimatesTable {
  run_key: string;
  programme_id: string;
  outcome: string;
  estimator: string;
  term: string;
  event_time: number | null;
  cohort: number | null;
  period: number | null;
  status: 'estimated' | 'insufficient_data';
  estimate: Numeric | null;
  std_error: Numeric | null;
  ci_low: Numeric | null;
  ci_high: Numeric | null;
  p_value: Numeric | null;
  confidence_level: Numeric;
  bootstrap_std_error: Numeric | null;
  band_low: Numeric | null;
  band_high: Numeric | null;
  band_critical_value: Numeric | null;
  treated_units: number;
  comparison_units: number;
  observations: number;
  cell_units: number | null;
  /** Distinct firms behind the cell's treated units (migration 0019); null in earlier runs. */
  cell_firms: number | null;
  comparison_firms: number | null;
  note: string | null;
  /** Migration 0021: jackknife or placebo where the design chooses (synthetic DiD); null otherwise. */
  se_method: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PretestsTable {
  run_key: string;
  programme_id: string;
  outcome: string;
  statistic: Numeric | null;
  df: number | null;
  p_value: Numeric | null;
  note: string | null;
}

export interface SensitivitySummariesTable {
  run_key: string;
  programme_id: string;
  outcome: string;
  target: 'effect_at_0' | 'average_post';
  status: 'computed' | 'not_computed';
  event_times: number[];
  estimate: Numeric | null;
  std_error: Numeric | null;
  original_low: Numeric | null;
  original_high: Numeric | null;
  confidence_level: Numeric;
  breakdown_mbar: Numeric | null;
  breakdown_m: Numeric | null;
  breakdown_mbar_searched_to: Numeric | null;
  breakdown_m_searched_to: Numeric | null;
  statement: string;
  /** Migration 0020: the statement in Japanese. */
  statement_ja: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SensitivityBoundsTable {
  run_key: string;
  outcome: string;
  target: 'effect_at_0' | 'average_post';
  restriction: 'relative_magnitudes' | 'smoothness';
  parameter: Numeric;
  lower_bound: Numeric | null;
  upper_bound: Numeric | null;
  /** True when either end is open (lower_open OR upper_open); kept for readers of migration 0014. */
  open_at_grid_end: boolean;
  /** Migration 0020: the set was still accepted where the search stopped below (above); lower_bound (upper_bound) is then how far it was searched. */
  lower_open: ColumnType<boolean, boolean | undefined, boolean>;
  upper_open: ColumnType<boolean, boolean | undefined, boolean>;
  /** Migration 0020: why the set is empty; null when it is not. */
  empty_reason: 'rejected_outright' | 'rejected_everywhere' | 'beyond_search_limit' | null;
}

export interface OutcomeDesignsTable {
  run_key: string;
  programme_id: string;
  outcome: string;
  design: 'staggered_did' | 'synthetic_did' | 'rd_review_score' | 'descriptive';
  settings: ColumnType<unknown, string, string>;
  reason: string | null;
}

export interface SyntheticTrajectoriesTable {
  run_key: string;
  outcome: string;
  cohort: number;
  fiscal_year: number;
  treated_mean: Numeric;
  synthetic_mean: Numeric;
  synthetic_shifted: Numeric;
  time_weight: Numeric | null;
  treated_units: number;
  treated_firms: number | null;
}

export interface SyntheticUnitWeightsTable {
  run_key: string;
  outcome: string;
  cohort: number;
  unit_id: string;
  weight: Numeric;
}

export interface RdSummariesTable {
  run_key: string;
  outcome: string;
  fuzzy: boolean;
  follow_up_years: number;
  kernel: string;
  polynomial_order: number;
  bandwidth_selector: string;
  h_left: Numeric;
  h_right: Numeric;
  b_left: Numeric;
  b_right: Numeric;
  units_left: number;
  units_right: number;
  effective_left: number;
  effective_right: number;
  mass_points: boolean;
  awards_against_score: number;
  units_dropped: number;
  density_statistic: Numeric | null;
  density_p_value: Numeric | null;
  first_stage: Numeric | null;
}

export interface RdBinsTable {
  run_key: string;
  outcome: string;
  bin: number;
  score_low: Numeric;
  score_high: Numeric;
  score_mean: Numeric;
  outcome_mean: Numeric;
  units: number;
  firms: number | null;
  fitted: Numeric | null;
}

/** Migration 0021: the jump at the cut-off of each pre-registered covariate and the outcome's pre-award level. */
export interface RdCovariateBalanceTable {
  run_key: string;
  outcome: string;
  covariate: string;
  kind: 'characteristic' | 'outcome_baseline';
  estimate: Numeric | null;
  std_error: Numeric | null;
  ci_low: Numeric | null;
  ci_high: Numeric | null;
  p_value: Numeric | null;
  h_left: Numeric | null;
  h_right: Numeric | null;
  effective_left: number | null;
  effective_right: number | null;
  note: string | null;
}

export interface BaselineMomentsTable {
  run_key: string;
  programme_id: string;
  outcome: string;
  sd: Numeric;
  year_to_year_correlation: Numeric;
  units: number;
  first_year: number;
  last_year: number;
}

export interface DisclosureSettingsTable {
  singleton: ColumnType<boolean, boolean | undefined, boolean>;
  min_cell_units: number;
}

export interface Database {
  'raw.input_files': InputFilesTable;
  'raw.rejected_rows': RejectedRowsTable;
  'raw.replacement_keys': ReplacementKeysTable;
  'core.programmes': ProgrammesTable;
  'core.indicators': IndicatorsTable;
  'core.firms': FirmsTable;
  'core.applications': ApplicationsTable;
  'core.outcomes': OutcomesTable;
  'core.outcome_measures': OutcomeMeasuresTable;
  'core.units': UnitsTable;
  'core.unit_members': UnitMembersTable;
  'core.official_statistics': OfficialStatisticsTable;
  'core.retired_rows': RetiredRowsTable;
  'core.consent_withdrawals': ConsentWithdrawalsTable;
  'governance.spec_registrations': SpecRegistrationsTable;
  'restricted.applicant_contacts': ApplicantContactsTable;
  'results.evaluation_runs': EvaluationRunsTable;
  'results.exploratory_runs': ExploratoryRunsTable;
  'results.exploratory_effects': ExploratoryEffectsTable;
  'results.kpi_values': KpiValuesTable;
  'results.kpi_progress': KpiProgressTable;
  'results.effect_estimates': EffectEstimatesTable;
  'results.pretests': PretestsTable;
  'results.sensitivity_summaries': SensitivitySummariesTable;
  'results.sensitivity_bounds': SensitivityBoundsTable;
  'results.outcome_designs': OutcomeDesignsTable;
  'results.synthetic_trajectories': SyntheticTrajectoriesTable;
  'results.synthetic_unit_weights': SyntheticUnitWeightsTable;
  'results.rd_summaries': RdSummariesTable;
  'results.rd_bins': RdBinsTable;
  'results.rd_covariate_balance': RdCovariateBalanceTable;
  'results.baseline_moments': BaselineMomentsTable;
  'results.disclosure_settings': DisclosureSettingsTable;
}

