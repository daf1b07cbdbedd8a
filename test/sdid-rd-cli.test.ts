import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ebpm } from './support/compiled-cli.js';
import { referenceDataPath } from './support/reference-data.js';

const scratch = mkdtempSync(join(tmpdir(), 'ebpm-designs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const prop99 = ['--data', referenceDataPath('california_prop99.csv'), '--unit', 'State', '--time', 'Year', '--outcome', 'PacksPerCapita', '--treated', 'treated'];
const rdScores = ['--data', referenceDataPath('rd-scores.csv'), '--score', 'review_score', '--cutoff', '60'];

describe('ebpm sdid', () => {
  it('prints the issue\'s JSON shape, equal to synthdid on Proposition 99, with a seeded placebo SE', () => {
    const { status, stdout, stderr } = ebpm('sdid', ...prop99, '--placebo-draws', '50', '--seed', '3', '--json');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const output = JSON.parse(stdout);
    const reference = JSON.parse(readFileSync(referenceDataPath('sdid-reference/prop99.json'), 'utf8'));
    expect(output.n).toEqual(reference.n);
    for (const estimator of ['synthdid', 'sc', 'did']) {
      expect(Object.keys(output[estimator]).sort()).toEqual(['estimate', 'se_jackknife', 'se_placebo', 'time_weights', 'unit_weights']);
      expect(Math.abs(output[estimator].estimate / reference[estimator].estimate - 1)).toBeLessThan(1e-4);
      expect(output[estimator].se_jackknife).toBeNull();
      expect(output[estimator].se_placebo).toBeGreaterThan(0);
    }
    expect(ebpm('sdid', ...prop99, '--placebo-draws', '50', '--seed', '3', '--json').stdout).toBe(stdout);
  });

  it('prints a readable summary that says why there is no SE with one treated unit', () => {
    const { status, stdout } = ebpm('sdid', ...prop99);
    expect(status).toBe(0);
    expect(stdout).toMatch(/synthetic DiD\s+-15\.604/);
    expect(stdout).toMatch(/one treated unit: add --placebo-draws 200/);
  });

  it('refuses a panel with staggered adoption, exit code 2 and the offending unit', () => {
    const path = join(scratch, 'staggered.csv');
    writeFileSync(path, 'firm,year,sales,awarded\na,1,1,0\na,2,2,0\na,3,3,0\nb,1,1,0\nb,2,2,1\nb,3,3,1\nc,1,1,0\nc,2,2,0\nc,3,3,1\n');
    const { status, stderr } = ebpm('sdid', '--data', path, '--unit', 'firm', '--time', 'year', '--outcome', 'sales', '--treated', 'awarded');
    expect(status).toBe(2);
    expect(stderr).toMatch(/not simultaneous: unit c/);
    expect(stderr).not.toMatch(/at .*\.js/);
  });
});

describe('ebpm rd', () => {
  it('prints the issue\'s JSON shape, equal to rdrobust on the fuzzy reference', () => {
    const { status, stdout } = ebpm('rd', ...rdScores, '--outcome', 'outcome', '--fuzzy', 'awarded', '--json');
    expect(status).toBe(0);
    const output = JSON.parse(stdout);
    const reference = JSON.parse(readFileSync(referenceDataPath('rd-reference/fuzzy-default.json'), 'utf8'));
    for (const kind of ['conventional', 'bias_corrected', 'robust']) {
      expect(Object.keys(output[kind]).sort()).toEqual(['ci', 'coef', 'pvalue', 'se']);
      expect(Math.abs(output[kind].coef / reference[kind].coef - 1)).toBeLessThan(1e-6);
      expect(Math.abs(output[kind].se / reference[kind].se - 1)).toBeLessThan(1e-6);
    }
    expect(Object.keys(output.bandwidth).sort()).toEqual(['b_left', 'b_right', 'h_left', 'h_right']);
    expect(output.n).toEqual(reference.n);
    expect(output.first_stage.coef).toBeGreaterThan(0.5);
    // The score's manipulation test comes with it, equal to rddensity's default (fixtures/rddensity-3.0-grid.jsonl).
    const density = JSON.parse(readFileSync(new URL('./fixtures/rddensity-3.0-grid.jsonl', import.meta.url), 'utf8').split('\n')[0]);
    expect(Math.abs(output.density_test.test.p_jackknife / density.p_jackknife - 1)).toBeLessThan(1e-6);
    expect(output.density_test.mass_points).toBe(true);
  });

  it('takes rdrobust\'s short kernel names and its options, and names a wrong one with the valid list', () => {
    const ok = ebpm('rd', ...rdScores, '--outcome', 'outcome_sharp', '--kernel', 'epa', '--p', '2', '--bwselect', 'certwo', '--vce', 'hc2', '--covariates', 'employees');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Sharp regression discontinuity .* p = 2, bias order q = 3, epanechnikov kernel, hc2 variance/);
    expect(ok.stdout).toMatch(/Covariates: employees/);
    const wrong = ebpm('rd', ...rdScores, '--outcome', 'outcome_sharp', '--bwselect', 'ik');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/--bwselect must be one of mserd, msetwo/);
    const outside = ebpm('rd', '--data', referenceDataPath('rd-scores.csv'), '--score', 'review_score', '--cutoff', '120', '--outcome', 'outcome');
    expect(outside.status).toBe(2);
    expect(outside.stderr).toMatch(/cut-off 120 must lie inside the range of the scores \(3\.9 to 100\)/);
  });
});
