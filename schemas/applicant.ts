/**
 * One row of an applicant file: an application to one call round, awarded or rejected.
 */
import { z } from 'zod';
import {
  booleanField,
  corporateNumberField,
  integerField,
  japaneseDateField,
  optionalIntegerField,
  optionalYenField,
  prefectureField,
  requiredText,
  yenField,
} from './csv-fields.js';

export const JSIC_MAJOR_DIVISIONS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T'] as const;

const DECISION_WORDS: Readonly<Record<string, string>> = { 採択: 'awarded', 不採択: 'rejected' };

/** Personal data an applicant file may carry: stored apart (restricted schema), and only with consent. */
export const PERSONAL_COLUMNS = ['representative_name', 'address', 'phone', 'email'] as const;
export type PersonalColumn = (typeof PERSONAL_COLUMNS)[number];

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined ? null : value.normalize('NFKC').trim() || null));

export const applicantRowSchema = z
  .object({
    corporate_number: corporateNumberField,
    firm_name: requiredText,
    call_round: integerField({ min: 1, max: 99 }),
    application_date: japaneseDateField,
    decision: requiredText
      .transform((value) => DECISION_WORDS[value.toLowerCase()] ?? value)
      .pipe(z.enum(['awarded', 'rejected'], { message: 'must be "awarded" or "rejected" (採択 / 不採択)' })),
    award_fiscal_year: optionalIntegerField({ min: 1990, max: 2100 }),
    subsidy_amount_yen: optionalYenField,
    requested_amount_yen: yenField.pipe(z.number().min(1, 'must be at least 1 yen')),
    industry_code: requiredText.transform((code) => code.toUpperCase()).pipe(z.enum(JSIC_MAJOR_DIVISIONS, { message: 'is not a JSIC major division letter (A–T)' })),
    prefecture_code: prefectureField,
    employees: integerField({ min: 0 }),
    consent: booleanField,
    representative_name: optionalText,
    address: optionalText,
    phone: optionalText,
    email: optionalText.pipe(z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'is not an e-mail address').nullable()),
  })
  .superRefine((row, context) => {
    if (row.decision === 'awarded' && row.award_fiscal_year === null)
      context.addIssue({ code: 'custom', path: ['award_fiscal_year'], message: 'is required for an awarded application' });
    if (row.decision === 'awarded' && row.subsidy_amount_yen === null)
      context.addIssue({ code: 'custom', path: ['subsidy_amount_yen'], message: 'is required for an awarded application' });
    if (row.decision === 'rejected' && row.award_fiscal_year !== null)
      context.addIssue({ code: 'custom', path: ['award_fiscal_year'], message: 'must be empty for a rejected application' });
  });

export type ApplicantRow = z.output<typeof applicantRowSchema>;
/** The columns every applicant file must have (the personal ones are optional). */
export const APPLICANT_COLUMNS = (Object.keys(applicantRowSchema.shape) as (keyof ApplicantRow)[]).filter(
  (column): column is Exclude<keyof ApplicantRow, PersonalColumn> => !(PERSONAL_COLUMNS as readonly string[]).includes(column),
);
export const applicantKey = (row: ApplicantRow): string => `${row.corporate_number}#${row.call_round}`;
