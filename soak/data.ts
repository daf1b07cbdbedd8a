/**
 * The files a soak loads: every catalogue programme's synthetic data (with rows that must be quarantined), and
 * replacement outcome files that change some values of one programme's outcomes, as a corrected delivery does.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { writeAllSyntheticFiles } from '../cli/commands/generate.js';

export interface SoakFile {
  readonly path: string;
  /** SHA-256 of its bytes (raw.input_files.content_sha256). */
  readonly contentSha256: string;
  /** Data records in the file, counted here by parsing it, independently of the loader. */
  readonly records: number;
}

export function describeFile(path: string): SoakFile {
  const bytes = readFileSync(path);
  const rows = parse(bytes, { relax_column_count: true, skip_empty_lines: true, bom: true }) as unknown[];
  return { path, contentSha256: createHash('sha256').update(bytes).digest('hex'), records: Math.max(0, rows.length - 1) };
}

export interface SoakData {
  readonly dataDir: string;
  readonly files: SoakFile[];
}

/** `ebpm generate --all` into DIR (one folder per programme), with invalid rows; returns the files written. */
export function writeProgrammeData(dataDir: string): SoakData {
  const { written, failed } = writeAllSyntheticFiles(dataDir, true);
  if (failed.length) throw new Error(`synthetic data could not be written for ${failed.map((failure) => `${failure.programmeId} (${failure.error})`).join(', ')}`);
  const files = written.flatMap((programme) => [programme.applicantsFile, programme.outcomesFile, ...(programme.statisticsFile ? [programme.statisticsFile] : [])]).map(describeFile);
  return { dataDir, files };
}

/**
 * The programme's outcomes file with the last numeric value of every tenth record (from the `version`-th)
 * raised by `version`: a replacement that keeps every key, so the loader updates rows rather than retiring them.
 */
export function writeReplacementOutcomes(dataDir: string, programmeId: string, version: number, outDir: string): SoakFile {
  const lines = readFileSync(join(dataDir, programmeId, 'outcomes.csv'), 'utf8').split('\n');
  const changed = lines.map((line, index) => {
    if (index === 0 || !line || (index - 1) % 10 !== version % 10) return line;
    const cells = line.split(',');
    for (let cell = cells.length - 1; cell > 1; cell--) {
      if (/^-?\d+(\.\d+)?$/.test(cells[cell])) {
        cells[cell] = String(Number(cells[cell]) + version);
        break;
      }
    }
    return cells.join(',');
  });
  const folder = join(outDir, `replacement-${version}`);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'outcomes.csv');
  writeFileSync(path, changed.join('\n'));
  return describeFile(path);
}

/** Valid 法人番号 of the programme's applicants file, in file order: the firms that withdraw their consent in turn. */
export function applicantCorporateNumbers(dataDir: string, programmeId: string): string[] {
  const records = parse(readFileSync(join(dataDir, programmeId, 'applicants.csv')), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  return [...new Set(records.map((record) => record.corporate_number).filter((number): number is string => /^\d{13}$/.test(number ?? '')))];
}
