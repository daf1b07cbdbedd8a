/**
 * Reads one spreadsheet cell as the text a field parser takes, in the unit the programme declares. What
 * cannot be read without guessing comes back as a problem that quarantines the row, naming the value and
 * the cell: an Excel error, a formula without a saved result, a 法人番号 that lost digits in a number
 * cell, a unit the declared one cannot be converted from.
 */
import type { RejectionReason } from '../validating/validate-records.js';
import type { ExpectedColumn } from './expected-columns.js';
import type { HeaderColumn } from './header-row.js';
import { readNumberFormat, scientificDisplay, type NumberFormat } from './number-format.js';
import { conversionExponent, numberText, shiftDecimal, type Unit } from './units.js';

export interface ColumnReader {
  readonly header: HeaderColumn;
  readonly expected: ExpectedColumn | null;
}

/** A value converted from the unit shown to the declared one, counted for the file's account. */
export interface UnitConversion {
  readonly field: string;
  readonly column: string;
  readonly shown: string;
  readonly declared: string;
  /** The value stored is the value shown × 10^exponent. */
  readonly exponent: number;
  readonly source: 'number format' | 'header';
  readonly cells: number;
}

export interface CellRead {
  readonly text: string;
  readonly problem?: RejectionReason;
  readonly conversion?: Omit<UnitConversion, 'cells'>;
}

/** The cell value shapes exceljs hands out. */
type CellValue =
  | null
  | undefined
  | string
  | number
  | boolean
  | Date
  | { readonly richText: readonly { readonly text: string }[] }
  | { readonly text: string; readonly hyperlink: string }
  | { readonly formula?: string; readonly sharedFormula?: string; readonly result?: unknown }
  | { readonly error: string };

export interface CellInput {
  readonly value: unknown;
  readonly numFmt: string | undefined;
  /** A1-style reference, e.g. H12. */
  readonly ref: string;
  readonly date1904: boolean;
}

const EPOCH_1900 = Date.UTC(1899, 11, 30);
const EPOCH_1904 = Date.UTC(1904, 0, 1);

function serialToIso(serial: number, date1904: boolean): string {
  return new Date((date1904 ? EPOCH_1904 : EPOCH_1900) + Math.floor(serial) * 86_400_000).toISOString().slice(0, 10);
}

const isoOfDate = (date: Date) => (Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10));

/** Header-row text of a cell: what is shown, without units or checks. */
export function plainText(value: unknown): string {
  const cell = value as CellValue;
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return isoOfDate(cell);
  if (typeof cell === 'object') {
    if ('richText' in cell && Array.isArray(cell.richText)) return cell.richText.map((part) => part.text ?? '').join('');
    if ('error' in cell) return String(cell.error);
    if ('formula' in cell || 'sharedFormula' in cell) return plainText((cell as { result?: unknown }).result);
    if ('text' in cell) return typeof cell.text === 'string' ? cell.text : plainText(cell.text);
    return '';
  }
  return String(cell);
}

function fieldOf(column: ColumnReader): string {
  return column.header.field ?? column.header.label;
}

function reason(code: string, column: ColumnReader, message: string): RejectionReason {
  return { code, field: column.header.field, message: `${fieldOf(column)} ${message}` };
}

export function readCell(input: CellInput, column: ColumnReader): CellRead {
  const value = input.value as CellValue;
  if (value === null || value === undefined) return { text: '' };
  if (typeof value === 'string') return readText(value, column);
  if (typeof value === 'boolean') return { text: value ? 'true' : 'false' };
  if (typeof value === 'number') return readNumber(value, readNumberFormat(input.numFmt), input, column);
  if (value instanceof Date) return { text: isoOfDate(value) };
  if ('error' in value) return excelError(String(value.error), null, input, column);
  if ('formula' in value || 'sharedFormula' in value) {
    const formula = value.formula ?? value.sharedFormula ?? '';
    if (!('result' in value) || value.result === undefined || value.result === null) {
      return {
        text: '',
        problem: reason(
          'formula_without_result',
          column,
          `holds a formula with no saved result ("=${formula}" in ${input.ref}); open the file in Excel (or LibreOffice) and save it, so that the results are stored, then send it again`,
        ),
      };
    }
    const result = value.result as CellValue;
    if (typeof result === 'object' && result !== null && !(result instanceof Date) && 'error' in result) return excelError(String(result.error), formula, input, column);
    return readCell({ ...input, value: result }, column);
  }
  return readText(plainText(value), column);
}

function excelError(error: string, formula: string | null, input: CellInput, column: ColumnReader): CellRead {
  const where = formula === null ? `"${error}" in ${input.ref}` : `"${error}" in ${input.ref}, from =${formula}`;
  return { text: '', problem: reason('excel_error', column, `holds the Excel error ${error} (${where}); correct the formula or type the value, and send the file again`) };
}

/** Text in a column whose header names a unit: a plain number is in that unit; a number with its own unit keeps it. */
function readText(text: string, column: ColumnReader): CellRead {
  const declared = column.expected?.unit ?? null;
  const shown = column.header.unit;
  if (!shown || !declared || column.expected?.role !== 'amount' || shiftDecimal(text, 0) === null) return { text };
  const exponent = conversionExponent(shown, declared);
  if (exponent === null) return unitMismatch(text, shown, declared, 'header', column, null);
  if (exponent === 0) return { text };
  const shifted = shiftDecimal(text, exponent);
  if (shifted === null) return { text };
  return { text: shifted, conversion: conversionOf(column, shown, declared, exponent, 'header') };
}

