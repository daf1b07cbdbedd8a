/**
 * Postgres connections: creates the database when it is missing, and hands out a typed Kysely handle.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../sql/database.js';

// bigint (int8) columns are yen amounts well inside 2^53; return them as numbers, not strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export class DatabaseUnavailableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(
      `cannot reach Postgres at ${redactPassword(url)}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Start Postgres (e.g. `pg_ctlcluster 15 main start`) or set DATABASE_URL to a server you can reach.',
      { cause },
    );
    this.name = 'DatabaseUnavailableError';
  }
}

export function redactPassword(url: string): string {
  return url.replace(/(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL ${redactPassword(url)} names no database; add one, e.g. /ebpm`);
  return name;
}

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

/** Creates the database named in the URL when it does not exist yet. Returns true when it was created. */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = new pg.Client({ connectionString: withDatabaseName(url, 'postgres') });
  try {
    await admin.connect();
  } catch (error) {
    throw new DatabaseUnavailableError(url, error);
  }
  try {
    const existing = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount) return false;
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    return true;
  } catch (error) {
    // Two processes may race to create it; the loser sees duplicate_database (42P04).
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabaseName(url, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(databaseName(url))} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** The pool behind each handle openDatabase made: bulk loading needs a raw client for COPY, which Kysely does not expose. */
const poolsOfHandles = new WeakMap<Kysely<Database>, pg.Pool>();

/** Connections one process's pool may hold (every command and worker opens its database with this). */
export const DEFAULT_POOL_SIZE = 10;

export function openDatabase(url: string, maxConnections = DEFAULT_POOL_SIZE): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections });
  // An idle connection can be closed by the server (restart, admin action); without a listener the
  // pool's error event would end the process. The pool opens a new connection on the next query.
  pool.on('error', (error) => console.warn(`Postgres closed an idle connection (${redactPassword(url)}): ${error.message}`));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  poolsOfHandles.set(db, pool);
  return db;
}

/** Clients that already carry the listener below; the pool hands the same client out again and again. */
const guardedClients = new WeakSet<pg.PoolClient>();

/** The pool behind `db`: its connections, and the settings a connection of its own is opened with. */
function poolOf(db: Kysely<Database>): pg.Pool {
  const pool = poolsOfHandles.get(db);
  if (!pool) throw new Error('this database handle was not made by openDatabase, so it has no pool to take a raw connection from, nor its settings; open it with openDatabase(url)');
  return pool;
}

/** A raw client from the pool behind `db`, for COPY. */
async function connectRaw(db: Kysely<Database>): Promise<pg.PoolClient> {
  const client = await poolOf(db).connect();
  if (!guardedClients.has(client)) {
    // A connection cut while the client is checked out between two statements (a server restart) makes it
    // emit 'error', which would end the process without a listener. The next statement fails instead, and
    // the caller releases the client as broken.
    client.on('error', (error) => console.warn(`Postgres closed a connection in use: ${error.message}`));
    guardedClients.add(client);
  }
  return client;
}

/**
 * Runs `work` on a raw client from the pool behind `db` (Kysely does not expose one, and COPY needs it). A
 * client whose work failed, perhaps mid-COPY, is not handed back to the pool.
 */
export async function withRawClient<T>(db: Kysely<Database>, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await connectRaw(db);
  let healthy = false;
  try {
    const result = await work(client);
    healthy = true;
    return result;
  } finally {
    client.release(!healthy);
  }
}

/**
 * Runs each task on a connection of its own, all at once, each in a read-only REPEATABLE READ transaction in the snapshot
 * the first takes (pg_export_snapshot): the tasks see the same database. Every connection imports the snapshot before
 * any task starts, and each transaction ends as soon as its own task does, so that a task done does not hold its locks
 * while it waits for the others: a statement queued for a stronger lock (attaching a partition takes the default
 * partition's strongest) would otherwise queue the later tasks' reads behind it, and wait itself for a transaction
 * that waits for them. The first connection comes from the pool and the others are opened for the purpose and closed
 * after (withOwnConnection): a caller holding one pool connection while it waits for more could wait forever once
 * every connection is held by such callers.
 */
