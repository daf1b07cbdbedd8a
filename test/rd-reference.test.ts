import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { RdBandwidthSelector } from '../stats/rd/bandwidth.js';
import { estimateRd, RD_DEFAULTS, type RdReport } from '../stats/rd/estimate.js';
import type { RdKernel } from '../stats/rd/kernel.js';
import type { RdVariance } from '../stats/rd/local-fit.js';
import { referenceDataPath } from './support/reference-data.js';

const TOLERANCE = 1e-6;
let largestRelativeError = 0;

const rows = parse(readFileSync(referenceDataPath('rd-scores.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
const column = (name: string) =>
  name === 'sqrt_employees' ? Float64Array.from(rows, (row) => Math.sqrt(Number(row.employees))) : Float64Array.from(rows, (row) => Number(row[name]));

function expectClose(actual: number, expected: number, label: string): void {
  const error = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  largestRelativeError = Math.max(largestRelativeError, error);
  expect(error, `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(TOLERANCE);
}

interface ReferenceFile extends Pick<RdReport, 'conventional' | 'bias_corrected' | 'robust' | 'bandwidth' | 'n'> {
  config: { outcome: string; score: string; cutoff: number; fuzzy: string | null; kernel: RdKernel; p: number; bwselect: RdBandwidthSelector; vce: RdVariance; covariates: string[] | null };
}

describe('regression discontinuity matches R rdrobust 4.0.0 to 1e-6', () => {
  for (const file of ['sharp-default.json', 'fuzzy-default.json']) {
    it(`on rd-reference/${file}: every coefficient, SE, interval, p-value, bandwidth and count`, () => {
      const reference = JSON.parse(readFileSync(referenceDataPath(`rd-reference/${file}`), 'utf8')) as ReferenceFile;
      const { config } = reference;
      const report = estimateRd(
        {
          score: column(config.score),
          outcome: column(config.outcome),
          ...(config.fuzzy ? { treatment: column(config.fuzzy) } : {}),
          covariates: Object.fromEntries((config.covariates ?? []).map((name) => [name, column(name)])),
        },
        { ...RD_DEFAULTS, cutoff: config.cutoff, kernel: config.kernel, p: config.p, bwselect: config.bwselect, vce: config.vce },
      );
      for (const kind of ['conventional', 'bias_corrected', 'robust'] as const) {
        for (const field of ['coef', 'se', 'pvalue'] as const) expectClose(report[kind][field], reference[kind][field], `${kind}.${field}`);
        expectClose(report[kind].ci[0], reference[kind].ci[0], `${kind}.ci low`);
        expectClose(report[kind].ci[1], reference[kind].ci[1], `${kind}.ci high`);
      }
      for (const [field, value] of Object.entries(reference.bandwidth)) expectClose(report.bandwidth[field as keyof RdReport['bandwidth']], value, field);
      expect(report.n).toEqual(reference.n);
    });
  }

  const grid = readFileSync(new URL('./fixtures/rdrobust-4.0.0-grid.txt', import.meta.url), 'utf8').trim().split('\n');
  const fields = grid[0].split(';');
  it(`over ${grid.length - 1} configurations of kernel, order, selector, variance, fuzzy design and covariates`, () => {
    for (const line of grid.slice(1)) {
      const cells = Object.fromEntries(line.split(';').map((cell, i) => [fields[i], cell]));
      const label = `${cells.kernel} p=${cells.p} ${cells.bwselect} ${cells.vce} fuzzy=${cells.fuzzy} covs=${cells.covariates}`;
      const covariates = cells.covariates === 'none' ? [] : cells.covariates.split(',');
      const report = estimateRd(
        {
          score: column('review_score'),
          outcome: column(cells.fuzzy === 'none' ? 'outcome_sharp' : 'outcome'),
          ...(cells.fuzzy === 'none' ? {} : { treatment: column(cells.fuzzy) }),
          covariates: Object.fromEntries(covariates.map((name) => [name, column(name)])),
        },
        { ...RD_DEFAULTS, cutoff: 60, kernel: cells.kernel as RdKernel, p: Number(cells.p), bwselect: cells.bwselect as RdBandwidthSelector, vce: cells.vce as RdVariance },
      );
      const mine: Record<string, number> = {
        conventional_coef: report.conventional.coef,
        robust_coef: report.robust.coef,
        conventional_se: report.conventional.se,
        robust_se: report.robust.se,
        conventional_pvalue: report.conventional.pvalue,
        robust_pvalue: report.robust.pvalue,
        robust_ci_low: report.robust.ci[0],
        robust_ci_high: report.robust.ci[1],
        h_left: report.bandwidth.h_left,
        h_right: report.bandwidth.h_right,
        b_left: report.bandwidth.b_left,
        b_right: report.bandwidth.b_right,
        effective_left: report.n.effective_left,
        effective_right: report.n.effective_right,
      };
      for (const [field, value] of Object.entries(mine)) expectClose(value, Number(cells[field]), `${label} ${field}`);
    }
  });

  it('reports the largest relative error seen', () => {
    console.log(`rdrobust: largest relative error ${largestRelativeError.toExponential(2)}`);
    expect(largestRelativeError).toBeLessThan(TOLERANCE);
  });
});
