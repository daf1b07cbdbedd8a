/**
 * bench/compare-results.ts, the check that a change of the pipeline's mechanics leaves its results as they were, run
 * as a user runs it (the compiled script) on two real databases.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/services.js';

const script = fileURLToPath(new URL('../dist/bench/compare-results.js', import.meta.url));

function compare(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The lines naming a value that differs, in one relation. */
const differencesIn = (output: string, relation: string) => output.split('\n').filter((line) => line.startsWith(`  ${relation} row `));

let before: TestDatabase | undefined;
let after: TestDatabase | undefined;

beforeAll(async () => {
  before = await createTestDatabase();
  after = await createTestDatabase();
  // The same results in both, one value apart in the last digits and one further; the later code's table has a column
  // more, and a table of its own.
  for (const database of [before, after]) {
    await sql`CREATE TABLE results.compared_effects (outcome text, estimate double precision, run_key text)`.execute(database.db);
  }
  await sql`INSERT INTO results.compared_effects VALUES ('wage', 1.5, 'a'), ('sales', 2.25, 'a'), ('jobs', 10, 'a')`.execute(before.db);
  await sql`ALTER TABLE results.compared_effects ADD COLUMN treated_firms integer`.execute(after.db);
  await sql`CREATE TABLE results.later_feature (value integer)`.execute(after.db);
  await sql`INSERT INTO results.compared_effects VALUES ('wage', 1.5000000000001, 'b', 7), ('sales', 2.25, 'b', 8), ('jobs', 11, 'b', 9)`.execute(after.db);
  // The same values, the later table's columns in another order and one of another type.
  await sql`CREATE TABLE results.moved_columns (units integer, label text)`.execute(before.db);
  await sql`INSERT INTO results.moved_columns VALUES (3, 'b'), (12, 'a')`.execute(before.db);
  await sql`CREATE TABLE results.moved_columns (label text, units double precision)`.execute(after.db);
  await sql`INSERT INTO results.moved_columns VALUES ('a', 12), ('b', 3)`.execute(after.db);
  // Nothing shared but the rows: two rows on each side.
  await sql`CREATE TABLE results.renamed (old_name integer)`.execute(before.db);
  await sql`INSERT INTO results.renamed VALUES (1), (2)`.execute(before.db);
  await sql`CREATE TABLE results.renamed (new_name integer)`.execute(after.db);
  await sql`INSERT INTO results.renamed VALUES (1), (2)`.execute(after.db);
}, 60_000);

afterAll(async () => {
  await Promise.all([before?.drop(), after?.drop()]);
});

function databases(): [TestDatabase, TestDatabase] {
  if (!before || !after) throw new Error('the two test databases were not created');
  return [before, after];
}

describe('comparing the results of two runs', () => {
  it('finds a database identical to itself (exit 0)', () => {
    const [first] = databases();
    const run = compare(first.url, first.url);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\nidentical\n$/);
    expect(run.stdout).not.toContain('differences:');
  });

  it('counts a table whose columns differ as a difference, and a table only one side has', () => {
    const [first, second] = databases();
    const run = compare(first.url, second.url);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('differences:\n');
    expect(run.stdout).toContain('results.compared_effects: the columns differ');
    expect(run.stdout).toContain('results.later_feature: only in the second database');
  });

  it('with --shared-columns compares the rows on the columns both have, lists what only one side has, and finds the value that differs beyond the tolerance', () => {
    const [first, second] = databases();
    const run = compare(first.url, second.url, '--shared-columns', '--tolerance', '1e-9');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('not compared (--shared-columns):\n');
    expect(run.stdout).toContain('results.compared_effects: treated_firms only in the second database');
    expect(run.stdout).toContain('results.later_feature: only in the second database');
    // Rows are ordered by their text columns first, so jobs comes first; 1.5 against 1.5000000000001 is within 1e-9
    // and the run keys are left out by design, so the one difference is 10 against 11.
    expect(differencesIn(run.stdout, 'results.compared_effects')).toEqual(['  results.compared_effects row 1 estimate: 10 against 11']);
    expect(run.stdout).toMatch(/\n1 differences\n$/);
  });

  it('pairs a column that moved by its name, and compares it as a number where one side changed its type', () => {
    const [first, second] = databases();
    const run = compare(first.url, second.url, '--shared-columns');
    expect(differencesIn(run.stdout, 'results.moved_columns')).toEqual([]);
    expect(run.stdout).toContain('results.moved_columns.units: integer in the first database, double precision in the second');
  });

  it('compares only the number of rows of a relation whose columns all differ', () => {
    const [first, second] = databases();
    const run = compare(first.url, second.url, '--shared-columns');
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('results.renamed: no column to compare, only the number of rows');
    expect(run.stdout).toContain('results.renamed: old_name only in the first database');
    expect(run.stdout).not.toContain('results.renamed: 2 rows against');
  });

  it('at tolerance 0 the last-digit difference counts too', () => {
    const [first, second] = databases();
    const run = compare(first.url, second.url, '--shared-columns', '--tolerance', '0');
    expect(differencesIn(run.stdout, 'results.compared_effects')).toEqual([
      '  results.compared_effects row 1 estimate: 10 against 11',
      '  results.compared_effects row 3 estimate: 1.5 against 1.5000000000001',
    ]);
  });
});
