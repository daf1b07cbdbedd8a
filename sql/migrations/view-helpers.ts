/** Pieces the bi-view migrations share: column comments and the disclosure-controlled public effect tables. */
import { sql, type Kysely } from 'kysely';

/** Column comments that several views share. */
export const PROGRAMME_COLUMNS = {
  programme_id: 'Programme identifier.',
  programme_name_ja: 'Programme name in Japanese.',
  programme_name_en: 'Programme name in English.',
} as const;

export async function comment(
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

/** What differs between the public effect tables; the rest of the view and its comments are shared. */
export interface PublicEffectCellsTable {
  readonly view: string;
  readonly description: string;
  readonly estimator: string;
  readonly keyColumn: 'cohort' | 'period' | 'event_time';
  readonly key: { readonly name: string; readonly comment: string };
  readonly estimateComment: string;
  readonly firmsComment: string;
  /** Also publish the uniform band (band_low, band_high), withheld with the estimate. */
  readonly bands?: boolean;
}

/**
 * The rule up to migration 0018, kept so that the landed migrations replay as they ran; migration 0019 replaces
 * these views with replacePublicEffectCellsView. Creates a public table of one aggregation's cells (one row per
 * outcome and key) from the latest runs, with its comments: a cell of fewer than min_cell_units firms is suppressed (primary), and when a table has exactly one such
 * cell the next-smallest is suppressed too (secondary), so that the suppressed value cannot be recovered from the
 * published overall effect and the other cells.
 */
export async function createPublicEffectCellsView(db: Kysely<unknown>, table: PublicEffectCellsTable): Promise<void> {
  const key = sql.ref(`e.${table.keyColumn}`);
  const withheld = sql`primary_suppressed OR secondary_suppressed`;
  const bandColumns = table.bands
    ? sql`, CASE WHEN ${withheld} THEN NULL ELSE band_low END AS band_low, CASE WHEN ${withheld} THEN NULL ELSE band_high END AS band_high`
    : sql``;
  await sql`
    CREATE VIEW ${sql.table(table.view)} AS
    WITH cells AS (
      SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, e.outcome, ${key} AS cell_key, e.estimate, e.ci_low, e.ci_high, e.band_low, e.band_high,
             e.cell_units, e.cell_units < s.min_cell_units AS primary_suppressed, l.run_key, l.finished_at
        FROM bi.latest_runs l
        JOIN results.effect_estimates e USING (run_key)
        CROSS JOIN results.disclosure_settings s
       WHERE e.estimator = ${sql.lit(table.estimator)} AND ${key} IS NOT NULL
    ), ranked AS (
      SELECT *, count(*) FILTER (WHERE primary_suppressed) OVER (PARTITION BY programme_id, outcome) AS primary_count,
             row_number() OVER (PARTITION BY programme_id, outcome, primary_suppressed ORDER BY cell_units, cell_key) AS size_rank
        FROM cells
    ), decided AS (
      SELECT *, (NOT primary_suppressed AND primary_count = 1 AND size_rank = 1) AS secondary_suppressed FROM ranked
    )
    SELECT programme_id, programme_name_ja, programme_name_en, outcome, cell_key AS ${sql.id(table.key.name)},
           CASE WHEN ${withheld} THEN NULL ELSE estimate END AS estimate,
           CASE WHEN ${withheld} THEN NULL ELSE ci_low END AS ci_low,
           CASE WHEN ${withheld} THEN NULL ELSE ci_high END AS ci_high,
           CASE WHEN ${withheld} THEN NULL ELSE cell_units END AS firms${bandColumns},
           CASE WHEN primary_suppressed THEN 'primary' WHEN secondary_suppressed THEN 'secondary' END AS suppression,
           run_key, finished_at AS computed_at
      FROM decided`.execute(db);
  await comment(db, table.view, table.description, {
    ...PROGRAMME_COLUMNS,
    outcome: 'Outcome measured.',
    [table.key.name]: table.key.comment,
    estimate: table.estimateComment,
    ci_low: 'Lower bound of the 95% interval; null when suppressed.',
    ci_high: 'Upper bound of the 95% interval; null when suppressed.',
    firms: table.firmsComment,
    ...(table.bands
      ? { band_low: 'Lower bound of the uniform (simultaneous) 95% band; null when suppressed.', band_high: 'Upper bound of the uniform 95% band; null when suppressed.' }
      : {}),
    suppression: 'primary (too few firms), secondary (to protect a primary cell), or null when published.',
    run_key: 'Evaluation run that produced the estimate.',
    computed_at: 'When that run finished.',
  });
}

/**
 * The disclosure rule from migration 0019 on, in one place (README, "Disclosure control"). A cell is what one
 * published number rests on: a KPI value, an effect by cohort, year or event time, a pooled synthetic-DiD path
 * point, a regression-discontinuity bin, an overall effect. Each rests on a set of award cohorts (the fiscal
 * years of first award) and on the distinct firms behind their units (applicants, lead applicants, consortium
 * members, site operators).
 *
 * 1. Primary: a cell resting on fewer firms than results.disclosure_settings.min_cell_units is withheld.
 * 2. Protected cohorts (the linked dimension): the award years that are small (a cohort, or a fiscal year's KPI,
 *    resting on too few firms), plus one complementary year, the cohort year with the fewest firms among the
 *    rest. Every count, sum and mean the outputs publish is a combination over cohorts; a published cell either
 *    holds all protected cohorts or none of them, and a cell holding some but not all is withheld (secondary).
 *    So every published combination holds the protected cohorts only as their total, which rests on at least
 *    the complementary year's firms: differencing across tables, years or cohorts yields nothing smaller.
 * 3. Linked groups: the KPIs of one fiscal year are tied by ratios and products (count = applications × rate),
 *    so a withheld KPI withholds its whole fiscal year, and the protected years and the years between the
 *    protected cohorts are withheld whole. Within a series tied by a published aggregate (the cohorts, the
 *    years and the post-award event times averaged by the overall effect; the pre-award event times; the path
 *    points either side of the award; the RD bins either side of the cut-off) a withheld cell withholds the
 *    published cell with the fewest firms too, unless two cells are withheld already and one of them rests on
 *    enough firms: the aggregate minus the published parts then yields only a combination of withheld cells
 *    that rests on at least the minimum of firms, never one cell. A pooled synthetic-DiD path point averages
 *    the outcomes of its cohorts in given fiscal years, which KPI sums of the same outcomes also cover (mean ×
 *    units = sum): a point touching a fiscal year whose KPIs are withheld is withheld too.
 * 4. The staggered-DiD tables of an outcome (cohorts, years, event times) and its overall effects are all linear in
 *    the same ATT(g,t); with a cell withheld, the published rest and the four overall averages determine it (a
 *    linear audit, as τ-ARGUS audits a pattern, shows it even after steps 2 and 3). So one withheld cell withholds
 *    all three tables of the outcome; the overall effects stay (they rest on every firm, and four averages do not
 *    span any one cell: test/disclosure-attack.test.ts audits it).
 *
 * This is complementary (secondary) suppression as τ-ARGUS and sdcTable do it, with the cohorts as the linked
 * dimension and the smallest-contributor cell as the complement (their minimal-cost heuristic for frequency
 * costs), in a form simple enough to state and check: the test attacks every public output with the recoveries.
 */
export const DISCLOSURE_RULE =
  'Disclosure rule (README, Disclosure control): a cell resting on fewer distinct firms (applicants, lead applicants, consortium members, site operators) than results.disclosure_setting(SELECT min_cell_units FROM results.disclosure_settings) is withheld (primary); the small award cohorts and one complementary cohort are protected together, and a cell holding some but not all of them is withheld (secondary); within a series tied by a published aggregate a withheld cell withholds the published cell with the fewest firms too, unless two are withheld and one rests on enough firms (secondary); the KPIs of one fiscal year are withheld together, and so are the synthetic-DiD path points over a withheld fiscal year; one withheld cohort, year or event-time cell of an outcome withholds all three of its tables.';

/**
 * The decision views of the rule: results.disclosure_years (the protected award years of each latest run),
 * results.disclosure_cells (every effect, path and RD-bin cell with its cohorts, units and firms) and
 * results.disclosure_decisions (primary, secondary or null per cell). In results, not bi: they name withheld
 * cells' firm counts. The public views join the decisions, so the rule is applied the same way everywhere.
 */
export async function createDisclosureDecisionViews(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW results.disclosure_years AS
    WITH cohorts AS (
      SELECT e.run_key, e.cohort AS fiscal_year, min(coalesce(e.cell_firms, e.cell_units)) AS firms
        FROM bi.latest_runs l JOIN results.effect_estimates e USING (run_key)
       WHERE e.estimator IN ('cs_group', 'sdid') AND e.cohort IS NOT NULL AND e.period IS NULL AND e.cell_units IS NOT NULL
       GROUP BY e.run_key, e.cohort
    ), kpis AS (
      SELECT k.run_key, k.fiscal_year, min(k.firms) AS firms
        FROM bi.latest_runs l JOIN results.kpi_values k USING (run_key)
       WHERE k.firms IS NOT NULL
       GROUP BY k.run_key, k.fiscal_year
    ), judged AS (
      SELECT run_key, fiscal_year, c.fiscal_year IS NOT NULL AS is_cohort, c.firms AS cohort_firms, k.firms AS kpi_firms,
             least(c.firms, k.firms) AS firms,
             coalesce(c.firms < (SELECT min_cell_units FROM results.disclosure_settings), false) OR coalesce(k.firms < (SELECT min_cell_units FROM results.disclosure_settings), false) AS small
        FROM cohorts c FULL JOIN kpis k USING (run_key, fiscal_year)
    ), ranked AS (
      SELECT *, bool_or(small) OVER (PARTITION BY run_key) AS any_small,
             row_number() OVER (PARTITION BY run_key, small ORDER BY is_cohort DESC, firms, fiscal_year) AS rank_among_kind
        FROM judged
    )
    SELECT run_key, fiscal_year, is_cohort, cohort_firms, kpi_firms, small,
           small OR (any_small AND rank_among_kind = 1) AS protected
      FROM ranked`.execute(db);
  await sql`COMMENT ON VIEW results.disclosure_years IS ${sql.lit('Disclosure rule, step 2: per latest run, each award cohort and KPI fiscal year with the fewest firms behind it, whether it is small (fewer firms than the minimum) and whether it is protected (small, or the one complementary year: the cohort year with the fewest firms among the rest). ' + DISCLOSURE_RULE)}`.execute(db);

  await sql`
    CREATE VIEW results.disclosure_cells AS
    WITH effects AS (
      SELECT e.* FROM bi.latest_runs l JOIN results.effect_estimates e USING (run_key)
    ), group_time AS (
      SELECT run_key, outcome, cohort, period FROM effects WHERE estimator = 'cs_attgt'
    ), paths AS (
      SELECT t.* FROM bi.latest_runs l JOIN results.synthetic_trajectories t USING (run_key)
    )
    SELECT e.run_key, e.outcome, 'cohort'::text AS series, e.estimator, e.cohort AS cell_key, false AS pre_award,
           ARRAY[e.cohort] AS cohorts, e.cell_units AS units, coalesce(e.cell_firms, e.cell_units) AS firms, NULL::integer[] AS fiscal_years
      FROM effects e WHERE e.cohort IS NOT NULL AND e.period IS NULL AND e.cell_units IS NOT NULL
    UNION ALL
    SELECT e.run_key, e.outcome, 'year', e.estimator, e.period, false,
           ARRAY(SELECT DISTINCT g.cohort FROM group_time g WHERE g.run_key = e.run_key AND g.outcome = e.outcome AND g.period = e.period AND g.cohort <= g.period),
           e.cell_units, coalesce(e.cell_firms, e.cell_units), NULL::integer[]
      FROM effects e WHERE e.estimator = 'cs_calendar' AND e.period IS NOT NULL
    UNION ALL
    SELECT e.run_key, e.outcome, 'event_time', e.estimator, e.event_time, e.event_time < 0,
           ARRAY(SELECT DISTINCT g.cohort FROM group_time g WHERE g.run_key = e.run_key AND g.outcome = e.outcome AND g.period - g.cohort = e.event_time),
           e.cell_units, coalesce(e.cell_firms, e.cell_units), NULL::integer[]
      FROM effects e WHERE e.estimator = 'cs_dynamic' AND e.event_time IS NOT NULL
    UNION ALL
    SELECT t.run_key, t.outcome, 'synthetic_path', 'sdid', t.fiscal_year - t.cohort, t.fiscal_year - t.cohort < 0,
           array_agg(t.cohort ORDER BY t.cohort), sum(t.treated_units)::integer,
           -- Firms behind the pooled point: exact when it pools one cohort or all of them (the overall estimate's
           -- firms); otherwise the largest cohort's, a lower bound, so the rule errs towards withholding.
           CASE WHEN count(*) > 1 AND count(*) = (SELECT count(DISTINCT x.cohort) FROM paths x WHERE x.run_key = t.run_key AND x.outcome = t.outcome)
                THEN coalesce((SELECT coalesce(o.cell_firms, o.cell_units) FROM effects o WHERE o.run_key = t.run_key AND o.outcome = t.outcome AND o.estimator = 'sdid' AND o.term = 'overall'),
                              max(coalesce(t.treated_firms, t.treated_units)))
                ELSE max(coalesce(t.treated_firms, t.treated_units)) END::integer,
           array_agg(t.fiscal_year ORDER BY t.fiscal_year)
      FROM paths t GROUP BY t.run_key, t.outcome, t.fiscal_year - t.cohort
    UNION ALL
    SELECT b.run_key, b.outcome, 'rd_bin', 'rd_bins', b.bin, b.score_mean < 0, NULL::integer[], b.units, coalesce(b.firms, b.units), NULL::integer[]
      FROM bi.latest_runs l JOIN results.rd_bins b USING (run_key)`.execute(db);
  await sql`COMMENT ON VIEW results.disclosure_cells IS ${sql.lit('Disclosure rule: every published effect, path and RD-bin cell of the latest runs with the award cohorts it rests on, its units and its distinct firms. series is cohort, year, event_time, synthetic_path or rd_bin; pre_award separates the pre-award event times and path points (and the RD bins below the cut-off), which no published aggregate sums with the rest; fiscal_years are the years whose outcomes a path point averages (its cohorts\u2019 award years plus the event time), which KPI sums of the same outcomes also cover. ' + DISCLOSURE_RULE)}`.execute(db);

  await sql`
    CREATE VIEW results.disclosure_kpi_years AS
    WITH protected AS (
      SELECT run_key, min(fiscal_year) FILTER (WHERE is_cohort) AS first_cohort, max(fiscal_year) FILTER (WHERE is_cohort) AS last_cohort,
             array_agg(fiscal_year) AS years
        FROM results.disclosure_years WHERE protected GROUP BY run_key
    ), years AS (
      SELECT k.run_key, k.fiscal_year, bool_or(coalesce(k.firms < (SELECT min_cell_units FROM results.disclosure_settings), false)) AS any_primary
        FROM bi.latest_runs l JOIN results.kpi_values k USING (run_key)
       WHERE k.firms IS NOT NULL
       GROUP BY k.run_key, k.fiscal_year
    )
    SELECT y.run_key, y.fiscal_year, y.any_primary,
           y.any_primary OR y.fiscal_year = ANY(coalesce(p.years, '{}')) OR coalesce(y.fiscal_year BETWEEN p.first_cohort AND p.last_cohort, false) AS withheld
      FROM years y LEFT JOIN protected p USING (run_key)`.execute(db);
  await sql`COMMENT ON VIEW results.disclosure_kpi_years IS ${sql.lit('Disclosure rule, step 3: per latest run and fiscal year of programme-record KPIs, whether the year\u2019s KPIs are withheld together: one of them rests on too few firms, or the year is protected, or it lies between protected award years. ' + DISCLOSURE_RULE)}`.execute(db);

  await sql`
    CREATE VIEW results.disclosure_decisions AS
    WITH protected AS (
      SELECT run_key, array_agg(fiscal_year) AS cohorts FROM results.disclosure_years WHERE protected AND is_cohort GROUP BY run_key
    ), judged AS (
      SELECT c.*, c.firms < (SELECT min_cell_units FROM results.disclosure_settings) AS primary_withheld,
             (c.cohorts IS NOT NULL AND p.cohorts IS NOT NULL
               AND cardinality(ARRAY(SELECT unnest(c.cohorts) INTERSECT SELECT unnest(p.cohorts))) BETWEEN 1 AND cardinality(p.cohorts) - 1)
             -- A path point averages outcomes a withheld fiscal year's KPIs sum (its mean × units is such a sum).
             OR EXISTS (SELECT 1 FROM results.disclosure_kpi_years k WHERE k.run_key = c.run_key AND k.withheld AND k.fiscal_year = ANY(c.fiscal_years)) AS splits_protected
        FROM results.disclosure_cells c
        LEFT JOIN protected p USING (run_key)
    ), grouped AS (
      SELECT *, count(*) FILTER (WHERE primary_withheld OR splits_protected) OVER linked AS withheld_in_group,
             coalesce(max(firms) FILTER (WHERE primary_withheld OR splits_protected) OVER linked, 0) AS most_firms_withheld,
             row_number() OVER (PARTITION BY run_key, outcome, series, estimator, pre_award, primary_withheld OR splits_protected ORDER BY firms, units, cell_key) AS size_rank,
             -- The cohort, year and event-time tables of an outcome are one linked set: they and the overall effects
             -- are linear in the same ATT(g,t), and with one cell of them withheld the rest determine it (a linear audit
             -- of the published estimates shows it), so one withheld cell withholds all three tables.
             bool_or(primary_withheld OR splits_protected) FILTER (WHERE series IN ('cohort', 'year', 'event_time') AND estimator LIKE 'cs\\_%')
               OVER (PARTITION BY run_key, outcome) AS did_tables_withheld
        FROM judged
      WINDOW linked AS (PARTITION BY run_key, outcome, series, estimator, pre_award)
    )
    -- A complement is needed unless the group already withholds two cells, one of them resting on enough firms:
    -- then whatever the aggregate reveals about the withheld cells rests on at least that many firms.
    SELECT run_key, outcome, series, estimator, cell_key, pre_award, cohorts, units, firms,
           CASE WHEN primary_withheld THEN 'primary'
                WHEN splits_protected THEN 'secondary'
                WHEN coalesce(did_tables_withheld, false) AND series IN ('cohort', 'year', 'event_time') AND estimator LIKE 'cs\\_%' THEN 'secondary'
                WHEN withheld_in_group > 0 AND NOT (withheld_in_group >= 2 AND most_firms_withheld >= (SELECT min_cell_units FROM results.disclosure_settings)) AND size_rank = 1 THEN 'secondary' END AS suppression
      FROM grouped`.execute(db);
  await sql`COMMENT ON VIEW results.disclosure_decisions IS ${sql.lit('Disclosure rule, applied: per cell of results.disclosure_cells, primary (too few firms), secondary (holds some but not all protected cohorts, or is the complement of a withheld cell in its series) or null (published). The public views join it. ' + DISCLOSURE_RULE)}`.execute(db);
}

/**
 * The public table of one aggregation's cells under the rule of migration 0019 (see DISCLOSURE_RULE): the same
 * columns as createPublicEffectCellsView made, `firms` now the distinct firms, and `units` (the awarded units)
 * added last.
 */
export async function replacePublicEffectCellsView(db: Kysely<unknown>, table: PublicEffectCellsTable & { readonly series: 'cohort' | 'year' | 'event_time'; readonly unitsComment: string }): Promise<void> {
  const key = sql.ref(`e.${table.keyColumn}`);
  const withheld = sql`d.suppression IS NOT NULL`;
  const bandColumns = table.bands
    ? sql`, CASE WHEN ${withheld} THEN NULL ELSE e.band_low END AS band_low, CASE WHEN ${withheld} THEN NULL ELSE e.band_high END AS band_high`
    : sql``;
  await sql`
    CREATE OR REPLACE VIEW ${sql.table(table.view)} AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, e.outcome, ${key} AS ${sql.id(table.key.name)},
           CASE WHEN ${withheld} THEN NULL ELSE e.estimate END AS estimate,
           CASE WHEN ${withheld} THEN NULL ELSE e.ci_low END AS ci_low,
           CASE WHEN ${withheld} THEN NULL ELSE e.ci_high END AS ci_high,
           CASE WHEN ${withheld} THEN NULL ELSE d.firms END AS firms${bandColumns},
           d.suppression, l.run_key, l.finished_at AS computed_at,
           CASE WHEN ${withheld} THEN NULL ELSE d.units END AS units
      FROM bi.latest_runs l
      JOIN results.effect_estimates e USING (run_key)
      JOIN results.disclosure_decisions d ON d.run_key = e.run_key AND d.outcome = e.outcome AND d.estimator = e.estimator
                                         AND d.series = ${sql.lit(table.series)} AND d.cell_key = ${key}
     WHERE e.estimator = ${sql.lit(table.estimator)} AND ${key} IS NOT NULL`.execute(db);
  await comment(db, table.view, `${table.description} ${DISCLOSURE_RULE}`, {
    estimate: table.estimateComment,
    firms: table.firmsComment,
    suppression: 'primary (too few firms), secondary (withheld so that no withheld cell can be derived from published ones), or null when published.',
    units: table.unitsComment,
  });
}
