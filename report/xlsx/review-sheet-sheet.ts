/**
 * The progress table's sheet of a programme's own review sheets (行政事業レビューシート: the RS system's public data, or
 * ebpm generate's synthetic sheets, titled as such):
 * laid out like the programme sheet — one row per series, one column per fiscal year — so that the official
 * targets and actuals, the budget and execution (百万円) and the pre-registered targets line up year by year. Below
 * the indicators, the budget block; below it, the reconciliation with the pre-registered logic model, each
 * target in its own year's column; the attribution last. Text from the sheets is written as text (textCell), never
 * as a formula.
 */
import type ExcelJS from 'exceljs';
import type { Programme } from '../../programmes/catalogue.js';
import { publishedDecimals } from '../review-sheet/decimal-text.js';
import { differenceLabel, directionText, sheetsKind, sheetWord, LOAD_COMMAND, referenceLabel, sheetIndicatorLabel } from '../review-sheet/labels.js';
import type { Reconciliation } from '../review-sheet/reconcile.js';
import type { ReviewSheetData, SheetBudgetYear, SheetIndicator, SheetIndicatorYear } from '../review-sheet/sheet-data.js';
import { openingOf } from '../../review-sheets/one-line.js';
import { PUBLISHED_ONLY, reviewSheetSourceLines } from '../../review-sheets/attribution.js';
import { fixedFormat, INTEGER_FORMAT, SHARE_FORMAT } from './number-formats.js';
import type { WorkbookVariant } from './progress-data.js';
import { STAGE_LABELS } from './programme-sheet.js';
import { BODY_FONT, fitColumns, freezeHeader, HEADER_ROW, setUpPrinting, textCell, writeBanner, writeHeader, writeTitle } from './sheet-layout.js';

/** The sheet's name: the programme sheet's, marked RS (at most 31 characters, as Excel allows). */
export function reviewSheetSheetName(programmeId: string): string {
  return `RS ${programmeId}`.slice(0, 31);
}

export const REVIEW_COLUMNS = ['予算事業ID\nproject', 'ノード\nnode', '指標名\nname', '単位\nunit', '系列\nseries'] as const;
/** The series row of the sheet's own target, named as the report names the sheet (sheetWord). */
function sheetTargetSeries(word: { readonly ja: string }): string {
  return `${word.ja}の目標\nsheet target`;
}

export const REVIEW_SERIES = {
  target: '目標\ntarget',
  actual: '実績\nactual',
  achievementReported: '達成率（報告）\nachievement reported',
  achievementComputed: '達成率（計算）\nachievement computed',
  preRegistered: '事前登録の目標\npre-registered target',
  /** The target the RS system's sheet gives; a synthetic sheet's is labelled by sheetTargetSeries as the report names it. */
  sheetTarget: sheetTargetSeries(sheetWord(PUBLISHED_ONLY)),
} as const;
/** How much of a qualitative result the notes column holds before it points to the HTML report for the rest. */
const QUALITATIVE_RESULT_CHARACTERS = 80;
const REST_IN_HTML = '…（全文は HTML 報告書 / full text in the HTML report）';

export const BUDGET_LABEL = '予算・執行（百万円） budget and execution (million yen)';
export const RECONCILIATION_LABEL = '事前登録との照合 reconciliation with the pre-registered logic model';
export const MILLION_YEN = '百万円';
/** The review year's execution, not known when the sheet was written (the notes say so in English). */
export const NOT_YET_KNOWN = '未確定';

const BUDGET_ROWS: readonly { field: keyof SheetBudgetYear; label: string; kind: 'yen' | 'rate' }[] = [
  { field: 'initialBudgetYen', label: '当初予算\ninitial', kind: 'yen' },
  { field: 'supplementaryYen', label: '補正予算\nsupplementary', kind: 'yen' },
  { field: 'carriedInYen', label: '前年度から繰越し\ncarried in', kind: 'yen' },
  { field: 'reserveYen', label: '予備費等\nreserve funds', kind: 'yen' },
  { field: 'currentBudgetYen', label: '計（歳出予算現額）\ncurrent budget', kind: 'yen' },
  { field: 'executedYen', label: '執行額\nexecuted', kind: 'yen' },
  { field: 'executionRate', label: '執行率\nexecution rate', kind: 'rate' },
  { field: 'executionRateReported', label: '執行率（報告）\nrate as reported', kind: 'rate' },
  { field: 'carriedOverYen', label: '翌年度へ繰越し\ncarried over', kind: 'yen' },
];


