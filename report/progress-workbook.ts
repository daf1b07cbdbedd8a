/**
 * The ministry's progress table (進捗管理・点検・評価表 of the EBPM action plan) as an XLSX workbook: an index
 * sheet, then one sheet per programme listing every logic-model indicator with its baseline, target, value and
 * yearly target per fiscal year, share achieved, verdict and findings, and below them the effects block with the
 * programme headline first. The public variant reads only the public bi views (small cells withheld there); the
 * internal variant shows the unsuppressed numbers and says on every sheet and printed page that it must not be
 * published. The sheets are laid out in report/xlsx/.
 */
import ExcelJS from 'exceljs';
import type { Kysely } from 'kysely';
import { catalogue, type Programme } from '../programmes/catalogue.js';
import type { Database } from '../sql/database.js';
import { INDEX_SHEET_NAME, writeIndexSheet } from './xlsx/index-sheet.js';
import { readProgrammeSheetData, type WorkbookVariant } from './xlsx/progress-data.js';
import { writeProgrammeSheet } from './xlsx/programme-sheet.js';
import { reviewSheetNote, reviewSheetSheetName, writeReviewSheetSheet } from './xlsx/review-sheet-sheet.js';
import { reconcile } from './review-sheet/reconcile.js';
import { readReviewSheetData } from './review-sheet/sheet-data.js';

export { EFFECTS_LABEL, EFFECT_COLUMNS, INDICATOR_COLUMNS, PROGRESS_COLUMNS, SERIES, WITHHELD, programmeSheetColumns } from './xlsx/programme-sheet.js';
export { INDEX_SHEET_NAME } from './xlsx/index-sheet.js';
export { BUDGET_LABEL, RECONCILIATION_LABEL, REVIEW_SERIES, reviewSheetSheetName } from './xlsx/review-sheet-sheet.js';
export { INTERNAL_MARK } from './xlsx/sheet-layout.js';
export type { WorkbookVariant } from './xlsx/progress-data.js';

/**
 * The file name of each variant, so the public and internal tables never overwrite each other, and a
 * one-programme table never overwrites the table of all programmes.
 */
export function progressTableFileName(variant: WorkbookVariant, programmeId?: string): string {
  return `progress-table-${variant}${programmeId ? `-${programmeId}` : ''}.xlsx`;
}

/** The public variant unless the internal one is asked for: a caller that forgets cannot publish unsuppressed numbers. */
export async function buildProgressWorkbook(db: Kysely<Database>, programmes: readonly Programme[], variant: WorkbookVariant = 'public'): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'ebpm';
  workbook.title = variant === 'internal' ? '進捗管理・点検・評価表（内部資料・公表不可）' : '進捗管理・点検・評価表';
  const index = workbook.addWorksheet(INDEX_SHEET_NAME);
  const entries = [];
  for (const programme of programmes) {
    const data = await readProgrammeSheetData(db, programme, variant);
    const reviewSheets = await readReviewSheetData(db, programme);
    const sheet = workbook.addWorksheet(programme.id.slice(0, 31));
    entries.push({ programme, summary: writeProgrammeSheet(sheet, programme, data, variant, catalogue().classes, reviewSheetNote(programme, reviewSheets)) });
    // The programme's own published review sheets (public data), right after its sheet, when any is loaded.
    if (reviewSheets.projects.length) {
      writeReviewSheetSheet(workbook.addWorksheet(reviewSheetSheetName(programme.id)), programme, reviewSheets, reconcile(programme, reviewSheets.projects), variant);
    }
  }
  writeIndexSheet(index, entries, variant);
  return workbook;
}

export async function writeProgressWorkbook(db: Kysely<Database>, programmes: readonly Programme[], path: string, variant: WorkbookVariant = 'public'): Promise<void> {
  await (await buildProgressWorkbook(db, programmes, variant)).xlsx.writeFile(path);
}
