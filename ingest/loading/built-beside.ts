/**
 * A programme's first file of a kind, built beside its table and attached whole as the programme's partition.
 *
 * core.outcomes (migration 0037) and core.applications (0049) are partitioned by programme. A programme's first file
 * of such a kind (no row of the programme stored yet) has its batches written into a table of its own with no key,
 * committed one by one with the file's account as every load's are, so a load that dies resumes into the same table;
 * the file's account records that its rows are there (raw.input_files.outcomes_built_beside or
 * applications_built_beside). When the file completes, the key is built once, what the table's per-statement checks
 * would have checked is checked set-wise, and the table is attached, in the transaction that marks the file complete:
 * the file's rows appear in the table all at once, never half a file. A later file of the programme meets its
 * partition and goes in through the key, batch by batch; so does a replacement, which merges by definition.
 *
 * Keeping a key up to date row by row, with units in no particular order, was most of such a load's database time
 * (numbers in the migrations).
 *
 * A load that merges while another load of the same programme attaches its partition can be refused once (its rows
 * were routed to the default partition before the attachment committed: a check violation); its retry goes through
 * the partition.
 */
import type pg from 'pg';
import type { BuiltBeside } from './bulk-targets.js';

const SCHEMA = 'core';

/** What differs between the kinds built beside their table. */
export interface BesideTable {
  /** The partitioned table, in schema core. */
  readonly table: 'outcomes' | 'applications';
  /** The kind of file, as raw.input_files names it. */
  readonly fileKind: 'outcomes' | 'applicants';
  /** How people call one of its files ("outcome file") and its rows ("outcome rows"). */
  readonly fileNoun: string;
  readonly rowsNoun: string;
  /** The table's columns, in the order `merge` writes them. */
  readonly columns: string;
  /**
   * The table's key columns, in the order of the partitioned table's key: the unit first and the programme last
   * (migration 0054), so that the key's build on a table of one programme sorts by what tells its rows apart. A
   * partition's key must be the table's, column for column, for ATTACH PARTITION to take it.
   */
  readonly key: string;
  /** The table's other indexes: each is built on the table built beside, named after the partition with its suffix. */
  readonly indexes?: readonly { readonly suffix: string; readonly columns: string }[];
  /** The SQL function naming a programme's partition. */
  readonly partitionName: string;
  /** Tables whose rows the load writes through their keys beside, naming the file (source_file_sha256). */
  readonly writtenAlongside?: readonly string[];
  /** The column of raw.input_files recording that a file's rows are built beside. */
  readonly builtBesideColumn: 'outcomes_built_beside' | 'applications_built_beside';
  /** The merge of the rows `rows` selects (the table's columns, by name) into the table through its key. */
  merge(rows: string): string;
  /**
   * What others change in the table while the file loads, applied to the table built beside (named, and quoted) at
   * the start of its completion, before its key and indexes are built: a lock taken here is taken before the table's
   * own (the key's build holds it exclusively), in the order others take the two.
   */
  beforeAttach?(client: pg.ClientBase, table: string, programmeId: string): Promise<void>;
  /**
   * What the table's per-statement triggers would have checked, run on the table built beside just after it is
   * attached (in the same transaction): the triggers do not see an attachment, and a writer that locks the table
   * to check its rows (a firm's deletion) now waits for this transaction and then sees these rows.
   */
  afterAttach?(client: pg.ClientBase, table: string): Promise<void>;
}

/** The table one file's rows are built in, named by the file (a retry finds it again). */
export function buildingTableName(beside: Pick<BesideTable, 'table'>, fileSha256: string): string {
  return `${beside.table}_building_${fileSha256.slice(0, 16)}`;
}

const qualified = (client: pg.ClientBase, table: string) => `${SCHEMA}.${client.escapeIdentifier(table)}`;

/** The rows a load committed beside their table are gone: finishing the load would account for rows it lost. */
export class BuildingTableMissingError extends Error {
  constructor(
    readonly table: string,
    readonly fileSha256: string,
    beside: Pick<BesideTable, 'rowsNoun' | 'writtenAlongside'> = { rowsNoun: 'outcome rows' },
  ) {
    const alongside = (beside.writtenAlongside ?? []).map((written) => `DELETE FROM ${written} WHERE source_file_sha256 = '${fileSha256}'; `).join('');
    super(
      `the ${beside.rowsNoun} this load committed so far were held in ${table}, which no longer exists (dropped by hand?), so the load cannot finish ` +
        `without losing them. To load the file again from its first line, remove what it wrote and its unfinished account: ${alongside}DELETE FROM raw.rejected_rows WHERE file_sha256 = '${fileSha256}'; ` +
        `DELETE FROM raw.input_files WHERE file_sha256 = '${fileSha256}'; then run the load again`,
    );
    this.name = 'BuildingTableMissingError';
  }
}

