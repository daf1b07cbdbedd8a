/**
 * One row of an applicant file: an application to one call round, awarded or rejected.
 */
import { z } from 'zod';
import { readings, type Reading } from './csv-fields.js';
import { FIELD_FAILED, readField, recordSchema, type FieldReader } from './record-schema.js';
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

export interface ApplicantRow {
  readonly corporate_number: string;
  readonly firm_name: string;
  readonly call_round: number;
  /** ISO date (YYYY-MM-DD). */
  readonly application_date: string;
  readonly decision: 'awarded' | 'rejected';
  readonly award_fiscal_year: number | null;
  readonly subsidy_amount_yen: number | null;
  readonly requested_amount_yen: number;
  readonly industry_code: (typeof JSIC_MAJOR_DIVISIONS)[number];
  readonly prefecture_code: string;
  readonly employees: number;
  readonly consent: boolean;
  /** The application's review score, for programmes that award above a cut-off (optional: other programmes do not score). */
  readonly review_score: number | null;
  readonly project_id: string | null;
  readonly site_id: string | null;
  readonly consortium_members: string[];
  readonly site_kind: (typeof SITE_KINDS)[number] | null;
  readonly representative_name: string | null;
  readonly address: string | null;
  readonly phone: string | null;
  readonly email: string | null;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const siteKind: Reading<(typeof SITE_KINDS)[number] | null> = (text) => {
  if (text === '') return { ok: true, value: null };
  const kind = SITE_KIND_WORDS[text] ?? text.toLowerCase();
  return (SITE_KINDS as readonly string[]).includes(kind)
    ? { ok: true, value: kind as (typeof SITE_KINDS)[number] }
    : { ok: false, message: `is not a site kind (${SITE_KINDS.join(', ')}; 急速充電器, 普通充電器, 水素ステーション)` };
};

const email: Reading<string | null> = (text) => (text === '' ? { ok: true, value: null } : EMAIL.test(text) ? { ok: true, value: text } : { ok: false, message: 'is not an e-mail address' });

/**
 * How each field is read, by its column. The optional ones may be absent from the file (personal, unit and
 * review-score columns): then null, or no consortium members. Each reader's name is its key and its value the row's
 * type for the field (checked by the `satisfies`).
 */
const READERS = {
  corporate_number: { name: 'corporate_number', parse: readings.corporateNumber },
  firm_name: { name: 'firm_name', parse: readings.nonEmpty },
  call_round: { name: 'call_round', parse: readings.integer({ min: 1, max: 99 }) },
  application_date: { name: 'application_date', parse: readings.japaneseDate },
  decision: { name: 'decision', parse: readings.oneOf(['awarded', 'rejected'], 'must be "awarded" or "rejected" (採択 / 不採択)', (text) => DECISION_WORDS[text] ?? text.toLowerCase()) },
  award_fiscal_year: { name: 'award_fiscal_year', parse: readings.optionalFiscalYear() },
  subsidy_amount_yen: { name: 'subsidy_amount_yen', parse: readings.optionalYen },
  requested_amount_yen: { name: 'requested_amount_yen', parse: readings.yenAtLeast(1) },
  industry_code: { name: 'industry_code', parse: readings.oneOf(JSIC_MAJOR_DIVISIONS, 'is not a JSIC major division letter (A–T)', (text) => text.toUpperCase()) },
  prefecture_code: { name: 'prefecture_code', parse: readings.prefecture },
  // Stored in an integer column: a larger count would fail the batch's COPY instead of quarantining the row.
  employees: { name: 'employees', parse: readings.integer({ min: 0, max: INTEGER_COLUMN_MAX }) },
  consent: { name: 'consent', parse: readings.boolean },
  review_score: { name: 'review_score', parse: readings.optionalNumber(), optional: true },
  project_id: { name: 'project_id', parse: readings.optionalUnitId, optional: true },
  site_id: { name: 'site_id', parse: readings.optionalUnitId, optional: true },
  consortium_members: { name: 'consortium_members', parse: readings.corporateNumberList, optional: true },
  site_kind: { name: 'site_kind', parse: siteKind, optional: true },
  representative_name: { name: 'representative_name', parse: readings.optionalText, optional: true },
  address: { name: 'address', parse: readings.optionalText, optional: true },
  phone: { name: 'phone', parse: readings.optionalText, optional: true },
  email: { name: 'email', parse: email, optional: true },
} as const satisfies { readonly [Field in keyof ApplicantRow]: FieldReader<ApplicantRow[Field]> & { readonly name: Field } };

/** Every field of an applicant file, in the order of the schema. */
export const APPLICANT_FIELDS = Object.keys(READERS) as (keyof ApplicantRow)[];

/** A row being read: each field's value, or FIELD_FAILED where its problem was reported. */
type ReadingRow = { [Field in keyof ApplicantRow]: ApplicantRow[Field] | typeof FIELD_FAILED };

/**
 * One application, read in one transform over the record (record-schema.ts). Every field's problem is reported, in
 * the order of the object below (that of the z.object it replaced); the checks across fields run only on a record
 * whose fields all read, as a z.object's refinements do.
 */
export const applicantRowSchema = recordSchema((raw, issues): ApplicantRow => {
  // Field by field into an object literal, not a loop over the readers: each call then reads one kind of field, and
  // the row has one shape from its creation (a loop was slower than the z.object it replaced).
  const row: ReadingRow = {
    corporate_number: readField(raw, READERS.corporate_number, issues),
    firm_name: readField(raw, READERS.firm_name, issues),
    call_round: readField(raw, READERS.call_round, issues),
    application_date: readField(raw, READERS.application_date, issues),
    decision: readField(raw, READERS.decision, issues),
    award_fiscal_year: readField(raw, READERS.award_fiscal_year, issues),
    subsidy_amount_yen: readField(raw, READERS.subsidy_amount_yen, issues),
    requested_amount_yen: readField(raw, READERS.requested_amount_yen, issues),
    industry_code: readField(raw, READERS.industry_code, issues),
    prefecture_code: readField(raw, READERS.prefecture_code, issues),
    employees: readField(raw, READERS.employees, issues),
    consent: readField(raw, READERS.consent, issues),
    review_score: readField(raw, READERS.review_score, issues) ?? null,
    project_id: readField(raw, READERS.project_id, issues) ?? null,
    site_id: readField(raw, READERS.site_id, issues) ?? null,
    consortium_members: readField(raw, READERS.consortium_members, issues) ?? [],
    site_kind: readField(raw, READERS.site_kind, issues) ?? null,
    representative_name: readField(raw, READERS.representative_name, issues) ?? null,
    address: readField(raw, READERS.address, issues) ?? null,
    phone: readField(raw, READERS.phone, issues) ?? null,
    email: readField(raw, READERS.email, issues) ?? null,
  };
  if (Object.values(row).includes(FIELD_FAILED)) return z.NEVER;
  // Every field read: the row as it will be stored.
  const application = row as ApplicantRow;
  let consistent = true;
  const refuse = (path: keyof ApplicantRow, message: string) => {
    issues.addIssue({ code: 'custom', path: [path], message });
    consistent = false;
  };
  if (application.decision === 'awarded' && application.award_fiscal_year === null) refuse('award_fiscal_year', 'is required for an awarded application');
  if (application.decision === 'awarded' && application.subsidy_amount_yen === null) refuse('subsidy_amount_yen', 'is required for an awarded application');
  if (application.decision === 'rejected' && application.award_fiscal_year !== null) refuse('award_fiscal_year', 'must be empty for a rejected application');
  return consistent ? application : z.NEVER;
});

type OptionalColumn = PersonalColumn | (typeof UNIT_COLUMNS)[number] | 'review_score';
/** The columns every applicant file must have (personal and unit columns are optional here; a programme's catalogue entry may require them). */
export const APPLICANT_COLUMNS = APPLICANT_FIELDS.filter(
  (column): column is Exclude<keyof ApplicantRow, OptionalColumn> => !([...PERSONAL_COLUMNS, ...UNIT_COLUMNS, 'review_score'] as readonly string[]).includes(column),
);
/**
 * One application per firm and call round. The key is an exact integer (a 13-digit number × 100 plus a
 * round of at most 99 stays below 2^53): a million keys held as numbers cost a fraction of strings.
 */
export const applicantKey = (row: ApplicantRow): number => Number(row.corporate_number) * 100 + row.call_round;
export const describeApplicantKey = (row: ApplicantRow): string => `法人番号 ${row.corporate_number}, call round ${row.call_round}`;
