import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestActivities } from '../activities/ingest-file.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

/**
 * Files shaped by each programme's catalogue entry: its unit of analysis keys them, its declared measures
 * are its outcome columns, its Japanese column names read like the English ones, and official statistics
 * load as their own kind.
 */
let database: TestDatabase;
let scratch: string;
let ingestFile: ReturnType<typeof createIngestActivities>['ingestFile'];

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-declared-files-'));
  ingestFile = createIngestActivities(database.db).ingestFile;
});
afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

const firm = (i: number) => withCheckDigit(String(300000000000 + i));

describe('files keyed by the programme\'s unit of analysis', () => {
  it('loads projects led by one firm, with consortium members, and outcomes keyed by project', async () => {
    const lead = firm(1);
    const applicants = file(
      'projects.csv',
      'project_id,corporate_number,firm_name,call_round,application_date,decision,award_fiscal_year,subsidy_amount_yen,requested_amount_yen,industry_code,prefecture_code,employees,consent,consortium_members\n' +
        `FAB-1,${lead},合成データ株式会社P,1,2022-04-01,awarded,2022,100000000,200000000,E,13,900,true,${firm(2)};${firm(3)}\n` +
        `FAB-2,${lead},合成データ株式会社P,1,2022-04-01,rejected,,,150000000,E,13,900,true,\n` +
        `,${firm(4)},合成データ株式会社Q,1,2022-04-01,rejected,,,150000000,E,27,400,true,\n` +
        `FAB-3,${firm(5)},合成データ株式会社R,1,2022-04-01,rejected,,,150000000,E,27,400,true,${firm(6)};1234567890123\n`,
    );
    const account = await ingestFile({ programmeId: 'semiconductor-fund', kind: 'applicants', path: applicants });
    expect(account).toMatchObject({ rowsTotal: 4, rowsLoaded: 2, rowsRejected: 2 });
    expect(account.reasons).toEqual({ missing_required_field: 1, corporate_number_check_digit: 1 });
    const { rows: units } = await sql<{ unit_id: string; lead_corporate_number: string; members: number }>`
      SELECT u.unit_id, u.lead_corporate_number, (SELECT count(*)::integer FROM core.unit_members m WHERE m.unit_id = u.unit_id) AS members
        FROM core.units u WHERE programme_id = 'semiconductor-fund' ORDER BY unit_id`.execute(database.db);
    expect(units).toEqual([
      { unit_id: 'FAB-1', lead_corporate_number: lead, members: 2 },
      { unit_id: 'FAB-2', lead_corporate_number: lead, members: 0 },
    ]);

    const outcomes = file(
      'project-outcomes.csv',
      'project_id,fiscal_year,production_capacity\nFAB-1,2022,12.5\nFAB-1,2023,15\nFAB-2,2022,-3\nFAB-2,2023,\nFAB-2,2022,8\n',
    );
    const loaded = await ingestFile({ programmeId: 'semiconductor-fund', kind: 'outcomes', path: outcomes });
    expect(loaded).toMatchObject({ rowsTotal: 5, rowsLoaded: 3, rowsRejected: 2 });
    expect(loaded.reasons).toEqual({ invalid_production_capacity: 2 });
    const { rows } = await sql<{ unit_id: string; fiscal_year: number; measures: Record<string, number> }>`
      SELECT unit_id, fiscal_year, core.outcome_measures_json(programme_id, measure_values) AS measures FROM core.outcomes WHERE programme_id = 'semiconductor-fund' ORDER BY unit_id, fiscal_year`.execute(database.db);
    expect(rows).toEqual([
      { unit_id: 'FAB-1', fiscal_year: 2022, measures: { production_capacity: 12.5 } },
      { unit_id: 'FAB-1', fiscal_year: 2023, measures: { production_capacity: 15 } },
      { unit_id: 'FAB-2', fiscal_year: 2022, measures: { production_capacity: 8 } },
    ]);
  });

  it('refuses an outcome file without the programme\'s declared measure, naming the column', async () => {
    const path = file('no-measure.csv', 'site_id,fiscal_year,chargers_in_service\nS-1,2024,4\n');
    const account = await ingestFile({ programmeId: 'ev-charging-infrastructure', kind: 'outcomes', path });
    expect(account).toMatchObject({ rowsLoaded: 0, rowsRejected: 1, reasons: { missing_column: 1 } });
    const { rows } = await sql<{ reasons: { field: string }[] }>`SELECT reasons FROM raw.rejected_rows WHERE file_sha256 = ${account.fileSha256}`.execute(database.db);
    expect(rows[0].reasons.map((reason) => reason.field)).toEqual(['charging_sessions']);
  });
});

