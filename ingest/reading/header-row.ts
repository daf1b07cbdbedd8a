/**
 * Finds the header among a table's first rows and matches its cells to the declared columns. Staff put a
 * title and a 作成日 line above the header, write units in brackets and line breaks into names
 * (`申請額\n（円）`), and group columns under merged cells (申請情報) in a row above the names: the header
 * is the row that names the most declared columns, completed by the row above or below where a column's
 * name sits there.
 */
import { normaliseText } from '../validating/normalise.js';
import type { ExpectedColumn, ExpectedTable } from './expected-columns.js';
import { looksLikeUnit, type Unit } from './units.js';

/** Rows looked at for the header. */
export const HEADER_SEARCH_ROWS = 20;

export interface HeaderColumn {
  /** The header text as written, on one line. */
  readonly label: string;
  /** The declared field the column holds; null for a column the file adds. */
  readonly field: string | null;
  /** The unit the header names in brackets, when it names one. */
  readonly unit: Unit | null;
}

export interface FoundHeader {
  /** Indexes into the rows looked at: one row, or two for a two-row header. */
  readonly rows: readonly number[];
  readonly columns: readonly HeaderColumn[];
  /** How many declared columns it names. */
  readonly matched: number;
}

export interface MissingHeader {
  /** The row that came closest, with its cells that name no declared column and the declared names nearest to each. */
  readonly closest: { readonly row: number; readonly unmatched: readonly { readonly cell: string; readonly nearest: string }[] } | null;
}

const OPENING = '([【〔<「';
const CLOSING = ')]】〕>」';

/** A header cell as a name and the text of a trailing bracket: `申請額\n（千円）` → 申請額, 千円. */
export function splitHeaderLabel(raw: string): { name: string; bracket: string | null } {
  let text = normaliseText(raw).replace(/[\r\n\t]+/g, '').replace(/[※*＊]/g, '').trim();
  // A leading annotation such as 【必須】 is not part of the name.
  text = text.replace(/^[[【〔<(][^\]】〕>)]*[\]】〕>)]\s*/, '');
  const last = text.at(-1);
  if (last !== undefined && CLOSING.includes(last)) {
    const open = text.lastIndexOf(OPENING[CLOSING.indexOf(last)]);
    if (open > 0) return { name: text.slice(0, open).trim(), bracket: text.slice(open + 1, -1).trim() };
  }
  const unitWord = /^(.*?)[\s:：]*単位[:：]\s*(.+)$/.exec(text);
  if (unitWord && unitWord[1]) return { name: unitWord[1].trim(), bracket: unitWord[2].trim() };
  return { name: text, bracket: null };
}

/** Names compared without case, spaces, underscores, hyphens and middle dots. */
export function nameKey(name: string): string {
  return normaliseText(name).toLowerCase().replace(/[\s_\-・･]/g, '');
}

const namesOfTables = new WeakMap<ExpectedTable, Map<string, ExpectedColumn>>();

function fieldsByName(expected: ExpectedTable): Map<string, ExpectedColumn> {
  let byName = namesOfTables.get(expected);
  if (!byName) {
    byName = new Map();
    for (const column of expected.columns) for (const name of column.names) byName.set(nameKey(name), column);
    namesOfTables.set(expected, byName);
  }
  return byName;
}

/** One header cell read against the declared columns. */
export function readHeaderCell(raw: string, expected: ExpectedTable): HeaderColumn & { readonly column: ExpectedColumn | null } {
  const byName = fieldsByName(expected);
  const label = normaliseText(raw).replace(/[\r\n]+/g, ' ').trim();
  const whole = byName.get(nameKey(label));
  if (whole) return { label, field: whole.field, unit: null, column: whole };
  const { name, bracket } = splitHeaderLabel(raw);
  const column = byName.get(nameKey(name)) ?? null;
  const unit = column && bracket ? looksLikeUnit(bracket, column.unit) : null;
  return { label, field: column?.field ?? null, unit, column };
}

function readRow(cells: readonly string[], expected: ExpectedTable) {
  return cells.map((cell) => (cell.trim() === '' ? null : readHeaderCell(cell, expected)));
}

function countFields(row: readonly (HeaderColumn | null)[]): number {
  return new Set(row.flatMap((cell) => (cell?.field ? [cell.field] : []))).size;
}

