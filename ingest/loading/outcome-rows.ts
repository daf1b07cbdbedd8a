/**
 * How outcome rows reach core.outcomes: merged through its key, or built beside it and attached.
 *
 * A programme's first outcome file (no row of the programme stored yet) is built beside core.outcomes and attached
 * whole as the programme's partition (migration 0037). Its batches are copied into a table of its own with no key,
 * committed one by one with the file's account as every load's are, so a load that dies resumes into the same table;
 * the file's account records that its rows are there (raw.input_files.outcomes_built_beside). When the file completes,
 * the key is built once and the table attached, in the transaction that marks the file complete: the file's rows
 * appear in core.outcomes all at once, never half a file. A later file of the programme meets its partition and goes
 * in through the key, batch by batch, as before; so does a replacement, which merges by definition.
 *
 * Keeping the key up to date while copying, with units in no particular order, was most of such a load's database
 * time (numbers in the migration).
 *
 * The rows built beside carry this file's programme and hash from the load's settings (the defaults of 0035), and the
 * file is registered and held by the load, so the per-statement reference check of core.outcomes (0011, 0036), which
 * does not see this table, has nothing to find.
 *
 * A load that merges while another load of the same programme attaches its partition can be refused once (its rows
 * were routed to the default partition before the attachment committed: a check violation); its retry goes through
 * the partition.
 */
import type pg from 'pg';

const SCHEMA = 'core';

/** The table one file's outcome rows are built in, named by the file (a retry finds it again). */
export function buildingTableName(fileSha256: string): string {
  return `outcomes_building_${fileSha256.slice(0, 16)}`;
}

const qualified = (client: pg.ClientBase, table: string) => `${SCHEMA}.${client.escapeIdentifier(table)}`;

/** The rows a load committed beside core.outcomes are gone: finishing the load would account for rows it lost. */
export class BuildingTableMissingError extends Error {
  constructor(
    readonly table: string,
    readonly fileSha256: string,
  ) {
    super(
      `the outcome rows this load committed so far were held in ${table}, which no longer exists (dropped by hand?), so the load cannot finish ` +
        `without losing them. To load the file again from its first line, remove its unfinished account: DELETE FROM raw.rejected_rows WHERE file_sha256 = '${fileSha256}'; ` +
        `DELETE FROM raw.input_files WHERE file_sha256 = '${fileSha256}'; then run the load again`,
    );
    this.name = 'BuildingTableMissingError';
  }
}

/** A replacement cannot load while the programme's first outcome file is still held apart. */
export class FirstFileStillLoadingError extends Error {
  constructor(
    readonly programmeId: string,
    readonly fileName: string,
    readonly fileSha256: string,
  ) {
    super(
      `the outcome file ${fileName} of programme ${programmeId} is still being loaded as the programme's first, its rows held apart until it completes; ` +
        `a replacement loaded now would be overwritten by it then. Run the load of ${fileName} again to finish it, then the replacement ` +
        `(or, to give that file up, drop its table core.${buildingTableName(fileSha256)} and delete its account from raw.rejected_rows and raw.input_files, file_sha256 '${fileSha256}')`,
    );
    this.name = 'FirstFileStillLoadingError';
  }
}

/** What the file's account says of its rows, and whether the table they would be built in exists. */
async function buildState(client: pg.ClientBase, fileSha256: string): Promise<{ builtBeside: boolean; tableExists: boolean; rowsLoaded: number }> {
  // The load registers the account before its first batch; were it gone, the completion's update of it would fail.
  const { rows } = await client.query<{ built_beside: boolean; table_exists: boolean; rows_loaded: number }>(
    `SELECT outcomes_built_beside AS built_beside, to_regclass(format('core.%I', $2::text)) IS NOT NULL AS table_exists, rows_loaded
       FROM raw.input_files WHERE file_sha256 = $1`,
    [fileSha256, buildingTableName(fileSha256)],
  );
  const [account] = rows;
  return { builtBeside: account?.built_beside === true, tableExists: account?.table_exists === true, rowsLoaded: account?.rows_loaded ?? 0 };
}

/**
 * Where this load's outcome rows go, decided at its first batch with rows (in that batch's transaction): the table
 * built beside (created here, and recorded in the file's account, if the programme has no outcome rows and this file
 * none stored yet), or null for core.outcomes itself.
 */
export async function outcomeBuildingTable(client: pg.ClientBase, programmeId: string, fileSha256: string): Promise<string | null> {
  const building = buildingTableName(fileSha256);
  const table = qualified(client, building);
  const state = await buildState(client, fileSha256);
  if (state.builtBeside) {
    if (!state.tableExists) throw new BuildingTableMissingError(`core.${building}`, fileSha256);
    return table;
  }
  if (state.rowsLoaded > 0) return null;
  const { rows } = await client.query<{ programme_has_rows: boolean }>(
    `SELECT to_regclass(format('core.%I', core.outcome_partition_name($1))) IS NOT NULL
              OR EXISTS (SELECT 1 FROM core.outcomes_default WHERE programme_id = $1) AS programme_has_rows`,
    [programmeId],
  );
  if (rows[0].programme_has_rows) return null;
  await client.query(`CREATE TABLE ${table} (LIKE core.outcomes INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  await client.query(
    `COMMENT ON TABLE ${table} IS ${client.escapeLiteral(`Outcome rows of programme ${programmeId} from file ${fileSha256}, being loaded; attached to core.outcomes as the programme's partition when the file completes. Do not drop it: the load resumes into it.`)}`,
  );
  await client.query('UPDATE raw.input_files SET outcomes_built_beside = true WHERE file_sha256 = $1', [fileSha256]);
  return table;
}

/**
 * Refuses a replacement while a first outcome file of the programme is held apart: attached or merged after the
 * replacement, it would bring back what the replacement corrected or retired. Runs in the transaction of the
 * replacement's first batch with rows, and again in the one that completes it (a retry may have no batch left).
 */
export async function refuseReplacementWhileBuilding(client: pg.ClientBase, programmeId: string): Promise<void> {
  const { rows } = await client.query<{ file_name: string; file_sha256: string }>(
    `SELECT file_name, file_sha256 FROM raw.input_files WHERE programme_id = $1 AND kind = 'outcomes' AND status = 'loading' AND outcomes_built_beside ORDER BY loaded_at LIMIT 1`,
    [programmeId],
  );
  if (rows.length > 0) throw new FirstFileStillLoadingError(programmeId, rows[0].file_name, rows[0].file_sha256);
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
  const state = await buildState(client, fileSha256);
  if (!state.builtBeside) return 0;
  if (!state.tableExists) throw new BuildingTableMissingError(`core.${building}`, fileSha256);
  const { rows } = await client.query<{ partition: string }>('SELECT core.outcome_partition_name($1) AS partition', [programmeId]);
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
