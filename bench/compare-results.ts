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

/** The rows as text, ordered by every exact column first, so that rounding in the last digits cannot reorder them. */
async function rowsOf(client: pg.Client, relation: Relation): Promise<string[][]> {
  const quoted = (column: Column) => `"${column.name.replace(/"/g, '""')}"`;
  const exact = relation.columns.filter((column) => !NUMERIC_TYPES.has(column.type));
  const numeric = relation.columns.filter((column) => NUMERIC_TYPES.has(column.type));
  const order = [...exact, ...numeric].map((column) => `${quoted(column)}::text`).join(', ');
  const selected = relation.columns.map((column) => `${quoted(column)}::text`).join(', ');
  const result = await client.query({ text: `SELECT ${selected} FROM ${relation.name} ORDER BY ${order}`, rowMode: 'array' });
  return result.rows as string[][];
}

function agree(a: string | null, b: string | null, numeric: boolean, tolerance: number): boolean {
  if (a === b) return true;
  if (!numeric || a === null || b === null) return false;
  const x = Number(a);
  const y = Number(b);
  return Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(x), Math.abs(y));
}

/** The relation with only the columns `other` has too, in this relation's order; the others are noted as not compared. */
function sharedColumnsOf(relation: Relation, other: Relation, notCompared: string[], side: 'first' | 'second' = 'first'): Relation {
  const otherNames = new Set(other.columns.map((column) => column.name));
  const alone = relation.columns.filter((column) => !otherNames.has(column.name));
  if (alone.length) notCompared.push(`${relation.name}: ${alone.map((column) => column.name).join(', ')} only in the ${side} database`);
  return { name: relation.name, columns: relation.columns.filter((column) => otherNames.has(column.name)) };
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
    let comparedRelations = 0;
    let comparedRows = 0;
    let comparedValues = 0;
    for (const whole of left) {
      const wholeOther = rightByName.get(whole.name);
      if (!wholeOther) {
        (sharedOnly ? notCompared : differences).push(`${whole.name}: only in the first database`);
        continue;
      }
      const sameColumns = wholeOther.columns.map((column) => column.name).join() === whole.columns.map((column) => column.name).join();
      if (!sameColumns && !sharedOnly) {
        differences.push(`${whole.name}: the columns differ`);
        continue;
      }
      const relation = sameColumns ? whole : sharedColumnsOf(whole, wholeOther, notCompared);
      const other = sameColumns ? wholeOther : sharedColumnsOf(wholeOther, whole, notCompared, 'second');
      comparedRelations++;
      const [rowsA, rowsB] = await Promise.all([rowsOf(a, relation), rowsOf(b, other)]);
      if (rowsA.length !== rowsB.length) {
        differences.push(`${relation.name}: ${rowsA.length} rows against ${rowsB.length}`);
        continue;
      }
      rowsA.forEach((row, r) => {
        relation.columns.forEach((column, c) => {
          comparedValues++;
          if (!agree(row[c], rowsB[r][c], NUMERIC_TYPES.has(column.type), tolerance)) differences.push(`${relation.name} row ${r + 1} ${column.name}: ${row[c]} against ${rowsB[r][c]}`);
        });
      });
      comparedRows += rowsA.length;
    }
    for (const relation of right) {
      if (!left.some((other) => other.name === relation.name)) (sharedOnly ? notCompared : differences).push(`${relation.name}: only in the second database`);
    }
    process.stdout.write(`${comparedRelations} tables and views, ${comparedRows} rows, ${comparedValues} values compared (tolerance ${tolerance} relative, absolute below 1)\n`);
    if (notCompared.length) process.stdout.write(`not compared (--shared-columns):\n${notCompared.map((line) => `  ${line}\n`).join('')}`);
    for (const difference of differences.slice(0, 50)) process.stdout.write(`  ${difference}\n`);
    if (differences.length > 50) process.stdout.write(`  … and ${differences.length - 50} more\n`);
    process.stdout.write(differences.length === 0 ? 'identical\n' : `${differences.length} differences\n`);
    return differences.length === 0 ? 0 : 1;
  } finally {
    await a.end();
    await b.end();
  }
}

process.exitCode = await main();
