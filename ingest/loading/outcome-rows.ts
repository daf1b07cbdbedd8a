/**
 * How outcome rows reach core.outcomes: merged through its key, or built beside it and attached.
 *
 * A programme's first outcome file is built beside core.outcomes and attached whole as the programme's partition
 * (migration 0037). Its batches are copied into a table of its own with no key, committed one by one with the file's
 * account as every load's are, so a load that dies resumes into the same table; when the file completes, the key is
 * built once and the table attached, in the transaction that marks the file complete. Until then its rows are not in
 * core.outcomes: a study reads a programme's outcomes whole or not at all.
 *
 * Keeping the key up to date while copying, with units in no particular order, was most of such a load's database
 * time (numbers in the migration). A later file of the programme meets its partition and goes in through the key, as
 * before; so does a replacement, which merges by definition.
 *
 * The rows built beside carry this file's programme and hash from the load's settings (the defaults of 0035), and the
 * file is registered and held by the load, so the per-statement reference check of core.outcomes (0011, 0036), which
 * does not see this table, has nothing to find.
 */
import type pg from 'pg';

const SCHEMA = 'core';

/** The table one file's outcome rows are built in, named by the file (a retry finds it again). */
export function buildingTableName(fileSha256: string): string {
  return `outcomes_building_${fileSha256.slice(0, 16)}`;
}

const qualified = (client: pg.ClientBase, table: string) => `${SCHEMA}.${client.escapeIdentifier(table)}`;

/**
 * Where this load's outcome rows go, decided at its first batch with rows (in that batch's transaction): the table
 * built beside (created here if the programme has no outcome rows and this file none stored yet), or null for
 * core.outcomes itself.
 */
export async function outcomeBuildingTable(client: pg.ClientBase, programmeId: string, fileSha256: string): Promise<string | null> {
  const building = buildingTableName(fileSha256);
  const { rows } = await client.query<{ resuming: boolean; stored_elsewhere: boolean; programme_has_rows: boolean }>(
    `SELECT to_regclass(format('core.%I', $3::text)) IS NOT NULL AS resuming,
            coalesce((SELECT rows_loaded > 0 FROM raw.input_files WHERE file_sha256 = $2), false) AS stored_elsewhere,
            to_regclass(format('core.%I', core.outcome_partition_name($1))) IS NOT NULL
              OR EXISTS (SELECT 1 FROM core.outcomes_default WHERE programme_id = $1) AS programme_has_rows`,
    [programmeId, fileSha256, building],
  );
  const { resuming, stored_elsewhere: storedElsewhere, programme_has_rows: programmeHasRows } = rows[0];
  if (resuming) return qualified(client, building);
  if (storedElsewhere || programmeHasRows) return null;
  const table = qualified(client, building);
  await client.query(`CREATE TABLE ${table} (LIKE core.outcomes INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  await client.query(
    `COMMENT ON TABLE ${table} IS ${client.escapeLiteral(`Outcome rows of programme ${programmeId} from file ${fileSha256}, being loaded; attached to core.outcomes as the programme's partition when the file completes.`)}`,
  );
  return table;
}

/** PostgreSQL's codes for an ATTACH PARTITION refused because the programme's rows are already elsewhere. */
const PROGRAMME_ALREADY_STORED = new Set([
  '42P17', // invalid_object_definition: another load attached the programme's partition meanwhile
  '23514', // check_violation: rows of the programme were written to core.outcomes_default meanwhile
]);

/**
 * Builds the key of the table a load built beside and attaches it as the programme's partition; returns how many of
 * its rows were found unchanged. Should the programme's rows have reached core.outcomes meanwhile (another load of
 * the programme, side by side), the rows are merged into it instead, as a load that meets stored rows merges. Runs in
 * the transaction that completes the file; does nothing for a load that wrote into core.outcomes.
 */
export async function attachBuiltOutcomes(client: pg.ClientBase, programmeId: string, fileSha256: string): Promise<number> {
  const building = buildingTableName(fileSha256);
  const { rows } = await client.query<{ partition: string; exists: boolean }>(
    `SELECT core.outcome_partition_name($1) AS partition, to_regclass(format('core.%I', $2::text)) IS NOT NULL AS exists`,
    [programmeId, building],
  );
  if (!rows[0].exists) return 0;
  const { partition } = rows[0];
  const table = qualified(client, building);
  const programme = client.escapeLiteral(programmeId);
  await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${client.escapeIdentifier(`${building}_pkey`)} PRIMARY KEY (programme_id, unit_id, fiscal_year)`);
  // With the partition's bound already proved by a check, ATTACH PARTITION does not scan the table again.
  await client.query(`ALTER TABLE ${table} ADD CONSTRAINT programme_bound CHECK (programme_id = ${programme})`);
  await client.query('SAVEPOINT attach_outcomes');
  try {
    await client.query(`ALTER TABLE core.outcomes ATTACH PARTITION ${table} FOR VALUES IN (${programme})`);
  } catch (error) {
    if (!PROGRAMME_ALREADY_STORED.has((error as { code?: string }).code ?? '')) throw error;
    await client.query('ROLLBACK TO SAVEPOINT attach_outcomes');
    return mergeBuiltOutcomes(client, table);
  }
  await client.query('RELEASE SAVEPOINT attach_outcomes');
  await client.query(`ALTER TABLE ${table} DROP CONSTRAINT programme_bound`);
  await client.query(`ALTER TABLE ${table} RENAME TO ${client.escapeIdentifier(partition)}`);
  await client.query(`ALTER INDEX ${qualified(client, `${building}_pkey`)} RENAME TO ${client.escapeIdentifier(`${partition}_pkey`)}`);
  await client.query(`COMMENT ON TABLE ${qualified(client, partition)} IS ${client.escapeLiteral(`Outcome rows of programme ${programmeId} (a partition of core.outcomes).`)}`);
  return 0;
}

/**
 * The merge of outcome rows into core.outcomes: `rows` selects the table's six columns; a stored row with the same
 * measures is left as it is (it keeps its lineage). In key order, so the index pages written are neighbours.
 */
export function outcomeMerge(rows: string): string {
  return `INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line)
         ${rows}
          ORDER BY unit_id, fiscal_year
         ON CONFLICT (programme_id, unit_id, fiscal_year) DO UPDATE
           SET measures = excluded.measures, source_file_sha256 = excluded.source_file_sha256, source_line = excluded.source_line
           WHERE core.outcomes.measures IS DISTINCT FROM excluded.measures`;
}

/** Merges the rows built beside into core.outcomes and drops their table; returns how many were unchanged. */
async function mergeBuiltOutcomes(client: pg.ClientBase, table: string): Promise<number> {
  const built = await client.query<{ rows: number }>(`SELECT count(*)::integer AS rows FROM ${table}`);
  const merged = await client.query(outcomeMerge(`SELECT programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line FROM ${table}`));
  await client.query(`DROP TABLE ${table}`);
  return built.rows[0].rows - (merged.rowCount ?? 0);
}
