import { parseArgs } from 'node:util';
// zod's v3 API loads in a fraction of v4's time, which matters for a command meant to answer in under a second.
import { z } from 'zod/v3';
import { CsvColumnError } from '../../panel-csv/csv-columns.js';
import { readCsvColumnsInParallel } from '../../panel-csv/parallel-reading.js';
import { normalQuantile } from '../../stats/distributions.js';
import { blockPanelFromColumns, SdidPanelError } from '../../stats/sdid/block-panel.js';
import { SdidDesignError } from '../../stats/sdid/estimate.js';
import { synthdidReport, type EstimatorReport, type SdidReport } from '../../stats/sdid/report.js';
import { PlaceboDesignError } from '../../stats/sdid/standard-errors.js';
import { whole } from '../argument-schemas.js';
import { UsageError } from '../errors.js';
import { formatNumber, formatTable } from '../format.js';


const sdidArgumentsSchema = z
  .object({
    data: z.string({ required_error: '--data FILE.csv is required' }).min(1),
    unit: z.string({ required_error: '--unit COLUMN is required' }).min(1),
    time: z.string({ required_error: '--time COLUMN is required' }).min(1),
    outcome: z.string({ required_error: '--outcome COLUMN is required' }).min(1),
    treated: z.string({ required_error: '--treated COLUMN (1 in the treated unit-periods, else 0) is required' }).min(1),
    'placebo-draws': whole('--placebo-draws').optional(),
    seed: whole('--seed').optional(),
    json: z.boolean().default(false),
  })
  .refine((args) => args['placebo-draws'] === undefined || args['placebo-draws'] >= 20, { message: '--placebo-draws needs at least 20 draws (synthdid uses 200)' })
  .refine((args) => args.seed === undefined || args['placebo-draws'] !== undefined, { message: '--seed goes with --placebo-draws B' });

export async function sdidCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      unit: { type: 'string' },
      time: { type: 'string' },
      outcome: { type: 'string' },
      treated: { type: 'string' },
      'placebo-draws': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const parsed = sdidArgumentsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  const options = parsed.data;
  const placebo = options['placebo-draws'] !== undefined ? { draws: options['placebo-draws'], seed: options.seed ?? 1 } : null;
  let report: SdidReport;
  try {
    const csv = await readCsvColumnsInParallel(options.data, {
      [options.unit]: 'id',
      [options.time]: 'number',
      [options.outcome]: 'number',
      [options.treated]: 'number',
    });
    if (csv.rowCount === 0) throw new CsvColumnError(`${options.data} has a header but no data rows`);
    const panel = blockPanelFromColumns(
      { unitId: csv.ids[options.unit], time: csv.numbers[options.time], outcome: csv.numbers[options.outcome], treated: csv.numbers[options.treated] },
      { unit: options.unit, time: options.time, outcome: options.outcome, treated: options.treated },
    );
    report = synthdidReport(panel, placebo);
  } catch (error) {
    if (error instanceof CsvColumnError || error instanceof SdidPanelError || error instanceof SdidDesignError || error instanceof PlaceboDesignError) throw new UsageError(error.message);
    throw error;
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  console.log(formatSdidSummary(report, options.outcome));
}

function largestWeights(weights: Record<string, number>, count: number): string {
  const sorted = Object.entries(weights)
    .filter(([, w]) => w > 0)
    .sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, count).map(([label, w]) => `${label} ${formatNumber(w, 3)}`);
  return sorted.length > count ? `${shown.join(', ')}, … (${sorted.length} nonzero)` : shown.join(', ');
}

/** The two-sided 95 % normal critical value. */
const NORMAL_95 = normalQuantile(0.975);

export function formatSdidSummary(report: SdidReport, outcome: string): string {
  const { n } = report;
  const treated = n.units - n.control_units;
  const seColumn = (row: EstimatorReport) => formatNumber(row.se_placebo ?? row.se_jackknife, 3);
  const seKind = report.placebo ? `placebo SE (${report.placebo.draws} draws, seed ${report.placebo.seed})` : treated > 1 ? 'jackknife SE' : 'no SE (one treated unit: add --placebo-draws 200)';
  const rows = (['synthdid', 'sc', 'did'] as const).map((key) => {
    const row = report[key];
    const se = row.se_placebo ?? row.se_jackknife;
    const interval = se === null ? '—' : `[${formatNumber(row.estimate - NORMAL_95 * se, 3)}, ${formatNumber(row.estimate + NORMAL_95 * se, 3)}]`;
    return [{ synthdid: 'synthetic DiD', sc: 'synthetic control', did: 'DiD' }[key], formatNumber(row.estimate, 3), seColumn(row), interval];
  });
  return [
    `Synthetic difference-in-differences on ${outcome}: ${treated} treated and ${n.control_units} control units, ${n.pre_periods} pre-treatment of ${n.periods} periods`,
    '',
    formatTable(['estimator', 'effect', 'SE', '95% interval'], rows),
    '',
    `Standard errors: ${seKind}.`,
    `Synthetic DiD unit weights: ${largestWeights(report.synthdid.unit_weights, 8)}`,
    `Synthetic DiD time weights: ${largestWeights(report.synthdid.time_weights, 8)}`,
  ].join('\n');
}
