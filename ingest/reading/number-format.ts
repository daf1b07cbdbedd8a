/**
 * What a cell's number format says about the value under it: a date serial (Japanese built-in and custom
 * date formats included), a percentage, a number shown with a unit (`#,##0"千円"`: the value is in 千円;
 * `#,##0,"千円"`: a yen value shown in thousands), or scientific notation, which hides digits.
 */
import { parseUnit, type Unit } from './units.js';

export interface NumberFormat {
  readonly code: string;
  readonly isDate: boolean;
  readonly isPercent: boolean;
  readonly isScientific: boolean;
  /** General (or no format): Excel shows at most 11 characters, so a 13-digit number as 1.23457E+12. */
  readonly isGeneral: boolean;
  /** The unit the stored value is in, as the format shows it (scaling commas accounted for); null when the format names none. */
  readonly unit: Unit | null;
}

/** The first section (positive numbers) of a format code, split at a ';' outside quotes. */
function firstSection(code: string): string {
  let quoted = false;
  for (let i = 0; i < code.length; i++) {
    const char = code[i];
    if (char === '"') quoted = !quoted;
    else if (char === '\\') i++;
    else if (char === ';' && !quoted) return code.slice(0, i);
  }
  return code;
}

/** The format's literal text (quoted strings, backslash-escaped characters, [$¥-411] currency) and the rest. */
function splitLiterals(section: string): { literals: string; tokens: string } {
  let literals = '';
  let tokens = '';
  for (let i = 0; i < section.length; i++) {
    const char = section[i];
    if (char === '"') {
      const end = section.indexOf('"', i + 1);
      literals += section.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? section.length : end;
    } else if (char === '\\' && i + 1 < section.length) {
      literals += section[++i];
    } else if (char === '[') {
      const end = section.indexOf(']', i + 1);
      const inner = section.slice(i + 1, end < 0 ? undefined : end);
      const currency = /^\$([^-\]]*)/.exec(inner);
      if (currency) literals += currency[1];
      i = end < 0 ? section.length : end;
    } else if (char === '_' || char === '*') {
      i++;
    } else tokens += char;
  }
  return { literals, tokens };
}

/** Characters Excel shows as themselves without quotes in a Japanese locale's formats. */
const BARE_LITERALS = /[円¥￥年月日時分秒]/g;

/** A sheet uses a handful of formats over many cells: each is read once. */
const readFormats = new Map<string, NumberFormat>();

export function readNumberFormat(code: string | undefined): NumberFormat {
  const format = code ?? 'General';
  let read = readFormats.get(format);
  if (!read) {
    read = interpret(format);
    if (readFormats.size < 10_000) readFormats.set(format, read);
  }
  return read;
}

function interpret(format: string): NumberFormat {
  // Japanese Excel writes General as G/標準 inside custom formats (G/標準"千円"); LibreOffice saves that as g/"標準千円".
  const section = firstSection(format).replace(/G\/"標準/gi, 'General"').replace(/G\/標準/gi, 'General');
  const { literals, tokens } = splitLiterals(section);
  const bare = (tokens.match(BARE_LITERALS) ?? []).join('');
  const letters = tokens.replace(BARE_LITERALS, '');
  const isGeneral = /^general$/i.test(letters.trim()) || format.trim() === '';
  const placeholders = letters.replace(/general/gi, '0');
  const isScientific = /[eE][+-]/.test(placeholders);
  // y m d (and h s), g (era name) and e (era year, when not an exponent) make a date.
  const isDate = /[ymdhsge]/i.test(placeholders.replace(/[eE][+-]/g, ''));
  const isPercent = !isDate && placeholders.includes('%');
  let unit: Unit | null = null;
  if (!isDate && !isPercent) {
    const named = `${literals}${bare}`.replace(/\s+/g, '');
    const money = /(百万|千万|十万|億|万|千)?円|[¥￥]/.exec(named);
    const shown = money ? parseUnit(money[0]) : null;
    if (shown) {
      // Each comma after the last digit placeholder divides what is shown by 1,000.
      const scaling = /[0#?](,+)[^0#?]*$/.exec(placeholders);
      const commas = scaling ? scaling[1].length : 0;
      unit = { text: shown.text, exponent: shown.exponent - 3 * commas, base: shown.base };
    }
  }
  return { code: format, isDate, isPercent, isScientific, isGeneral, unit };
}

/** Excel's display of a large number in General format or a scientific format: 1.23457E+12. */
export function scientificDisplay(value: number, format: NumberFormat): string {
  const decimals = format.isScientific ? (/\.([0#]+)[eE]/.exec(format.code)?.[1].length ?? 0) : 5;
  const [mantissa, exponent] = value.toExponential(decimals).split('e');
  const power = Number(exponent);
  return `${mantissa}E${power < 0 ? '-' : '+'}${String(Math.abs(power)).padStart(2, '0')}`;
}
