/**
 * Reading: a file as staff made it → a header and raw records in the declared units (ingest/README.md gives the
 * whole path of a row). read-table.ts opens a file of any format as a header and a stream of records; a text table
 * is first sniffed (sniff-text.ts: a workbook or binary under a .csv name is refused), decoded and split into
 * records (read-csv.ts, csv-records.ts). The header and the units, in the order data takes:
 * - expected-columns.ts  what the programme declares for this kind of file (names, units, how cells are read)
 * - header-row.ts        the header found among the first rows, names matched (units in brackets, line breaks)
 * - workbook.ts          XLSX: the sheet chosen (hidden sheets only when named), each row read cell by cell
 *   - exceljs-patches.ts   Japanese built-in date formats, formulas whose saved result is ''
 *   - excel-cells.ts       one cell: formula results, Excel errors, dates, 法人番号 digits, units
 *   - number-format.ts     what a number format says: date, percentage, unit shown, scientific
 *   - units.ts             units as powers of ten, exact decimal shifts between them
 * - text-header.ts       CSV and TSV: the same header search, title lines skipped, units converted
 * - conversions.ts       the unit conversions applied, for the file's account
 */
export { expectedTable, type ExpectedTable } from './expected-columns.js';
export { openWorkbookTable } from './workbook.js';
export { locateTextHeader, TextHeaderError } from './text-header.js';
export { describeConversion } from './conversions.js';
export type { UnitConversion } from './excel-cells.js';
