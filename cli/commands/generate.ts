import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SYNTHETIC_OPTIONS, generateSmeLabourSaving } from '../../synth/sme-labour-saving.js';
import { UsageError } from '../errors.js';

export interface GeneratedFiles {
  readonly applicantsFile: string;
  readonly outcomesFile: string;
  readonly manifestFile: string;
  readonly manifest: ReturnType<typeof generateSmeLabourSaving>['manifest'];
}

export function writeSyntheticFiles(outDir: string, options = DEFAULT_SYNTHETIC_OPTIONS): GeneratedFiles {
  const data = generateSmeLabourSaving(options);
  mkdirSync(outDir, { recursive: true });
  const files = {
    applicantsFile: join(outDir, 'applicants.csv'),
    outcomesFile: join(outDir, 'outcomes.csv'),
    manifestFile: join(outDir, 'manifest.json'),
  };
  writeFileSync(files.applicantsFile, data.applicantsCsv);
  writeFileSync(files.outcomesFile, data.outcomesCsv);
  writeFileSync(files.manifestFile, `${JSON.stringify(data.manifest, null, 2)}\n`);
  return { ...files, manifest: data.manifest };
}

export function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return Number(value);
}

export async function generateCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { out: { type: 'string' }, seed: { type: 'string' }, applicants: { type: 'string' }, 'no-invalid-rows': { type: 'boolean' } },
  });
  if (!values.out) throw new UsageError('--out DIR is required');
  const files = writeSyntheticFiles(resolve(values.out), {
    seed: positiveInteger('--seed', values.seed, DEFAULT_SYNTHETIC_OPTIONS.seed),
    applicants: positiveInteger('--applicants', values.applicants, DEFAULT_SYNTHETIC_OPTIONS.applicants),
    withInvalidRows: !values['no-invalid-rows'],
  });
  console.log(`Wrote ${files.applicantsFile}, ${files.outcomesFile} and ${files.manifestFile} (synthetic data; true effects in the manifest).`);
}
