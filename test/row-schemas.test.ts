/**
 * The applicant and outcome row schemas read a record in one transform (schemas/record-schema.ts). They must read
 * every record as a z.object of field schemas (textField over each field's reading, schemas/csv-fields.ts) does: the
 * same values, and the same issues at the same paths, with the same messages and reasons, in the same order. The
 * z.object here, as the row schemas were written before (87c2a64), is the reference; the readings themselves are
 * pinned by their own tests (normalise, corporate numbers, validate-records, the ingest tests' reasons).
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listProgrammes } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';
import { applicantRowSchema, JSIC_MAJOR_DIVISIONS, SITE_KINDS } from '../schemas/applicant.js';
import { INTEGER_COLUMN_MAX } from '../schemas/column-limits.js';
import { optionalTextField, readings, textField } from '../schemas/csv-fields.js';
import { outcomeRowSchema } from '../schemas/outcome.js';
import { UNIT_KEY_COLUMNS } from '../schemas/unit-of-analysis.js';
import type { MeasureDeclaration } from '../programmes/file-declaration.js';
import { generateProgrammeData } from '../synth/programme-data.js';

const DECISION_WORDS: Readonly<Record<string, string>> = { 採択: 'awarded', 不採択: 'rejected' };
const SITE_KIND_WORDS: Readonly<Record<string, string>> = { 急速充電器: 'quick_charger', 普通充電器: 'normal_charger', 水素ステーション: 'hydrogen_station' };
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const personalText = textField(readings.optionalText).optional().transform((value) => value ?? null);

/** The applicant schema as a z.object of its fields, with its checks across fields. */
const referenceApplicantSchema = z
  .object({
    corporate_number: textField(readings.corporateNumber),
    firm_name: textField(readings.nonEmpty),
    call_round: textField(readings.integer({ min: 1, max: 99 })),
    application_date: textField(readings.japaneseDate),
    decision: textField(readings.oneOf(['awarded', 'rejected'], 'must be "awarded" or "rejected" (採択 / 不採択)', (text) => DECISION_WORDS[text] ?? text.toLowerCase())),
    award_fiscal_year: textField(readings.optionalFiscalYear()),
    subsidy_amount_yen: textField(readings.optionalYen),
    requested_amount_yen: textField(readings.yenAtLeast(1)),
    industry_code: textField(readings.oneOf(JSIC_MAJOR_DIVISIONS, 'is not a JSIC major division letter (A–T)', (text) => text.toUpperCase())),
    prefecture_code: textField(readings.prefecture),
    employees: textField(readings.integer({ min: 0, max: INTEGER_COLUMN_MAX })),
    consent: textField(readings.boolean),
    review_score: textField(readings.optionalNumber()).optional().transform((value) => value ?? null),
    project_id: textField(readings.optionalUnitId).optional().transform((value) => value ?? null),
    site_id: textField(readings.optionalUnitId).optional().transform((value) => value ?? null),
    consortium_members: textField(readings.corporateNumberList).optional().transform((value) => value ?? []),
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
    if (row.decision === 'awarded' && row.award_fiscal_year === null) context.addIssue({ code: 'custom', path: ['award_fiscal_year'], message: 'is required for an awarded application' });
    if (row.decision === 'awarded' && row.subsidy_amount_yen === null) context.addIssue({ code: 'custom', path: ['subsidy_amount_yen'], message: 'is required for an awarded application' });
    if (row.decision === 'rejected' && row.award_fiscal_year !== null) context.addIssue({ code: 'custom', path: ['award_fiscal_year'], message: 'must be empty for a rejected application' });
  });

/** The outcome schema as a z.object of its fields. */
function referenceOutcomeSchema(unit: keyof typeof UNIT_KEY_COLUMNS, measures: readonly MeasureDeclaration[]) {
  const key = UNIT_KEY_COLUMNS[unit];
  const shape: Record<string, z.ZodType<unknown, string | undefined>> = { [key]: textField(unit === 'firm' ? readings.corporateNumber : readings.unitId), fiscal_year: textField(readings.fiscalYear()) };
  for (const measure of measures) shape[measure.name] = measure.required ? textField(readings.measure(measure)) : textField(readings.measure(measure)).optional().transform((value) => value ?? null);
  return z.object(shape).transform((row) => ({
    unit_id: row[key],
    fiscal_year: row.fiscal_year,
    measures: Object.fromEntries(measures.map((measure) => [measure.name, row[measure.name]])),
  }));
}

