/** What a programme report shows, read from the bi views (and the catalogue for the logic model and spec). */
import { sql, type Kysely } from 'kysely';
import { targetsAgainstPower, type TargetAgainstPower } from '../analysis/power-against-targets.js';
import { DEFAULT_POWER_SETTINGS, programmePower, type ObservedBaseline, type PowerAnalysis } from '../analysis/power.js';
import type { Programme } from '../programmes/catalogue.js';
import type { Database } from '../sql/database.js';
import { readIndicatorProgress, type IndicatorProgress } from './xlsx/progress-data.js';
import type { CovariateBalanceRow } from '../analysis/rd-covariate-balance.js';
import { readReviewSheetData, type ReviewSheetData } from './review-sheet/sheet-data.js';

/** Which numbers a report may show: every number (internal, for officials) or what the disclosure rule publishes. */
export type ReportVariant = 'internal' | 'public';

export interface EffectRow {
  readonly outcome: string;
  readonly estimator: string;
  /** The spec's design for the outcome: staggered_did, synthetic_did or rd_review_score. */
  readonly design: string;
  readonly status: string;
  readonly estimate: number | null;
  readonly stdError: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly pValue: number | null;
  readonly confidenceLevel: number | null;
  /** Awarded units (firms, projects or sites) behind the estimate. */
  readonly units: number | null;
  readonly comparisonUnits: number | null;
  /** Distinct firms behind the awarded units, where the view carries them. */
  readonly firms: number | null;
  readonly note: string | null;
  /** Position of the outcome in the study spec (1 = first). */
  readonly outcomePosition: number | null;
  /** The one row that headlines the programme (bi.*effect_estimates.is_programme_headline). */
  readonly isProgrammeHeadline: boolean;
  /** True when the disclosure rule withholds it (public variant only). */
  readonly withheld: boolean;
}

export interface SeriesRow {
  readonly outcome: string;
  readonly key: number;
  readonly estimate: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly bandLow: number | null;
  readonly bandHigh: number | null;
}

/** A cell the public view withholds: too few firms (primary), or withheld so a primary one cannot be derived (secondary). */
export interface WithheldCell {
  readonly outcome: string;
  /** The cohort's award fiscal year, the fiscal year, or the event time. */
  readonly key: number;
  readonly suppression: 'primary' | 'secondary';
}

/** A public effects table split into what may be charted and what is withheld. */
export interface PublicSeries {
  readonly published: readonly SeriesRow[];
  readonly withheld: readonly WithheldCell[];
}

/** The sensitivity of one outcome's event-study effect to departures from parallel trends. */
export interface SensitivityReport {
  readonly outcome: string;
  readonly target: 'effect_at_0' | 'average_post';
  readonly status: string;
  readonly estimate: number | null;
  readonly originalLow: number | null;
  readonly originalHigh: number | null;
  readonly breakdownMbar: number | null;
  readonly breakdownM: number | null;
  readonly statement: string;
  /** The statement in Japanese; null for runs before migration 0020. */
  readonly statementJa: string | null;
  /** True when the disclosure rule withholds the analysis (public variant: the effect or an event time it rests on is withheld). */
  readonly withheld: boolean;
  readonly bounds: readonly SensitivityBound[];
}

/** One robust interval: `lower`/`upper` are bounds only; an open end is null there, with how far the set was searched in `…SearchedTo`. */
export interface SensitivityBound {
  readonly restriction: 'relative_magnitudes' | 'smoothness';
  readonly parameter: number;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  readonly lowerSearchedTo: number | null;
  readonly upperSearchedTo: number | null;
  /** Why the set is empty; null when it is not. */
  readonly emptyReason: string | null;
}

/** Synthetic DiD: the awarded units against their synthetic comparison by years since award, pooled over cohorts (bi.public_synthetic_paths). */
export interface SyntheticPathRow {
  readonly outcome: string;
  readonly eventTime: number;
  readonly treatedMean: number;
  readonly syntheticShifted: number;
  readonly treatedUnits: number;
}

/** Regression discontinuity: one bin of the binned scatter (bins under the disclosure minimum are left out). */
export interface RdBinRow {
  readonly outcome: string;
  readonly scoreMean: number;
  readonly outcomeMean: number;
  readonly units: number;
  readonly fitted: number | null;
}

