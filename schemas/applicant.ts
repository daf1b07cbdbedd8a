/**
 * One row of an applicant file: an application to one call round, awarded or rejected.
 */
import { z } from 'zod';
import { FIELD_FAILED, readField, readings, recordSchema, type FieldReader, type Reading } from './csv-fields.js';
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
 * The fields in the order their problems are reported. Optional ones may be absent from the file (personal, unit and
 * review-score columns): then null, or no consortium members.
 */
const APPLICANT_READERS = [
  { name: 'corporate_number', parse: readings.corporateNumber },
  { name: 'firm_name', parse: readings.nonEmpty },
  { name: 'call_round', parse: readings.integer({ min: 1, max: 99 }) },
  { name: 'application_date', parse: readings.japaneseDate },
  { name: 'decision', parse: readings.oneOf(['awarded', 'rejected'], 'must be "awarded" or "rejected" (採択 / 不採択)', (text) => DECISION_WORDS[text] ?? text.toLowerCase()) },
  { name: 'award_fiscal_year', parse: readings.optionalFiscalYear() },
  { name: 'subsidy_amount_yen', parse: readings.optionalYen },
  { name: 'requested_amount_yen', parse: readings.yenAtLeast(1) },
  { name: 'industry_code', parse: readings.oneOf(JSIC_MAJOR_DIVISIONS, 'is not a JSIC major division letter (A–T)', (text) => text.toUpperCase()) },
  { name: 'prefecture_code', parse: readings.prefecture },
  // Stored in an integer column: a larger count would fail the batch's COPY instead of quarantining the row.
  { name: 'employees', parse: readings.integer({ min: 0, max: INTEGER_COLUMN_MAX }) },
  { name: 'consent', parse: readings.boolean },
  { name: 'review_score', parse: readings.optionalNumber(), optional: true },
  { name: 'project_id', parse: readings.optionalUnitId, optional: true },
  { name: 'site_id', parse: readings.optionalUnitId, optional: true },
  { name: 'consortium_members', parse: readings.corporateNumberList, optional: true },
  { name: 'site_kind', parse: siteKind, optional: true },
  { name: 'representative_name', parse: readings.optionalText, optional: true },
  { name: 'address', parse: readings.optionalText, optional: true },
  { name: 'phone', parse: readings.optionalText, optional: true },
  { name: 'email', parse: email, optional: true },
] as const satisfies readonly (FieldReader<unknown> & { readonly name: keyof ApplicantRow })[];

/** Every field of an applicant file, in the order of the schema. */
export const APPLICANT_FIELDS: readonly (keyof ApplicantRow)[] = APPLICANT_READERS.map((reader) => reader.name);

const [corporateNumber, firmName, callRound, applicationDate, decision, awardYear, subsidy, requested, industry, prefecture, employees, consent, reviewScore, projectId, siteId, members, kind, representative, address, phone, mail] =
  APPLICANT_READERS;

/**
 * One application, read in one transform over the record (csv-fields.ts, recordSchema): every field's problem is
 * reported; the checks across fields run only on a record whose fields all read.
 */
export const applicantRowSchema = recordSchema((raw, issues): ApplicantRow => {
  // Field by field into an object literal, not a loop over the readers: each call then reads one kind of field, and
  // the row has one shape from its creation (a loop was slower than the z.object it replaced).
  const row = {
    corporate_number: readField(raw, corporateNumber, issues),
    firm_name: readField(raw, firmName, issues),
    call_round: readField(raw, callRound, issues),
    application_date: readField(raw, applicationDate, issues),
    decision: readField(raw, decision, issues),
    award_fiscal_year: readField(raw, awardYear, issues),
    subsidy_amount_yen: readField(raw, subsidy, issues),
    requested_amount_yen: readField(raw, requested, issues),
    industry_code: readField(raw, industry, issues),
    prefecture_code: readField(raw, prefecture, issues),
    employees: readField(raw, employees, issues),
    consent: readField(raw, consent, issues),
    review_score: readField(raw, reviewScore, issues) ?? null,
    project_id: readField(raw, projectId, issues) ?? null,
    site_id: readField(raw, siteId, issues) ?? null,
    consortium_members: readField(raw, members, issues) ?? [],
    site_kind: readField(raw, kind, issues) ?? null,
    representative_name: readField(raw, representative, issues) ?? null,
    address: readField(raw, address, issues) ?? null,
    phone: readField(raw, phone, issues) ?? null,
    email: readField(raw, mail, issues) ?? null,
  } satisfies Record<keyof ApplicantRow, unknown>;
  for (const name in row) if (row[name as keyof typeof row] === FIELD_FAILED) return z.NEVER;
  const read = row as ApplicantRow;
  let crossFailed = false;
  const refuse = (path: keyof ApplicantRow, message: string) => {
    issues.addIssue({ code: 'custom', path: [path], message });
    crossFailed = true;
  };
  if (read.decision === 'awarded' && read.award_fiscal_year === null) refuse('award_fiscal_year', 'is required for an awarded application');
  if (read.decision === 'awarded' && read.subsidy_amount_yen === null) refuse('subsidy_amount_yen', 'is required for an awarded application');
  if (read.decision === 'rejected' && read.award_fiscal_year !== null) refuse('award_fiscal_year', 'must be empty for a rejected application');
  return crossFailed ? z.NEVER : read;
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
