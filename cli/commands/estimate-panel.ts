/**
 * The work of `ebpm estimate` after its entry (estimate.ts) has started reading the file: the flags checked, the
 * requested columns read, the estimate (with TWFE and the sensitivity analysis when asked for) and its output.
 */
// zod's v3 API loads in a fraction of v4's time, which matters for a command meant to answer in under a second.
import { z } from 'zod/v3';
import { CsvColumnError, type CsvColumnsRequest } from '../../panel-csv/csv-columns.js';
import type { CsvColumnsReading } from '../../panel-csv/parallel-reading.js';
import { DidInputError } from '../../stats/did/balanced-panel.js';
import { estimateStaggeredDid, type DidEstimate, type DidReport, type SampleDesign, type StaggeredDidOptions } from '../../stats/did/estimate.js';
import { PanelShapeError } from '../../stats/panel.js';
// The TWFE fits, the event study and its sensitivity analysis, and the text summary are imported only where asked
// for (--twfe, --sensitivity, no --json): 16-21 ms of module loading that the main thread would otherwise spend before
// it starts on its chunks of the file (bench/README.md, 2026-12-05 (09:00 UTC)).
import type { SensitivityResult } from '../../stats/honest/sensitivity.js';
import type { Matrix } from '../../stats/small-matrix.js';
import type { Coefficient } from '../../stats/twfe.js';
import { numberList, signedWhole, whole } from '../argument-schemas.js';
import { UsageError } from '../errors.js';
import { covariateList, estimateColumnsRequest } from './estimate-columns.js';

/** The flags of `ebpm estimate` checked (exported for the test that the reading is started with the columns they name). */
export const estimateArgumentsSchema = z
  .object({
    data: z.string({ required_error: '--data FILE.csv is required' }).min(1),
    outcome: z.string({ required_error: '--outcome COLUMN is required' }).min(1),
    time: z.string({ required_error: '--time COLUMN is required' }).min(1),
    id: z.string().min(1).optional(),
    group: z.string({ required_error: '--group COLUMN is required' }).min(1),
    control: z.enum(['never', 'notyet'], { errorMap: () => ({ message: '--control must be never or notyet' }) }).default('never'),
    covariates: z
      .string()
      .optional()
      .transform(covariateList),
    method: z.enum(['dr', 'ipw', 'reg'], { errorMap: () => ({ message: '--method must be dr, ipw or reg' }) }).default('dr'),
    anticipation: whole('--anticipation').default('0'),
    'base-period': z.enum(['varying', 'universal'], { errorMap: () => ({ message: '--base-period must be varying or universal' }) }).optional(),
    bootstrap: whole('--bootstrap').optional(),
    seed: whole('--seed').optional(),
    unbalanced: z.enum(['did', 'paired'], { errorMap: () => ({ message: '--unbalanced takes no value (R did’s unbalanced-panel mode) or "paired"' }) }).optional(),
    weights: z.string().min(1).optional(),
    'repeated-cross-sections': z.boolean().default(false),
    twfe: z.boolean().default(false),
    sensitivity: z.boolean().default(false),
    'min-e': signedWhole('--min-e').optional(),
    'max-e': signedWhole('--max-e').optional(),
    mbar: numberList('--mbar').optional(),
    m: numberList('--m').optional(),
    json: z.boolean().default(false),
  })
  .refine((args) => !(args.sensitivity && args['base-period'] === 'varying'), {
    message: '--sensitivity bounds departures from parallel trends against one reference period: use --base-period universal (the default with --sensitivity)',
  })
  .refine((args) => args.sensitivity || (args['min-e'] === undefined && args['max-e'] === undefined && args.mbar === undefined && args.m === undefined), {
    message: '--min-e, --max-e, --mbar and --m go with --sensitivity',
  })
  .refine((args) => args.id !== undefined || args['repeated-cross-sections'], { message: '--id COLUMN is required (only repeated cross-sections go without one)' })
  .refine((args) => !(args.unbalanced && args['repeated-cross-sections']), { message: '--unbalanced is for panels and --repeated-cross-sections for data without them: choose one' })
  .refine((args) => !(args.twfe && args['repeated-cross-sections']), { message: '--twfe needs a panel (unit fixed effects); leave it out with --repeated-cross-sections' })
  .refine((args) => args.bootstrap === undefined || args.bootstrap >= 100, { message: '--bootstrap needs at least 100 draws' })
  .refine((args) => args.seed === undefined || args.bootstrap !== undefined, { message: '--seed goes with --bootstrap B' });

/** The sensitivity analysis of the estimate's own event study, with the coefficients it was run on. */
export type EstimateSensitivity = SensitivityResult & { readonly event_times: number[]; readonly betahat: number[]; readonly sigma: number[][] };

function rowsOf(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.values.subarray(i * m.cols, (i + 1) * m.cols)));
}

interface TwfeTerm {
  readonly coef: number;
  readonly se: number;
  /** 95% interval with fixest's t(G − 1) critical value. */
  readonly ciLow: number;
  readonly ciHigh: number;
}

export interface TwfeComparison {
  readonly static: TwfeTerm;
  readonly eventStudy: readonly (TwfeTerm & { readonly e: number })[];
}

function sampleDesignOf(options: { unbalanced?: 'did' | 'paired'; 'repeated-cross-sections': boolean }): SampleDesign {
  if (options['repeated-cross-sections']) return 'repeated_cross_sections';
  if (options.unbalanced === 'did') return 'unbalanced';
  if (options.unbalanced === 'paired') return 'unbalanced_paired';
  return 'balanced';
}