export interface RdSummary {
  readonly outcome: string;
  readonly hLeft: number;
  readonly hRight: number;
  readonly effectiveLeft: number;
  readonly effectiveRight: number;
  readonly followUpYears: number;
  readonly fuzzy: boolean;
  readonly densityPValue: number | null;
  readonly awardsAgainstScore: number;
  readonly kernel: string;
  readonly polynomialOrder: number;
  readonly bandwidthSelector: string;
  /** Bias-correction bandwidths either side. */
  readonly bLeft: number;
  readonly bRight: number;
  /** Units either side of the cut-off, in or out of the bandwidth. */
  readonly unitsLeft: number;
  readonly unitsRight: number;
  readonly unitsDropped: number;
  readonly densityStatistic: number | null;
  /** For a fuzzy design: the jump in the award rate at the cut-off. */
  readonly firstStage: number | null;
}

/** Synthetic DiD diagnostics (bi.synthetic_diagnostics): one pooled row per outcome (awardFiscalYear null) and one per cohort. */
export interface SyntheticDiagnosticsRow {
  readonly outcome: string;
  readonly awardFiscalYear: number | null;
  readonly treatedUnits: number;
  /** Distinct firms behind the cohort (null for the pooled row, and in runs before firms were counted). */
  readonly treatedFirms: number | null;
  readonly preYears: number | null;
  readonly preFitRmse: number | null;
  readonly prePeriodSd: number | null;
  readonly preFitRmseToSd: number | null;
  readonly donorPool: number;
  readonly donorsWeighted: number | null;
  readonly effectiveDonors: number | null;
  readonly maxDonorWeight: number | null;
  readonly seMethod: 'jackknife' | 'placebo' | null;
  readonly placeboDraws: number | null;
}

/** The jump at the RD cut-off of a pre-registered characteristic or the outcome's pre-award level, as bi.rd_covariate_balance holds it (no SE column). */
export type RdCovariateBalanceRow = Omit<CovariateBalanceRow, 'stdError'>;

export interface ReportData {
  readonly programme: Programme;
  readonly variant: ReportVariant;
  readonly run: {
    readonly runKey: string;
    readonly specVersion: number;
    readonly specHash: string;
    /** Judged on the date the registration log recorded (runs from migration 0027 on; before, on the claimed date). */
    readonly specRegisteredAfterCallOpened: boolean;
    /** The registration date typed in the catalogue for the run's spec (a claim). */
    readonly specClaimedRegisteredAt: string | null;
    /** When governance.spec_registrations recorded the run's spec (database time); null when it never did. */
    readonly specRecordedAt: string | null;
    readonly codeVersion: string;
    readonly workflowId: string;
    readonly finishedAt: string;
    readonly inputFiles: readonly { kind: string; sha256: string }[];
  } | null;
  /** Every logic-model indicator in the logic model's order with its judged value and progress (the progress table's reading). */
  readonly indicatorProgress: readonly IndicatorProgress[];
  readonly effects: readonly EffectRow[];
  /** These three from the disclosure-controlled public views in the public variant, from the full views in the internal one. */
  readonly eventStudy: PublicSeries;
  readonly byCohort: PublicSeries;
  readonly byYear: PublicSeries;
  readonly minCellUnits: number;
  /** The design per outcome from the latest run, with a descriptive outcome's reason. */
  readonly designs: readonly { outcome: string; design: string; reason: string | null }[];
  /** Event times the disclosure rule withholds from a path (bi.public_synthetic_paths). */
  readonly syntheticPaths: { readonly published: readonly SyntheticPathRow[]; readonly withheld: readonly { outcome: string; eventTime: number }[] };
  readonly rdBins: readonly RdBinRow[];
  readonly rdSummaries: readonly RdSummary[];
  readonly syntheticDiagnostics: readonly SyntheticDiagnosticsRow[];
  readonly rdCovariateBalance: readonly RdCovariateBalanceRow[];
  readonly pretests: readonly { outcome: string; statistic: number | null; df: number | null; pValue: number | null; note: string | null }[];
  readonly sensitivity: readonly SensitivityReport[];
  /** The design's minimum detectable effects for the planned call (from the catalogue), null when it declares none. */
  readonly power: { readonly analysis: PowerAnalysis; readonly targets: readonly TargetAgainstPower[] } | null;
  readonly inputs: readonly { kind: string; fileName: string; rowsTotal: number; rowsLoaded: number; rowsRejected: number }[];
  /** Analysts' ad-hoc studies, for the internal report only (empty in the public version). */
  readonly exploratory: readonly ExploratoryStudyReport[];
  /** The programme's own published review sheets (public data: the same in both variants). */
  readonly reviewSheets: ReviewSheetData;
}

