import { sql, type Kysely } from 'kysely';
import { defineFindings, findingsFromIndicators } from './0045_review_indicators_loaded.js';

/**
 * core.review_indicators says per indicator whether any of its fiscal years has a target that is a number
 * (has_target), written by the load beside the indicator's other columns (review-sheets/indicator-summaries.ts), and
 * the check outcome_without_target reads it there. It looked for such a year in core.review_indicator_values (a hash of
 * about 61,000 rows with the file's digest in each key). On a national year just loaded, the five checks the step's
 * transaction computes (psql, EXPLAIN ANALYZE, three connections each) took 212-309 ms in a new connection and 90 ms
 * again in the same one, against 262-368 and 120-189 ms with the search, the same 3,286 findings in all (bench/README.md,
 * "2026-12-07 (11:40 UTC)"); the other group (two checks, on a connection of its own beside them) about 140-240 ms.
 *
 * A row without it (null) was written by a worker older than this migration, or by the step itself for a 3-1 file
 * loaded before 0045: the findings' step fills such rows of its review years before the findings
 * (TARGETS_OF_INDICATORS_WITHOUT_THEM), and the check still searches core.review_indicator_values for any it finds
 * (a step of a worker older than 0052 leaves them null), so the findings are the same either way. A partial index
 * finds them without reading the table.
 */

const HAS_TARGET_COMMENT =
  'Whether any fiscal year of the indicator has a target that is a number (a row of core.review_indicator_values whose target_value is not null); written by the load (migration 0052), null in rows written by older code until the findings\' step fills them.';

/** The indicators' CTE as 0045 wrote it: has_target is added to its columns. */
const INDICATOR_COLUMNS = 'i.qualitative, i.has_reason, i.has_qualitative_result\n    FROM (SELECT * FROM core.review_indicators';

/** outcome_without_target's rows and its search of the indicators by year, as 0041 narrowed 0040's to the review years. */
const WITHOUT_TARGET = `    FROM indicators n
   WHERE n.node_kind = 'outcome' AND NOT n.has_reason
     AND NOT EXISTS (SELECT 1 FROM (SELECT * FROM core.review_indicator_values WHERE review_year = ANY (review_years)) t
                      WHERE t.project_id = n.project_id AND t.node_number = n.node_number AND t.indicator_seq = n.indicator_seq
                        AND t.node_kind = n.node_kind AND t.file_sha256 = n.file_sha256 AND t.target_value IS NOT NULL)`;

/**
 * The same rows from has_target, and for rows without it the search as before. Those rows are read from the table,
 * not from the indicators' CTE: the planner has the table's statistics (the step analyses it first), so that many such
 * rows are searched by one hash anti-join (about 130 ms on a national year with every row null) and not one by one
 * through the block-range index (8-10 s), as it planned them from the CTE, of which it has no statistics.
 */
const WITHOUT_TARGET_READ = `    FROM (SELECT * FROM indicators WHERE has_target = false
          UNION ALL
          -- Indicators written without has_target (by a worker older than migration 0052): searched in the indicators by year.
          SELECT i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq, i.outcome_term,
                 i.indicator_name, i.unit, i.qualitative, i.has_reason, i.has_qualitative_result, i.has_target
            FROM (SELECT * FROM core.review_indicators WHERE review_year = ANY (review_years) AND has_target IS NULL) i JOIN in_force USING (file_sha256)
           WHERE NOT EXISTS (SELECT 1 FROM (SELECT * FROM core.review_indicator_values WHERE review_year = ANY (review_years)) t
                              WHERE t.project_id = i.project_id AND t.node_number = i.node_number AND t.indicator_seq = i.indicator_seq
                                AND t.node_kind = i.node_kind AND t.file_sha256 = i.file_sha256 AND t.target_value IS NOT NULL)) n
   WHERE n.node_kind = 'outcome' AND NOT n.has_reason`;

function replacedOnce(query: string, from: string, to: string): string {
  const at = query.indexOf(from);
  if (at === -1 || query.indexOf(from, at + 1) !== -1) throw new Error(`0045's findings query does not hold this text once, which 0052 replaces: ${from}`);
  return query.slice(0, at) + to + query.slice(at + from.length);
}

/** 0045's findings with has_target among the indicators' columns, and outcome_without_target reading it. */
export function findingsReadingTargets(): string {
  const withColumn = replacedOnce(findingsFromIndicators(), INDICATOR_COLUMNS, INDICATOR_COLUMNS.replace('i.has_qualitative_result', 'i.has_qualitative_result, i.has_target'));
  return replacedOnce(withColumn, WITHOUT_TARGET, WITHOUT_TARGET_READ);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE core.review_indicators ADD COLUMN has_target boolean`.execute(db);
  await sql`COMMENT ON COLUMN core.review_indicators.has_target IS ${sql.lit(HAS_TARGET_COMMENT)}`.execute(db);
  // Every row loaded before: true where a year's target is a number (a join, not a search per row), then false.
  await sql`
    UPDATE core.review_indicators n SET has_target = true
      FROM (SELECT DISTINCT file_sha256, project_id, node_kind, node_number, indicator_seq FROM core.review_indicator_values
             WHERE target_value IS NOT NULL) t
     WHERE t.file_sha256 = n.file_sha256 AND t.project_id = n.project_id AND t.node_kind = n.node_kind
       AND t.node_number = n.node_number AND t.indicator_seq = n.indicator_seq`.execute(db);
  await sql`UPDATE core.review_indicators SET has_target = false WHERE has_target IS NULL`.execute(db);
  // After the backfill, which would otherwise leave an entry of this index for each row it wrote.
  await sql`CREATE INDEX review_indicators_without_target ON core.review_indicators (review_year) WHERE has_target IS NULL`.execute(db);
  await defineFindings(db, findingsReadingTargets());
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await defineFindings(db, findingsFromIndicators());
  await sql`DROP INDEX core.review_indicators_without_target`.execute(db);
  await sql`ALTER TABLE core.review_indicators DROP COLUMN has_target`.execute(db);
}
