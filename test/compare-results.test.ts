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

function compare(...args: string[]): { status: number | null; stdout: string } {
  const run = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout };
}

let before: TestDatabase;
let after: TestDatabase;

beforeAll(async () => {
  [before, after] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  // The same results in both, one value apart in the last digits and one further; the later code's table has a column
  // more, and a table of its own.
  for (const database of [before, after]) {
    await sql`CREATE TABLE results.compared_effects (outcome text, estimate double precision, run_key text)`.execute(database.db);
  }
  await sql`INSERT INTO results.compared_effects VALUES ('wage', 1.5, 'a'), ('sales', 2.25, 'a'), ('jobs', 10, 'a')`.execute(before.db);
  await sql`ALTER TABLE results.compared_effects ADD COLUMN treated_firms integer`.execute(after.db);
  await sql`CREATE TABLE results.later_feature (value integer)`.execute(after.db);
  await sql`INSERT INTO results.compared_effects VALUES ('wage', 1.5000000000001, 'b', 7), ('sales', 2.25, 'b', 8), ('jobs', 11, 'b', 9)`.execute(after.db);
}, 60_000);

afterAll(async () => {
  await Promise.all([before?.drop(), after?.drop()]);
});

describe('comparing the results of two runs', () => {
  it('counts a table whose columns differ as a difference, and a table only one side has', () => {
    const run = compare(before.url, after.url);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('results.compared_effects: the columns differ');
    expect(run.stdout).toContain('results.later_feature: only in the second database');
  });

  it('with --shared-columns compares the rows on the columns both have, lists what only one side has, and finds the value that differs beyond the tolerance', () => {
    const run = compare(before.url, after.url, '--shared-columns', '--tolerance', '1e-9');
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('not compared (--shared-columns):');
    expect(run.stdout).toContain('results.compared_effects: treated_firms only in the second database');
    expect(run.stdout).toContain('results.later_feature: only in the second database');
    // Rows are ordered by their text columns first, so jobs comes first; 1.5 against 1.5000000000001 is within 1e-9
    // and the run keys are left out by design, so the one difference is 10 against 11.
    const differences = run.stdout.split('\n').filter((line) => / row \d+ /.test(line));
    expect(differences).toEqual(['  results.compared_effects row 1 estimate: 10 against 11']);
    expect(run.stdout).toMatch(/\n1 differences\n$/);
  });

  it('at tolerance 0 the last-digit difference counts too', () => {
    const run = compare(before.url, after.url, '--shared-columns', '--tolerance', '0');
    const differences = run.stdout.split('\n').filter((line) => / row \d+ /.test(line));
    expect(differences).toEqual(['  results.compared_effects row 1 estimate: 10 against 11', '  results.compared_effects row 3 estimate: 1.5 against 1.5000000000001']);
  });
});
