/**
 * One row of an applicant file: an application to one call round, awarded or rejected.
 */
import { z } from 'zod';
import {
  booleanField,
  corporateNumberField,
  corporateNumberListField,
  optionalUnitIdField,
  integerField,
  japaneseDateField,
  oneOfField,
  optionalFiscalYearField,
  optionalNumberField,
  optionalText,
  optionalTextField,
  optionalYenField,
  prefectureField,
  requiredText,
  yenAtLeastField,
} from './csv-fields.js';
import { INTEGER_COLUMN_MAX } from './column-limits.js';

export const JSIC_MAJOR_DIVISIONS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T'] as const;

const DECISION_WORDS: Readonly<Record<string, string>> = { 採択: 'awarded', 不採択: 'rejected' };

export const SITE_KINDS = ['quick_charger', 'normal_charger', 'hydrogen_station'] as const;
const SITE_KIND_WORDS: Readonly<Record<string, string>> = { 急速充電器: 'quick_charger', 普通充電器: 'normal_charger', 水素ステーション: 'hydrogen_station' };

/** Columns that only project or site programmes use; their catalogue entries make them required there. */
export const UNIT_COLUMNS = ['project_id', 'site_id', 'consortium_members', 'site_kind'] as const;

/** Personal data an applicant file may carry: stored apart (restricted schema), and only with consent. */
export const PERSONAL_COLUMNS = ['representative_name', 'address', 'phone', 'email'] as const;
export type PersonalColumn = (typeof PERSONAL_COLUMNS)[number];

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** A file without the personal columns is fine: they are optional. */
const personalText = optionalText.optional().transform((value) => value ?? null);

export const applicantRowSchema = z
  .object({
    corporate_number: corporateNumberField,
    firm_name: requiredText,
    call_round: integerField({ min: 1, max: 99 }),
    application_date: japaneseDateField,
    decision: oneOfField(['awarded', 'rejected'], 'must be "awarded" or "rejected" (採択 / 不採択)', (text) => DECISION_WORDS[text] ?? text.toLowerCase()),
    award_fiscal_year: optionalFiscalYearField(),
    subsidy_amount_yen: optionalYenField,
    requested_amount_yen: yenAtLeastField(1),
    industry_code: oneOfField(JSIC_MAJOR_DIVISIONS, 'is not a JSIC major division letter (A–T)', (text) => text.toUpperCase()),
    prefecture_code: prefectureField,
    // Stored in an integer column: a larger count would fail the batch's COPY instead of quarantining the row.
    employees: integerField({ min: 0, max: INTEGER_COLUMN_MAX }),
    consent: booleanField,
    /** The application's review score, for programmes that award above a cut-off (optional: other programmes do not score). */
    review_score: optionalNumberField().optional().transform((value) => value ?? null),
    project_id: optionalUnitIdField.optional().transform((value) => value ?? null),
    site_id: optionalUnitIdField.optional().transform((value) => value ?? null),
    consortium_members: corporateNumberListField.optional().transform((value) => value ?? []),
    site_kind: optionalTextField((text) => {
      const kind = SITE_KIND_WORDS[text] ?? text.toLowerCase();
      return (SITE_KINDS as readonly string[]).includes(kind) ? { ok: true, value: kind } : { ok: false, message: `is not a site kind (${SITE_KINDS.join(', ')}; 急速充電器, 普通充電器, 水素ステーション)` };
    })
      .optional()
      .transform((value) => value ?? null),
    representative_name: personalText,
    address: personalText,
    phone: personalText,
    email: optionalTextField((text) => (EMAIL.test(text) ? { ok: true, value: text } : { ok: false, message: 'is not an e-mail address' })).optional().transform((value) => value ?? null),
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
type OptionalColumn = PersonalColumn | (typeof UNIT_COLUMNS)[number] | 'review_score';
/** The columns every applicant file must have (personal and unit columns are optional here; a programme's catalogue entry may require them). */
export const APPLICANT_COLUMNS = (Object.keys(applicantRowSchema.shape) as (keyof ApplicantRow)[]).filter(
  (column): column is Exclude<keyof ApplicantRow, OptionalColumn> => !([...PERSONAL_COLUMNS, ...UNIT_COLUMNS, 'review_score'] as readonly string[]).includes(column),
);
/**
 * One application per firm and call round. The key is an exact integer (a 13-digit number × 100 plus a
 * round of at most 99 stays below 2^53): a million keys held as numbers cost a fraction of strings.
 */
export const applicantKey = (row: ApplicantRow): number => Number(row.corporate_number) * 100 + row.call_round;
export const describeApplicantKey = (row: ApplicantRow): string => `法人番号 ${row.corporate_number}, call round ${row.call_round}`;
