import { parseArgs } from 'node:util';
// zod's v3 API loads in a fraction of v4's time, which matters for a command meant to answer in under a second.
import { z } from 'zod/v3';
import { CsvColumnError } from '../../panel-csv/csv-columns.js';
import { readCsvColumnsInParallel } from '../../panel-csv/parallel-reading.js';
import { RD_BANDWIDTH_SELECTORS, type RdBandwidthSelector } from '../../stats/rd/bandwidth.js';
import { densityTest, DensityTestError, type DensityTestResult } from '../../stats/rd/density-test.js';
import { estimateRd, RD_DEFAULTS, type RdReport } from '../../stats/rd/estimate.js';
import { RD_KERNELS, type RdKernel } from '../../stats/rd/kernel.js';
import { RD_VARIANCES, type RdVariance } from '../../stats/rd/local-fit.js';
import { RdInputError } from '../../stats/rd/prepare.js';
import { UsageError } from '../errors.js';
import { formatNumber, formatTable } from '../format.js';

const KERNEL_ALIASES: Record<string, RdKernel> = { tri: 'triangular', epa: 'epanechnikov', uni: 'uniform' };

const oneOf = <T extends string>(flag: string, values: readonly T[]) =>
  z.string().refine((value): value is T => (values as readonly string[]).includes(value), { message: `${flag} must be one of ${values.join(', ')}` }).transform((value) => value as T);

const rdArgumentsSchema = z.object({
  data: z.string({ required_error: '--data FILE.csv is required' }).min(1),
  outcome: z.string({ required_error: '--outcome COLUMN is required' }).min(1),
  score: z.string({ required_error: '--score COLUMN (the running variable, e.g. review_score) is required' }).min(1),
  cutoff: z
    .string({ required_error: '--cutoff C is required (the score at which awards start)' })
    .refine((value) => value.trim() !== '' && Number.isFinite(Number(value)), { message: '--cutoff must be a number' })
    .transform(Number),
  fuzzy: z.string().min(1).optional(),
  kernel: z
    .string()
    .transform((value) => KERNEL_ALIASES[value] ?? value)
    .pipe(oneOf('--kernel', RD_KERNELS))
    .default(RD_DEFAULTS.kernel),
  p: z.string().regex(/^\d+$/, '--p must be a whole number').transform(Number).refine((p) => p <= 8, { message: '--p above 8 is not supported' }).default(String(RD_DEFAULTS.p)),
  bwselect: oneOf<RdBandwidthSelector>('--bwselect', RD_BANDWIDTH_SELECTORS).default(RD_DEFAULTS.bwselect),
  vce: oneOf<RdVariance>('--vce', RD_VARIANCES).default(RD_DEFAULTS.vce),
  covariates: z
    .string()
    .optional()
    .transform((list) => (list ? list.split(',').map((name) => name.trim()).filter(Boolean) : [])),
  json: z.boolean().default(false),
});

