/**
 * What makes a sheet printable and safe to hand on: free text written as text, column widths measured from the
 * contents (a CJK character takes two columns), the variant's banner row, frozen header rows, and an A4-landscape
 * print set-up whose header names the sheet (and, in the internal variant, says it must not be published) and
 * whose footer numbers the pages.
 */
import type ExcelJS from 'exceljs';
import { decimalsOfFormat, formatForText } from './number-formats.js';
import type { WorkbookVariant } from './progress-data.js';

export const INTERNAL_MARK = '内部資料・公表不可';
const BANNERS: Readonly<Record<WorkbookVariant, string>> = {
  internal: `${INTERNAL_MARK}　INTERNAL — NOT FOR PUBLICATION: values before small-cell suppression`,
  public: '公表用：少数セル（基準未満の企業数）は秘匿　PUBLIC: cells resting on too few firms are withheld',
};

/** Rows above the table on every sheet: the banner, the title, the column headers. */
export const HEADER_ROW = 3;

export const BODY_FONT: Partial<ExcelJS.Font> = { name: 'ＭＳ Ｐゴシック', size: 10 };

/**
 * Free text as a cell value: always a string cell (t="s"), never a formula, whatever it starts with (=, +, -, @, a
 * tab). ExcelJS writes a JavaScript string as a shared string and makes a formula only of an object with `formula`,
 * which this function never returns. Line ends become \n and the control characters XML cannot carry are dropped
 * (the file would otherwise change them on reading), so the cell reads back equal to what was written.
 */
