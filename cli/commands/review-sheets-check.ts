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
  /** Projects flagged by at least one check. */
  readonly projectsWithFindings: number;
  /**
   * Every check's findings added up, kept for scripts that read it: the checks count different things (each check's
   * `unit`), so this sum is not a count of anything; the text output does not show it.
   */
  readonly totalFindings: number;
  /** Per check: its findings (in its `unit`) and the projects it flags. */
  readonly checks: readonly { checkId: string; description: string; unit: string; findings: number; projects: number }[];
  /**
   * Per ministry: each check's findings (`counts`, in the check's unit) and the projects it flags (`projectsByCheck`),
   * the projects flagged by any check (`projects`), and `total`, the findings added up across units (kept for scripts,
   * as totalFindings).
   */
  readonly ministries: readonly { ministry: string; counts: Record<string, number>; projectsByCheck: Record<string, number>; projects: number; total: number }[];
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
      // One pass over the view: per check and ministry, per check, per ministry and overall (findings, and distinct
      // projects flagged).
      const { rows } = await sql<GroupedFindings>`
        SELECT GROUPING(check_id, ministry) AS level, check_id, ministry, count(*)::integer AS findings, count(DISTINCT project_id)::integer AS projects
          FROM bi.review_findings WHERE review_year = ${reviewYear}
         GROUP BY GROUPING SETS ((check_id, ministry), (check_id), (ministry), ())`.execute(trx);
      const checked = (await loadedReviewYears(trx)).find((loaded) => loaded.review_year === reviewYear)?.projects ?? 0;
      const [{ due }] = (await sql<{ due: boolean }>`SELECT EXISTS (SELECT 1 FROM core.review_findings_due WHERE review_year = ${reviewYear}) AS due`.execute(trx)).rows;
      const origins = await originsOfReviewYears(trx, [reviewYear]);
      return summarise(reviewYear, !due, checked, rows, origins);
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

/** A row of the grouped findings: GROUPING(check_id, ministry) is 0 per check and ministry, 1 per check, 2 per ministry, 3 overall. */
interface GroupedFindings {
  readonly level: 0 | 1 | 2 | 3;
  readonly check_id: string | null;
  readonly ministry: string | null;
  readonly findings: number;
  readonly projects: number;
}

function summarise(reviewYear: number, findingsUpToDate: boolean, projectsChecked: number, rows: readonly GroupedFindings[], origins: ReviewSheetOrigins): CheckSummary {
  const ministryOf = (row: GroupedFindings) => row.ministry ?? NO_MINISTRY;
  const byCheckAndMinistry = rows.filter((row) => row.level === 0);
  const ministries = [...new Set(byCheckAndMinistry.map(ministryOf))].sort();
  const cell = (check: string, ministry: string) => byCheckAndMinistry.find((row) => row.check_id === check && ministryOf(row) === ministry);
  const ofCheck = (check: string) => rows.find((row) => row.level === 1 && row.check_id === check);
  return {
    reviewYear,
    origins,
    findingsUpToDate,
    projectsChecked,
    projectsWithFindings: rows.find((row) => row.level === 3)?.projects ?? 0,
    totalFindings: rows.find((row) => row.level === 3)?.findings ?? 0,
    checks: FINDING_CHECKS.map((check) => ({
      checkId: check.id,
      description: check.description,
      unit: check.unit,
      findings: ofCheck(check.id)?.findings ?? 0,
      projects: ofCheck(check.id)?.projects ?? 0,
    })),
    ministries: ministries.map((ministry) => {
      const counts = Object.fromEntries(FINDING_CHECKS.map((check) => [check.id, cell(check.id, ministry)?.findings ?? 0]));
      return {
        ministry,
        counts,
        projectsByCheck: Object.fromEntries(FINDING_CHECKS.map((check) => [check.id, cell(check.id, ministry)?.projects ?? 0])),
        projects: rows.find((row) => row.level === 2 && ministryOf(row) === ministry)?.projects ?? 0,
        total: Object.values(counts).reduce((sum, n) => sum + n, 0),
      };
    }),
  };
}

function summaryText(summary: CheckSummary): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const byCheck = formatTable(
    ['#', 'check', 'found', 'one finding is', 'projects', 'what it finds'],
    summary.checks.map((check, index) => [String(index + 1), check.checkId, count(check.findings), check.unit, count(check.projects), check.description]),
  );
  const byMinistry = formatTable(
    ['ministry', ...FINDING_CHECKS.map((_, index) => `#${index + 1}`), 'any'],
    [
      ...summary.ministries.map((row) => [row.ministry, ...FINDING_CHECKS.map((check) => count(row.projectsByCheck[check.id])), count(row.projects)]),
      ['all', ...summary.checks.map((check) => count(check.projects)), count(summary.projectsWithFindings)],
    ],
  );
  return [
    `Review year ${summary.reviewYear}: ${count(summary.projectsWithFindings)} of ${count(summary.projectsChecked)} projects flagged by at least one check (bi.review_findings). ` +
      'Each check finds a thing of its own (one finding is …), so their findings are counted apart, never added up.',
    byCheck,
    `Projects flagged, by ministry (columns: the checks above; any: by at least one)\n${byMinistry}`,
    reviewSheetSourceText(summary.origins),
  ].join('\n\n');
}
