import { describe, expect, it } from 'vitest';
import { Cells } from '../review-sheets/records.js';
import { mappingFor } from '../review-sheets/tables.js';

const NO_YEARS = { columns: [], indexes: [], record: [] };

/** A 1-2 record (project overview) with the given 予算事業ID and 事業開始年度. */
function projectRecord(projectId: string, startYear: string) {
  const columns = ['事業年度', '予算事業ID', '事業名', '事業開始年度'];
  const cells = new Cells(new Map(columns.map((column, index) => [column, index])), ['2024', projectId, '試験事業', startYear]);
  return mappingFor('1-2').map(cells, 2024, NO_YEARS);
}

describe('whole numbers in the review sheets', () => {
  it('quarantines a record whose number its integer column cannot hold, naming the column and the limit, so the file still loads', () => {
    expect(projectRecord('99999999999', '2020')).toEqual({ reason: '予算事業ID "99999999999" is larger than any the sheets use (at most 2147483647)' });
    expect(projectRecord('5', '3000000000')).toEqual({ reason: '事業開始年度 "3000000000" is larger than any the sheets use (at most 2147483647)' });
    expect(projectRecord('2147483647', '2020')).toMatchObject({ row: { project_id: 2_147_483_647, start_year: 2020 } });
  });
});
