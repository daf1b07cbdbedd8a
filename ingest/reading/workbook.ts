/**
 * Opens an XLSX workbook as a table of one kind: by default the visible sheet whose header names the
 * declared columns (a hidden sheet is never read unless named), the header found among the first rows,
 * and every later row read cell by cell (excel-cells.ts) with its cell references, so that a quarantine
 * reason can say "H12".
 */
import type { Workbook, Worksheet } from 'exceljs';
import type { RawRecord, RejectionReason } from '../validating/validate-records.js';
import { InputFormatError, type TableStream } from './read-table.js';
import { ConversionTally } from './conversions.js';
import { plainText, readCell, type ColumnReader } from './excel-cells.js';
import { patchExcelJs } from './exceljs-patches.js';
import type { ExpectedTable } from './expected-columns.js';
import { findHeader, HEADER_SEARCH_ROWS, isFoundHeader, missingHeaderMessage, type FoundHeader, type MissingHeader } from './header-row.js';

function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** A cell, a merged range's cells standing for their top-left cell. */
function cellOf(sheet: Worksheet, row: number, column: number) {
  const cell = sheet.getRow(row).getCell(column);
  return cell.isMerged ? cell.master : cell;
}

/**
 * A cell's value. A formula's cached result is taken from the cell itself: exceljs's value object leaves
 * out a result that is falsy (0, '', false), which would make them look never calculated.
 */
function valueOf(cell: ReturnType<typeof cellOf>): unknown {
  const value = cell.value;
  if (value && typeof value === 'object' && ('formula' in value || 'sharedFormula' in value)) return { ...value, result: (cell as unknown as { result?: unknown }).result };
  return value;
}

function firstRows(sheet: Worksheet): string[][] {
  const rows: string[][] = [];
  const width = sheet.columnCount;
  for (let row = 1; row <= Math.min(sheet.rowCount, HEADER_SEARCH_ROWS); row++) {
    rows.push(Array.from({ length: width }, (_, index) => plainText(valueOf(cellOf(sheet, row, index + 1))).trim()));
  }
  return rows;
}

interface SheetHeader {
  readonly sheet: Worksheet;
  readonly rows: string[][];
  readonly header: FoundHeader | MissingHeader;
}

const isVisible = (sheet: Worksheet) => sheet.state === undefined || sheet.state === 'visible';

function headerOf(sheet: Worksheet, expected: ExpectedTable): SheetHeader {
  const rows = firstRows(sheet);
  return { sheet, rows, header: findHeader(rows, expected) };
}

function describeSheet(candidate: SheetHeader): string {
  const { sheet, rows, header } = candidate;
  const state = isVisible(sheet) ? '' : ` (${sheet.state}: read only when named with --sheet)`;
  if (isFoundHeader(header)) {
    const line = header.rows.map((row) => row + 1).join('–');
    return `"${sheet.name}"${state}: header in row ${line}: ${header.columns.map((column) => column.label).join(', ')}`;
  }
  const first = rows.findIndex((row) => row.some((cell) => cell !== ''));
  return `"${sheet.name}"${state}: no header naming the declared columns${first >= 0 ? `; row ${first + 1} has ${rows[first].filter((cell) => cell !== '').slice(0, 12).join(', ')}` : '; the sheet is empty'}`;
}

function hasAllRequired(header: FoundHeader, expected: ExpectedTable): boolean {
  const fields = new Set(header.columns.map((column) => column.field));
  return expected.columns.every((column) => !column.required || fields.has(column.field));
}

