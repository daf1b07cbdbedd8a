/**
 * The edge where a study request from the command line becomes a workflow input: paths made absolute and
 * checked, the programme looked up in the catalogue.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { findBrokenProgramme, InvalidProgrammeError, listProgrammes } from '../programmes/catalogue.js';
import type { EvaluateAllProgrammesInput, EvaluateProgrammeInput } from '../workflows/index.js';
import { UsageError } from './errors.js';

const existingFile = (flag: string) =>
  z
    .string({ error: `${flag} FILE is required` })
    .min(1, `${flag} FILE is required`)
    .transform((path) => resolve(path))
    .refine((path) => existsSync(path), { error: (issue) => `${flag}: no file at ${String(issue.input)}` });

const studyRequestSchema = z.object({
  programmeId: z
    .string({ error: '--programme ID is required' })
    .refine((id) => listProgrammes().some((programme) => programme.id === id), {
      error: (issue) => `--programme: unknown programme "${String(issue.input)}"; known: ${listProgrammes().map((p) => p.id).join(', ')}`,
    }),
  applicantsFile: existingFile('--applicants'),
  outcomesFile: existingFile('--outcomes'),
  statisticsFile: existingFile('--statistics').optional(),
});

/**
 * Every catalogue programme with its files under DIR/<programme id>/ (as `ebpm generate --all` writes them):
 * applicants.csv and outcomes.csv, and statistics.csv when the programme has one.
 */
export function parseAllProgrammesRequest(dataDir: string | undefined, options: { replaces?: boolean } = {}): EvaluateAllProgrammesInput {
  if (!dataDir) throw new UsageError('--data-dir DIR is required with --all (one folder per programme holding applicants.csv and outcomes.csv)');
  const root = resolve(dataDir);
  const missing: string[] = [];
  const programmes = listProgrammes().map((programme) => {
    const applicantsFile = join(root, programme.id, 'applicants.csv');
    const outcomesFile = join(root, programme.id, 'outcomes.csv');
    const statisticsFile = join(root, programme.id, 'statistics.csv');
    for (const file of [applicantsFile, outcomesFile]) if (!existsSync(file)) missing.push(file);
    return { programmeId: programme.id, applicantsFile, outcomesFile, ...(existsSync(statisticsFile) ? { statisticsFile } : {}), ...(options.replaces ? { replaces: true } : {}) };
  });
  if (missing.length) throw new UsageError(`--data-dir ${root} lacks ${missing.length} file(s), e.g. ${missing.slice(0, 3).join(', ')}; \`ebpm generate --all --out DIR\` shows the layout`);
  return { programmes };
}

export function parseStudyRequest(values: { programme?: string; applicants?: string; outcomes?: string; statistics?: string; replaces?: boolean }): EvaluateProgrammeInput {
  // A programme whose catalogue file does not validate fails with its problems, not as an unknown id.
  const broken = values.programme === undefined ? undefined : findBrokenProgramme(values.programme);
  if (broken) throw new InvalidProgrammeError(broken);
  const parsed = studyRequestSchema.safeParse({ programmeId: values.programme, applicantsFile: values.applicants, outcomesFile: values.outcomes, statisticsFile: values.statistics });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return values.replaces ? { ...parsed.data, replaces: true } : parsed.data;
}
