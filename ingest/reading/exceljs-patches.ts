/**
 * Two things exceljs 4.4 loses when it reads a workbook, restored before any workbook is read:
 * - Japanese Excel's built-in date formats (numFmt ids 27–36 and 50–58: 2021年6月16日, 令和3年6月16日, R3.6.16)
 *   have no format code in its table, so their cells came out as bare serial numbers like 44363; the ja-JP
 *   codes are filled in, and exceljs then reads those cells as dates.
 * - A formula whose saved result is the empty string (`=IF(E2="採択",…,"")` for every rejected applicant)
 *   came out as a formula without a result, indistinguishable from one never calculated; the result is
 *   kept as ''.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface FormatEntry {
  f?: string;
  'ja-jp'?: string;
}

interface CellParser {
  t?: string;
  model: { formula?: string; shareType?: string; value?: unknown; result?: unknown };
  parseOpen(node: { name: string }): boolean;
  parseClose(name: string): boolean;
}

let patched = false;

export function patchExcelJs(): void {
  if (patched) return;
  patched = true;
  const formats = require('exceljs/lib/xlsx/defaultnumformats.js') as Record<string, FormatEntry>;
  for (const [id, entry] of Object.entries(formats)) {
    const number = Number(id);
    if (((number >= 27 && number <= 36) || (number >= 50 && number <= 58)) && !entry.f && entry['ja-jp']) entry.f = entry['ja-jp'];
  }
  const CellXform = require('exceljs/lib/xlsx/xform/sheet/cell-xform.js') as { prototype: CellParser };
  const sawValue = new WeakMap<CellParser, boolean>();
  const parseOpen = CellXform.prototype.parseOpen;
  const parseClose = CellXform.prototype.parseClose;
  CellXform.prototype.parseOpen = function (this: CellParser, node) {
    const result = parseOpen.call(this, node);
    if (node.name === 'c') sawValue.set(this, false);
    else if (node.name === 'v') sawValue.set(this, true);
    return result;
  };
  CellXform.prototype.parseClose = function (this: CellParser, name) {
    const emptyStringResult = name === 'c' && (this.model.formula !== undefined || this.model.shareType !== undefined) && this.t === 'str' && sawValue.get(this) === true && !this.model.value;
    const result = parseClose.call(this, name);
    if (emptyStringResult) this.model.result = '';
    return result;
  };
}