export interface ExploratoryStudyReport {
  readonly runKey: string;
  readonly startedAt: string;
  readonly requestedBy: string;
  readonly note: string | null;
  readonly overrides: unknown;
  readonly rows: readonly { outcome: string; group: string; estimator: string; estimate: number | null; ciLow: number | null; ciHigh: number | null; pValue: number | null }[];
}

/** The finished ad-hoc studies of a programme, newest first, from bi.exploratory_effects. */
async function readExploratoryStudies(db: Kysely<Database>, programmeId: string): Promise<ExploratoryStudyReport[]> {
  const { rows } = await sql<{ run_key: string; started_at: Date; requested_by: string; request_note: string | null; overrides: unknown; outcome: string; group_field: string | null; group_value: string | null; estimator: string; estimate: number | null; ci_low: number | null; ci_high: number | null; p_value: number | null }>`
    SELECT run_key, started_at, requested_by, request_note, overrides, outcome, group_field, group_value, estimator, estimate, ci_low, ci_high, p_value
      FROM bi.exploratory_effects WHERE programme_id = ${programmeId}
     ORDER BY started_at DESC, run_key, outcome, group_field NULLS FIRST, group_value NULLS LAST, estimator`.execute(db);
  const studies = new Map<string, ExploratoryStudyReport & { rows: ExploratoryStudyReport['rows'][number][] }>();
  for (const row of rows) {
    let study = studies.get(row.run_key);
    if (!study) {
      study = { runKey: row.run_key, startedAt: row.started_at.toISOString(), requestedBy: row.requested_by, note: row.request_note, overrides: row.overrides, rows: [] };
      studies.set(row.run_key, study);
    }
    const group = row.group_field === null ? 'all' : row.group_value === null ? `by ${row.group_field}` : `${row.group_field}=${row.group_value}`;
    study.rows.push({ outcome: row.outcome, group, estimator: row.estimator, estimate: row.estimate, ciLow: row.ci_low, ciHigh: row.ci_high, pValue: row.p_value });
  }
  return [...studies.values()];
}

/** Each outcome's spread and year-to-year correlation before the first award, as the latest run measured them (bi.baseline_moments). */
export async function readObservedBaselines(db: Kysely<Database>, programmeId: string): Promise<Record<string, ObservedBaseline>> {
  const { rows } = await sql<{ outcome: string; sd: number; year_to_year_correlation: number; units: number; first_year: number; last_year: number; run_key: string }>`
    SELECT outcome, sd, year_to_year_correlation, units, first_year, last_year, run_key FROM bi.baseline_moments WHERE programme_id = ${programmeId}`.execute(db);
  return Object.fromEntries(
    rows.map((m) => [m.outcome, { sd: m.sd, yearToYearCorrelation: m.year_to_year_correlation, units: m.units, firstYear: m.first_year, lastYear: m.last_year, runKey: m.run_key }]),
  );
}

/**
 * The pooled synthetic-DiD paths as bi.public_synthetic_paths publishes them (pooled over cohorts by years since
 * award, in the database, under the disclosure rule): the published points, and the event times it withholds.
 */
export function publicSyntheticPaths(
  rows: readonly { outcome: string; event_time: number; treated_mean: number | null; synthetic_shifted: number | null; units: number | null; suppression: string | null }[],
): ReportData['syntheticPaths'] {
  return {
    published: rows.flatMap((row) =>
      row.suppression === null && row.treated_mean !== null && row.synthetic_shifted !== null && row.units !== null
        ? [{ outcome: row.outcome, eventTime: row.event_time, treatedMean: row.treated_mean, syntheticShifted: row.synthetic_shifted, treatedUnits: row.units }]
        : [],
    ),
    withheld: rows.filter((row) => row.suppression !== null).map((row) => ({ outcome: row.outcome, eventTime: row.event_time })),
  };
}

/**
 * The effect rows of a programme as one variant shows them, headline first and then in the spec's order of
 * outcomes. Firms come from the view's firms column where it has one (to_jsonb: the unsuppressed view gains it
 * with the distinct-firm disclosure rule).
 */