/** The sheet to read: the one named, or the only visible one whose header fits the kind. */
function chooseSheet(workbook: Workbook, path: string, expected: ExpectedTable, sheetName: string | undefined): SheetHeader & { header: FoundHeader } {
  if (sheetName !== undefined) {
    const sheet = workbook.getWorksheet(sheetName);
    if (!sheet) {
      const names = workbook.worksheets.map((candidate) => `${candidate.name}${isVisible(candidate) ? '' : ` (${candidate.state})`}`).join(', ');
      throw new InputFormatError(`${path} has no sheet "${sheetName}"; its sheets are: ${names}`);
    }
    const named = headerOf(sheet, expected);
    if (!isFoundHeader(named.header)) throw new InputFormatError(missingHeaderMessage(`${path}, sheet "${sheet.name}"`, named.header, (row) => row + 1, named.rows.length, expected));
    return { ...named, header: named.header };
  }
  if (workbook.worksheets.length === 0) throw new InputFormatError(`${path} has no sheets`);
  const all = workbook.worksheets.map((sheet) => headerOf(sheet, expected));
  const visible = all.filter((candidate) => isVisible(candidate.sheet));
  const found = visible.filter((candidate): candidate is SheetHeader & { header: FoundHeader } => isFoundHeader(candidate.header));
  const complete = found.filter((candidate) => hasAllRequired(candidate.header, expected));
  const choice = complete.length === 1 ? complete : complete.length === 0 ? found : complete;
  if (choice.length === 1) return choice[0];
  if (visible.length === 1 && !isFoundHeader(visible[0].header)) {
    throw new InputFormatError(missingHeaderMessage(`${path}, sheet "${visible[0].sheet.name}"`, visible[0].header, (row) => row + 1, visible[0].rows.length, expected));
  }
  const listing = all.map((candidate) => `  - ${describeSheet(candidate)}`).join('\n');
  const what = `${/^[aeiou]/.test(expected.kind) ? 'an' : 'a'} ${expected.kind} file`;
  const why = choice.length === 0 ? `no visible sheet has a header naming the columns of ${what}` : `several sheets have a header naming the columns of ${what}`;
  throw new InputFormatError(`${path}: ${why}; name the sheet to read with --sheet NAME. Its sheets:\n${listing}`);
}

export async function openWorkbookTable(path: string, expected: ExpectedTable, sheetName: string | undefined): Promise<TableStream> {
  patchExcelJs();
  // Loaded only for workbooks: it takes longer to load than a CSV batch takes to parse.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(path);
  } catch (error) {
    throw new InputFormatError(`${path} cannot be read as an XLSX workbook: ${(error as Error).message}`);
  }
  const { sheet, rows, header } = chooseSheet(workbook, path, expected, sheetName);
  const date1904 = workbook.properties?.date1904 === true;
  const lastHeaderRow = Math.max(...header.rows) + 1;
  let firstHeaderRow = Math.min(...header.rows) + 1;
  // Names merged down from the row above (法人番号 over two rows beside a 申請情報 group) make that row part of the header.
  if (firstHeaderRow > 1 && header.columns.some((_, index) => Number(cellOf(sheet, firstHeaderRow, index + 1).fullAddress.row) < firstHeaderRow)) firstHeaderRow--;
  const linesAboveHeader = rows.slice(0, firstHeaderRow - 1).filter((row) => row.some((cell) => cell !== '')).length;
  const readers: ColumnReader[] = header.columns.map((column) => ({ header: column, expected: expected.columns.find((candidate) => candidate.field === column.field) ?? null }));
  const tally = new ConversionTally();

  function readRow(rowNumber: number): RawRecord | null {
    const fields: string[] = [];
    const cells: string[] = [];
    const problems: RejectionReason[] = [];
    readers.forEach((reader, index) => {
      const cell = cellOf(sheet, rowNumber, index + 1);
      const ref = `${columnLetters(index)}${rowNumber}`;
      const read = readCell({ value: valueOf(cell), numFmt: cell.numFmt, ref, date1904 }, reader);
      fields.push(read.text.trim());
      cells.push(ref);
      if (read.problem) problems.push(read.problem);
      tally.add(read.conversion);
    });
    if (problems.length === 0 && fields.every((field) => field === '')) return null;
    return { line: rowNumber, fields, cells, ...(problems.length ? { problems } : {}) };
  }

  async function* records(): AsyncGenerator<RawRecord[]> {
    for (let rowNumber = lastHeaderRow + 1; rowNumber <= sheet.rowCount; rowNumber++) {
      const record = readRow(rowNumber);
      if (record) yield [record];
    }
  }
  return {
    header: header.columns.map((column) => column.field ?? column.label),
    format: 'xlsx',
    encoding: null,
    headerLines: lastHeaderRow,
    layout: { sheet: sheet.name, headerLines: Array.from({ length: lastHeaderRow - firstHeaderRow + 1 }, (_, i) => firstHeaderRow + i), linesAboveHeader, hiddenSheetNamed: !isVisible(sheet) },
    conversions: () => tally.list(),
    records: records(),
  };
}
