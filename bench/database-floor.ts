/**
 * The database half of `ebpm ingest` alone, for the ingest benchmarks: psql copies the file into an
 * unindexed staging table, then puts every row where ebpm puts it (core.firms and core.applications,
 * with their keys, checks and reference triggers) in one plain INSERT each. Nothing is parsed or validated
 * in Node and nothing is merged with earlier rows: a loader of this schema could save at most the staging
 * copy (the baseline's own work) by copying straight into the keyed tables.
 */
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { timeCommand, type Measurement } from './timing.js';

const PROGRAMME = 'sme-labour-saving';
const FILE_SHA256 = '0'.repeat(64);

export function databaseFloorLoad(url: string, path: string): Promise<Measurement> {
  const staged = APPLICANT_COLUMNS.map((column) => `${column} text`).join(', ');
  return timeCommand('psql', [
    url,
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    `CREATE TEMP TABLE staged (${staged})`,
    '-c',
    `\\copy staged FROM '${path}' CSV HEADER`,
    '-c',
    `INSERT INTO raw.input_files (file_sha256, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected, encoding, status, committed_through_line)
     VALUES ('${FILE_SHA256}', '${PROGRAMME}', 'applicants', 'database-floor.csv', 0, 0, 0, 'utf8', 'loading', 1)`,
    '-c',
    `INSERT INTO core.firms (corporate_number, firm_name, industry_code, prefecture_code)
     SELECT corporate_number, firm_name, industry_code, prefecture_code FROM staged`,
    '-c',
    `INSERT INTO core.applications (programme_id, unit_id, corporate_number, call_round, application_date, decision, award_fiscal_year,
       subsidy_amount_yen, requested_amount_yen, employees_at_application, consent, source_file_sha256, source_line)
     SELECT '${PROGRAMME}', corporate_number, corporate_number, call_round::integer, application_date::date, decision, award_fiscal_year::integer,
            subsidy_amount_yen::bigint, requested_amount_yen::bigint, employees::integer, consent::boolean, '${FILE_SHA256}', 2
       FROM staged`,
  ]);
}
