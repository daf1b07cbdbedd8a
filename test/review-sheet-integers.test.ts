import { describe, expect, it } from 'vitest';
import { MAX_NUMBER_CHARACTERS, numberCell } from '../review-sheets/cell-values.js';
import { Cells, type Mapped } from '../review-sheets/records.js';
import { mappingFor } from '../review-sheets/tables.js';
import { YearValues } from '../review-sheets/year-values.js';

const NO_YEARS = { columns: [], indexes: [], record: [], inKeyOrder: true };

function cellsOf(values: Readonly<Record<string, string>>): Cells {
  const columns = Object.keys(values);
  return new Cells(new Map(columns.map((column, index) => [column, index])), Object.values(values));
}

/** A 1-2 record (project overview) with the given 予算事業ID and 事業開始年度. */
function projectRecord(projectId: string, startYear: string) {
  return mappingFor('1-2').map(cellsOf({ 事業年度: '2024', 予算事業ID: projectId, 事業名: '試験事業', 事業開始年度: startYear }), 2024, NO_YEARS);
}

/** A 3-1 record (an indicator's targets) with one value in fiscal year 2024. */
function indicatorRecord(value: string) {
  const cells = cellsOf({
    事業年度: '2024',
    予算事業ID: '5',
    'アクティビティ・アウトプット・アウトカムの番号': '1',
    '目標年度／目標値／実績値／達成率': '2.目標値',
    '種別（アクティビティ・アウトプット・アウトカム）': 'アウトプット',
  });
  return mappingFor('3-1').map(cells, 2024, { columns: ['2024'], indexes: [0], record: [value], inKeyOrder: true });
}

/** A mapped 3-1 record's cells by year, as an object (undefined for a quarantined record). */
function yearValuesOf(mapped: Mapped): Record<string, string> | undefined {
  return 'row' in mapped && mapped.row.year_values instanceof YearValues ? mapped.row.year_values.toJSON() : undefined;
}

describe('numbers in the review sheets that the database cannot store', () => {
  it('quarantine a record whose whole number is above 2,147,483,647, naming the column and the limit', () => {
    expect(projectRecord('99999999999', '2020')).toEqual({ reason: '予算事業ID "99999999999" is larger than ebpm can store (at most 2,147,483,647)' });
    expect(projectRecord('2147483648', '2020')).toEqual({ reason: '予算事業ID "2147483648" is larger than ebpm can store (at most 2,147,483,647)' });
    expect(projectRecord('5', '3000000000')).toEqual({ reason: '事業開始年度 "3000000000" is larger than ebpm can store (at most 2,147,483,647)' });
    expect(projectRecord('2147483647', '2020')).toMatchObject({ row: { project_id: 2_147_483_647, start_year: 2020 } });
  });

  it('quarantine a record holding a number of more than 1,000 characters, where it would fail the COPY or the views', () => {
    const longest = '9'.repeat(MAX_NUMBER_CHARACTERS);
    expect(numberCell(longest)).toEqual({ ok: true, value: longest });
    expect(numberCell(`${longest}9`)).toEqual({ ok: false, text: `${longest}9`, tooLong: true });
    expect(numberCell('約100')).toEqual({ ok: false, text: '約100', tooLong: false });
    expect(indicatorRecord(`${longest}9`)).toEqual({ reason: '2024 holds a number of 1,001 characters, more than ebpm stores (at most 1,000)' });
    expect(yearValuesOf(indicatorRecord('95.0'))).toEqual({ 2024: '95' });
    // Text that is not a number stays as published (a qualitative value).
    expect(yearValuesOf(indicatorRecord('達成'))).toEqual({ 2024: '達成' });
  });
});
