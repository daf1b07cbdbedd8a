/**
 * The review year of the catalogue's programmes: every programme that names review-sheet projects gets its
 * projects' sheets (catalogue-projects.ts), all in one set of published files, as the RS system publishes a year.
 */
import { readFileSync } from 'node:fs';
import type { ProgrammeFile } from '../../schemas/catalogue.js';
import { catalogueProjectModels, catalogueReviewYear } from './catalogue-projects.js';
import { writeReviewYear, type WrittenReviewYear } from './write-review-year.js';

export interface ProgrammeWithApplicants {
  readonly programme: ProgrammeFile;
  /** The programme's generated applicants.csv. */
  readonly applicantsFile: string;
}

/** Writes the sheets under outDir; undefined when none of the programmes names a review-sheet project. */
export function writeCatalogueReviewYear(outDir: string, programmes: readonly ProgrammeWithApplicants[], seed: number): WrittenReviewYear | undefined {
  const named = programmes.filter(({ programme }) => programme.reviewSheetProjects.length > 0);
  if (!named.length) return undefined;
  const reviewYear = catalogueReviewYear(named.map(({ programme }) => programme));
  const projects = named.flatMap(({ programme, applicantsFile }) => catalogueProjectModels({ programme, applicantsCsv: readFileSync(applicantsFile, 'utf8') }, reviewYear, seed));
  return writeReviewYear(outDir, reviewYear, projects);
}
