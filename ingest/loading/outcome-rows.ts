/**
 * How outcome rows reach core.outcomes: merged through its key, or, for a programme's first outcome file, built beside
 * it and attached whole as the programme's partition (migration 0037; built-beside.ts says how).
 *
 * The rows built beside carry this file's programme and hash from the load's settings (the defaults of 0035), and the
 * file is registered and held by the load, so the per-statement reference check of core.outcomes (0011, 0036), which
 * does not see the table built beside, has nothing to find there.
 */
import type { BesideTable } from './built-beside.js';

const COLUMNS = 'programme_id, unit_id, fiscal_year, measure_values, source_file_sha256, source_line';

/**
 * The merge of outcome rows into core.outcomes: `rows` selects the table's six columns; a stored row with the same
 * measures is left as it is (it keeps its lineage). In key order, so the index pages written are neighbours.
 */
export function outcomeMerge(rows: string): string {
  return `INSERT INTO core.outcomes (${COLUMNS})
         ${rows}
          ORDER BY unit_id, fiscal_year
         ON CONFLICT (programme_id, unit_id, fiscal_year) DO UPDATE
           SET measure_values = excluded.measure_values, source_file_sha256 = excluded.source_file_sha256, source_line = excluded.source_line
           WHERE core.outcomes.measure_values IS DISTINCT FROM excluded.measure_values`;
}

export const OUTCOMES_BESIDE: BesideTable = {
  table: 'outcomes',
  fileKind: 'outcomes',
  fileNoun: 'outcome file',
  rowsNoun: 'outcome rows',
  columns: COLUMNS,
  key: 'unit_id, fiscal_year, programme_id',
  partitionName: 'core.outcome_partition_name',
  builtBesideColumn: 'outcomes_built_beside',
  merge: outcomeMerge,
};
