import { describe, expect, it } from 'vitest';
import { applicantKey, applicantRowSchema, APPLICANT_COLUMNS, describeApplicantKey } from '../schemas/applicant.js';
import { createRecordValidator, isRejected } from '../ingest/validating/validate-records.js';
import { outcomeRowSchema } from '../schemas/outcome.js';

const header = [...APPLICANT_COLUMNS];
const validFields = ['1180301018771', '合成データ株式会社', '1', '2021-07-15', 'awarded', '2021', '5000000', '10000000', 'E', '23', '12', 'true'];

function validValues(overrides: Partial<Record<(typeof APPLICANT_COLUMNS)[number], string>>): string[] {
  return header.map((column, index) => overrides[column] ?? validFields[index]);
}

function validator(columns: readonly string[] = header) {
  return createRecordValidator({ schema: applicantRowSchema, requiredColumns: APPLICANT_COLUMNS, header: columns, keyOf: applicantKey, describeKey: describeApplicantKey });
}

describe('record validation at the edge', () => {
  it('accepts a valid applicant row and types its fields', () => {
    const result = validator().validate({ line: 2, fields: validFields });
    expect(isRejected(result)).toBe(false);
    expect(result).toMatchObject({ line: 2, row: { call_round: 1, award_fiscal_year: 2021, subsidy_amount_yen: 5_000_000, consent: true } });
  });

  it('accepts a row as a Japanese spreadsheet writes it, and normalises every field', () => {
    const fields = ['１１８０－３０１０－１８７７１', '合成データ株式会社', '１', '令和3年7月15日', '採択', '2021', '5,000千円', '10,000千円', 'ｅ', '東京都', '１，２００', 'はい'];
    const result = validator().validate({ line: 2, fields });
    expect(isRejected(result) ? result.reasons : null).toBeNull();
    expect(result).toMatchObject({
      row: {
        corporate_number: '1180301018771',
        application_date: '2021-07-15',
        decision: 'awarded',
        subsidy_amount_yen: 5_000_000,
        requested_amount_yen: 10_000_000,
        industry_code: 'E',
        prefecture_code: '13',
        employees: 1200,
        consent: true,
      },
    });
  });

  it('rejects 令和0年 and 2月30日 dates and negative amounts with their reason codes', () => {
    const withDate = (date: string) => validValues({ application_date: date });
    const reasons = (fields: string[]) => {
      const result = validator().validate({ line: 2, fields });
      return isRejected(result) ? result.reasons.map((reason) => reason.code) : [];
    };
    expect(reasons(withDate('令和0年4月1日'))).toEqual(['invalid_date']);
    expect(reasons(withDate('2022年2月30日'))).toEqual(['invalid_date']);
    expect(reasons(validValues({ requested_amount_yen: '-1,000' }))).toEqual(['negative_amount']);
  });

  it('rejects numbers its database columns cannot hold, so the row is quarantined and the batch still loads', () => {
    const reasons = (fields: string[]) => {
      const result = validator().validate({ line: 2, fields });
      return isRejected(result) ? result.reasons.map((reason) => reason.code) : [];
    };
    expect(reasons(validValues({ requested_amount_yen: '12345678901234567890' }))).toEqual(['amount_too_large']);
    expect(reasons(validValues({ employees: '2147483648' }))).toEqual(['invalid_employees']);
    expect(reasons(validValues({ employees: '2147483647' }))).toEqual([]);
  });

  it('rejects a bad check digit and a non-numeric count in one row, with one reason each', () => {
    const fields = [...validFields];
    fields[0] = '2180301018771';
    fields[10] = '約30';
    const result = validator().validate({ line: 5, fields });
    expect(isRejected(result)).toBe(true);
    if (!isRejected(result)) return;
    expect(result.reasons.map((reason) => reason.code)).toEqual(['corporate_number_check_digit', 'invalid_employees']);
    expect(result.raw).toMatchObject({ corporate_number: '2180301018771', employees: '約30' });
  });

  it('rejects every row when a required column is missing, naming the column', () => {
    const columns = header.filter((column) => column !== 'prefecture_code');
    const fields = validFields.filter((_, index) => header[index] !== 'prefecture_code');
    const result = validator(columns).validate({ line: 2, fields });
    expect(isRejected(result) && result.reasons).toEqual([expect.objectContaining({ code: 'missing_column', field: 'prefecture_code' })]);
  });

  it('rejects a truncated line and the second row of the same applicant and round', () => {
    const check = validator();
    expect(isRejected(check.validate({ line: 2, fields: validFields.slice(0, 5) }))).toBe(true);
    expect(isRejected(check.validate({ line: 3, fields: validFields }))).toBe(false);
    const duplicate = check.validate({ line: 4, fields: validFields });
    expect(isRejected(duplicate) && duplicate.reasons[0]).toMatchObject({ code: 'duplicate_key', message: expect.stringContaining('line 3') });
  });

  it('requires an award year for awarded rows and forbids one for rejected rows', () => {
    const awardedWithoutYear = [...validFields];
    awardedWithoutYear[5] = '';
    const rejectedWithYear = [...validFields];
    rejectedWithYear[4] = 'rejected';
    rejectedWithYear[6] = '';
    const first = validator().validate({ line: 2, fields: awardedWithoutYear });
    const second = validator().validate({ line: 2, fields: rejectedWithYear });
    expect(isRejected(first) && first.reasons.map((r) => r.field)).toEqual(['award_fiscal_year']);
    expect(isRejected(second) && second.reasons.map((r) => r.field)).toEqual(['award_fiscal_year']);
  });

  it("enforces the fields a programme's data requirements add: the column must be there and filled", () => {
    const strict = (columns: readonly string[]) =>
      createRecordValidator({ schema: applicantRowSchema, requiredColumns: APPLICANT_COLUMNS, requiredByProgramme: ['phone'], header: columns, keyOf: applicantKey, describeKey: describeApplicantKey });
    const withoutColumn = strict(header).validate({ line: 2, fields: validFields });
    expect(isRejected(withoutColumn) && withoutColumn.reasons).toEqual([expect.objectContaining({ code: 'missing_column', field: 'phone' })]);
    const withPhone = [...header, 'phone'];
    const empty = strict(withPhone).validate({ line: 2, fields: [...validFields, ' '] });
    expect(isRejected(empty) && empty.reasons).toEqual([expect.objectContaining({ code: 'missing_required_field', field: 'phone' })]);
    const filled = strict(withPhone).validate({ line: 3, fields: [...validFields, '03-0000-0000'] });
    expect(isRejected(filled)).toBe(false);
  });

  it('keeps columns named like what every object inherits (constructor, valueOf, __proto__) under their own names', () => {
    // 法人番号 is renamed by the declaration's column names; constructor and valueOf are not (they are not its own names).
    const outcomes = createRecordValidator({
      schema: outcomeRowSchema('firm', [{ name: 'sales', type: 'number', required: true }]),
      requiredColumns: ['corporate_number', 'fiscal_year', 'sales'],
      columnNames: { 法人番号: 'corporate_number' },
      header: ['法人番号', 'fiscal_year', 'sales', 'constructor', 'valueOf', '__proto__'],
      keyOf: (row) => row.fiscal_year,
      describeKey: (row) => `${row.unit_id} ${row.fiscal_year}`,
    });
    const accepted = outcomes.validate({ line: 2, fields: ['1180301018771', '2020', '5', 'a', 'x', 'y'] });
    expect(isRejected(accepted) ? accepted.reasons : null).toBeNull();
    expect(accepted).toMatchObject({ row: { unit_id: '1180301018771', measures: { sales: 5 } } });
    // A rejected row keeps every field under its own column's name, __proto__ included.
    const rejected = outcomes.validate({ line: 3, fields: ['1180301018771', '2021', 'n/a', 'a', 'x', 'y'] });
    expect(isRejected(rejected) && Object.entries(rejected.raw)).toEqual([
      ['corporate_number', '1180301018771'],
      ['fiscal_year', '2021'],
      ['sales', 'n/a'],
      ['constructor', 'a'],
      ['valueOf', 'x'],
      ['__proto__', 'y'],
    ]);
  });
});
