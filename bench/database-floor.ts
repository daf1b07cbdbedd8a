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

/** Text that casts: the generated study files carry a few invalid rows on purpose, which the floor leaves out rather than fail on. */
const INTEGER = `'^-?[0-9]+$'`;
const DECIMAL = `'^-?[0-9]+(\\.[0-9]+)?$'`;

/**
 * The database half of a study's two loads alone, into one migrated database: the applicants as above (only
 * the rows that cast), then the outcomes, copied into staging and put into core.outcomes with their measures
 * as jsonb, in one plain INSERT. Returns each load's time.
 */
export async function studyDatabaseFloor(url: string, applicantsPath: string, outcomesPath: string, measures: readonly string[]): Promise<{ applicants: Measurement; outcomes: Measurement }> {
  const staged = APPLICANT_COLUMNS.map((column) => `${column} text`).join(', ');
  const applicants = await timeCommand('psql', [
    url,
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    `CREATE TEMP TABLE staged (${staged})`,
    '-c',
    `\\copy staged FROM '${applicantsPath}' CSV HEADER`,
    '-c',
    `DELETE FROM staged WHERE NOT (corporate_number ~ '^[0-9]{13}$' AND call_round ~ ${INTEGER} AND employees ~ ${INTEGER} AND employees::bigint >= 0
       AND decision IN ('awarded', 'rejected') AND coalesce(award_fiscal_year, '0') ~ ${INTEGER})`,
    '-c',
    `INSERT INTO raw.input_files (file_sha256, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected, encoding, status, committed_through_line)
     VALUES ('${FILE_SHA256}', '${PROGRAMME}', 'applicants', 'database-floor.csv', 0, 0, 0, 'utf8', 'loading', 1)`,
    '-c',
    `INSERT INTO core.firms (corporate_number, firm_name, industry_code, prefecture_code)
     SELECT DISTINCT ON (corporate_number) corporate_number, firm_name, industry_code, prefecture_code FROM staged ORDER BY corporate_number`,
    '-c',
    `INSERT INTO core.applications (programme_id, unit_id, corporate_number, call_round, application_date, decision, award_fiscal_year,
       subsidy_amount_yen, requested_amount_yen, employees_at_application, consent, source_file_sha256, source_line)
     SELECT '${PROGRAMME}', corporate_number, corporate_number, call_round::integer, application_date::date, decision, award_fiscal_year::integer,
            subsidy_amount_yen::bigint, requested_amount_yen::bigint, employees::integer, consent::boolean, '${FILE_SHA256}', 2
       FROM staged`,
  ]);
  const outcomesSha256 = '1'.repeat(64);
  const measureColumns = measures.map((measure) => `${measure} text`).join(', ');
  const asJson = measures.map((measure) => `'${measure}', ${measure}::numeric`).join(', ');
  const castable = measures.map((measure) => `coalesce(${measure}, '0') ~ ${DECIMAL}`).join(' AND ');
  const outcomes = await timeCommand('psql', [
    url,
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    `CREATE TEMP TABLE staged (corporate_number text, fiscal_year text, ${measureColumns})`,
    '-c',
    `\\copy staged FROM '${outcomesPath}' CSV HEADER`,
    '-c',
    `DELETE FROM staged WHERE NOT (fiscal_year ~ ${INTEGER} AND ${castable})`,
    '-c',
    `INSERT INTO raw.input_files (file_sha256, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected, encoding, status, committed_through_line)
     VALUES ('${outcomesSha256}', '${PROGRAMME}', 'outcomes', 'database-floor-outcomes.csv', 0, 0, 0, 'utf8', 'loading', 1)`,
    '-c',
    `INSERT INTO core.outcomes (programme_id, unit_id, fiscal_year, measures, source_file_sha256, source_line)
     SELECT '${PROGRAMME}', corporate_number, fiscal_year::integer, jsonb_strip_nulls(jsonb_build_object(${asJson})), '${outcomesSha256}', 2
       FROM staged ORDER BY corporate_number, fiscal_year::integer`,
  ]);
  return { applicants, outcomes };
}