/** A replacement cannot load while the programme's first file of its kind is still held apart. */
export class FirstFileStillLoadingError extends Error {
  constructor(
    readonly programmeId: string,
    readonly fileName: string,
    readonly fileSha256: string,
    beside: Pick<BesideTable, 'table' | 'fileNoun' | 'writtenAlongside'> = { table: 'outcomes', fileNoun: 'outcome file' },
  ) {
    const alongside = (beside.writtenAlongside ?? []).map((written) => `${written}, `).join('');
    super(
      `the ${beside.fileNoun} ${fileName} of programme ${programmeId} is still being loaded as the programme's first, its rows held apart until it completes; ` +
        `a replacement loaded now would be overwritten by it then. Run the load of ${fileName} again to finish it, then the replacement ` +
        `(or, to give that file up, drop its table core.${buildingTableName(beside, fileSha256)} and delete what it wrote and its account from ${alongside}raw.rejected_rows and raw.input_files, file_sha256 '${fileSha256}')`,
    );
    this.name = 'FirstFileStillLoadingError';
  }
}

/** PostgreSQL's codes for an ATTACH PARTITION refused because the programme's rows are already elsewhere. */
const PROGRAMME_ALREADY_STORED = new Set([
  '42P17', // invalid_object_definition: another load attached the programme's partition meanwhile
  '23514', // check_violation: rows of the programme were written to the default partition meanwhile
]);

