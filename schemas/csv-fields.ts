/**
 * zod building blocks for fields that arrive as text from CSV files and spreadsheets. Every field is
 * NFKC-normalised first (full-width digits and letters), and the Japanese formats that application
 * systems produce (和暦 dates, yen with units, prefecture names) are accepted and normalised.
 *
 * Each field is one zod transform over one parsing function rather than a chain of pipes: a million-row
 * file passes through these sixteen million times, and each link of a chain costs as much as the parse.
 */
import { z } from 'zod';
import { normaliseText, parseFiscalYear, parseJapaneseDate, parseYenAmount, prefectureCode } from '../ingest/validating/normalise.js';
import { corporateNumberProblem } from './corporate-number.js';
import { UNIT_ID_PATTERN } from './unit-of-analysis.js';

/**
 * What a field parser returns: the value, or what is wrong. A problem without a reason code is reported
 * as invalid_<column>.
 */
export type FieldResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string; readonly reason?: string };

const accept = <T>(value: T): FieldResult<T> => ({ ok: true, value });
const problem = (message: string, reason?: string): FieldResult<never> => ({ ok: false, message, reason });

/** A text field read by `parse` after NFKC normalisation and trimming. */
export function textField<T>(parse: (text: string) => FieldResult<T>) {
  return z.string().transform((raw, context) => {
    const result = parse(normaliseText(raw));
    if (result.ok) return result.value;
    context.addIssue({ code: 'custom', message: result.message, params: result.reason ? { reason: result.reason } : undefined });
    return z.NEVER;
  });
}

/** As textField, with an empty field read as null. */
export function optionalTextField<T>(parse: (text: string) => FieldResult<T>) {
  return textField((text) => (text === '' ? accept(null) : parse(text)));
}

const nonEmpty = (text: string): FieldResult<string> => (text === '' ? problem('is empty') : accept(text));

export const requiredText = textField(nonEmpty);

export const optionalText = optionalTextField(accept);

function integerIn(options: { min?: number; max?: number }) {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return (text: string): FieldResult<number> => {
    if (text === '') return problem('is empty');
    const digits = text.includes(',') ? text.replace(/,/g, '') : text;
    if (!/^-?\d+$/.test(digits)) return problem('is not a whole number');
    const value = Number(digits);
    if (value < min) return problem(`is below ${options.min}`);
    if (value > max) return problem(`is above ${options.max}`);
    return accept(value);
  };
}

/** Whole numbers; thousands separators are allowed (1,200). */
export const integerField = (options: { min?: number; max?: number } = {}) => textField(integerIn(options));

export const optionalIntegerField = (options: { min?: number; max?: number } = {}) => optionalTextField(integerIn(options));

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function finiteNumber(options: { min?: number }) {
  return (text: string): FieldResult<number> => {
    if (text === '') return problem('is empty');
    const digits = text.includes(',') ? text.replace(/,/g, '') : text;
    if (!NUMBER.test(digits)) return problem('is not a number');
    const value = Number(digits);
    if (!Number.isFinite(value)) return problem('is not a finite number');
    if (options.min !== undefined && value < options.min) return problem(`is below ${options.min}`);
    return accept(value);
  };
}

export const numberField = (options: { min?: number } = {}) => textField(finiteNumber(options));

export const optionalNumberField = (options: { min?: number } = {}) => optionalTextField(finiteNumber(options));

/** Normalisers from ingest/validating/normalise.ts report their own reason codes. */
const withReason =
  <T>(parse: (raw: string) => { ok: true; value: T } | { ok: false; reason: string; message: string }) =>
  (text: string): FieldResult<T> => {
    const result = parse(text);
    return result.ok ? result : problem(result.message, result.reason);
  };

export const japaneseDateField = textField(withReason(parseJapaneseDate));

/** A fiscal year written as 2021, 2021年度, FY2021, 令和3年度 or R3, within [min, max]. */
function fiscalYearIn(options: { min: number; max: number }) {
  return (text: string): FieldResult<number> => {
    const result = parseFiscalYear(text);
    // Reported as invalid_<column>, as any other malformed value of the column.
    if (!result.ok) return problem(result.message);
    if (result.value < options.min) return problem(`is below ${options.min}`);
    if (result.value > options.max) return problem(`is above ${options.max}`);
    return result;
  };
}