const ID_FONT: Partial<ExcelJS.Font> = { ...BODY_FONT, size: 8, color: { argb: 'FF7F7F7F' } };

/** A published number as a number cell, shown to the decimals it was published with (0.6 stays 0.6). */
function setDecimal(cell: ExcelJS.Cell, text: string | null): void {
  if (text === null) return;
  cell.value = Number(text);
  cell.numFmt = fixedFormat(publishedDecimals(text));
}

/** The line the programme sheet carries under its effects: where the sheets are, or how to load them. */
export function reviewSheetNote(programme: Programme, data: ReviewSheetData): string | null {
  if (data.named.length === 0) return null;
  const missing = data.notLoaded.length ? `予算事業ID ${data.notLoaded.join(', ')} 未取込 not loaded: ${LOAD_COMMAND}` : '';
  const kind = sheetsKind(data.origins);
  const loaded = data.projects.length ? `レビューシート（${kind.ja}） ${kind.en} review sheets (予算事業ID ${data.projects.map((p) => p.projectId).join(', ')}): シート sheet "${reviewSheetSheetName(programme.id)}"` : '';
  return [loaded, missing].filter(Boolean).join('\n');
}

export function writeReviewSheetSheet(sheet: ExcelJS.Worksheet, programme: Programme, data: ReviewSheetData, reconciliation: Reconciliation, variant: WorkbookVariant): void {
  const indicatorYears = data.projects.flatMap((project) => project.indicators.flatMap((indicator) => indicator.years.map((year) => year.fiscalYear)));
  const budgetYears = data.projects.flatMap((project) => project.budget.map((year) => year.budgetYear));
  const targetYears = reconciliation.matched.flatMap((m) => [m.indicator.target.fiscalYear, ...(m.sheetTarget ? [m.sheetTarget.fiscalYear] : [])]);
  const catalogueYears = reconciliation.onlyInCatalogue.map((entry) => entry.indicator.target.fiscalYear);
  const years = [...new Set([...indicatorYears, ...budgetYears, ...targetYears, ...catalogueYears])].sort((a, b) => a - b);
  const firstYear = REVIEW_COLUMNS.length + 1;
  const yearColumn = new Map(years.map((year, index) => [year, firstYear + index]));
  const notes = firstYear + Math.max(years.length, 1);

  writeBanner(sheet, variant, notes);
  const kind = sheetsKind(data.origins);
  const word = sheetWord(data.origins);
  writeTitle(sheet, `${programme.nameJa}　行政事業レビューシート（${kind.ja}） / ${programme.nameEn}: ${kind.en} review sheet`, notes);
  writeHeader(sheet, HEADER_ROW, [...REVIEW_COLUMNS, ...(years.length ? years.map((year) => `FY${year}`) : ['FY']), '注記\nnotes']);
  // Year headers over right-aligned numbers: aligned with them, so a wide year column cannot seem to label the next one.
  for (const column of yearColumn.values()) sheet.getRow(HEADER_ROW).getCell(column).alignment = { vertical: 'top', horizontal: 'right' };

  let rowNumber = HEADER_ROW;
  const label = (text: string) => {
    rowNumber += 2;
    const cell = sheet.getRow(rowNumber).getCell(1);
    cell.value = text;
    cell.font = { ...BODY_FONT, bold: true, size: 11 };
    sheet.mergeCells(rowNumber, 1, rowNumber, 3);
    return rowNumber;
  };

  const indicatorRows = (project: ReviewSheetData['projects'][number], indicator: SheetIndicator) => {
    const node = sheetIndicatorLabel(indicator, false);
    // A qualitative outcome's cells are text as published; a number is written as a number at its published decimals.
    const valueOrText = (cell: ExcelJS.Cell, value: string | null, text: string | null) => {
      if (value !== null) setDecimal(cell, value);
      else if (text !== null && indicator.qualitative) cell.value = textCell(text);
    };
    const series: readonly [string, (year: SheetIndicatorYear, cell: ExcelJS.Cell) => void][] = [
      [REVIEW_SERIES.target, (year, cell) => valueOrText(cell, year.target, year.targetText)],
      [REVIEW_SERIES.actual, (year, cell) => valueOrText(cell, year.actual, year.actualText)],
      [REVIEW_SERIES.achievementReported, (year, cell) => setDecimal(cell, year.achievementReported)],
      [REVIEW_SERIES.achievementComputed, (year, cell) => {
        if (year.achievementComputed === null) return;
        cell.value = Number(year.achievementComputed);
        cell.numFmt = fixedFormat(1);
      }],
    ];
    const targetYear = indicator.years.find((year) => year.isTargetYear)?.fiscalYear;
    series.forEach(([name, write], index) => {
      const row = sheet.getRow(++rowNumber);
      row.getCell(1).value = project.projectId;
      row.getCell(1).numFmt = '0';
      row.getCell(2).value = textCell(`${node.ja}\n${node.en}`);
      // The name once, on the target row: the other three rows are the same indicator.
      if (index === 0) row.getCell(3).value = textCell(indicator.name ?? '—');
      row.getCell(4).value = textCell(index >= 2 ? '%' : (indicator.unit ?? ''));
      row.getCell(5).value = name;
      for (const year of indicator.years) write(year, row.getCell(yearColumn.get(year.fiscalYear) as number));
      if (index === 0) {
        const lines = [indicator.direction ? directionText(indicator.direction) : '', targetYear ? `目標年度 target year FY${targetYear}` : '目標年度の指定なし no target year marked'];
        row.getCell(notes).value = textCell(lines.filter(Boolean).join('\n'));
      }
      // Beside the actual row: a qualitative outcome's result in text (its start only: a result runs to a page of
      // survey figures, which would stretch the row over half a printed page), or, for an indicator the sheet gives
      // no value at all, that it has none (as the page says).
      if (index === 1 && indicator.qualitativeResult !== null) row.getCell(notes).value = textCell(`成果実績（定性的） qualitative result: ${openingOf(indicator.qualitativeResult, QUALITATIVE_RESULT_CHARACTERS, REST_IN_HTML)}`);
      else if (index === 1 && indicator.years.length === 0) row.getCell(notes).value = textCell('シートに値なし no value in the sheet');
      if (index > 0) row.eachCell((cell) => (cell.font = { ...BODY_FONT, color: { argb: 'FF595959' } }));
    });
  };

  for (const project of data.projects) {
    for (const indicator of project.indicators) indicatorRows(project, indicator);
  }
  if (data.projects.every((project) => project.indicators.length === 0)) sheet.getRow(++rowNumber).getCell(1).value = '指標（3-1）未取込 no indicators (3-1) loaded';
  const lastIndicatorRow = rowNumber;

  const budgetLabelRow = label(BUDGET_LABEL);
  for (const project of data.projects) {
    for (const item of BUDGET_ROWS) {
      const row = sheet.getRow(++rowNumber);
      row.getCell(1).value = project.projectId;
      row.getCell(1).numFmt = '0';
      // No year here: beside the fiscal-year columns a year read as the budget's own (the review year is in the notes).
      row.getCell(2).value = textCell('予算・執行\nbudget');
      row.getCell(3).value = item.label;
      row.getCell(4).value = item.kind === 'yen' ? MILLION_YEN : '%';
      for (const year of project.budget) {
        const cell = row.getCell(yearColumn.get(year.budgetYear) as number);
        const value = year[item.field] as string | null;
        const open = year.budgetYear >= project.reviewYear;
        if (open && (item.field === 'executedYen' || item.field === 'executionRateReported')) {
          cell.value = NOT_YET_KNOWN;
          cell.alignment = { horizontal: 'right' };
        } else if (value !== null) {
          cell.value = item.kind === 'yen' ? Number(value) / 1e6 : Number(value);
          cell.numFmt = item.kind === 'yen' ? INTEGER_FORMAT : SHARE_FORMAT;
        }
      }
    }
  }
  // The block's notes on its label row, where they make no budget row taller.
  sheet.getRow(budgetLabelRow).getCell(notes).value = textCell(
    `${data.projects.map((project) => `予算事業ID ${project.projectId}: ${project.reviewYear}年度レビューシート review year ${project.reviewYear}`).join('\n')}\n` +
      '百万円単位（表示は四捨五入） in million yen, shown rounded\n執行率＝執行額÷歳出予算現額 rate = executed ÷ current budget\n未確定：レビュー年度以降の執行 not yet known: execution from the review year on',
  );

  label(RECONCILIATION_LABEL);
  const placeTarget = (cell: ExcelJS.Cell | undefined, text: string) => {
    if (cell) setDecimal(cell, text);
  };
  for (const m of reconciliation.matched) {
    const pre = sheet.getRow(++rowNumber);
    pre.getCell(1).value = m.indicator.id;
    pre.getCell(1).font = ID_FONT;
    pre.getCell(2).value = textCell(STAGE_LABELS[m.stage]);
    pre.getCell(3).value = textCell(m.indicator.nameJa);
    pre.getCell(4).value = textCell(m.indicator.unit);
    pre.getCell(5).value = REVIEW_SERIES.preRegistered;
    placeTarget(pre.getCell(yearColumn.get(m.indicator.target.fiscalYear) as number), String(m.indicator.target.value));
    pre.getCell(notes).value = textCell(
      [`${m.how === 'reference' ? 'カタログの参照で対応 paired by catalogue reference' : '同じ名称で対応 paired by the same name'}`, ...(m.differences.length ? m.differences.map((d) => { const label = differenceLabel(d.kind, word); return `${label.ja} ${label.en}: ${d.catalogue} / ${d.sheet}`; }) : ['一致 agree'])].join('\n'),
    );
    const official = sheet.getRow(++rowNumber);
    const node = sheetIndicatorLabel(m.sheet, false);
    official.getCell(1).value = m.sheet.projectId;
    official.getCell(1).numFmt = '0';
    official.getCell(2).value = textCell(`${node.ja}\n${node.en}`);
    official.getCell(3).value = textCell(m.sheet.name ?? '—');
    official.getCell(4).value = textCell(m.sheet.unit ?? '');
    official.getCell(5).value = sheetTargetSeries(word);
    if (m.sheetTarget) placeTarget(official.getCell(yearColumn.get(m.sheetTarget.fiscalYear) as number), m.sheetTarget.value);
  }
  for (const entry of reconciliation.onlyInCatalogue) {
    const row = sheet.getRow(++rowNumber);
    row.getCell(1).value = entry.indicator.id;
    row.getCell(1).font = ID_FONT;
    row.getCell(2).value = textCell(STAGE_LABELS[entry.stage]);
    row.getCell(3).value = textCell(entry.indicator.nameJa);
    row.getCell(4).value = textCell(entry.indicator.unit);
    row.getCell(5).value = REVIEW_SERIES.preRegistered;
    placeTarget(row.getCell(yearColumn.get(entry.indicator.target.fiscalYear) as number), String(entry.indicator.target.value));
    row.getCell(notes).value = '事前登録のみ only in the pre-registered logic model';
  }
  for (const indicator of reconciliation.onlyInSheet) {
    const row = sheet.getRow(++rowNumber);
    const node = sheetIndicatorLabel(indicator, false);
    row.getCell(1).value = indicator.projectId;
    row.getCell(1).numFmt = '0';
    row.getCell(2).value = textCell(`${node.ja}\n${node.en}`);
    row.getCell(3).value = textCell(indicator.name ?? '—');
    row.getCell(4).value = textCell(indicator.unit ?? '');
    row.getCell(notes).value = `${word.ja}のみ only in the ${word.en}`;
  }
  for (const entry of reconciliation.unresolved) {
    const ref = entry.indicator.reviewSheetIndicator!;
    const row = sheet.getRow(++rowNumber);
    row.getCell(1).value = entry.indicator.id;
    row.getCell(1).font = ID_FONT;
    row.getCell(3).value = textCell(entry.indicator.nameJa);
    const label = referenceLabel(ref);
    row.getCell(notes).value = textCell(`参照先が${word.ja}にない reference not in the sheet: ${label.ja}\n${label.en}`);
  }
  if (data.notLoaded.length) {
    const row = sheet.getRow(++rowNumber);
    row.getCell(1).value = textCell(`予算事業ID ${data.notLoaded.join(', ')} 未取込 not loaded: ${LOAD_COMMAND}`);
  }

  rowNumber += 2;
  sheet.getRow(rowNumber).getCell(1).value = textCell(reviewSheetSourceLines(data.origins).map((line) => `${line.ja}\n${line.en}`).join('\n'));
  sheet.mergeCells(rowNumber, 1, rowNumber, notes);
  sheet.getRow(rowNumber).getCell(1).alignment = { wrapText: true, vertical: 'top' };
  const lastRow = rowNumber;

  sheet.eachRow((row, number) => {
    if (number <= HEADER_ROW) return;
    row.eachCell((cell) => {
      if (!cell.font?.name) cell.font = { ...BODY_FONT, ...cell.font };
      cell.alignment = { vertical: 'top', ...cell.alignment };
    });
  });
  sheet.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: Math.max(lastIndicatorRow, HEADER_ROW + 1), column: notes } };
  fitColumns(sheet, HEADER_ROW, new Map([[2, 22], [3, 36], [notes, 40]]));
  sheet.getRow(lastRow).height = 2 * 12.5 + 2;
  freezeHeader(sheet, 3);
  setUpPrinting(sheet, variant, lastRow, notes, 2);
}
