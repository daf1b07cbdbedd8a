import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
// zod's v3 API loads in a fraction of v4's time, which matters for a command meant to answer in seconds.
import { z } from 'zod/v3';
import { eventStudy, EventStudyShapeError } from '../../stats/honest/event-study.js';
import { sensitivityAnalysis } from '../../stats/honest/sensitivity.js';
import { numberList } from '../argument-schemas.js';
import { UsageError } from '../errors.js';
import { formatSensitivitySummary } from '../sensitivity-summary.js';


const argumentsSchema = z.object({
  input: z.string({ required_error: '--input FILE.json is required (betahat, sigma, num_pre_periods, num_post_periods)' }).min(1),
  mbar: numberList('--mbar').optional(),
  m: numberList('--m').optional(),
  json: z.boolean().default(false),
});

/** The event study file: the fields HonestDiD takes; anything else in the file (a reference's results, say) is ignored. */
export const eventStudyFileSchema = z.object({
  betahat: z.array(z.number({ invalid_type_error: 'betahat must hold numbers' }).finite()).min(2, 'betahat needs at least one pre- and one post-award coefficient'),
  sigma: z.array(z.array(z.number({ invalid_type_error: 'sigma must hold numbers' }).finite())),
  num_pre_periods: z.number().int().positive('num_pre_periods must be at least 1'),
  num_post_periods: z.number().int().positive('num_post_periods must be at least 1'),
});

export async function sensitivityCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { input: { type: 'string' }, mbar: { type: 'string' }, m: { type: 'string' }, json: { type: 'boolean' } },
  });
  const parsed = argumentsSchema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  const options = parsed.data;
  let text: string;
  try {
    text = await readFile(options.input, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --input ${options.input}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${options.input} is not JSON (${(error as Error).message}); it must hold betahat, sigma, num_pre_periods and num_post_periods`);
  }
  const file = eventStudyFileSchema.safeParse(raw);
  if (!file.success)
    throw new UsageError(`${options.input}: ${file.error.issues.map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`).join('; ')}`);
  let study;
  try {
    study = eventStudy(file.data.betahat, file.data.sigma, file.data.num_pre_periods, file.data.num_post_periods);
  } catch (error) {
    if (error instanceof EventStudyShapeError) throw new UsageError(`${options.input}: ${error.message}`);
    throw error;
  }
  const result = sensitivityAnalysis(study, { mbar: options.mbar, m: options.m });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  console.log(formatSensitivitySummary(result));
}