/**
 * The estimate from the command's flags (as parseArgs gives them) and the file being read: the flags are
 * checked, the requested columns read, and the result printed.
 */
export async function estimatePanel(values: Readonly<Record<string, string | boolean | undefined>>, reading: CsvColumnsReading | null): Promise<void> {
  const parsed = estimateArgumentsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  const options = parsed.data;

  const request: CsvColumnsRequest = estimateColumnsRequest(options);
  const didOptions: StaggeredDidOptions = {
    control: options.control,
    method: options.method,
    anticipation: options.anticipation,
    basePeriod: options['base-period'] ?? (options.sensitivity ? 'universal' : 'varying'),
    sample: sampleDesignOf(options),
    ...(options.bootstrap !== undefined ? { bootstrap: { draws: options.bootstrap, seed: options.seed ?? 1, alpha: 0.05 } } : {}),
  };
  let report: DidReport;
  let twfe: TwfeComparison | null = null;
  let sensitivity: EstimateSensitivity | null = null;
  try {
    // reading is null only without --data, which the schema above rejects.
    if (!reading) throw new UsageError('--data FILE.csv is required');
    const csv = await reading.columns(request);
    if (csv.rowCount === 0) throw new CsvColumnError(`${options.data} has a header but no data rows`);
    const columns = {
      // Repeated cross-sections need no id: each row is its own observation.
      unitId: options.id ? csv.ids[options.id] : Float64Array.from({ length: csv.rowCount }, (_, row) => row),
      ...(options.weights ? { weights: csv.numbers[options.weights] } : {}),
      time: csv.numbers[options.time],
      group: csv.numbers[options.group],
      outcome: csv.numbers[options.outcome],
      covariates: Object.fromEntries(options.covariates.map((name) => [name, csv.numbers[name]])),
    };
    assertOutcomeObserved(columns.outcome, options.outcome);
    const estimate = estimateStaggeredDid(columns, didOptions);
    report = estimate.report;
    if (options.twfe) twfe = await twfeComparison(columns);
    if (options.sensitivity) sensitivity = await sensitivityOf(estimate, options);
  } catch (error) {
    if (error instanceof CsvColumnError || error instanceof DidInputError || error instanceof PanelShapeError) throw new UsageError(error.message);
    throw error;
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...report, ...(twfe ? { twfe } : {}), ...(sensitivity ? { sensitivity } : {}) })}\n`);
    return;
  }
  const { formatDidSummary } = await import('../did-summary.js');
  console.log(formatDidSummary(report, didOptions, options.outcome, twfe));
  if (sensitivity) console.log(`\n${(await import('../sensitivity-summary.js')).formatSensitivitySummary(sensitivity)}`);
}

function assertOutcomeObserved(outcome: Float64Array, name: string): void {
  for (let i = 0; i < outcome.length; i++) if (Number.isFinite(outcome[i])) return;
  throw new DidInputError(`the outcome column "${name}" has no numeric value at all`);
}

/** The sensitivity analysis of the estimate's event study (HonestDiD's), its shape errors told as the flag's. */
async function sensitivityOf(
  estimate: DidEstimate,
  options: Pick<z.output<typeof estimateArgumentsSchema>, 'min-e' | 'max-e' | 'mbar' | 'm'>,
): Promise<EstimateSensitivity> {
  const [{ eventStudyOfDid }, { EventStudyShapeError }, { sensitivityAnalysis }] = await Promise.all([
    import('../../stats/honest/did-event-study.js'),
    import('../../stats/honest/event-study.js'),
    import('../../stats/honest/sensitivity.js'),
  ]);
  try {
    const { eventTimes, study } = eventStudyOfDid(estimate, { minE: options['min-e'], maxE: options['max-e'] });
    return { event_times: eventTimes, betahat: Array.from(study.betahat), sigma: rowsOf(study.sigma), ...sensitivityAnalysis(study, { mbar: options.mbar, m: options.m }) };
  } catch (error) {
    if (error instanceof EventStudyShapeError) throw new UsageError(`--sensitivity: ${error.message}`);
    throw error;
  }
}

async function twfeComparison(columns: { unitId: Float64Array | string[]; time: Float64Array; group: Float64Array; outcome: Float64Array }): Promise<TwfeComparison> {
  const [{ buildStaggeredPanel }, { fitEventStudyTwfe, fitStaticTwfe }] = await Promise.all([import('../../stats/build-panel.js'), import('../../stats/twfe.js')]);
  const complete: number[] = [];
  for (let i = 0; i < columns.outcome.length; i++) if (Number.isFinite(columns.outcome[i])) complete.push(i);
  const panel = buildStaggeredPanel({
    unitId: complete.map((i) => columns.unitId[i]),
    time: complete.map((i) => columns.time[i]),
    cohort: complete.map((i) => (Number.isNaN(columns.group[i]) ? 0 : columns.group[i])),
    outcome: complete.map((i) => columns.outcome[i]),
  });
  const term = (c: Coefficient): TwfeTerm => ({ coef: c.estimate, se: c.stdError, ciLow: c.ciLow, ciHigh: c.ciHigh });
  return {
    static: term(fitStaticTwfe(panel).coefficients[0]),
    eventStudy: fitEventStudyTwfe(panel).coefficients.map((c) => ({ e: c.eventTime, ...term(c) })),
  };
}
