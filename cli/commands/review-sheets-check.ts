/** ebpm review-sheets check [--year Y] [--json]: the findings of bi.review_findings, counted by check and ministry. */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { readEnvironment } from '../../config/environment.js';
import { FINDING_CHECKS } from '../../review-sheets/finding-checks.js';
import { loadedReviewYears, reviewYearFor, UnknownReviewSheetError } from '../../review-sheets/project-sheet.js';
import { CommandFailure } from '../errors.js';
import { reviewSheetSourceText, type ReviewSheetOrigins } from '../../review-sheets/attribution.js';
import { originsOfReviewYears } from '../../review-sheets/file-origins.js';
import { inReadOnlySnapshot } from '../../runtime/database.js';
import { formatTable } from '../format.js';
import { openDatabaseReady } from '../services.js';
import { reviewYearOption } from './review-sheets-options.js';

const NO_MINISTRY = '(no 1-2 row)';

export interface CheckSummary {
  readonly reviewYear: number;
  /**
   * False when the year is marked due (core.review_findings_due, migration 0042): its sheets in force may have changed
   * after its findings were written (a load still running, or one whose last step did not run). The findings' counts
   * may then be those of the earlier sheets; projectsChecked is always the sheets in force now.
   */
  readonly findingsUpToDate: boolean;
  readonly projectsChecked: number;
  readonly projectsWithFindings: number;
  readonly totalFindings: number;
  readonly checks: readonly { checkId: string; description: string; findings: number; projects: number }[];
  readonly ministries: readonly { ministry: string; counts: Record<string, number>; total: number }[];
  /** Whether the year's files in force are the RS system's or synthetic ones (`ebpm generate`'s). */
  readonly origins: ReviewSheetOrigins;
}

export async function checkCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, allowPositionals: false, options: { year: { type: 'string' }, json: { type: 'boolean' } } });
  const year = reviewYearOption(values.year);
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    // One snapshot for the findings, the projects and the due mark: a load's last step committing between them
    // would otherwise pair its new findings with the mark it removed.
    const summary = await inReadOnlySnapshot(db, async (trx) => {
      let reviewYear: number;
      try {
        reviewYear = await reviewYearFor(trx, year);
      } catch (error) {
        if (error instanceof UnknownReviewSheetError) throw new CommandFailure(error.message, 2);
        throw error;
      }
      // One pass over the view: per check and ministry, per check (distinct projects), and overall.
      const { rows } = await sql<{ level: number; check_id: string | null; ministry: string | null; findings: number; projects: number }>`
        SELECT GROUPING(check_id, ministry) AS level, check_id, ministry, count(*)::integer AS findings, count(DISTINCT project_id)::integer AS projects
          FROM bi.review_findings WHERE review_year = ${reviewYear}
         GROUP BY GROUPING SETS ((check_id, ministry), (check_id), ())`.execute(trx);
      const checked = (await loadedReviewYears(trx)).find((loaded) => loaded.review_year === reviewYear)?.projects ?? 0;
      const [{ due }] = (await sql<{ due: boolean }>`SELECT EXISTS (SELECT 1 FROM core.review_findings_due WHERE review_year = ${reviewYear}) AS due`.execute(trx)).rows;
      const origins = await originsOfReviewYears(trx, [reviewYear]);
      return summarise(reviewYear, !due, checked, rows.filter((row) => row.level === 0) as { check_id: string; ministry: string | null; findings: number }[], rows.filter((row) => row.level !== 0), origins);
    });
    if (!summary.findingsUpToDate) console.error(findingsLagNotice(summary.reviewYear));
    console.log(values.json ? JSON.stringify({ ...summary, attribution: reviewSheetSourceText(summary.origins) }, null, 2) : summaryText(summary));
  } finally {
    await db.destroy();
  }
}

/** Said on stderr, so that --json's output stays one document. */
export function findingsLagNotice(reviewYear: number): string {
  return (
    `Note: review year ${reviewYear}'s findings may lag its sheets in force, which may have changed since the findings were written ` +
    `(a load still running, or one whose last step did not run; core.review_findings_due). If a load is running, wait for it to end. ` +
    `Otherwise the next review-sheet load writes them at its end; to write them now, run \`ebpm review-sheets load\` again on the files ` +
    `last loaded for ${reviewYear}: files in force are skipped and the findings written (not on older files: a file since replaced would be put back in force).`
  );
}

function summarise(
  reviewYear: number,
  findingsUpToDate: boolean,
  projectsChecked: number,
  rows: readonly { check_id: string; ministry: string | null; findings: number }[],
  /** Per check (level 1) and overall (level 3, check_id null). */
  projectsByCheck: readonly { level: number; check_id: string | null; projects: number }[],
  origins: ReviewSheetOrigins,
): CheckSummary {
  const ministries = [...new Set(rows.map((row) => row.ministry ?? NO_MINISTRY))].sort();
  const countOf = (check: string, ministry?: string) =>
    rows.filter((row) => row.check_id === check && (ministry === undefined || (row.ministry ?? NO_MINISTRY) === ministry)).reduce((sum, row) => sum + row.findings, 0);
  return {
    reviewYear,
    origins,
    findingsUpToDate,
    projectsChecked,
    projectsWithFindings: projectsByCheck.find((row) => row.level === 3)?.projects ?? 0,
    totalFindings: rows.reduce((sum, row) => sum + row.findings, 0),
    checks: FINDING_CHECKS.map((check) => ({
      checkId: check.id,
      description: check.description,
      findings: countOf(check.id),
      projects: projectsByCheck.find((row) => row.level === 1 && row.check_id === check.id)?.projects ?? 0,
    })),
    ministries: ministries.map((ministry) => {
      const counts = Object.fromEntries(FINDING_CHECKS.map((check) => [check.id, countOf(check.id, ministry)]));
      return { ministry, counts, total: Object.values(counts).reduce((sum, n) => sum + n, 0) };
    }),
  };
}

function summaryText(summary: CheckSummary): string {
  const byCheck = formatTable(
    ['#', 'check', 'findings', 'projects', 'what it finds'],
    summary.checks.map((check, index) => [String(index + 1), check.checkId, check.findings.toLocaleString('en-US'), check.projects.toLocaleString('en-US'), check.description]),
  );
  const byMinistry = formatTable(
    ['ministry', ...FINDING_CHECKS.map((_, index) => `#${index + 1}`), 'total'],
    [
      ...summary.ministries.map((row) => [row.ministry, ...FINDING_CHECKS.map((check) => row.counts[check.id].toLocaleString('en-US')), row.total.toLocaleString('en-US')]),
      ['total', ...summary.checks.map((check) => check.findings.toLocaleString('en-US')), summary.totalFindings.toLocaleString('en-US')],
    ],
  );
  return [
    `Review year ${summary.reviewYear}: ${summary.totalFindings.toLocaleString('en-US')} findings in ${summary.projectsWithFindings.toLocaleString('en-US')} of ${summary.projectsChecked.toLocaleString('en-US')} projects (bi.review_findings)`,
    byCheck,
    `By ministry (columns: the checks above)\n${byMinistry}`,
    reviewSheetSourceText(summary.origins),
  ].join('\n\n');
}
