import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ebpm } from './support/compiled-cli.js';
import { referenceDataPath } from './support/reference-data.js';

const scratch = mkdtempSync(join(tmpdir(), 'ebpm-sensitivity-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const referenceFile = referenceDataPath('honestdid-reference/mpdta-never.json');

describe('ebpm sensitivity', () => {
  it("prints the issue's JSON shape for both targets, with HonestDiD's bounds at the requested M̄ and M", () => {
    const { status, stdout, stderr } = ebpm('sensitivity', '--input', referenceFile, '--mbar', '0,1', '--m', '0,0.02', '--json');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const output = JSON.parse(stdout);
    const reference = JSON.parse(readFileSync(referenceFile, 'utf8'));
    for (const key of ['effect_at_0', 'average_post']) {
      expect(Object.keys(output[key])).toEqual(expect.arrayContaining(['original', 'relative_magnitudes', 'smoothness', 'breakdown']));
      expect(output[key].relative_magnitudes.map((row: { Mbar: number }) => row.Mbar)).toEqual([0, 1]);
      expect(output[key].smoothness.map((row: { M: number }) => row.M)).toEqual([0, 0.02]);
      const expected = reference[key].relative_magnitudes.find((row: { Mbar: number }) => row.Mbar === 1);
      expect(output[key].relative_magnitudes[1].lb).toBeCloseTo(expected.lb, 9);
      expect(output[key].relative_magnitudes[1].ub).toBeCloseTo(expected.ub, 9);
    }
    expect(output.average_post.breakdown.Mbar).toBeGreaterThan(0);
    expect(output.average_post.breakdown.Mbar).toBeLessThan(0.5);
  });

  it('states the breakdown in words: the average effect survives departures up to about half the largest pre-award one', () => {
    const { status, stdout } = ebpm('sensitivity', '--input', referenceFile, '--m', '0,0.01');
    expect(status).toBe(0);
    expect(stdout).toContain('Average effect over the post-award years');
    expect(stdout).toMatch(/unless post-award departures from parallel trends exceed 0\.49 times the largest pre-award departure/);
    expect(stdout).toContain('is not distinguishable from zero even if trends are exactly parallel');
  });

  it('says which field is wrong and how to fix it, exit code 2', () => {
    const badShape = join(scratch, 'bad-shape.json');
    writeFileSync(badShape, JSON.stringify({ betahat: [0.1, 0.2, 0.3], sigma: [[1, 0], [0, 1]], num_pre_periods: 1, num_post_periods: 2 }));
    const shape = ebpm('sensitivity', '--input', badShape);
    expect(shape.status).toBe(2);
    expect(shape.stderr).toContain('sigma is not 3 × 3');
    const missing = join(scratch, 'missing-field.json');
    writeFileSync(missing, JSON.stringify({ betahat: [0.1, 0.2], sigma: [[1, 0], [0, 1]], num_pre_periods: 1 }));
    const field = ebpm('sensitivity', '--input', missing);
    expect(field.status).toBe(2);
    expect(field.stderr).toContain('num_post_periods');
    const list = ebpm('sensitivity', '--input', referenceFile, '--mbar', '0,abc');
    expect(list.status).toBe(2);
    expect(list.stderr).toContain('--mbar must be a comma-separated list of non-negative numbers');
  });
});

describe('ebpm estimate --sensitivity', () => {
  const mpdta = ['--data', referenceDataPath('mpdta.csv'), '--outcome', 'lemp', '--time', 'year', '--id', 'countyreal', '--group', 'first.treat'];

  it("runs on the estimate's own event study, which is the one HonestDiD's reference was made from", () => {
    const { status, stdout, stderr } = ebpm('estimate', ...mpdta, '--sensitivity', '--min-e', '-4', '--max-e', '3', '--mbar', '0.5', '--m', '0.02', '--json');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const { sensitivity } = JSON.parse(stdout);
    const reference = JSON.parse(readFileSync(referenceFile, 'utf8'));
    expect(sensitivity.event_times).toEqual(reference.event_times);
    sensitivity.betahat.forEach((value: number, i: number) => expect(Math.abs(value / reference.betahat[i] - 1)).toBeLessThan(1e-9));
    sensitivity.sigma.forEach((row: number[], i: number) => row.forEach((value, j) => expect(Math.abs(value / reference.sigma[i][j] - 1)).toBeLessThan(1e-9)));
    const expected = reference.average_post.relative_magnitudes.find((row: { Mbar: number }) => row.Mbar === 0.5);
    expect(sensitivity.average_post.relative_magnitudes[0].lb).toBeCloseTo(expected.lb, 9);
    expect(sensitivity.average_post.relative_magnitudes[0].ub).toBeCloseTo(expected.ub, 9);
  });

  it('refuses a varying base period and a sensitivity flag without --sensitivity, saying what to do', () => {
    const varying = ebpm('estimate', ...mpdta, '--sensitivity', '--base-period', 'varying');
    expect(varying.status).toBe(2);
    expect(varying.stderr).toContain('use --base-period universal');
    const stray = ebpm('estimate', ...mpdta, '--mbar', '1');
    expect(stray.status).toBe(2);
    expect(stray.stderr).toContain('go with --sensitivity');
  });
});
