/**
 * zod building blocks for fields that arrive as text from CSV files and spreadsheets. Every field is
 * NFKC-normalised first (full-width digits and letters), and the Japanese formats that application
 * systems produce (和暦 dates, yen with units, prefecture names) are accepted and normalised.
 *
 * Each kind of field is one reading: a function from the field's normalised text to its value or what is wrong
 * (`readings`). A field schema is one zod transform over one reading (textField), rather than a chain of pipes: a
 * million-row file passes through these sixteen million times, and each link of a chain costs as much as the parse.
 * The row schemas of the large files (applicants, outcomes) go one step further: one transform over the whole
 * record reads every field with these readings (record-schema.ts).
 */
import { z } from 'zod';
import { normaliseText, parseFiscalYear, parseJapaneseDate, parseYenAmount, prefectureCode } from '../ingest/validating/normalise.js';
import { corporateNumberProblem } from './corporate-number.js';
import { plainDecimalValue } from './decimal-text.js';
import { UNIT_ID_PATTERN } from './unit-of-analysis.js';

/**
 * What a field parser returns: the value, or what is wrong. A problem without a reason code is reported
 * as invalid_<column>.
 */
export type FieldResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string; readonly reason?: string };

/** How a kind of field is read from its text, once NFKC-normalised and trimmed. */
export type Reading<T> = (text: string) => FieldResult<T>;

const accept = <T>(value: T): FieldResult<T> => ({ ok: true, value });
const problem = (message: string, reason?: string): FieldResult<never> => ({ ok: false, message, reason });

/** A text field read by `parse` after NFKC normalisation and trimming. */
export function textField<T>(parse: Reading<T>) {
  return z.string().transform((raw, context) => {
    const result = parse(normaliseText(raw));
    if (result.ok) return result.value;
    context.addIssue({ code: 'custom', message: result.message, params: result.reason ? { reason: result.reason } : undefined });
    return z.NEVER;
  });
}

/** As textField, with an empty field read as null. */
export function optionalTextField<T>(parse: Reading<T>) {
  return textField(orNull(parse));
}

/** The reading with an empty field read as null. */
function orNull<T>(parse: Reading<T>): Reading<T | null> {
  return (text) => (text === '' ? accept(null) : parse(text));
}

const nonEmpty: Reading<string> = (text) => (text === '' ? problem('is empty') : accept(text));

function integerIn(options: { min?: number; max?: number }): Reading<number> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return (text) => {
    if (text === '') return problem('is empty');
    const digits = text.includes(',') ? text.replace(/,/g, '') : text;
    if (!/^-?\d+$/.test(digits)) return problem('is not a whole number');
    const value = Number(digits);
    if (value < min) return problem(`is below ${options.min}`);
    if (value > max) return problem(`is above ${options.max}`);
    return accept(value);
  };
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function finiteNumber(options: { min?: number }): Reading<number> {
  return (text) => {
    if (text === '') return problem('is empty');
    // Most numbers are plain decimals (690.6), read by hand as Number reads them; the rest by the pattern and Number.
    let value = plainDecimalValue(text);
    if (value === undefined) {
      const digits = text.includes(',') ? text.replace(/,/g, '') : text;
      if (!NUMBER.test(digits)) return problem('is not a number');
      value = Number(digits);
    }
    if (!Number.isFinite(value)) return problem('is not a finite number');
    if (options.min !== undefined && value < options.min) return problem(`is below ${options.min}`);
    return accept(value);
  };
}

/** Normalisers from ingest/validating/normalise.ts report their own reason codes. */
const withReason =
  <T>(parse: (raw: string) => { ok: true; value: T } | { ok: false; reason: string; message: string }): Reading<T> =>
  (text) => {
    const result = parse(text);
    return result.ok ? result : problem(result.message, result.reason);
  };

/** A fiscal year written as 2021, 2021年度, FY2021, 令和3年度 or R3, within [min, max]. */
function fiscalYearIn(options: { min: number; max: number }): Reading<number> {
  return (text) => {
    const result = parseFiscalYear(text);
    // Reported as invalid_<column>, as any other malformed value of the column.
    if (!result.ok) return problem(result.message);
    if (result.value < options.min) return problem(`is below ${options.min}`);
    if (result.value > options.max) return problem(`is above ${options.max}`);
    return result;
  };
}

const FISCAL_YEARS = { min: 1990, max: 2100 };

const yenAmount = withReason(parseYenAmount);

const BOOLEAN_WORDS = new Map<string, boolean>([
  ...['true', '1', 'yes', 'y', 'はい', '同意', '同意する', '有'].map((word) => [word, true] as const),
  ...['false', '0', 'no', 'n', 'いいえ', '不同意', '同意しない', '無'].map((word) => [word, false] as const),
]);

function readCorporateNumber(text: string): FieldResult<string> {
  const digits = text.replace(/[\s-]/g, '');
  const found = corporateNumberProblem(digits);
  return found ? problem(found.message, `corporate_number_${found.kind}`) : accept(digits);
}