export async function rdCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      outcome: { type: 'string' },
      score: { type: 'string' },
      cutoff: { type: 'string' },
      fuzzy: { type: 'string' },
      kernel: { type: 'string' },
      p: { type: 'string' },
      bwselect: { type: 'string' },
      vce: { type: 'string' },
      covariates: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const parsed = rdArgumentsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  const options = parsed.data;
  let report: RdReport;
  let density: DensityTestResult | { readonly error: string };
  try {
    const csv = await readCsvColumnsInParallel(options.data, {
      [options.score]: 'number',
      [options.outcome]: 'number',
      ...(options.fuzzy ? { [options.fuzzy]: 'number' as const } : {}),
      ...Object.fromEntries(options.covariates.map((name) => [name, 'number' as const])),
    });
    if (csv.rowCount === 0) throw new CsvColumnError(`${options.data} has a header but no data rows`);
    report = estimateRd(
      {
        score: csv.numbers[options.score],
        outcome: csv.numbers[options.outcome],
        ...(options.fuzzy ? { treatment: csv.numbers[options.fuzzy] } : {}),
        covariates: Object.fromEntries(options.covariates.map((name) => [name, csv.numbers[name]])),
      },
      { ...RD_DEFAULTS, cutoff: options.cutoff, kernel: options.kernel, p: options.p, bwselect: options.bwselect, vce: options.vce },
    );
    try {
      density = densityTest(csv.numbers[options.score], { cutoff: options.cutoff, kernel: options.kernel });
    } catch (error) {
      // The effect stands without the manipulation test; say why there is none.
      if (!(error instanceof DensityTestError)) throw error;
      density = { error: error.message };
    }
  } catch (error) {
    if (error instanceof CsvColumnError || error instanceof RdInputError) throw new UsageError(error.message);
    throw error;
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...report, density_test: density })}\n`);
    return;
  }
  console.log(`${formatRdSummary(report, options.outcome, options.score)}\n${formatDensityTest(density, options.score)}`);
}

export function formatDensityTest(density: DensityTestResult | { readonly error: string }, score: string): string {
  if ('error' in density) return `Manipulation test of the ${score} density: not computed: ${density.error}`;
  const verdict =
    density.test.p_jackknife < 0.05
      ? 'the density jumps at the cut-off: applicants may have steered their scores, and the design is in doubt'
      : 'no evidence that the density jumps at the cut-off';
  return (
    `Manipulation test of the ${score} density (Cattaneo, Jansson & Ma; as R rddensity 3.0): density ${formatNumber(density.density.left, 4)} below and ` +
    `${formatNumber(density.density.right, 4)} at or above, T = ${formatNumber(density.test.t_jackknife, 3)}, p = ${formatNumber(density.test.p_jackknife, 4)} ` +
    `(bandwidths ${formatNumber(density.bandwidth.left, 3)} / ${formatNumber(density.bandwidth.right, 3)}${density.mass_points ? ', mass points adjusted' : ''}): ${verdict}`
  );
}

export function formatRdSummary(report: RdReport, outcome: string, score: string): string {
  const { design, n, bandwidth } = report;
  const row = (label: string, r: RdReport['conventional']) => [label, formatNumber(r.coef, 3), formatNumber(r.se, 3), `[${formatNumber(r.ci[0], 3)}, ${formatNumber(r.ci[1], 3)}]`, r.pvalue < 1e-4 ? '< 0.0001' : formatNumber(r.pvalue, 4)];
  const lines = [
    `${design.fuzzy ? 'Fuzzy' : 'Sharp'} regression discontinuity in ${outcome} at ${score} = ${design.cutoff} (local polynomial p = ${design.p}, bias order q = ${design.q}, ${design.kernel} kernel, ${design.vce} variance)`,
    '',
    formatTable(['inference', 'effect', 'SE', '95% interval', 'p-value'], [row('conventional', report.conventional), row('bias-corrected', report.bias_corrected), row('robust', report.robust)]),
    '',
    `Bandwidths (${design.bwselect}): h = ${formatNumber(bandwidth.h_left, 3)}${bandwidth.h_right !== bandwidth.h_left ? ` / ${formatNumber(bandwidth.h_right, 3)}` : ''} for the estimate, b = ${formatNumber(bandwidth.b_left, 3)}${bandwidth.b_right !== bandwidth.b_left ? ` / ${formatNumber(bandwidth.b_right, 3)}` : ''} for its bias (left / right)`,
    `Observations: ${n.left} below and ${n.right} at or above the cut-off; ${n.effective_left} and ${n.effective_right} within h`,
    `Scores: ${design.distinct_left} and ${design.distinct_right} distinct values either side${design.mass_points ? '; mass points, so every bandwidth spans at least 10 distinct scores per side (rdrobust\'s adjustment)' : ''}`,
  ];
  if (report.first_stage) lines.push(`First stage: the award probability jumps by ${formatNumber(report.first_stage.coef, 3)} (SE ${formatNumber(report.first_stage.se, 3)}) at the cut-off`);
  if (design.covariates.length) lines.push(`Covariates: ${design.covariates.join(', ')}${design.dropped_covariates.length ? `; dropped as redundant: ${design.dropped_covariates.join(', ')}` : ''}`);
  if (design.dropped_rows) lines.push(`${design.dropped_rows} rows without a score, outcome${design.fuzzy ? ', treatment' : ''} or covariate were left out`);
  lines.push('The robust interval is the one to report (Calonico, Cattaneo & Titiunik 2014); the conventional one ignores the smoothing bias.');
  return lines.join('\n');
}