/** Distinct firms behind the awarded units, by whichever name the view gives them (the unsuppressed view gains the column with the distinct-firm rule). */
const FIRMS = sql`coalesce(to_jsonb(e) ->> 'firms', to_jsonb(e) ->> 'treated_firms', to_jsonb(e) ->> 'cell_firms')::integer AS firms`;

export async function readEffects(db: Kysely<Database>, programmeId: string, variant: ReportVariant): Promise<EffectRow[]> {
  type Row = { outcome: string; estimator: string; design: string; status: string; estimate: number | null; std_error: number | null; ci_low: number | null; ci_high: number | null; p_value: number | null; confidence_level: number | null; units: number | null; comparison_units: number | null; firms: number | null; note: string | null; suppression: string | null; outcome_position: number | null; is_programme_headline: boolean };
  const order = sql`ORDER BY is_programme_headline DESC, outcome_position NULLS LAST, outcome, estimator IN ('cs_simple', 'sdid', 'rd_robust') DESC, estimator`;
  const { rows } =
    variant === 'public'
      ? await sql<Row>`
          SELECT outcome, estimator, design, status, estimate, std_error, ci_low, ci_high, p_value, confidence_level, units, comparison_units,
                 ${FIRMS}, note, suppression, outcome_position, coalesce(is_programme_headline, false) AS is_programme_headline
            FROM bi.public_effect_estimates e WHERE programme_id = ${programmeId} ${order}`.execute(db)
      : await sql<Row>`
          SELECT outcome, estimator, design, status, estimate, std_error, ci_low, ci_high, p_value, confidence_level, treated_units AS units, comparison_units,
                 ${FIRMS}, note, NULL::text AS suppression, outcome_position, coalesce(is_programme_headline, false) AS is_programme_headline
            FROM bi.effect_estimates e WHERE programme_id = ${programmeId} ${order}`.execute(db);
  return rows.map((e) => ({
    outcome: e.outcome,
    estimator: e.estimator,
    design: e.design,
    status: e.status,
    estimate: e.estimate,
    stdError: e.std_error,
    ciLow: e.ci_low,
    ciHigh: e.ci_high,
    pValue: e.p_value,
    confidenceLevel: e.confidence_level,
    units: e.units,
    comparisonUnits: e.comparison_units,
    firms: e.firms,
    note: e.note,
    outcomePosition: e.outcome_position,
    isProgrammeHeadline: e.is_programme_headline,
    withheld: e.suppression !== null,
  }));
}

/** A table of effect cells (event times, cohorts or years): the public view with its suppression, or the full view. */
async function readSeries(db: Kysely<Database>, programmeId: string, variant: ReportVariant, table: 'event_study' | 'effects_by_cohort' | 'effects_by_year'): Promise<PublicSeries> {
  const key = { event_study: 'event_time', effects_by_cohort: 'award_fiscal_year', effects_by_year: 'fiscal_year' }[table];
  const view = variant === 'public' ? `bi.public_${table}` : `bi.${table}`;
  const suppression = variant === 'public' ? sql`suppression` : sql`NULL::text AS suppression`;
  // The full event study also holds the two-way fixed-effects comparison; the charts show Callaway & Sant'Anna.
  const only = variant === 'internal' && table === 'event_study' ? sql`AND estimator = 'cs_dynamic'` : sql``;
  const { rows } = await sql<{ outcome: string; key: number; estimate: number | null; ci_low: number | null; ci_high: number | null; band_low: number | null; band_high: number | null; suppression: 'primary' | 'secondary' | null }>`
    SELECT outcome, ${sql.ref(key)} AS key, estimate, ci_low, ci_high,
           ${table === 'event_study' ? sql`band_low, band_high` : sql`NULL::double precision AS band_low, NULL::double precision AS band_high`}, ${suppression}
      FROM ${sql.table(view)} WHERE programme_id = ${programmeId} ${only} ORDER BY outcome, 2`.execute(db);
  return {
    published: rows.flatMap((r) =>
      r.suppression === null && r.estimate !== null && r.ci_low !== null && r.ci_high !== null
        ? [{ outcome: r.outcome, key: r.key, estimate: r.estimate, ciLow: r.ci_low, ciHigh: r.ci_high, bandLow: r.band_low, bandHigh: r.band_high }]
        : [],
    ),
    withheld: rows.flatMap((r) => (r.suppression === null ? [] : [{ outcome: r.outcome, key: r.key, suppression: r.suppression }])),
  };
}

