import { describe, expect, it } from 'vitest';
import { readCell } from '../ingest/reading/excel-cells.js';
import { expectedTable } from '../ingest/reading/expected-columns.js';
import { findHeader, isFoundHeader, splitHeaderLabel } from '../ingest/reading/header-row.js';
import { readNumberFormat } from '../ingest/reading/number-format.js';
import { parseUnit, shiftDecimal } from '../ingest/reading/units.js';
import { getProgramme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';

const applicants = expectedTable(fileDeclaration(getProgramme('sme-labour-saving').file, 'applicants'));
const column = (field: string, label = field) => {
  const expected = applicants.columns.find((candidate) => candidate.field === field)!;
  return { header: { label, field, unit: null }, expected };
};

describe('reading number formats', () => {
  it('tells dates, percentages, units shown and scientific notation apart', () => {
    expect(readNumberFormat('[$-411]ggge"年"m"月"d"日"')).toMatchObject({ isDate: true });
    expect(readNumberFormat('[$-411]ge.m.d')).toMatchObject({ isDate: true });
    expect(readNumberFormat('0"年度"')).toMatchObject({ isDate: false, unit: null });
    expect(readNumberFormat('0.00E+00')).toMatchObject({ isDate: false, isScientific: true });
    expect(readNumberFormat(undefined)).toMatchObject({ isGeneral: true, isDate: false });
    expect(readNumberFormat('0.0%')).toMatchObject({ isPercent: true });
    expect(readNumberFormat('#,##0"千円"').unit).toMatchObject({ text: '千円', exponent: 3, base: '円' });
    // Each comma after the digits divides what is shown by 1,000: the value is in yen.
    expect(readNumberFormat('#,##0,"千円"').unit).toMatchObject({ exponent: 0, base: '円' });
    expect(readNumberFormat('G/標準"万円"').unit).toMatchObject({ exponent: 4 });
    expect(readNumberFormat('[$¥-411]#,##0').unit).toMatchObject({ exponent: 0, base: '円' });
  });

  it('shifts decimals exactly, without binary rounding', () => {
    expect(shiftDecimal('1,234.5', 3)).toBe('1234500');
    expect(shiftDecimal('0.1', 2)).toBe('10');
    expect(shiftDecimal('12345', -1)).toBe('1234.5');
    expect(shiftDecimal('0.57', 2)).toBe('57');
    expect(shiftDecimal('abc', 2)).toBeNull();
    expect(parseUnit('百万円')).toMatchObject({ exponent: 6, base: '円' });
  });
});

describe('reading cells', () => {
  it('stores a 千円 number format in yen and records the conversion', () => {
    const read = readCell({ value: 1234.5, numFmt: '#,##0.0"千円"', ref: 'H3', date1904: false }, column('requested_amount_yen'));
    expect(read).toMatchObject({ text: '1234500', conversion: { shown: '千円', declared: '円', exponent: 3, source: 'number format' } });
  });

  it('quarantines a 法人番号 that lost digits even when its check digit would pass, naming the cell', () => {
    const read = readCell({ value: 1.23457e12, numFmt: undefined, ref: 'A7', date1904: false }, column('corporate_number', '法人番号'));
    expect(read.problem).toMatchObject({ code: 'corporate_number_lost_digits', message: expect.stringMatching(/1\.23457E\+12.*in A7.*format the column as text/) });
    expect(readCell({ value: 7000012050002, numFmt: '0', ref: 'A8', date1904: false }, column('corporate_number'))).toEqual({ text: '7000012050002' });
  });

  it('reads a cached empty formula result as an empty cell and an error as a problem naming the cell', () => {
    expect(readCell({ value: { formula: 'IF(E2="採択",H2/2,"")', result: '' }, numFmt: undefined, ref: 'G2', date1904: false }, column('subsidy_amount_yen'))).toEqual({ text: '' });
    expect(readCell({ value: { formula: 'H2/0', result: { error: '#DIV/0!' } }, numFmt: undefined, ref: 'G3', date1904: false }, column('subsidy_amount_yen')).problem).toMatchObject({
      code: 'excel_error',
      message: expect.stringContaining('"#DIV/0!" in G3'),
    });
    expect(readCell({ value: { formula: 'H2/2' }, numFmt: undefined, ref: 'G4', date1904: false }, column('subsidy_amount_yen')).problem).toMatchObject({ code: 'formula_without_result' });
  });

  it('reads a date serial under a Japanese date format and refuses to guess one without', () => {
    expect(readCell({ value: 44363, numFmt: '[$-411]ge.m.d', ref: 'D2', date1904: false }, column('application_date'))).toEqual({ text: '2021-06-16' });
    expect(readCell({ value: 44363, numFmt: undefined, ref: 'D3', date1904: false }, column('application_date')).problem).toMatchObject({ code: 'invalid_date', message: expect.stringContaining('2021-06-16') });
  });
});

describe('finding the header', () => {
  it('splits units and line breaks off header names', () => {
    expect(splitHeaderLabel('申請額\n（千円）')).toEqual({ name: '申請額', bracket: '千円' });
    expect(splitHeaderLabel('【必須】法人番号')).toEqual({ name: '法人番号', bracket: null });
  });

  it('skips title lines and names the closest row when none is a header', () => {
    const header = ['法人番号', '法人名', '申請回', '申請日', '採択結果', '採択年度', '交付決定額', '申請額(千円)', '業種コード', '都道府県コード', '従業員数', '同意'];
    const found = findHeader([['令和3年度 申請者一覧'], ['作成日', '2021-06-30'], [], header], applicants);
    expect(isFoundHeader(found) && found.rows).toEqual([3]);
    expect(isFoundHeader(found) && found.columns[7]).toMatchObject({ field: 'requested_amount_yen', unit: { text: '千円' } });
    const missing = findHeader([['番号', '会社名', '申請金額']], applicants);
    expect(isFoundHeader(missing)).toBe(false);
  });
});