export const fiscalYearField = (options: { min: number; max: number } = { min: 1990, max: 2100 }) => textField(fiscalYearIn(options));

export const optionalFiscalYearField = (options: { min: number; max: number } = { min: 1990, max: 2100 }) => optionalTextField(fiscalYearIn(options));

export const yenField = textField(withReason(parseYenAmount));

/** Yen of at least `min`. */
export const yenAtLeastField = (min: number) =>
  textField((text) => {
    const result = withReason(parseYenAmount)(text);
    return result.ok && result.value < min ? problem(`must be at least ${min} yen`) : result;
  });

export const optionalYenField = optionalTextField(withReason(parseYenAmount));

export const prefectureField = textField(withReason(prefectureCode));

const BOOLEAN_WORDS = new Map<string, boolean>([
  ...['true', '1', 'yes', 'y', 'はい', '同意', '同意する', '有'].map((word) => [word, true] as const),
  ...['false', '0', 'no', 'n', 'いいえ', '不同意', '同意しない', '無'].map((word) => [word, false] as const),
]);

export const booleanField = textField((text) => {
  const value = BOOLEAN_WORDS.get(text.toLowerCase());
  return value === undefined ? problem(`"${text}" is not true/false (or はい/いいえ, 同意/不同意)`, 'invalid_boolean') : accept(value);
});

/** A value from a fixed list, after `fold` (e.g. upper-casing, or a Japanese word to its code). */
export const oneOfField = <const Value extends string>(values: readonly Value[], message: string, fold: (text: string) => string = (text) => text) =>
  textField((text): FieldResult<Value> => {
    const folded = fold(text);
    return (values as readonly string[]).includes(folded) ? accept(folded as Value) : problem(text === '' ? 'is empty' : message);
  });

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

/** 法人番号 typed by hand: full-width digits, spaces and hyphens are folded away before the check digit is checked. */
export const corporateNumberField = textField((text) => {
  if (lastCorporateNumber?.text !== text) lastCorporateNumber = { text, result: readCorporateNumber(text) };
  return lastCorporateNumber.result;
});

/** A declared outcome measure: a number (or whole number) within its range; empty only when not required. */
export const measureField = (measure: { readonly type: 'number' | 'integer'; readonly min?: number; readonly max?: number; readonly required: boolean }) =>
  textField((text): FieldResult<number | null> => {
    if (text === '') return measure.required ? problem('is empty') : accept(null);
    const digits = text.includes(',') ? text.replace(/,/g, '') : text;
    if (!NUMBER.test(digits)) return problem('is not a number');
    const value = Number(digits);
    if (!Number.isFinite(value)) return problem('is not a finite number');
    if (measure.type === 'integer' && !Number.isInteger(value)) return problem('is not a whole number');
    if (measure.min !== undefined && value < measure.min) return problem(`is below ${measure.min}`);
    if (measure.max !== undefined && value > measure.max) return problem(`is above ${measure.max}`);
    return accept(value);
  });

/** A project or site id as the application system issues it. */
export const unitIdField = textField((text) =>
  text === '' ? problem('is empty') : UNIT_ID_PATTERN.test(text) ? accept(text) : problem('is not an id (letters, digits and - _ ., at most 64)', 'invalid_unit_id'),
);

export const optionalUnitIdField = optionalTextField((text) =>
  UNIT_ID_PATTERN.test(text) ? accept(text) : problem('is not an id (letters, digits and - _ ., at most 64)', 'invalid_unit_id'),
);

/** 法人番号 separated by ; , 、 or spaces, each check digit verified; empty is an empty list. */
export const corporateNumberListField = textField((text): FieldResult<string[]> => {
  if (text === '') return accept([]);
  const numbers: string[] = [];
  for (const part of text.split(/[;,、，\s]+/).filter((piece) => piece !== '')) {
    const digits = part.replace(/-/g, '');
    const found = corporateNumberProblem(digits);
    if (found) return problem(`"${part}" ${found.message}`, `corporate_number_${found.kind}`);
    numbers.push(digits);
  }
  return accept(numbers);
});
