import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ebpm } from './support/compiled-cli.js';

// Which modules a quick command loads, checked without timing anything: the command runs with a module hook that
// refuses the named packages, so loading one of them makes it fail.
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const hooks = mkdtempSync(join(tmpdir(), 'ebpm-cli-start-'));
afterAll(() => rmSync(hooks, { recursive: true, force: true }));

function ebpmRefusing(packages: readonly string[], ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const name = packages.join('-').replace(/[^a-z]/gi, '_');
  const refuse = join(hooks, `refuse-${name}.mjs`);
  writeFileSync(
    refuse,
    `const refused = ${JSON.stringify(packages)};
export async function resolve(specifier, context, next) {
  if (refused.some((p) => specifier === p || specifier.startsWith(p + '/'))) throw new Error('refused module loaded: ' + specifier + ' from ' + context.parentURL);
  return next(specifier, context);
}\n`,
  );
  const register = join(hooks, `register-${name}.mjs`);
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(refuse).href)});\n`);
  const result = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, cli, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const HEAVY = ['zod', '@temporalio/client', '@temporalio/worker', '@temporalio/common', 'kysely', 'pg', 'exceljs'];

describe('what a quick command loads', () => {
  it('ebpm --help loads none of zod, Temporal, the database client or exceljs', () => {
    const run = ebpmRefusing(HEAVY, '--help');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('ebpm programmes');
  });

  it('ebpm programmes list, once the catalogue is cached, loads none of them and lists what a validating run lists', () => {
    const validated = ebpm('programmes', 'list', '--json');
    expect(validated.status).toBe(0);
    const cached = ebpmRefusing(HEAVY, 'programmes', 'list', '--json');
    expect(cached.stderr).toBe('');
    expect(cached.status).toBe(0);
    expect(cached.stdout).toBe(validated.stdout);
  });

  it('the refusing hook does catch a command that loads a refused package (the check can fail)', () => {
    const run = ebpmRefusing(['zod'], 'programmes', 'show', 'critical-minerals', '--json');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('refused module loaded: zod');
  });

  it.each(['migrate', 'review-sheets show', 'review-sheets check', 'report'])('ebpm %s (database only) does not load the Temporal SDK', (command) => {
    const run = ebpmRefusing(['@temporalio/client', '@temporalio/worker', '@temporalio/common'], ...command.split(' '), '--no-such-option');
    expect(run.stderr).not.toContain('refused module loaded');
    expect(run.stderr).toContain("Unknown option '--no-such-option'");
    expect(run.status).toBe(2);
  });
});