export function textCell(text: string): string {
  return String(text).replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/**
 * Column-width units a line of text takes (the width of Excel's reference digit): two for a CJK or full-width
 * character, one for a capital or a digit, a little less for the narrower lower-case letters and punctuation.
 */
export function lineWidth(line: string): number {
  let width = 0;
  for (const char of line) {
    const code = char.codePointAt(0) ?? 0;
    width += code >= 0x2e80 || (code >= 0x1100 && code <= 0x115f) ? 2 : /[A-Z0-9%@#&]/.test(char) ? 1 : 0.85;
  }
  return width;
}

/** The widest line of a text, in column-width units. */
export function displayWidth(text: string): number {
  return Math.max(0, ...text.split('\n').map(lineWidth));
}

function shownText(cell: ExcelJS.Cell): string {
  const value = cell.value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    const format = cell.numFmt ?? '';
    if (format.includes('%') && !format.includes('"%"')) return `${formatForText(value * 100, decimalsOfFormat(format))}%`;
    return `${formatForText(value, decimalsOfFormat(format))}${format.includes('"%"') ? '%' : ''}`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && 'text' in value && typeof value.text === 'string') return value.text;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return String(value);
}

/**
 * Sets each column's width to its widest cell from `fromRow` down (header included), plus padding; columns in
 * `wrapped` get the given width and wrap their text instead, so a long finding grows the row, never gets cut.
 */
export function fitColumns(sheet: ExcelJS.Worksheet, fromRow: number, wrapped: ReadonlyMap<number, number>): void {
  const widest = new Map<number, number>();
  sheet.eachRow((row, number) => {
    if (number < fromRow) return;
    row.eachCell((cell, column) => {
      // A merged cell (banner, title, block label) spans several columns and sets none of their widths.
      if (cell.isMerged) return;
      if (typeof cell.value === 'string' && cell.value.includes('\n')) cell.alignment = { ...cell.alignment, wrapText: true };
      const scale = (cell.font?.size ?? 10) / 10;
      widest.set(column, Math.max(widest.get(column) ?? 0, displayWidth(shownText(cell)) * scale));
    });
  });
  for (const [column, width] of widest) {
    const fixed = wrapped.get(column);
    // Padding: 5 % for fonts wider than the estimate, and one and a half characters of cell margin.
    sheet.getColumn(column).width = fixed ?? Math.min(70, Math.max(5, Math.ceil(width * 1.05 + 1.5)));
  }
  for (const [column, width] of wrapped) {
    sheet.getColumn(column).width = width;
    sheet.getColumn(column).eachCell({ includeEmpty: false }, (cell) => {
      cell.alignment = { ...cell.alignment, wrapText: true, vertical: 'top' };
    });
  }
  fitRowHeights(sheet, fromRow);
}

/** Points per line of 10-point text, with the leading LibreOffice and Excel give it. */
const LINE_HEIGHT = 12.5;

/**
 * Sets each row's height to its tallest cell: the lines it holds, a wrapped cell's lines counted at its column's
 * width. Neither Excel nor LibreOffice grows a row for wrapped text written by a program, so without this the
 * second line of a name or a finding would be hidden behind the next row.
 */
export function fitRowHeights(sheet: ExcelJS.Worksheet, fromRow: number): void {
  sheet.eachRow((row, number) => {
    if (number < fromRow) return;
    let lines = 1;
    row.eachCell((cell, column) => {
      if (typeof cell.value !== 'string' || cell.isMerged) return;
      // Bold text takes more room; English wraps at word ends, so the estimate is kept generous: a row a little too
      // tall costs nothing, a hidden last line costs the reader.
      const width = Math.max(1, ((sheet.getColumn(column).width ?? 10) - 1) / (cell.font?.bold ? 1.1 : 1));
      const wraps = cell.alignment?.wrapText === true;
      const cellLines = cell.value.split('\n').reduce((sum, line) => sum + (wraps ? Math.max(1, Math.ceil(lineWidth(line) / width)) : 1), 0);
      lines = Math.max(lines, cellLines);
    });
    row.height = lines * LINE_HEIGHT + 2;
  });
}

/** Row 1: the variant's banner across the sheet, red for the internal variant. */
export function writeBanner(sheet: ExcelJS.Worksheet, variant: WorkbookVariant, lastColumn: number): void {
  const row = sheet.getRow(1);
  row.getCell(1).value = BANNERS[variant];
  sheet.mergeCells(1, 1, 1, Math.max(lastColumn, 2));
  if (variant === 'internal') {
    row.getCell(1).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC00000' } };
    row.getCell(1).font = { ...BODY_FONT, bold: true, color: { argb: 'FFFFFFFF' }, size: 12 };
  } else {
    row.getCell(1).font = { ...BODY_FONT, color: { argb: 'FF404040' } };
  }
}

/** Row 2: the sheet's title across the sheet. */
export function writeTitle(sheet: ExcelJS.Worksheet, title: string, lastColumn: number): void {
  sheet.getRow(2).getCell(1).value = textCell(title);
  sheet.mergeCells(2, 1, 2, Math.max(lastColumn, 2));
  sheet.getRow(2).getCell(1).font = { ...BODY_FONT, bold: true, size: 12 };
}

/** Row 3: the column headers, bold on grey, with a border below. */
export function writeHeader(sheet: ExcelJS.Worksheet, rowNumber: number, labels: readonly string[]): void {
  const row = sheet.getRow(rowNumber);
  labels.forEach((label, index) => {
    const cell = row.getCell(index + 1);
    cell.value = label;
    cell.font = { ...BODY_FONT, bold: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
    cell.border = { bottom: { style: 'thin' } };
    cell.alignment = { vertical: 'top', wrapText: label.includes('\n') };
  });
}

/**
 * A4 landscape, fitted to one page wide and at most `pagesTall` pages tall, the banner, title and header rows
 * repeated on every page, the sheet name in the page header (with the internal mark in red) and page numbers below.
 */
export function setUpPrinting(sheet: ExcelJS.Worksheet, variant: WorkbookVariant, lastRow: number, lastColumn: number, pagesTall: number): void {
  sheet.pageSetup = {
    ...sheet.pageSetup,
    paperSize: 9,
    orientation: 'landscape',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: pagesTall,
    horizontalCentered: true,
    printTitlesRow: `1:${HEADER_ROW}`,
    printArea: `A1:${sheet.getColumn(lastColumn).letter}${lastRow}`,
    margins: { left: 0.4, right: 0.4, top: 0.75, bottom: 0.6, header: 0.3, footer: 0.3 },
  };
  const mark = variant === 'internal' ? `&L&B&KFF0000${INTERNAL_MARK}&B&K000000` : '&L';
  sheet.headerFooter = {
    ...sheet.headerFooter,
    oddHeader: `${mark}&C&A&R進捗管理・点検・評価表`,
    oddFooter: '&L&F&C&P / &N',
  };
}

/** The banner, title and header stay in view while scrolling; the first `columns` columns too. */
export function freezeHeader(sheet: ExcelJS.Worksheet, columns: number): void {
  sheet.views = [{ state: 'frozen', xSplit: columns, ySplit: HEADER_ROW, topLeftCell: `${sheet.getColumn(columns + 1).letter}${HEADER_ROW + 1}`, activeCell: 'A4' }];
}