export async function inSharedSnapshot<Results extends readonly unknown[]>(
  db: Kysely<Database>,
  tasks: { readonly [Task in keyof Results]: (client: pg.ClientBase) => Promise<Results[Task]> },
): Promise<Results> {
  type Result = Results[number];
  const work: readonly ((client: pg.ClientBase) => Promise<Result>)[] = tasks;
  // Promise.all keeps each task's result in its task's place, which is what Results says.
  const inOrder = (results: Result[]) => results as unknown as Results;
  if (work.length === 0) return inOrder([]);
  const begin = async (client: pg.ClientBase, snapshot: string | null): Promise<string> => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    if (snapshot !== null) {
      // The name comes from pg_export_snapshot(); SET TRANSACTION takes no bind parameters.
      await client.query(`SET TRANSACTION SNAPSHOT ${client.escapeLiteral(snapshot)}`);
      return snapshot;
    }
    const { rows } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
    return rows[0].snapshot;
  };
  const open = async (clients: pg.ClientBase[], snapshot: string): Promise<Result[]> => {
    if (clients.length === work.length) {
      return Promise.all(
        work.map(async (task, index) => {
          const result = await task(clients[index]);
          await clients[index].query('COMMIT');
          return result;
        }),
      );
    }
    // A failed task does not commit: the pool's connection is not given back (withRawClient) and the others are closed,
    // and each transaction ends with its connection.
    return withOwnConnection(db, async (client) => open([...clients, client], await begin(client, snapshot)));
  };
  return inOrder(await withRawClient(db, async (first) => open([first], await begin(first, null))));
}

/**
 * Runs `work` on a connection of its own, opened with the pool's settings and closed after: for a statement that must
 * run beside a transaction whose locks other holders of the pool's connections may be waiting for (a pool connection
 * asked for then might never come free).
 */
export async function withOwnConnection<T>(db: Kysely<Database>, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(poolOf(db).options);
  // A connection cut while idle makes the client emit 'error', which would end the process without a listener; the
  // query under way fails instead.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The statistics target of the ANALYZE that follows a bulk load (PostgreSQL's default is 100). What the planner lacks
 * after a load is the row count and a rough distribution, which a sample of 3,000 rows gives as well as one of 30,000:
 * the analysis reads, the BI views over the loaded tables and the review views' refreshes kept the same plans (EXPLAIN
 * at both targets), and the ANALYZEs took a seventh to a ninth of the time. These statistics stay until the table is
 * analysed again: autovacuum does so once about a tenth of its rows have changed, and `ANALYZE table` by hand restores
 * the default target's detail for a BI tool that filters on a skewed column.
 */
export const LOADED_TABLE_STATISTICS_TARGET = 10;

/**
 * A table just bulk-loaded made ready for its readers, on a connection of its own: the page ranges its block-range
 * (BRIN) indexes have not summarised yet are summarised (a reader would otherwise recheck every row of them; the review
 * row tables, migration 0051), then the table is analysed at LOADED_TABLE_STATISTICS_TARGET. Like ANALYZE, which skips
 * a table its role does not own, the summary is left out for an index the role does not own (PostgreSQL refuses it):
 * readers then find the same rows, more slowly, until its owner's next load or VACUUM. `table` is a
 * schema-qualified name from the code, never from input, written without quotes and with no dot inside a part
 * ("core.outcomes"); each part is quoted here.
 */
export async function analyseLoadedTable(db: Kysely<Database>, table: string): Promise<void> {
  const quoted = table.split('.').map((part) => pg.escapeIdentifier(part)).join('.');
  await withRawClient(db, (client) =>
    inTransaction(client, async () => {
      await client.query(
        `SELECT brin_summarize_new_values(i.indexrelid::regclass) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
          WHERE i.indrelid = $1::regclass AND a.amname = 'brin' AND pg_has_role(c.relowner, 'USAGE')`,
        [quoted],
      );
      await client.query(`SET LOCAL default_statistics_target = ${LOADED_TABLE_STATISTICS_TARGET}`);
      await client.query(`ANALYZE ${quoted}`);
    }),
  );
}

/** Runs `work` in one transaction on `client`: committed when it returns, rolled back when it throws. */
/**
 * Reads in one read-only snapshot (REPEATABLE READ): a command that reads several tables sees them as of one moment,
 * so a load committing between its statements cannot pair old rows with new ones.
 */
export function inReadOnlySnapshot<T>(db: Kysely<Database>, read: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
}

export async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export async function checkConnection(db: Kysely<Database>, url: string): Promise<void> {
  try {
    await sql`SELECT 1`.execute(db);
  } catch (error) {
    throw new DatabaseUnavailableError(url, error);
  }
}