/** The disclosure minimum (firms per published cell) the public views apply. */
export async function readMinCellUnits(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ min_cell_units: number }>`SELECT min_cell_units FROM results.disclosure_settings`.execute(db);
  return rows[0]?.min_cell_units ?? 10;
}

export async function readReportData(db: Kysely<Database>, programme: Programme, options: { variant?: ReportVariant } = {}): Promise<ReportData> {
  const id = programme.id;
  const variant = options.variant ?? 'internal';
  const { rows: runs } = await sql<{ run_key: string; spec_version: number; spec_hash: string; spec_registered_after_call_opened: boolean; code_version: string; workflow_id: string; finished_at: Date; input_files: { kind: string; sha256: string }[]; claimed_registered_at: string | null; recorded_at: Date | null }>`
    SELECT l.run_key, l.spec_version, l.spec_hash, l.spec_registered_after_call_opened, l.code_version, l.workflow_id, l.finished_at, r.input_files,
           r.spec ->> 'registeredAt' AS claimed_registered_at, g.recorded_at
      FROM bi.latest_runs l JOIN results.evaluation_runs r USING (run_key)
      LEFT JOIN governance.spec_registrations g ON g.programme_id = l.programme_id AND g.spec_hash = l.spec_hash
     WHERE l.programme_id = ${id}`.execute(db);
  const run = runs[0];
  const effects = await readEffects(db, id, variant);
  const minCellUnits = await readMinCellUnits(db);
  const { rows: pretests } = await sql<{ outcome: string; statistic: number | null; df: number | null; p_value: number | null; note: string | null }>`
    SELECT outcome, statistic, df, p_value, note FROM bi.parallel_trends_pretest WHERE programme_id = ${id}`.execute(db);
  const { rows: sensitivitySummaries } = await sql<{ outcome: string; target: 'effect_at_0' | 'average_post'; status: string; estimate: number | null; original_low: number | null; original_high: number | null; breakdown_mbar: number | null; breakdown_m: number | null; statement: string | null; statement_ja: string | null; suppression: string | null }>`
    SELECT outcome, target, status, estimate, original_low, original_high, breakdown_mbar, breakdown_m, statement, statement_ja, ${variant === 'public' ? sql`suppression` : sql`NULL::text AS suppression`}
      FROM ${sql.table(variant === 'public' ? 'bi.public_effect_sensitivity' : 'bi.effect_sensitivity')} WHERE programme_id = ${id} ORDER BY outcome, target DESC`.execute(db);
  const { rows: sensitivityBounds } = await sql<{
    outcome: string; target: string; restriction: 'relative_magnitudes' | 'smoothness'; parameter: number; lower_bound: number | null; upper_bound: number | null;
    lower_open: boolean; upper_open: boolean; lower_searched_to: number | null; upper_searched_to: number | null; empty_reason: string | null;
  }>`
    SELECT outcome, target, restriction, parameter, lower_bound, upper_bound, lower_open, upper_open, lower_searched_to, upper_searched_to, empty_reason
      FROM bi.effect_sensitivity_bounds WHERE programme_id = ${id} ORDER BY outcome, target, restriction, parameter`.execute(db);
  const { rows: designs } = await sql<{ outcome: string; design: string; reason: string | null }>`
    SELECT outcome, design, reason FROM bi.outcome_designs WHERE programme_id = ${id} ORDER BY outcome`.execute(db);
  type PathRow = { outcome: string; event_time: number; treated_mean: number | null; synthetic_shifted: number | null; units: number | null; suppression: string | null };
  // The internal variant pools every point the way bi.public_synthetic_paths does, without withholding any.
  const { rows: paths } =
    variant === 'public'
      ? await sql<PathRow>`
          SELECT outcome, event_time, treated_mean, synthetic_shifted, units, suppression
            FROM bi.public_synthetic_paths WHERE programme_id = ${id} ORDER BY outcome, event_time`.execute(db)
      : await sql<PathRow>`
          SELECT outcome, fiscal_year - award_fiscal_year AS event_time,
                 sum(treated_units * treated_mean) / sum(treated_units) AS treated_mean,
                 sum(treated_units * synthetic_shifted) / sum(treated_units) AS synthetic_shifted,
                 sum(treated_units)::integer AS units, NULL::text AS suppression
            FROM bi.synthetic_trajectories WHERE programme_id = ${id}
           GROUP BY outcome, fiscal_year - award_fiscal_year ORDER BY outcome, event_time`.execute(db);
  const { rows: rdBins } = await sql<{ outcome: string; score_mean: number; outcome_mean: number; units: number; fitted: number | null }>`
    SELECT outcome, score_mean, outcome_mean, units, fitted FROM bi.rd_bins WHERE programme_id = ${id} ORDER BY outcome, bin`.execute(db);
  const { rows: rdSummaries } = await sql<{ outcome: string; h_left: number; h_right: number; effective_left: number; effective_right: number; follow_up_years: number; fuzzy: boolean; density_p_value: number | null; awards_against_score: number; kernel: string; polynomial_order: number; bandwidth_selector: string; b_left: number; b_right: number; units_left: number; units_right: number; units_dropped: number; density_statistic: number | null; first_stage: number | null }>`
    SELECT outcome, h_left, h_right, effective_left, effective_right, follow_up_years, fuzzy, density_p_value, awards_against_score,
           kernel, polynomial_order, bandwidth_selector, b_left, b_right, units_left, units_right, units_dropped, density_statistic, first_stage
      FROM bi.rd_summaries WHERE programme_id = ${id} ORDER BY outcome`.execute(db);
  const { rows: syntheticDiagnostics } = await sql<{ outcome: string; award_fiscal_year: number | null; treated_units: number; treated_firms: number | null; pre_years: number | null; pre_fit_rmse: number | null; pre_period_sd: number | null; pre_fit_rmse_to_sd: number | null; donor_pool: number; donors_weighted: number | null; effective_donors: number | null; max_donor_weight: number | null; se_method: 'jackknife' | 'placebo' | null; placebo_draws: number | null }>`
    SELECT d.outcome, d.award_fiscal_year, d.treated_units, d.pre_years, d.pre_fit_rmse, d.pre_period_sd, d.pre_fit_rmse_to_sd, d.donor_pool, d.donors_weighted,
           d.effective_donors, d.max_donor_weight, d.se_method, d.placebo_draws,
           -- The distinct firms behind a cohort, which the disclosure rule counts (null for the pooled row and older runs).
           (SELECT max(t.treated_firms) FROM results.synthetic_trajectories t WHERE t.run_key = d.run_key AND t.outcome = d.outcome AND t.cohort = d.award_fiscal_year) AS treated_firms
      FROM bi.synthetic_diagnostics d WHERE d.programme_id = ${id} ORDER BY d.outcome, d.award_fiscal_year NULLS FIRST`.execute(db);
  const { rows: rdCovariateBalance } = await sql<{ outcome: string; covariate: string; kind: 'characteristic' | 'outcome_baseline'; estimate: number | null; ci_low: number | null; ci_high: number | null; p_value: number | null; h_left: number | null; h_right: number | null; effective_left: number | null; effective_right: number | null; note: string | null }>`
    SELECT outcome, covariate, kind, estimate, ci_low, ci_high, p_value, h_left, h_right, effective_left, effective_right, note
      FROM bi.rd_covariate_balance WHERE programme_id = ${id} ORDER BY outcome, kind, covariate`.execute(db);
  // Loaded baseline data, where a run measured it, take the place of the catalogue's assumed spread and correlation.
  const observed = await readObservedBaselines(db, id);
  const power = programmePower(programme, DEFAULT_POWER_SETTINGS, observed);
  const { rows: inputs } = await sql<{ kind: string; file_name: string; rows_total: number; rows_loaded: number; rows_rejected: number }>`
    SELECT kind, file_name, rows_total, rows_loaded, rows_rejected FROM bi.input_quality WHERE programme_id = ${id} ORDER BY loaded_at`.execute(db);
  return {
    programme,
    variant,
    run: run
      ? {
          runKey: run.run_key,
          specVersion: run.spec_version,
          specHash: run.spec_hash,
          specRegisteredAfterCallOpened: run.spec_registered_after_call_opened,
          specClaimedRegisteredAt: run.claimed_registered_at,
          specRecordedAt: run.recorded_at?.toISOString() ?? null,
          codeVersion: run.code_version,
          workflowId: run.workflow_id,
          finishedAt: run.finished_at.toISOString(),
          inputFiles: run.input_files,
        }
      : null,
    indicatorProgress: (await readIndicatorProgress(db, programme, variant)).indicators,
    effects,
    eventStudy: await readSeries(db, id, variant, 'event_study'),
    byCohort: await readSeries(db, id, variant, 'effects_by_cohort'),
    byYear: await readSeries(db, id, variant, 'effects_by_year'),
    minCellUnits,
    designs,
    syntheticPaths: publicSyntheticPaths(paths),
    rdBins: rdBins.map((b) => ({ outcome: b.outcome, scoreMean: b.score_mean, outcomeMean: b.outcome_mean, units: b.units, fitted: b.fitted })),
    rdSummaries: rdSummaries.map((r) => ({
      outcome: r.outcome,
      hLeft: r.h_left,
      hRight: r.h_right,
      effectiveLeft: r.effective_left,
      effectiveRight: r.effective_right,
      followUpYears: r.follow_up_years,
      fuzzy: r.fuzzy,
      densityPValue: r.density_p_value,
      awardsAgainstScore: r.awards_against_score,
      kernel: r.kernel,
      polynomialOrder: r.polynomial_order,
      bandwidthSelector: r.bandwidth_selector,
      bLeft: r.b_left,
      bRight: r.b_right,
      unitsLeft: r.units_left,
      unitsRight: r.units_right,
      unitsDropped: r.units_dropped,
      densityStatistic: r.density_statistic,
      firstStage: r.first_stage,
    })),
    syntheticDiagnostics: syntheticDiagnostics.map((r) => ({
      outcome: r.outcome,
      awardFiscalYear: r.award_fiscal_year,
      treatedUnits: r.treated_units,
      treatedFirms: r.treated_firms,
      preYears: r.pre_years,
      preFitRmse: r.pre_fit_rmse,
      prePeriodSd: r.pre_period_sd,
      preFitRmseToSd: r.pre_fit_rmse_to_sd,
      donorPool: r.donor_pool,
      donorsWeighted: r.donors_weighted,
      effectiveDonors: r.effective_donors,
      maxDonorWeight: r.max_donor_weight,
      seMethod: r.se_method,
      placeboDraws: r.placebo_draws,
    })),
    rdCovariateBalance: rdCovariateBalance.map((r) => ({
      outcome: r.outcome,
      covariate: r.covariate,
      kind: r.kind,
      estimate: r.estimate,
      ciLow: r.ci_low,
      ciHigh: r.ci_high,
      pValue: r.p_value,
      hLeft: r.h_left,
      hRight: r.h_right,
      effectiveLeft: r.effective_left,
      effectiveRight: r.effective_right,
      note: r.note,
    })),
    pretests: pretests.map((p) => ({ outcome: p.outcome, statistic: p.statistic, df: p.df, pValue: p.p_value, note: p.note })),
    sensitivity: sensitivitySummaries.map((row) => ({
      outcome: row.outcome,
      target: row.target,
      status: row.status,
      estimate: row.estimate,
      originalLow: row.original_low,
      originalHigh: row.original_high,
      breakdownMbar: row.breakdown_mbar,
      breakdownM: row.breakdown_m,
      statement: row.statement ?? '',
      statementJa: row.statement_ja,
      withheld: row.suppression !== null,
      // The bounds have no public view of their own: they are shown only beside a published analysis.
      bounds: sensitivityBounds
        .filter(() => row.suppression === null)
        .filter((bound) => bound.outcome === row.outcome && bound.target === row.target)
        .map((bound) => ({
          restriction: bound.restriction,
          parameter: bound.parameter,
          lower: bound.lower_bound,
          upper: bound.upper_bound,
          lowerOpen: bound.lower_open,
          upperOpen: bound.upper_open,
          lowerSearchedTo: bound.lower_searched_to,
          upperSearchedTo: bound.upper_searched_to,
          emptyReason: bound.empty_reason,
        })),
    })),
    power: power ? { analysis: power, targets: targetsAgainstPower(programme, power) } : null,
    inputs: inputs.map((i) => ({ kind: i.kind, fileName: i.file_name, rowsTotal: i.rows_total, rowsLoaded: i.rows_loaded, rowsRejected: i.rows_rejected })),
    exploratory: variant === 'public' ? [] : await readExploratoryStudies(db, id),
    reviewSheets: await readReviewSheetData(db, programme),
  };
}
