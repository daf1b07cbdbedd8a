/**
 * Compares what two databases hold after the same study: every table and view of the results and bi schemas,
 * column by column, numbers to a tolerance. Used to show that a change of how the pipeline works leaves its results
 * as they were: run the same files through the old and the new code into two databases, then
 *
 *   node dist/bench/compare-results.js postgres://…/old postgres://…/new [--tolerance 1e-9] [--shared-columns]
 *
 * With --shared-columns, code far apart can be compared: tables, views and columns that only one side has (a later
 * feature's) are listed as not compared instead of counted as differences, and the rows are compared on the columns
 * both have.
 *
 * Columns that name a particular run or moment (run keys, workflow ids, the code version, the spec registration's hash,
 * durations, date and time columns) differ by design and are left out. Exit 0 when everything agrees, 1 with each
 * difference listed.
 */
import pg from 'pg';

const VOLATILE_COLUMN = /^(run_key|base_run_key|workflow_id|workflow_run_id|code_version|spec_registration_hash|duration_seconds)$/;
const NUMERIC_TYPES = new Set(['double precision', 'real', 'numeric']);
const TIME_TYPES = /^(timestamp|date|time)/;

interface Column {
  readonly name: string;
  readonly type: string;
}

interface Relation {
  readonly name: string;
  readonly columns: readonly Column[];
}

async function relations(client: pg.Client): Promise<Relation[]> {
  const { rows } = await client.query<{ relation: string; column_name: string; data_type: string }>(
    `SELECT n.nspname || '.' || c.relname AS relation, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS data_type
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE n.nspname IN ('results', 'bi') AND c.relkind IN ('r', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY 1, a.attnum`,
  );
  const byName = new Map<string, Column[]>();
  for (const row of rows) byName.set(row.relation, [...(byName.get(row.relation) ?? []), { name: row.column_name, type: row.data_type }]);
  return [...byName].map(([name, columns]) => ({ name, columns: columns.filter((column) => !VOLATILE_COLUMN.test(column.name) && !TIME_TYPES.test(column.type)) }));
}

/** A column compared on both sides: its name, and whether either side holds it as a number (compared to the tolerance). */
interface ComparedColumn {
  readonly name: string;
  readonly numeric: boolean;
}

/**
 * The rows as text, the columns in the order given (the same on both sides, so that a column that moved on one side is
 * still paired by its name), ordered by every exact column first, so that rounding in the last digits cannot reorder
 * them. With no column to compare, only the number of rows is read.
 */
async function rowsOf(client: pg.Client, relationName: string, columns: readonly ComparedColumn[]): Promise<string[][]> {
  if (columns.length === 0) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${relationName}`);
    return Array.from({ length: Number(rows[0].n) }, () => []);
  }
  const quoted = (column: ComparedColumn) => `"${column.name.replace(/"/g, '""')}"::text`;
  const order = [...columns.filter((column) => !column.numeric), ...columns.filter((column) => column.numeric)].map(quoted).join(', ');
  const result = await client.query({ text: `SELECT ${columns.map(quoted).join(', ')} FROM ${relationName} ORDER BY ${order}`, rowMode: 'array' });
  return result.rows as string[][];
}

function agree(a: string | null, b: string | null, numeric: boolean, tolerance: number): boolean {
  if (a === b) return true;
  if (!numeric || a === null || b === null) return false;
  const x = Number(a);
  const y = Number(b);
  return Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(x), Math.abs(y));
}

/**
 * The columns of a relation both sides have, in the first side's order, each numeric where either side's type is; what
 * only one side has, and types that differ, are noted.
 */
