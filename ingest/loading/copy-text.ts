/**
 * PostgreSQL COPY text format: one line per row, fields separated by tabs, NULL as \N, and backslash,
 * tab, newline and carriage return escaped with a backslash.
 */
import { doubleText } from '../../schemas/decimal-text.js';

export type CopyValue = string | number | boolean | null;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function copyTextField(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return doubleText(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (char) => ESCAPES[char]) : value;
}

export function copyTextLine(values: readonly CopyValue[]): string {
  let line = copyTextField(values[0]);
  for (let i = 1; i < values.length; i++) line += `\t${copyTextField(values[i])}`;
  return `${line}\n`;
}
