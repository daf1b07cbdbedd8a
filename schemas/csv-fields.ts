/**
 * zod building blocks for fields that arrive as text from CSV files and spreadsheets. Every field is
 * NFKC-normalised first (full-width digits and letters), and the Japanese formats that application
 * systems produce (和暦 dates, yen with units, prefecture names) are accepted and normalised.
 */
import { z } from 'zod';
import { normaliseText, parseJapaneseDate, parseYenAmount, prefectureCode, type Normalised } from '../ingest/normalise.js';
import { corporateNumberProblem } from './corporate-number.js';

const normalised = z.string().transform(normaliseText);

export const requiredText = normalised.pipe(z.string().min(1, 'is empty'));

/** A field parsed by one of the normalisers; a failure becomes an issue carrying the normaliser's reason code. */
function normalisedBy<T>(parse: (raw: string) => Normalised<T>) {
  return z.string().transform((raw, context) => {
    const result = parse(raw);
    if (result.ok) return result.value;
    context.addIssue({ code: 'custom', message: result.message, params: { reason: result.reason } });
    return z.NEVER;
  });
}

/** Whole numbers; thousands separators are allowed (1,200). */
export const integerField = (options: { min?: number; max?: number } = {}) =>
  normalised.pipe(
    z
      .string()
      .min(1, 'is empty')
      .transform((value) => value.replace(/,/g, ''))
      .pipe(z.string().regex(/^-?\d+$/, 'is not a whole number'))
      .transform(Number)
      .pipe(
        z
          .number()
          .min(options.min ?? Number.MIN_SAFE_INTEGER, `is below ${options.min}`)
          .max(options.max ?? Number.MAX_SAFE_INTEGER, `is above ${options.max}`),
      ),
  );

export const numberField = (options: { min?: number } = {}) =>
  normalised.pipe(
    z
      .string()
      .min(1, 'is empty')
      .transform((value) => value.replace(/,/g, ''))
      .pipe(z.string().regex(/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, 'is not a number'))
      .transform(Number)
      .pipe(z.number().finite().min(options.min ?? -Infinity, `is below ${options.min}`)),
  );

export const optionalIntegerField = (options: { min?: number; max?: number } = {}) =>
  normalised.pipe(z.union([z.literal('').transform(() => null), integerField(options)]));

export const japaneseDateField = normalisedBy(parseJapaneseDate);

export const yenField = normalisedBy(parseYenAmount);

export const optionalYenField = normalised.pipe(z.union([z.literal('').transform(() => null), yenField]));

export const prefectureField = normalisedBy(prefectureCode);

const TRUE_WORDS = ['true', '1', 'yes', 'y', 'はい', '同意', '同意する', '有'];
const FALSE_WORDS = ['false', '0', 'no', 'n', 'いいえ', '不同意', '同意しない', '無'];

export const booleanField = normalised.transform((value, context) => {
  const word = value.toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  context.addIssue({ code: 'custom', message: `"${value}" is not true/false (or はい/いいえ, 同意/不同意)`, params: { reason: 'invalid_boolean' } });
  return z.NEVER;
});

/** 法人番号 typed by hand: full-width digits, spaces and hyphens are folded away before the check digit is checked. */
export const corporateNumberField = normalised
  .transform((value) => value.replace(/[\s-]/g, ''))
  .superRefine((value, context) => {
    const problem = corporateNumberProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem.message, params: { reason: `corporate_number_${problem.kind}` } });
  });
