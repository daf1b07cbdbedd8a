import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { catalogue, getProgramme, InvalidProgrammeError } from '../../programmes/catalogue.js';
import { generateProgrammeData, type SyntheticManifest, type SyntheticOptions } from '../../synth/programme-data.js';
import { CommandFailure, UsageError } from '../errors.js';
import { nationalReviewYear } from '../../review-sheets/synthetic/national-year.js';
import { writeReviewYear, type WrittenReviewYear } from '../../review-sheets/synthetic/write-review-year.js';
import { writeCatalogueReviewYear } from '../../review-sheets/synthetic/catalogue-year.js';

/** A national review year: about 5,700 projects. */
export const DEFAULT_REVIEW_PROJECTS = 5700;
const DEFAULT_REVIEW_YEAR = 2024;

export interface GeneratedFiles {
  readonly programmeId: string;
  readonly applicantsFile: string;
  readonly outcomesFile: string;
  /** Absent for a programme that reads no indicator from official statistics. */
  readonly statisticsFile?: string;
  readonly manifestFile: string;
  readonly manifest: SyntheticManifest;
  /** The programme's review-sheet projects in the published format; absent when it names none. */
  readonly reviewSheets?: WrittenReviewYear;
}

/** The folder of the catalogue programmes' review sheets beside their data. */
export const REVIEW_SHEETS_FOLDER = 'review-sheets';

export function writeSyntheticFiles(programmeId: string, outDir: string, options: SyntheticOptions & { reviewSheets?: boolean }): GeneratedFiles {
  const programme = getProgramme(programmeId).file;
  const data = generateProgrammeData(programme, options);
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
  const reviewSheets = options.reviewSheets === false ? undefined : writeCatalogueReviewYear(join(outDir, REVIEW_SHEETS_FOLDER), [{ programme, applicantsFile: files.applicantsFile }], options.seed ?? 1);
  return { programmeId, ...files, manifest: data.manifest, ...(reviewSheets ? { reviewSheets } : {}) };
}

/** A programme `generate --all` wrote nothing for, and why. */
export interface GenerationFailure {
  readonly programmeId: string;
  readonly error: string;
}

export interface AllGeneratedFiles {
  readonly written: readonly GeneratedFiles[];
  /** Programme files that do not validate, and programmes whose data could not be made or written. */
  readonly failed: readonly GenerationFailure[];
}

/**
 * One folder per programme under `outDir`, named by programme id, for every programme of the catalogue. As in a
 * scheduled run, a programme that fails (its file does not validate, or its data cannot be written) is named
 * with its reason and the others are written.
 */
export function writeAllSyntheticFiles(outDir: string, withInvalidRows: boolean): AllGeneratedFiles {
  const of = catalogue();
  const written: GeneratedFiles[] = [];
  const failed: GenerationFailure[] = of.broken.map((broken) => ({ programmeId: broken.programmeId, error: new InvalidProgrammeError(broken).message }));
  for (const programme of of.programmes) {
    try {
      written.push(writeSyntheticFiles(programme.id, join(outDir, programme.id), { withInvalidRows, reviewSheets: false }));
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      failed.push({ programmeId: programme.id, error: error.message });
    }
  }
  return { written, failed };
}

/** The failures of `generate --all` / `demo --all`, one programme a paragraph. */
export function failuresText(failed: readonly GenerationFailure[]): string {
  return failed.map((failure) => `  ${failure.programmeId}: ${failure.error.replace(/\n/g, '\n    ')}`).join('\n');
}

/** The review sheets of every generated programme that names review-sheet projects, one review year under outDir/review-sheets. */
export function writeAllReviewSheets(outDir: string, generated: readonly GeneratedFiles[]): WrittenReviewYear | undefined {
  return writeCatalogueReviewYear(
    join(outDir, REVIEW_SHEETS_FOLDER),
    generated.map((files) => ({ programme: getProgramme(files.programmeId).file, applicantsFile: files.applicantsFile })),
    1,
  );
}

export function positiveInteger(flag: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return Number(value);
}

function reviewSheetsLine(written: WrittenReviewYear): string {
  const folder = written.files[0] ? dirname(written.files[0].path) : '';
  return `Wrote the review sheets of ${written.projects} catalogue review-sheet project(s), review year ${written.reviewYear}, in the published format under ${folder} (ebpm review-sheets load ${folder}).`;
}

/** `--review-sheets [N]`: N is the one positional the option allows. */
function reviewSheetProjects(positionals: readonly string[]): number {
  if (positionals.length > 1) throw new UsageError(`--review-sheets takes one number of projects, got ${positionals.join(' ')}`);
  return positiveInteger('--review-sheets', positionals[0], DEFAULT_REVIEW_PROJECTS)!;
}

export async function generateCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'review-sheets': { type: 'boolean' },
      year: { type: 'string' },
      out: { type: 'string' },
      programme: { type: 'string' },
      all: { type: 'boolean' },
      seed: { type: 'string' },
      applicants: { type: 'string' },
      'no-invalid-rows': { type: 'boolean' },
    },
  });
  if (!values.out) throw new UsageError('--out DIR is required');
  if (values['review-sheets']) {
    const projects = reviewSheetProjects(positionals);
    const year = positiveInteger('--year', values.year, DEFAULT_REVIEW_YEAR)!;
    const seed = positiveInteger('--seed', values.seed, 1)!;
    const written = writeReviewYear(resolve(values.out), year, nationalReviewYear({ projects, seed, reviewYear: year }));
    console.log(`Wrote a synthetic review year ${year} (${written.projects} projects, seed ${seed}) in the published format under ${resolve(values.out)}:`);
    for (const file of written.files) console.log(`  ${file.path}: ${file.records} records`);
    return;
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.year) throw new UsageError('--year goes with --review-sheets');
  const withInvalidRows = !values['no-invalid-rows'];
  if (values.all) {
    const { written, failed } = writeAllSyntheticFiles(resolve(values.out), withInvalidRows);
    console.log(`Wrote synthetic data for ${written.length} programmes under ${resolve(values.out)} (one folder each; true effects in manifest.json).`);
    const sheets = writeAllReviewSheets(resolve(values.out), written);
    if (sheets) console.log(reviewSheetsLine(sheets));
    if (failed.length) throw new CommandFailure(`no data for ${failed.length} programme(s), named with the reason (the others were written):\n${failuresText(failed)}`, 1);
    return;
  }
  const files = writeSyntheticFiles(values.programme ?? 'sme-labour-saving', resolve(values.out), {
    seed: positiveInteger('--seed', values.seed),
    applicants: positiveInteger('--applicants', values.applicants),
    withInvalidRows,
  });
  const written = [files.applicantsFile, files.outcomesFile, ...(files.statisticsFile ? [files.statisticsFile] : [])];
  console.log(`Wrote ${written.join(', ')} and ${files.manifestFile} (synthetic data; true effects in the manifest).`);
  if (files.reviewSheets) console.log(reviewSheetsLine(files.reviewSheets));
}