/** What a validator takes from a parse: the value, or each issue's path, message and reason. */
function reading(result: { success: true; data: unknown } | { success: false; error: z.ZodError }) {
  if (result.success) return { value: result.data };
  return { issues: result.error.issues.map((issue) => ({ path: issue.path, message: issue.message, reason: issue.code === 'custom' ? (issue.params as { reason?: string } | undefined)?.reason : undefined })) };
}

/** Values that each field's reading treats differently: empty, padded, full-width, Japanese, malformed, out of range. */
const PROBES = ['', ' ', 'x', '0', '-1', '1', '99', '100', '１２', '2021', '令和3年度', 'R3', '1989', '2101', '3.5', '1,200', '1e3', '1e400', '-0', '.5', '2024-04-01', '令和6年4月1日', 'R6.4.1', '2024-02-30', '採択', '不採択', 'AWARDED', 'rejected', 'c', 'Z', '東京都', '13', 'はい', '同意しない', 'maybe', '1180301018771', '1180 3010 18771', '2180301018771', '1180301018771;7010001008844', 'ABC-123', 'a b', '急速充電器', 'hydrogen_station', 'someone@example.jp', 'not-an-email', '1,000万円', '34482000.0', '2147483648', '=1+1', '<script>'];

/**
 * Every record of the programmes' synthetic files (their deliberately invalid rows included), then each of the first
 * records with one field replaced by each probe, or taken out.
 */
function* recordsOf(csv: string, variants: number): Generator<Record<string, string>> {
  const records = parse(csv, { columns: true }) as Record<string, string>[];
  yield* records;
  for (const record of records.slice(0, variants)) {
    for (const column of Object.keys(record)) {
      for (const probe of PROBES) yield { ...record, [column]: probe };
      const { [column]: _left, ...without } = record;
      yield without;
    }
  }
}

/**
 * The applicant fields the checks across fields read, in every combination, with and without a field that fails on
 * its own: an application whose checks across fields fail, alone or beside a field's problem.
 */
function* crossFieldVariants(record: Record<string, string>): Generator<Record<string, string>> {
  for (const decision of ['awarded', 'rejected', '採択', 'maybe'])
    for (const award_fiscal_year of ['', '2021', 'R3', 'x'])
      for (const subsidy_amount_yen of ['', '5000000', 'x'])
        for (const firm_name of [record.firm_name, '']) yield { ...record, decision, award_fiscal_year, subsidy_amount_yen, firm_name };
}

/** Parses every record with both schemas and expects the same reading; counts the records and the rejected ones. */
function expectSameReadings(label: string, records: Iterable<Record<string, string>>, schema: z.ZodType, reference: z.ZodType, counts: { compared: number; rejected: number }): void {
  for (const record of records) {
    const expected = reading(reference.safeParse(record));
    expect(reading(schema.safeParse(record)), `${label}: ${JSON.stringify(record)}`).toStrictEqual(expected);
    counts.compared++;
    if (expected.issues) counts.rejected++;
  }
}

describe('the row schemas read in one transform', () => {
  it('read every applicant record as a z.object of their fields does: the same values, or the same issues in the same order', () => {
    const counts = { compared: 0, rejected: 0 };
    for (const programme of listProgrammes()) {
      const data = generateProgrammeData(programme.file, { seed: 5, applicants: 60, withInvalidRows: true });
      const first = (parse(data.applicantsCsv, { columns: true }) as Record<string, string>[])[0];
      expectSameReadings(programme.id, [...recordsOf(data.applicantsCsv, 3), ...crossFieldVariants(first)], applicantRowSchema, referenceApplicantSchema, counts);
    }
    // Many of each, so that a difference in either would show.
    expect(counts.compared).toBeGreaterThan(10_000);
    expect(counts.rejected).toBeGreaterThan(3_000);
    expect(counts.compared - counts.rejected).toBeGreaterThan(3_000);
  });

  it('read every outcome record as a z.object of their fields does, for every programme’s declared measures', () => {
    const counts = { compared: 0, rejected: 0 };
    for (const programme of listProgrammes()) {
      const declared = fileDeclaration(programme.file, 'outcomes');
      const data = generateProgrammeData(programme.file, { seed: 5, applicants: 60, withInvalidRows: true });
      expectSameReadings(
        programme.id,
        recordsOf(data.outcomesCsv, 3),
        outcomeRowSchema(declared.unitOfAnalysis, declared.measures),
        referenceOutcomeSchema(declared.unitOfAnalysis, declared.measures),
        counts,
      );
    }
    expect(counts.compared).toBeGreaterThan(5_000);
    expect(counts.rejected).toBeGreaterThan(1_000);
    expect(counts.compared - counts.rejected).toBeGreaterThan(1_000);
  });
});