/** Declared columns a header row must name at least to be taken for the header. */
export function headerThreshold(expected: ExpectedTable): number {
  const required = expected.columns.filter((column) => column.required).length;
  return Math.max(Math.min(2, required), Math.ceil(required / 2));
}

export function findHeader(rows: readonly (readonly string[])[], expected: ExpectedTable): FoundHeader | MissingHeader {
  const looked = rows.slice(0, HEADER_SEARCH_ROWS).map((row) => readRow(row, expected));
  let best = -1;
  let bestCount = 0;
  looked.forEach((row, index) => {
    const count = countFields(row);
    if (count > bestCount) {
      best = index;
      bestCount = count;
    }
  });
  if (best < 0 || bestCount < headerThreshold(expected)) return { closest: closestRow(looked, rows, expected) };
  const header = [...looked[best]];
  const used = new Set(header.flatMap((cell) => (cell?.field ? [cell.field] : [])));
  const headerRows = [best];
  // A two-row header: a column's name may sit in the row above (over a group's names) or below (under a merged group cell).
  for (const neighbour of [best - 1, best + 1]) {
    const row = looked[neighbour];
    if (!row) continue;
    let took = false;
    row.forEach((cell, index) => {
      if (!cell?.field || used.has(cell.field) || header[index]?.field) return;
      header[index] = cell;
      used.add(cell.field);
      took = true;
    });
    if (took) headerRows.push(neighbour);
  }
  // A group label over columns whose names sit below it, or a merged name spanning both rows, leaves the name row's cell as it is.
  let width = header.length;
  while (width > 0 && header[width - 1] === null) width--;
  const columns = header.slice(0, width).map((cell, index): HeaderColumn => cell ?? { label: `(column ${index + 1} without a name)`, field: null, unit: null });
  return { rows: headerRows.sort((a, b) => a - b), columns, matched: used.size };
}

export function isFoundHeader(result: FoundHeader | MissingHeader): result is FoundHeader {
  return 'rows' in result;
}

function closestRow(looked: readonly (readonly (HeaderColumn | null)[])[], rows: readonly (readonly string[])[], expected: ExpectedTable): MissingHeader['closest'] {
  let best = -1;
  let bestScore = -1;
  looked.forEach((row, index) => {
    // The row with the most named columns, or failing that the most text cells.
    const score = countFields(row) * 1000 + row.filter((cell) => cell !== null && !/^[\d.,\-/]+$/.test(cell.label)).length;
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  });
  if (best < 0) return null;
  const names = expected.columns.flatMap((column) => column.names);
  const unmatched = looked[best].flatMap((cell, index) => (cell && !cell.field ? [{ cell: rows[best][index].replace(/[\r\n]+/g, ' ').trim(), nearest: nearestName(cell.label, names) }] : []));
  return { row: best, unmatched };
}

function nearestName(label: string, names: readonly string[]): string {
  const key = nameKey(splitHeaderLabel(label).name);
  let nearest = names[0] ?? '';
  let distance = Infinity;
  for (const name of names) {
    const d = editDistance(key, nameKey(name));
    if (d < distance) {
      distance = d;
      nearest = name;
    }
  }
  return nearest;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The refusal when no row is a header: the rows looked at, the closest row's cells that named nothing, and the declared names. */
export function missingHeaderMessage(where: string, missing: MissingHeader, lineOf: (row: number) => number, looked: number, expected: ExpectedTable): string {
  const declared = expected.columns.filter((column) => column.required).map((column) => column.names.join(' / ')).join(', ');
  const closest = missing.closest;
  const detail = closest
    ? `; the closest, row ${lineOf(closest.row)}, has ${closest.unmatched.length ? closest.unmatched.slice(0, 12).map((cell) => `"${cell.cell}" (nearest declared name: ${cell.nearest})`).join(', ') : 'no cell'} that names no declared column`
    : '';
  return `${where}: no header row found in rows ${lineOf(0)}–${lineOf(Math.max(0, looked - 1))}${detail}. ${/^[aeiou]/.test(expected.kind) ? 'An' : 'A'} ${expected.kind} file needs a row naming its columns: ${declared} (Japanese or English names; units in brackets allowed). Rename the header cells, or remove what stands above them, and load the file again.`;
}