function sharedColumns(first: Relation, second: Relation, notCompared: string[], notes: string[]): ComparedColumn[] {
  const secondTypes = new Map(second.columns.map((column) => [column.name, column.type]));
  const firstNames = new Set(first.columns.map((column) => column.name));
  const firstAlone = first.columns.filter((column) => !secondTypes.has(column.name)).map((column) => column.name);
  const secondAlone = second.columns.filter((column) => !firstNames.has(column.name)).map((column) => column.name);
  if (firstAlone.length) notCompared.push(`${first.name}: ${firstAlone.join(', ')} only in the first database`);
  if (secondAlone.length) notCompared.push(`${first.name}: ${secondAlone.join(', ')} only in the second database`);
  return first.columns.flatMap((column) => {
    const secondType = secondTypes.get(column.name);
    if (secondType === undefined) return [];
    if (secondType !== column.type) notes.push(`${first.name}.${column.name}: ${column.type} in the first database, ${secondType} in the second`);
    return [{ name: column.name, numeric: NUMERIC_TYPES.has(column.type) || NUMERIC_TYPES.has(secondType) }];
  });
}

async function main(): Promise<number> {
  const flags = process.argv.slice(2);
  const sharedOnly = flags.includes('--shared-columns');
  const args = flags.filter((arg) => arg !== '--shared-columns');
  const toleranceAt = args.indexOf('--tolerance');
  const tolerance = toleranceAt >= 0 ? Number(args[toleranceAt + 1]) : 1e-9;
  const urls = toleranceAt >= 0 ? args.filter((_, i) => i !== toleranceAt && i !== toleranceAt + 1) : args;
  if (urls.length !== 2 || !Number.isFinite(tolerance)) {
    process.stderr.write('usage: compare-results DATABASE_URL_A DATABASE_URL_B [--tolerance 1e-9] [--shared-columns]\n');
    return 2;
  }
  const [a, b] = urls.map((url) => new pg.Client({ connectionString: url }));
  await a.connect();
  await b.connect();
  try {
    const [left, right] = await Promise.all([relations(a), relations(b)]);
    const rightByName = new Map(right.map((relation) => [relation.name, relation]));
    const differences: string[] = [];
    const notCompared: string[] = [];
    const notes: string[] = [];
    let comparedRelations = 0;
    let comparedRows = 0;
    let comparedValues = 0;
    for (const relation of left) {
      const other = rightByName.get(relation.name);
      if (!other) {
        (sharedOnly ? notCompared : differences).push(`${relation.name}: only in the first database`);
        continue;
      }
      const sameColumns = other.columns.map((column) => column.name).join() === relation.columns.map((column) => column.name).join();
      if (!sameColumns && !sharedOnly) {
        differences.push(`${relation.name}: the columns differ`);
        continue;
      }
      const columns = sharedColumns(relation, other, notCompared, notes);
      if (columns.length === 0) notes.push(`${relation.name}: no column to compare, only the number of rows`);
      comparedRelations++;
      const [rowsA, rowsB] = await Promise.all([rowsOf(a, relation.name, columns), rowsOf(b, other.name, columns)]);
      if (rowsA.length !== rowsB.length) {
        differences.push(`${relation.name}: ${rowsA.length} rows against ${rowsB.length}`);
        continue;
      }
      rowsA.forEach((row, r) => {
        columns.forEach((column, c) => {
          comparedValues++;
          if (!agree(row[c], rowsB[r][c], column.numeric, tolerance)) differences.push(`${relation.name} row ${r + 1} ${column.name}: ${row[c]} against ${rowsB[r][c]}`);
        });
      });
      comparedRows += rowsA.length;
    }
    for (const relation of right) {
      if (!left.some((other) => other.name === relation.name)) (sharedOnly ? notCompared : differences).push(`${relation.name}: only in the second database`);
    }
    process.stdout.write(`${comparedRelations} tables and views, ${comparedRows} rows, ${comparedValues} values compared (tolerance ${tolerance} relative, absolute below 1)\n`);
    const block = (heading: string, lines: readonly string[]) => (lines.length ? `${heading}\n${lines.map((line) => `  ${line}\n`).join('')}` : '');
    process.stdout.write(block('not compared (--shared-columns):', notCompared));
    process.stdout.write(block('notes:', notes));
    const shown = differences.length > 50 ? [...differences.slice(0, 50), `… and ${differences.length - 50} more`] : differences;
    process.stdout.write(block('differences:', shown));
    process.stdout.write(differences.length === 0 ? 'identical\n' : `${differences.length} differences\n`);
    return differences.length === 0 ? 0 : 1;
  } finally {
    await a.end();
    await b.end();
  }
}

process.exitCode = await main();
