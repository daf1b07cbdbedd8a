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
 * Creates a public table of one aggregation's cells (one row per outcome and key) from the latest runs, with its
 * comments: a cell of fewer than min_cell_units firms is suppressed (primary), and when a table has exactly one such
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
