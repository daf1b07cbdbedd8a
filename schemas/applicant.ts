/**
 * One row of an applicant file: an application to one call round, awarded or rejected.
 */
import { z } from 'zod';
import {
  booleanField,
  corporateNumberField,
  integerField,
  isoDateField,
  optionalIntegerField,
  requiredText,
} from './csv-fields.js';

export const JSIC_MAJOR_DIVISIONS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T'] as const;

export const applicantRowSchema = z
  .object({
    corporate_number: corporateNumberField,
    firm_name: requiredText,
    call_round: integerField({ min: 1, max: 99 }),
    application_date: isoDateField,
    decision: requiredText.pipe(z.enum(['awarded', 'rejected'], { message: 'must be "awarded" or "rejected"' })),
    award_fiscal_year: optionalIntegerField({ min: 1990, max: 2100 }),
    subsidy_amount_yen: optionalIntegerField({ min: 0 }),
    requested_amount_yen: integerField({ min: 1 }),
    industry_code: requiredText.pipe(z.enum(JSIC_MAJOR_DIVISIONS, { message: 'is not a JSIC major division letter (A–T)' })),
    prefecture_code: requiredText.pipe(z.string().regex(/^(0[1-9]|[1-3]\d|4[0-7])$/, 'is not a JIS prefecture code 01–47')),
    employees: integerField({ min: 0 }),
    consent: booleanField,
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
export const APPLICANT_COLUMNS = Object.keys(applicantRowSchema.shape) as (keyof ApplicantRow)[];
export const applicantKey = (row: ApplicantRow): string => `${row.corporate_number}#${row.call_round}`;
