import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getProgramme, listProgrammes } from '../../programmes/catalogue.js';
import { generateProgrammeData, type SyntheticManifest, type SyntheticOptions } from '../../synth/programme-data.js';
import { UsageError } from '../errors.js';

export interface GeneratedFiles {
  readonly programmeId: string;
  readonly applicantsFile: string;
  readonly outcomesFile: string;
  /** Absent for a programme that reads no indicator from official statistics. */
  readonly statisticsFile?: string;
  readonly manifestFile: string;
  readonly manifest: SyntheticManifest;
}

export function writeSyntheticFiles(programmeId: string, outDir: string, options: SyntheticOptions): GeneratedFiles {
  const data = generateProgrammeData(getProgramme(programmeId).file, options);
  mkdirSync(outDir, { recursive: true });
  const files = {
    applicantsFile: join(outDir, 'applicants.csv'),
    outcomesFile: join(outDir, 'outcomes.csv'),
    ...(data.manifest.statisticsRows > 0 ? { statisticsFile: join(outDir, 'statistics.csv') } : {}),
    manifestFile: join(outDir, 'manifest.json'),
  };
  writeFileSync(files.applicantsFile, data.applicantsCsv);
  writeFileSync(files.outcomesFile, data.outcomesCsv);
  if (files.statisticsFile) writeFileSync(files.statisticsFile, data.statisticsCsv);
  writeFileSync(files.manifestFile, `${JSON.stringify(data.manifest, null, 2)}\n`);
  return { programmeId, ...files, manifest: data.manifest };
}

/** One folder per programme under `outDir`, named by programme id. */
export function writeAllSyntheticFiles(outDir: string, withInvalidRows: boolean): GeneratedFiles[] {
  return listProgrammes().map((programme) => writeSyntheticFiles(programme.id, join(outDir, programme.id), { withInvalidRows }));
}

export function positiveInteger(flag: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return Number(value);
}

export async function generateCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string' },
      programme: { type: 'string' },
      all: { type: 'boolean' },
      seed: { type: 'string' },
      applicants: { type: 'string' },
      'no-invalid-rows': { type: 'boolean' },
    },
  });
  if (!values.out) throw new UsageError('--out DIR is required');
  const withInvalidRows = !values['no-invalid-rows'];
  if (values.all) {
    const written = writeAllSyntheticFiles(resolve(values.out), withInvalidRows);
    console.log(`Wrote synthetic data for ${written.length} programmes under ${resolve(values.out)} (one folder each; true effects in manifest.json).`);
    return;
  }
  const files = writeSyntheticFiles(values.programme ?? 'sme-labour-saving', resolve(values.out), {
    seed: positiveInteger('--seed', values.seed),
    applicants: positiveInteger('--applicants', values.applicants),
    withInvalidRows,
  });
  const written = [files.applicantsFile, files.outcomesFile, ...(files.statisticsFile ? [files.statisticsFile] : [])];
  console.log(`Wrote ${written.join(', ')} and ${files.manifestFile} (synthetic data; true effects in the manifest).`);
}