function conversionOf(column: ColumnReader, shown: Unit, declared: Unit, exponent: number, source: UnitConversion['source']): Omit<UnitConversion, 'cells'> {
  return { field: fieldOf(column), column: column.header.label, shown: shown.text, declared: declared.text, exponent, source };
}

function unitMismatch(text: string, shown: Unit, declared: Unit, source: UnitConversion['source'], column: ColumnReader, ref: string | null): CellRead {
  const where = ref ? `"${text}" in ${ref}` : `"${text}"`;
  const how = source === 'header' ? `its header "${column.header.label}" says ${shown.text}` : `the cell's number format shows ${shown.text}`;
  return {
    text,
    problem: reason('unit_mismatch', column, `is declared in ${declared.text} but ${how}, which cannot be converted to it (${where}); write the value in ${declared.text}`),
  };
}

function readNumber(value: number, format: NumberFormat, input: CellInput, column: ColumnReader): CellRead {
  const role = column.expected?.role ?? 'other';
  if (format.isDate && Number.isFinite(value)) return { text: serialToIso(value, input.date1904) };
  if (role === 'corporate_number') return readCorporateNumber(value, format, input, column);
  if (role === 'date' && Number.isFinite(value)) {
    // A bare number in a date column may be a date serial whose format was lost (or a typo): never guessed.
    const serial = value >= 1 && value < 2_958_466 ? `; if it is an Excel date serial (${serialToIso(value, input.date1904)}), format the cell as a date` : '';
    return { text: numberText(value), problem: reason('invalid_date', column, `"${numberText(value)}" is a number in a cell not formatted as a date ("${numberText(value)}" in ${input.ref})${serial}, or type the date as 2021-06-16 or 令和3年6月16日`) };
  }
  const text = numberText(value);
  const declared = column.expected?.unit ?? null;
  if (format.isPercent) {
    if (declared?.base === '%') return { text: shiftDecimal(text, 2) ?? text, conversion: conversionOf(column, { text: '% (number format)', exponent: 2, base: '%' }, declared, 2, 'number format') };
    const shownAs = shiftDecimal(text, 2) ?? text;
    return {
      text,
      problem: reason(
        'unit_mismatch',
        column,
        `is shown as a percentage (${shownAs}%, stored as ${text}, in ${input.ref}) but is declared ${declared ? `in ${declared.text}` : 'without a percentage'}; format the column as a plain number holding the value in ${declared?.text ?? 'its declared unit'}`,
      ),
    };
  }
  if (!declared || role !== 'amount') return { text };
  const header = column.header.unit;
  const shown = format.unit ?? header;
  if (!shown) return { text };
  if (format.unit && header && (format.unit.exponent !== header.exponent || format.unit.base !== header.base)) {
    return {
      text,
      problem: reason(
        'unit_mismatch',
        column,
        `is shown in ${format.unit.text} by its number format (${input.numFmt}) under a header that says ${header.text} ("${text}" in ${input.ref}); make the two agree and send the file again`,
      ),
    };
  }
  const exponent = conversionExponent(shown, declared);
  if (exponent === null) return unitMismatch(text, shown, declared, format.unit ? 'number format' : 'header', column, input.ref);
  if (exponent === 0) return { text };
  return { text: shiftDecimal(text, exponent) ?? text, conversion: conversionOf(column, shown, declared, exponent, format.unit ? 'number format' : 'header') };
}

/** Trailing zeros that a 13-digit number re-entered from Excel's display (1.23457E+12 → 1234570000000) ends in. */
const LOST_DIGITS_ZEROS = 7;

/**
 * A 法人番号 in a number cell is read only when the number carries all 13 digits: a whole number shown in a
 * format that does not round it. One shown in scientific notation, or ending in the zeros that re-entering
 * a rounded display leaves, lost digits (its check digit may still pass by chance).
 */
function readCorporateNumber(value: number, format: NumberFormat, input: CellInput, column: ColumnReader): CellRead {
  const display = format.isScientific || (format.isGeneral && Math.abs(value) >= 1e11) ? scientificDisplay(value, format) : numberText(value);
  const fix = 'format the column as text (文字列) and re-enter the 13 digits';
  if (!Number.isInteger(value)) {
    return { text: numberText(value), problem: reason('corporate_number_format', column, `is not a whole number ("${display}" in ${input.ref}); ${fix}`) };
  }
  const zeros = /0*$/.exec(String(value))?.[0].length ?? 0;
  if (format.isScientific || (value >= 1e12 && zeros >= LOST_DIGITS_ZEROS)) {
    return {
      text: String(value),
      problem: reason(
        'corporate_number_lost_digits',
        column,
        `is a number shown as ${display} ("${display}" in ${input.ref}, stored as ${value}): the 法人番号 has lost digits, or cannot be checked as shown; ${fix}`,
      ),
    };
  }
  return { text: String(value) };
}
