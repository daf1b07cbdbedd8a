/**
 * zod building blocks for fields that arrive as CSV text.
 */
import { z } from 'zod';
import { corporateNumberProblem } from './corporate-number.js';

const trimmed = z.string().transform((value) => value.trim());

export const requiredText = trimmed.pipe(z.string().min(1, 'is empty'));

export const integerField = (options: { min?: number; max?: number } = {}) =>
  trimmed.pipe(
    z
      .string()
      .min(1, 'is empty')
      .regex(/^-?\d+$/, 'is not a whole number')
      .transform(Number)
      .pipe(
        z
          .number()
          .min(options.min ?? Number.MIN_SAFE_INTEGER, `is below ${options.min}`)
          .max(options.max ?? Number.MAX_SAFE_INTEGER, `is above ${options.max}`),
      ),
  );

export const numberField = (options: { min?: number } = {}) =>
  trimmed.pipe(
    z
      .string()
      .min(1, 'is empty')
      .regex(/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, 'is not a number')
      .transform(Number)
      .pipe(z.number().finite().min(options.min ?? -Infinity, `is below ${options.min}`)),
  );

export const optionalIntegerField = (options: { min?: number; max?: number } = {}) =>
  trimmed.pipe(z.union([z.literal('').transform(() => null), integerField(options)]));

export const isoDateField = trimmed.pipe(
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'is not a date in YYYY-MM-DD form')
    .refine((value) => {
      const date = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
    }, 'is not a calendar date'),
);

export const booleanField = trimmed.pipe(
  z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'y', 'n'], { message: 'is not true/false' }))
    .transform((value) => ['true', '1', 'yes', 'y'].includes(value)),
);

export const corporateNumberField = trimmed.superRefine((value, context) => {
  const problem = corporateNumberProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem.message, params: { reason: `corporate_number_${problem.kind}` } });
});
