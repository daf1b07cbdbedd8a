import { sql, type Kysely } from 'kysely';
import { comment } from './view-helpers.js';

/**
 * Rambachan–Roth intervals that are never cut off (issue 31). The relative-magnitudes sets are now searched
 * in their own range, so a bound row says which end, if any, is still open where the search stopped, and
 * why a set is empty; the statement comes in Japanese too. The bi views keep their columns and append the
 * new ones; an open end is no longer shown as a bound there (lower_bound / upper_bound are null, and how
 * far the set was searched is in lower_searched_to / upper_searched_to).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE results.sensitivity_summaries ADD COLUMN statement_ja text`.execute(db);
  await sql`COMMENT ON COLUMN results.sensitivity_summaries.statement_ja IS 'The breakdown values in words, in Japanese (statement is the English). Null for runs before migration 0020.'`.execute(db);

  await sql`
    ALTER TABLE results.sensitivity_bounds
      ADD COLUMN lower_open boolean NOT NULL DEFAULT false,
      ADD COLUMN upper_open boolean NOT NULL DEFAULT false,
      ADD COLUMN empty_reason text CHECK (empty_reason IN ('rejected_outright', 'rejected_everywhere', 'beyond_search_limit'))`.execute(db);
  // Rows written before: HonestDiD's fixed grid, and the flag did not say which end reached it, so neither end is a bound.
  await sql`UPDATE results.sensitivity_bounds SET lower_open = open_at_grid_end, upper_open = open_at_grid_end WHERE open_at_grid_end`.execute(db);
  await sql`COMMENT ON COLUMN results.sensitivity_bounds.lower_open IS 'True when the robust set was still accepted where the search stopped below: lower_bound is then how far it was searched, not a bound. (Rows before migration 0020: equal to open_at_grid_end.)'`.execute(db);
  await sql`COMMENT ON COLUMN results.sensitivity_bounds.upper_open IS 'True when the robust set was still accepted where the search stopped above: upper_bound is then how far it was searched, not a bound.'`.execute(db);
  await sql`COMMENT ON COLUMN results.sensitivity_bounds.empty_reason IS 'Why the robust set is empty (bounds null): rejected_outright, every value fails the least-favourable first stage; rejected_everywhere, the conditional test rejects every value left; beyond_search_limit, only values farther than the search limit from the estimate are left. Null when not empty (and for rows before migration 0020).'`.execute(db);
  await sql`COMMENT ON COLUMN results.sensitivity_bounds.open_at_grid_end IS 'True when either end is open (lower_open OR upper_open); kept for readers from before migration 0020.'`.execute(db);

  await sql`
    CREATE OR REPLACE VIEW bi.effect_sensitivity AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, s.outcome, s.target, s.status, s.event_times,
           s.estimate, s.std_error, s.original_low, s.original_high, s.confidence_level,
           s.breakdown_mbar, s.breakdown_m, s.breakdown_mbar_searched_to, s.breakdown_m_searched_to, s.statement,
           l.run_key, l.finished_at AS computed_at,
           s.statement_ja
      FROM bi.latest_runs l
      JOIN results.sensitivity_summaries s USING (run_key)`.execute(db);
  await comment(db, 'bi.effect_sensitivity', 'How robust each event-study effect is to a failure of parallel trends (Rambachan & Roth 2023), from the latest run: the ordinary interval, and the breakdown values at which the robust interval first includes zero, in words in English (statement) and Japanese (statement_ja). The bounds themselves are in bi.effect_sensitivity_bounds.', {
    statement: 'The breakdown values in words (English), for readers of the dashboard.',
    statement_ja: 'The breakdown values in words, in Japanese; null for runs before migration 0020.',
  });

  // An open end is how far the set was searched, not a bound: it moves to *_searched_to and the bound is null.
  await sql`
    CREATE OR REPLACE VIEW bi.effect_sensitivity_bounds AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, b.outcome, b.target, b.restriction, b.parameter,
           CASE WHEN b.lower_open THEN NULL ELSE b.lower_bound END AS lower_bound,
           CASE WHEN b.upper_open THEN NULL ELSE b.upper_bound END AS upper_bound,
           CASE WHEN b.lower_bound <= 0 AND b.upper_bound >= 0 THEN false
                WHEN (b.lower_open AND b.lower_bound > 0) OR (b.upper_open AND b.upper_bound < 0) THEN NULL
                ELSE NOT (b.lower_bound <= 0 AND b.upper_bound >= 0) END AS excludes_zero,
           b.open_at_grid_end,
           s.estimate, s.original_low, s.original_high, l.run_key, l.finished_at AS computed_at,
           b.lower_open, b.upper_open,
           CASE WHEN b.lower_open THEN b.lower_bound END AS lower_searched_to,
           CASE WHEN b.upper_open THEN b.upper_bound END AS upper_searched_to,
           b.empty_reason
      FROM bi.latest_runs l
      JOIN results.sensitivity_bounds b USING (run_key)
      JOIN results.sensitivity_summaries s USING (run_key, outcome, target)`.execute(db);
  await comment(db, 'bi.effect_sensitivity_bounds', 'Robust confidence intervals of each event-study effect under bounded departures from parallel trends (Rambachan & Roth 2023; as R HonestDiD 0.2.6, but each relative-magnitudes set searched in its own range instead of a fixed grid), from the latest run: plot lower_bound and upper_bound against parameter, one line per restriction. An end still open where the search stopped is null here, with how far it was searched in lower_searched_to / upper_searched_to.', {
    lower_bound: 'Lower end of the robust interval; null when the set is empty (see empty_reason) or open below (see lower_searched_to).',
    upper_bound: 'Upper end of the robust interval; null when the set is empty or open above (see upper_searched_to).',
    excludes_zero: 'True when the robust interval excludes zero: the effect survives this departure from parallel trends; null when the set is empty, or open on the side towards zero so it may reach it.',
    open_at_grid_end: 'True when either end is open (lower_open OR upper_open); kept for readers from before migration 0020.',
    lower_open: 'True when the set was still accepted where the search stopped below, so its lower end lies beyond lower_searched_to.',
    upper_open: 'True when the set was still accepted where the search stopped above, so its upper end lies beyond upper_searched_to.',
    lower_searched_to: 'When lower_open: the lowest value searched, at which the set was still accepted (not a bound); otherwise null.',
    upper_searched_to: 'When upper_open: the highest value searched, at which the set was still accepted (not a bound); otherwise null.',
    empty_reason: 'Why the robust set is empty: rejected_outright (every value fails the least-favourable first stage), rejected_everywhere (the conditional test rejects every value left) or beyond_search_limit; null when it is not empty.',
  });

  await sql`
    CREATE OR REPLACE VIEW bi.public_effect_sensitivity AS
    WITH withheld_outcomes AS (
      SELECT DISTINCT programme_id, outcome FROM bi.public_event_study WHERE suppression IS NOT NULL
      UNION
      SELECT DISTINCT programme_id, outcome FROM bi.public_effect_estimates WHERE estimator = 'cs_dynamic' AND suppression IS NOT NULL
    ), decided AS (
      SELECT s.*, w.outcome IS NOT NULL AS withheld
        FROM bi.effect_sensitivity s
        LEFT JOIN withheld_outcomes w USING (programme_id, outcome)
    )
    SELECT programme_id, programme_name_ja, programme_name_en, outcome, target, status,
           CASE WHEN withheld THEN NULL ELSE estimate END AS estimate,
           CASE WHEN withheld THEN NULL ELSE original_low END AS original_low,
           CASE WHEN withheld THEN NULL ELSE original_high END AS original_high,
           confidence_level,
           CASE WHEN withheld THEN NULL ELSE breakdown_mbar END AS breakdown_mbar,
           CASE WHEN withheld THEN NULL ELSE breakdown_m END AS breakdown_m,
           CASE WHEN withheld THEN NULL ELSE statement END AS statement,
           CASE WHEN withheld THEN 'primary' END AS suppression,
           run_key, computed_at,
           CASE WHEN withheld THEN NULL ELSE statement_ja END AS statement_ja
      FROM decided`.execute(db);
  await comment(db, 'bi.public_effect_sensitivity', 'How robust each event-study effect is to a failure of parallel trends (Rambachan & Roth 2023), for publication: withheld when the effect, or any event time of the outcome it rests on, is withheld by the disclosure rule (results.disclosure_settings). The statement in English (statement) and Japanese (statement_ja). The full analysis is in bi.effect_sensitivity and bi.effect_sensitivity_bounds.', {
    statement_ja: 'The breakdown values in words, in Japanese; null when withheld (or for runs before migration 0020).',
  });
}

/** The bounds view as the one with that name read before: a view's columns cannot be dropped in place, so those appended stay, as do the tables' new columns. */
const BOUNDS_BEFORE = sql`
    CREATE OR REPLACE VIEW bi.effect_sensitivity_bounds AS
    SELECT l.programme_id, l.programme_name_ja, l.programme_name_en, b.outcome, b.target, b.restriction, b.parameter,
           b.lower_bound, b.upper_bound, NOT (b.lower_bound <= 0 AND b.upper_bound >= 0) AS excludes_zero, b.open_at_grid_end,
           s.estimate, s.original_low, s.original_high, l.run_key, l.finished_at AS computed_at,
           b.lower_open, b.upper_open,
           CASE WHEN b.lower_open THEN b.lower_bound END AS lower_searched_to,
           CASE WHEN b.upper_open THEN b.upper_bound END AS upper_searched_to,
           b.empty_reason
      FROM bi.latest_runs l
      JOIN results.sensitivity_bounds b USING (run_key)
      JOIN results.sensitivity_summaries s USING (run_key, outcome, target)`;

export async function down(db: Kysely<unknown>): Promise<void> {
  await BOUNDS_BEFORE.execute(db);
}
