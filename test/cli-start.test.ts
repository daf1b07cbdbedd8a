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

/**
 * Runs the compiled CLI with a hook that refuses the named packages, and the modules whose resolved URL ends in one of
 * `files` (the project's own modules, which are imported by relative paths).
 */
function ebpmRefusing(packages: readonly string[], ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return ebpmRefusingModules(packages, [], args);
}

function ebpmRefusingModules(packages: readonly string[], files: readonly string[], args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const name = [...packages, ...files].join('-').replace(/[^a-z]/gi, '_');
  const refuse = join(hooks, `refuse-${name}.mjs`);
  writeFileSync(
    refuse,
    `const refused = ${JSON.stringify(packages)};
const refusedFiles = ${JSON.stringify(files)};
export async function resolve(specifier, context, next) {
  if (refused.some((p) => specifier === p || specifier.startsWith(p + '/'))) throw new Error('refused module loaded: ' + specifier + ' from ' + context.parentURL);
  const resolved = await next(specifier, context);
  if (refusedFiles.some((file) => resolved.url.endsWith(file))) throw new Error('refused module loaded: ' + resolved.url + ' from ' + context.parentURL);
  return resolved;
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

  // Modules of ebpm estimate that only --twfe, --sensitivity or the text summary need: loading them before the main
  // thread starts on its half of the file would delay the estimate.
  const ESTIMATE_EXTRAS = ['/dist/stats/twfe.js', '/dist/stats/build-panel.js', '/dist/stats/honest/did-event-study.js', '/dist/stats/honest/event-study.js', '/dist/stats/honest/sensitivity.js', '/dist/cli/did-summary.js'];
  const mpdta = fileURLToPath(new URL('./fixtures/reference/mpdta.csv', import.meta.url));
  const estimateArgs = ['estimate', '--data', mpdta, '--outcome', 'lemp', '--time', 'year', '--id', 'countyreal', '--group', 'first.treat'];

  it('ebpm estimate --json loads neither the TWFE fits, the sensitivity analysis nor the text summary', () => {
    const run = ebpmRefusingModules([], ESTIMATE_EXTRAS, [...estimateArgs, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).n).toEqual({ units: 500, periods: 5 });
  });

  it.each([
    ['--twfe', '/dist/stats/twfe.js'],
    ['--sensitivity', '/dist/stats/honest/sensitivity.js'],
    ['', '/dist/cli/did-summary.js'],
  ])('ebpm estimate %s does load what it asks for (the check can fail)', (flag, file) => {
    const run = ebpmRefusingModules([], [file], [...estimateArgs, ...(flag ? [flag, '--json'] : [])]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`refused module loaded: `);
    expect(run.stderr).toContain(file);
  });

  it.each(['migrate', 'review-sheets show', 'review-sheets check', 'report', 'runs list'])('ebpm %s (database only) does not load the Temporal SDK', (command) => {
    const run = ebpmRefusing(['@temporalio/client', '@temporalio/worker', '@temporalio/common'], ...command.split(' '), '--no-such-option');
    expect(run.stderr).not.toContain('refused module loaded');
    expect(run.stderr).toContain("Unknown option '--no-such-option'");
    expect(run.status).toBe(2);
  });
});
