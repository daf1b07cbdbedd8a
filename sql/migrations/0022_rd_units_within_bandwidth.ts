import { sql, type Kysely } from 'kysely';

/**
 * A regression-discontinuity estimate rests on the units within the bandwidth either side of the cut-off
 * (rdrobust's effective N), and from this version its units, comparison units and firms are all counted there,
 * so that a reader's "units" and "firms" describe the same window. Only the column comments change.
 */
const COMMENTS: readonly [string, string, string][] = [
  ['bi.effect_estimates', 'treated_units', "Awarded units in the estimation sample; for regression discontinuity, the units at or above the cut-off within the estimation bandwidth (rdrobust's effective N)."],
  ['bi.effect_estimates', 'comparison_units', 'Comparison units: never-awarded applicants (DiD designs), or the units below the cut-off within the estimation bandwidth (regression discontinuity).'],
  ['bi.public_effect_estimates', 'units', 'Awarded units behind the estimate (firms, projects or sites, as the programme counts them; for regression discontinuity, those at or above the cut-off within the bandwidth); null when suppressed.'],
  ['bi.public_effect_estimates', 'comparison_units', 'Comparison units: never-awarded applicants (DiD designs), or the units below the cut-off within the bandwidth (regression discontinuity); null when suppressed.'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [view, column, text] of COMMENTS) {
    const [schema, name] = view.split('.');
    await sql`COMMENT ON COLUMN ${sql.id(schema)}.${sql.id(name)}.${sql.id(column)} IS ${sql.lit(text)}`.execute(db);
  }
}

export async function down(_db: Kysely<unknown>): Promise<void> {
  // Comments only: the earlier wording is restored by re-running the earlier migrations' comments, which is not worth a down step.
}