/**
 * The last 法人番号 read and what it gave. A follow-up file lists a firm's years one after another, so most of its
 * rows repeat the number of the row before, and the reading is a pure function of the text.
 */
let lastCorporateNumber: { readonly text: string; readonly result: FieldResult<string> } | null = null;

/** A declared outcome measure's rules (programmes/file-declaration.ts). */
interface MeasureRule {
  readonly type: 'number' | 'integer';
  readonly min?: number;
  readonly max?: number;
  readonly required: boolean;
}

const NOT_AN_ID = 'is not an id (letters, digits and - _ ., at most 64)';

/** Every kind of field, as its reading; a field schema is one of these under textField. */
export const readings = {
  nonEmpty,
  /** Any text; empty is null. */
  optionalText: orNull(accept<string>),
  /** Whole numbers; thousands separators are allowed (1,200). */
  integer: (options: { min?: number; max?: number } = {}) => integerIn(options),
  number: (options: { min?: number } = {}) => finiteNumber(options),
  optionalNumber: (options: { min?: number } = {}) => orNull(finiteNumber(options)),
  japaneseDate: withReason(parseJapaneseDate),
  fiscalYear: (options: { min: number; max: number } = FISCAL_YEARS) => fiscalYearIn(options),
  optionalFiscalYear: (options: { min: number; max: number } = FISCAL_YEARS) => orNull(fiscalYearIn(options)),
  yen: yenAmount,
  optionalYen: orNull(yenAmount),
  /** Yen of at least `min`. */
  yenAtLeast:
    (min: number): Reading<number> =>
    (text) => {
      const result = yenAmount(text);
      return result.ok && result.value < min ? problem(`must be at least ${min} yen`) : result;
    },
  prefecture: withReason(prefectureCode),
  boolean: ((text) => {
    const value = BOOLEAN_WORDS.get(text.toLowerCase());
    return value === undefined ? problem(`"${text}" is not true/false (or はい/いいえ, 同意/不同意)`, 'invalid_boolean') : accept(value);
  }) satisfies Reading<boolean>,
  /** A value from a fixed list, after `fold` (e.g. upper-casing, or a Japanese word to its code). */
  oneOf:
    <const Value extends string>(values: readonly Value[], message: string, fold: (text: string) => string = (text) => text): Reading<Value> =>
    (text) => {
      const folded = fold(text);
      return (values as readonly string[]).includes(folded) ? accept(folded as Value) : problem(text === '' ? 'is empty' : message);
    },
  /** 法人番号 typed by hand: full-width digits, spaces and hyphens are folded away before the check digit is checked. */
  corporateNumber: ((text) => {
    if (lastCorporateNumber?.text !== text) lastCorporateNumber = { text, result: readCorporateNumber(text) };
    return lastCorporateNumber.result;
  }) satisfies Reading<string>,
  /** 法人番号 separated by ; , 、 or spaces, each check digit verified; empty is an empty list. */
  corporateNumberList: ((text) => {
    if (text === '') return accept([]);
    const numbers: string[] = [];
    for (const part of text.split(/[;,、，\s]+/).filter((piece) => piece !== '')) {
      const digits = part.replace(/-/g, '');
      const found = corporateNumberProblem(digits);
      if (found) return problem(`"${part}" ${found.message}`, `corporate_number_${found.kind}`);
      numbers.push(digits);
    }
    return accept(numbers);
  }) satisfies Reading<string[]>,
  /** A declared outcome measure: a number (or whole number) within its range; empty only when not required. */
  measure: (measure: MeasureRule): Reading<number | null> => {
    // Its bounds after the whole-number check, as before: finiteNumber only reads the number.
    const number = finiteNumber({});
    return (text) => {
      if (text === '') return measure.required ? problem('is empty') : accept(null);
      const result = number(text);
      if (!result.ok) return result;
      const value = result.value;
      if (measure.type === 'integer' && !Number.isInteger(value)) return problem('is not a whole number');
      if (measure.min !== undefined && value < measure.min) return problem(`is below ${measure.min}`);
      if (measure.max !== undefined && value > measure.max) return problem(`is above ${measure.max}`);
      return result;
    };
  },
  /** A project or site id as the application system issues it. */
  unitId: ((text) => (text === '' ? problem('is empty') : UNIT_ID_PATTERN.test(text) ? accept(text) : problem(NOT_AN_ID, 'invalid_unit_id'))) satisfies Reading<string>,
  optionalUnitId: orNull<string>((text) => (UNIT_ID_PATTERN.test(text) ? accept(text) : problem(NOT_AN_ID, 'invalid_unit_id'))),
};

/** The field schemas of the small files (statistics); the large files' row schemas read `readings` in one transform. */
export const requiredText = textField(readings.nonEmpty);
export const numberField = (options: { min?: number } = {}) => textField(readings.number(options));
export const fiscalYearField = (options: { min: number; max: number } = FISCAL_YEARS) => textField(readings.fiscalYear(options));
