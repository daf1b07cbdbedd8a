import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceDataPath } from './support/reference-data.js';

// The command is tested as users run it: compiled JavaScript (npm test compiles first).
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const mpdta = referenceDataPath('mpdta.csv');
const columns = ['--outcome', 'lemp', '--time', 'year', '--id', 'countyreal', '--group', 'first.treat'];
const scratch = mkdtempSync(join(tmpdir(), 'ebpm-estimate-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function estimate(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, 'estimate', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeVariant(name: string, transform: (lines: string[]) => string[]): string {
  const path = join(scratch, name);
  writeFileSync(path, transform(readFileSync(mpdta, 'utf8').trimEnd().split('\n')).join('\n') + '\n');
  return path;
}

describe('ebpm estimate', () => {
  it('prints the did reference shape with --json, matching did 2.5.1 with covariates and not-yet-treated units', () => {
    const { status, stdout } = estimate('--data', mpdta, ...columns, '--control', 'notyet', '--covariates', 'lpop', '--json');
    expect(status).toBe(0);
    const output = JSON.parse(stdout);
    const reference = JSON.parse(readFileSync(referenceDataPath('did-reference/notyet-dr-lpop.json'), 'utf8'));
    expect(Object.keys(output)).toEqual(expect.arrayContaining(['attgt', 'aggregations', 'pretest', 'n']));
    expect(Object.keys(output.aggregations).sort()).toEqual(['calendar', 'dynamic', 'group', 'simple']);
    expect(output.n).toEqual(reference.n);
    output.attgt.forEach((cell: { att: number; se: number }, i: number) => {
      expect(Math.abs(cell.att / reference.attgt[i].att - 1)).toBeLessThan(1e-6);
      expect(Math.abs(cell.se / reference.attgt[i].se - 1)).toBeLessThan(1e-6);
    });
    expect(Math.abs(output.pretest.pvalue / reference.pretest.pvalue - 1)).toBeLessThan(1e-6);
  });

  it('estimates unbalanced panels, sampling weights and repeated cross-sections as did 2.5.1 does', () => {
    const runs: [string, string[]][] = [
      ['did-reference-ext/unbalanced-notyet-dr-lpop.json', ['--data', referenceDataPath('mpdta-unbalanced.csv'), ...columns, '--control', 'notyet', '--covariates', 'lpop', '--unbalanced']],
      ['did-reference-ext/weighted-never-dr-lpop.json', ['--data', referenceDataPath('mpdta-weighted.csv'), ...columns, '--covariates', 'lpop', '--weights', 'w']],
      ['did-reference-ext/rc-never-dr-lpop.json', ['--data', mpdta, '--outcome', 'lemp', '--time', 'year', '--group', 'first.treat', '--covariates', 'lpop', '--repeated-cross-sections']],
    ];
    for (const [file, args] of runs) {
      const { status, stdout, stderr } = estimate(...args, '--json');
      expect(status, stderr).toBe(0);
      const output = JSON.parse(stdout);
      const reference = JSON.parse(readFileSync(referenceDataPath(file), 'utf8'));
      expect(output.n, file).toEqual(reference.n);
      expect(Math.abs(output.aggregations.dynamic.se / reference.aggregations.dynamic.se - 1), file).toBeLessThan(1e-6);
    }
  });

  it('keeps every unit of an unbalanced panel with --unbalanced paired and says so', () => {
    const { status, stdout } = estimate('--data', referenceDataPath('mpdta-unbalanced.csv'), ...columns, '--unbalanced', 'paired');
    expect(status).toBe(0);
    expect(stdout).toContain('500 units × 5 periods · unbalanced panel (paired)');
    expect(stdout).toContain('units observed in both its base period and t');
    const balanced = estimate('--data', referenceDataPath('mpdta-unbalanced.csv'), ...columns);
    expect(balanced.stdout).toMatch(/units dropped: not observed every period/);
  });

  it('prints readable tables with a bootstrap band and the TWFE comparison', () => {
    const { status, stdout } = estimate('--data', mpdta, ...columns, '--bootstrap', '500', '--seed', '1', '--twfe');
    expect(status).toBe(0);
    expect(stdout).toContain('Pre-test of parallel trends (Wald, 5 pre-treatment cells): W = 7.7912, p = 0.16812');
    expect(stdout).toMatch(/Dynamic effects[\s\S]*95% uniform band \(c = \d\.\d{3}\)/);
    expect(stdout).toContain('static (treated)  -0.0365');
  });

  const failures: [string, () => string[], RegExp][] = [
    ['an unknown --unbalanced mode', () => ['--data', mpdta, ...columns, '--unbalanced', 'sometimes'], /--unbalanced takes no value \(R did’s unbalanced-panel mode\) or "paired"/],
    ['--unbalanced with --repeated-cross-sections', () => ['--data', mpdta, ...columns, '--unbalanced', '--repeated-cross-sections'], /choose one/],
    ['a weight column that changes within a unit', () => ['--data', mpdta, ...columns, '--weights', 'year'], /unit 8001 has two different sampling weights \(2003 and 2004\)/],
    ['a missing column', () => ['--data', mpdta, ...columns.slice(0, 6), '--group', 'cohort'], /no column "cohort"; its columns are: countyreal, year, lpop, lemp, first.treat, treat/],
    [
      'a non-numeric outcome',
      () => ['--data', writeVariant('text-outcome.csv', (lines) => lines.map((line, i) => (i === 3 ? line.replace(/,[^,]*,(\d+),(\d)$/, ',"n/a",$1,$2') : line))), ...columns],
      /line 4: column "lemp" has "n\/a", which is not a number/,
    ],
    [
      'a unit with two groups',
      () => ['--data', writeVariant('two-groups.csv', (lines) => lines.map((line, i) => (i === 2 ? line.replace(/,2007,1$/, ',2006,1') : line))), ...columns],
      /unit 8001 has two different groups \(2007 and 2006\)/,
    ],
    [
      'no never-treated units with --control never',
      () => ['--data', writeVariant('no-never.csv', (lines) => lines.map((line) => line.replace(/,0,0$/, ',2007,0'))), ...columns],
      /no never-treated units \(group 0\)[\s\S]*use --control notyet/,
    ],
    [
      'a singular covariate matrix',
      () => ['--data', writeVariant('constant.csv', (lines) => lines.map((line, i) => (i === 0 ? `${line},flat` : `${line},1`))), ...columns, '--covariates', 'flat'],
      /covariate matrix is singular: covariate "flat" is constant/,
    ],
    ['an unknown method', () => ['--data', mpdta, ...columns, '--method', 'ols'], /--method must be dr, ipw or reg/],
    ['a file that does not exist', () => ['--data', join(scratch, 'no-such.csv'), ...columns], /cannot open .*no-such\.csv: no such file/],
    // The file is opened before the flags are checked (its reading starts early), but a wrong flag is still reported first.
    ['a wrong flag beside a file that does not exist', () => ['--data', join(scratch, 'no-such.csv'), ...columns, '--method', 'ols'], /^(?![\s\S]*no such file)[\s\S]*--method must be dr, ipw or reg/],
    ['no --data', () => [...columns], /--data FILE\.csv is required/],
  ];
  for (const [problem, args, message] of failures) {
    it(`refuses ${problem} with a message naming it and no stack trace`, () => {
      const { status, stdout, stderr } = estimate(...args());
      expect(status).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  }
});