/** How one kind builds a programme's first file beside its table: the BuiltBeside of its bulk target, for one load. */
export function builtBeside(beside: BesideTable): BuiltBeside {
  /** The rows' noun at the start of a table's comment. */
  const rowsTitle = `${beside.rowsNoun[0].toUpperCase()}${beside.rowsNoun.slice(1)}`;

  /** What the file's account says of its rows, and whether the table they would be built in exists. */
  async function buildState(client: pg.ClientBase, fileSha256: string): Promise<{ builtBeside: boolean; tableExists: boolean; rowsLoaded: number }> {
    // The load registers the account before its first batch; were it gone, the completion's update of it would fail.
    const { rows } = await client.query<{ built_beside: boolean; table_exists: boolean; rows_loaded: number }>(
      `SELECT ${beside.builtBesideColumn} AS built_beside, to_regclass(format('core.%I', $2::text)) IS NOT NULL AS table_exists, rows_loaded
         FROM raw.input_files WHERE file_sha256 = $1`,
      [fileSha256, buildingTableName(beside, fileSha256)],
    );
    const [account] = rows;
    return { builtBeside: account?.built_beside === true, tableExists: account?.table_exists === true, rowsLoaded: account?.rows_loaded ?? 0 };
  }

  /**
   * Where this load's rows go, decided at its first batch with rows (in that batch's transaction): the table built
   * beside (created here, and recorded in the file's account, if the programme has no rows of this kind and this file
   * none stored yet), or null for the table itself.
   */
  async function choose(client: pg.ClientBase, programmeId: string, fileSha256: string): Promise<string | null> {
    const building = buildingTableName(beside, fileSha256);
    const table = qualified(client, building);
    const state = await buildState(client, fileSha256);
    if (state.builtBeside) {
      if (!state.tableExists) throw new BuildingTableMissingError(`core.${building}`, fileSha256, beside);
      return table;
    }
    if (state.rowsLoaded > 0) return null;
    const { rows } = await client.query<{ programme_has_rows: boolean }>(
      `SELECT to_regclass(format('core.%I', ${beside.partitionName}($1))) IS NOT NULL
                OR EXISTS (SELECT 1 FROM core.${beside.table}_default WHERE programme_id = $1) AS programme_has_rows`,
      [programmeId],
    );
    if (rows[0].programme_has_rows) return null;
    await client.query(`CREATE TABLE ${table} (LIKE core.${beside.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await client.query(
      `COMMENT ON TABLE ${table} IS ${client.escapeLiteral(
        `${rowsTitle} of programme ${programmeId} from file ${fileSha256}, being loaded; attached to core.${beside.table} as the programme's partition when the file completes. Do not drop it: the load resumes into it.`,
      )}`,
    );
    await client.query(`UPDATE raw.input_files SET ${beside.builtBesideColumn} = true WHERE file_sha256 = $1`, [fileSha256]);
    return table;
  }

  /**
   * Refuses a replacement while a first file of the programme is held apart: attached or merged after the
   * replacement, it would bring back what the replacement corrected or retired. Runs in the transaction of the
   * replacement's first batch with rows, and again in the one that completes it (a retry may have no batch left).
   */
  async function beforeReplacement(client: pg.ClientBase, programmeId: string): Promise<void> {
    const { rows } = await client.query<{ file_name: string; file_sha256: string }>(
      `SELECT file_name, file_sha256 FROM raw.input_files
        WHERE programme_id = $1 AND kind = $2 AND status = 'loading' AND ${beside.builtBesideColumn} ORDER BY loaded_at LIMIT 1`,
      [programmeId, beside.fileKind],
    );
    if (rows.length > 0) throw new FirstFileStillLoadingError(programmeId, rows[0].file_name, rows[0].file_sha256, beside);
  }

  /** Merges the rows built beside into the table and drops theirs; returns how many were unchanged. */
  async function mergeBuilt(client: pg.ClientBase, table: string): Promise<number> {
    const built = await client.query<{ rows: number }>(`SELECT count(*)::integer AS rows FROM ${table}`);
    const merged = await client.query(beside.merge(`SELECT ${beside.columns} FROM ${table}`));
    await client.query(`DROP TABLE ${table}`);
    return built.rows[0].rows - (merged.rowCount ?? 0);
  }

  /**
   * Builds the key of the table a load built beside and attaches it as the programme's partition; returns how many of
   * its rows were found unchanged. Should the programme's rows have reached the table meanwhile (another load of the
   * programme, side by side), the rows are merged into it instead, as a load that meets stored rows merges. Runs in
   * the transaction that completes the file; does nothing for a load that wrote into the table itself.
   */
  async function attach(client: pg.ClientBase, programmeId: string, fileSha256: string): Promise<number> {
    const building = buildingTableName(beside, fileSha256);
    const state = await buildState(client, fileSha256);
    if (!state.builtBeside) return 0;
    if (!state.tableExists) throw new BuildingTableMissingError(`core.${building}`, fileSha256, beside);
    const { rows } = await client.query<{ partition: string }>(`SELECT ${beside.partitionName}($1) AS partition`, [programmeId]);
    const { partition } = rows[0];
    const table = qualified(client, building);
    const programme = client.escapeLiteral(programmeId);
    await beside.beforeAttach?.(client, table, programmeId);
    await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${client.escapeIdentifier(`${building}_pkey`)} PRIMARY KEY (${beside.key})`);
    // Built here, ATTACH PARTITION takes each as its part of the partitioned table's index instead of building another.
    for (const index of beside.indexes ?? []) await client.query(`CREATE INDEX ${client.escapeIdentifier(`${building}_${index.suffix}`)} ON ${table} (${index.columns})`);
    // With the partition's bound already proved by a check, ATTACH PARTITION does not scan the table again.
    await client.query(`ALTER TABLE ${table} ADD CONSTRAINT programme_bound CHECK (programme_id = ${programme})`);
    await client.query('SAVEPOINT attach_built_beside');
    try {
      await client.query(`ALTER TABLE core.${beside.table} ATTACH PARTITION ${table} FOR VALUES IN (${programme})`);
    } catch (error) {
      if (!PROGRAMME_ALREADY_STORED.has((error as { code?: string }).code ?? '')) throw error;
      await client.query('ROLLBACK TO SAVEPOINT attach_built_beside');
      return mergeBuilt(client, table);
    }
    await client.query('RELEASE SAVEPOINT attach_built_beside');
    await beside.afterAttach?.(client, table);
    await client.query(`ALTER TABLE ${table} DROP CONSTRAINT programme_bound`);
    await client.query(`ALTER TABLE ${table} RENAME TO ${client.escapeIdentifier(partition)}`);
    for (const suffix of ['pkey', ...(beside.indexes ?? []).map((index) => index.suffix)]) {
      await client.query(`ALTER INDEX ${qualified(client, `${building}_${suffix}`)} RENAME TO ${client.escapeIdentifier(`${partition}_${suffix}`)}`);
    }
    await client.query(`COMMENT ON TABLE ${qualified(client, partition)} IS ${client.escapeLiteral(`${rowsTitle} of programme ${programmeId} (a partition of core.${beside.table}).`)}`);
    return 0;
  }

  return { table: undefined, choose, attach, beforeReplacement };
}