describe('files exported with Japanese column names', () => {
  const english =
    'corporate_number,firm_name,call_round,application_date,decision,award_fiscal_year,subsidy_amount_yen,requested_amount_yen,industry_code,prefecture_code,employees,consent\n';
  const japanese = '法人番号,法人名,申請回,申請日,採択結果,採択年度,交付決定額,申請額,業種コード,都道府県コード,従業員数,同意\n';
  const rows = (offset: number) =>
    `${firm(offset + 1)},合成データ株式会社A,1,2024-04-10,採択,2024,5000000,10000000,E,東京都,12,はい\n` +
    `${firm(offset + 2)},合成データ株式会社B,1,令和6年4月10日,不採択,,,8000000,I,13,30,同意\n`;
  const stored = async (programmeId: string) =>
    (
      await sql<Record<string, unknown>>`
        SELECT right(corporate_number, 3) AS tail, call_round, application_date::text, decision, award_fiscal_year, subsidy_amount_yen::text,
               requested_amount_yen::text, employees_at_application, consent
          FROM core.applications WHERE programme_id = ${programmeId} ORDER BY tail`.execute(database.db)
    ).rows;

  it('load exactly like the same rows with English names', async () => {
    // The same firms under two programmes, so that each file's rows can be compared with the other's.
    const fromEnglish = await ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path: file('english.csv', english + rows(100)) });
    const fromJapanese = await ingestFile({ programmeId: 'large-scale-growth-investment', kind: 'applicants', path: file('japanese.csv', japanese + rows(100)) });
    expect(fromEnglish).toMatchObject({ rowsLoaded: 2, rowsRejected: 0 });
    expect(fromJapanese).toMatchObject({ rowsLoaded: 2, rowsRejected: 0 });
    expect(await stored('large-scale-growth-investment')).toEqual(await stored('sme-labour-saving'));
  });

  it('read outcome measures under their Japanese names', async () => {
    const path = file('outcomes-ja.csv', `法人番号,年度,労働生産性,平均給与,従業員数,売上高\n${firm(200)},2024,610.5,402,31,120\n`);
    const account = await ingestFile({ programmeId: 'sme-growth-acceleration', kind: 'outcomes', path });
    expect(account).toMatchObject({ rowsLoaded: 1, rowsRejected: 0 });
    const { rows: loaded } = await sql<{ measures: Record<string, number> }>`
      SELECT core.outcome_measures_json(programme_id, measure_values) AS measures FROM core.outcomes WHERE programme_id = 'sme-growth-acceleration'`.execute(database.db);
    expect(loaded[0].measures).toEqual({ labour_productivity: 610.5, average_wage: 402, employees: 31, sales: 120 });
  });
});

describe('official statistics', () => {
  it('load the programme\'s statistics indicators with their source, and quarantine an indicator it does not read from statistics', async () => {
    const path = file(
      'statistics.csv',
      '指標,年度,値,出典,備考\n' +
        'clean_vehicle_share,2024,28.4,自動車検査登録情報協会,新車販売統計 2024年度\n' +
        'clean_vehicle_share,2025,31.0,自動車検査登録情報協会,新車販売統計 2025年度\n' +
        'charging_sessions,2025,5000,自動車検査登録情報協会,computed by the pipeline: not a statistic\n',
    );
    const account = await ingestFile({ programmeId: 'ev-charging-infrastructure', kind: 'statistics', path });
    expect(account).toMatchObject({ kind: 'statistics', rowsTotal: 3, rowsLoaded: 2, rowsRejected: 1, reasons: { unknown_indicator: 1 } });
    const { rows } = await sql<{ indicator_id: string; fiscal_year: number; value: number; source: string }>`
      SELECT indicator_id, fiscal_year, value, source FROM core.official_statistics ORDER BY fiscal_year`.execute(database.db);
    expect(rows).toEqual([
      { indicator_id: 'clean_vehicle_share', fiscal_year: 2024, value: 28.4, source: '自動車検査登録情報協会' },
      { indicator_id: 'clean_vehicle_share', fiscal_year: 2025, value: 31, source: '自動車検査登録情報協会' },
    ]);
  });
});
