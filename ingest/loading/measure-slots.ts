/**
 * Where each outcome measure of a programme is held in core.outcomes.measure_values (migration 0053): its place is
 * given the first time a load meets the name and never moves (a trigger refuses to delete or move one), so rows loaded
 * under an earlier catalogue entry still read right after a measure is added (null in the rows before it) or dropped.
 * A renamed measure is a new name with a new place unless its place is renamed first.
 */
import type { Kysely } from 'kysely';
import type { FileDeclaration } from '../../programmes/file-declaration.js';
import type { Database } from '../../sql/database.js';
import { inTransaction, withRawClient } from '../../runtime/database.js';

/**
 * The programme's measure names in the order of their places (index 0 is slot 1), after giving each of `declared`
 * that has none the next place. A place whose name is no longer declared stays in the list (the load writes null
 * there); a gap left by a deleted name is null.
 */
export async function outcomeMeasureSlots(db: Kysely<Database>, programmeId: string, declared: readonly string[]): Promise<(string | null)[]> {
  return withRawClient(db, (client) =>
    inTransaction(client, async () => {
      // Two loads of the programme's outcomes at once must not give two names one place.
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('core.outcome_measures ' || $1, 0))", [programmeId]);
      await client.query(
        `INSERT INTO core.outcome_measures (programme_id, measure_name, slot)
         SELECT $1, name, coalesce((SELECT max(slot) FROM core.outcome_measures WHERE programme_id = $1), 0) + row_number() OVER (ORDER BY position)
           FROM unnest($2::text[]) WITH ORDINALITY AS declared(name, position)
          WHERE NOT EXISTS (SELECT 1 FROM core.outcome_measures m WHERE m.programme_id = $1 AND m.measure_name = declared.name)`,
        [programmeId, declared],
      );
      const { rows } = await client.query<{ measure_name: string; slot: number }>('SELECT measure_name, slot FROM core.outcome_measures WHERE programme_id = $1', [programmeId]);
      const names: (string | null)[] = Array.from({ length: Math.max(0, ...rows.map((row) => row.slot)) }, () => null);
      for (const row of rows) names[row.slot - 1] = row.measure_name;
      return names;
    }),
  );
}

/**
 * The places a programme's first outcome load gives its measures: the declared names in their order (undefined for a
 * file of another kind). For a parse with no database behind it (the parse benchmark, tests); a load asks
 * outcomeMeasureSlots, as the programme's places may differ.
 */
export function firstLoadMeasureSlots(declaration: FileDeclaration): string[] | undefined {
  return declaration.kind === 'outcomes' ? declaration.measures.map((measure) => measure.name) : undefined;
}
