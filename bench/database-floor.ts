/**
 * The database half of `ebpm ingest` alone, for the ingest and study benchmarks: psql copies the file into an
 * unindexed staging table, then puts every row where ebpm puts it in one plain INSERT each. Nothing is parsed
 * or validated in Node and nothing is merged with earlier rows. Firms go into core.firms through its key and checks;
 * applications and outcome rows go where a programme's first file of their kind goes (migrations 0037 and 0049): into
 * a table of their own, whose key (and the applications' firm index) is then built, the applications' firms checked,
 * and which is attached as the programme's partition. This is a reference point, not a floor: the load itself copies its batches
 * straight in and saves the staging copy (migration 0035). The raw floor the targets are taken against is
 * rawCopyFloor below.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { APPLICATIONS_BESIDE } from '../ingest/loading/application-rows.js';
import { OUTCOMES_BESIDE } from '../ingest/loading/outcome-rows.js';
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { timeCommand, type Measurement } from './timing.js';

const PROGRAMME = 'sme-labour-saving';
const APPLICANTS_SHA256 = '0'.repeat(64);
const OUTCOMES_SHA256 = '1'.repeat(64);

/** Text that casts. The generated study files carry a few invalid rows on purpose, which the floor leaves out rather than fail on. */
const INTEGER = `'^-?[0-9]+$'`;
const DECIMAL = `'^-?[0-9]+(\\.[0-9]+)?$'`;
const CASTABLE_APPLICANTS = `corporate_number ~ '^[0-9]{13}$' AND call_round ~ ${INTEGER} AND employees ~ ${INTEGER} AND employees::bigint >= 0
  AND decision IN ('awarded', 'rejected') AND coalesce(award_fiscal_year, '0') ~ ${INTEGER}`;

interface StagedLoad {
  readonly path: string;
  /** The staging table's columns, in the file's order. */
  readonly columns: string;
  /** Rows to keep (an SQL condition on the staged text); all when absent. */
  readonly keep?: string;
  readonly kind: 'applicants' | 'outcomes';
  readonly fileSha256: string;
  readonly inserts: readonly string[];
}

function timeStagedLoad(url: string, load: StagedLoad): Promise<Measurement> {
  const commands = [
    `CREATE TEMP TABLE staged (${load.columns})`,
    `\\copy staged FROM '${load.path}' CSV HEADER`,
    ...(load.keep ? [`DELETE FROM staged WHERE NOT (${load.keep})`] : []),
    `INSERT INTO raw.input_files (file_sha256, content_sha256, programme_id, kind, file_name, rows_total, rows_loaded, rows_rejected, encoding, status, committed_through_line)
     VALUES ('${load.fileSha256}', '${load.fileSha256}', '${PROGRAMME}', '${load.kind}', 'database-floor-${load.kind}.csv', 0, 0, 0, 'utf8', 'loading', 1)`,
    ...load.inserts,
  ];
  return timeCommand('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', ...commands.flatMap((command) => ['-c', command])]);
}

function applicantLoad(path: string, keep?: string): StagedLoad {
  return {
    path,
    columns: APPLICANT_COLUMNS.map((column) => `${column} text`).join(', '),
    keep,
    kind: 'applicants',
    fileSha256: APPLICANTS_SHA256,
    inserts: [
      `INSERT INTO core.firms (corporate_number, firm_name, industry_code, prefecture_code)
       SELECT corporate_number, firm_name, industry_code, prefecture_code FROM staged`,
      // A programme's first applicant file, as ingest/loading/built-beside.ts builds and attaches it (migration 0049).
      'CREATE TABLE core.applications_building_floor (LIKE core.applications INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
      `INSERT INTO core.applications_building_floor (programme_id, unit_id, corporate_number, call_round, application_date, decision, award_fiscal_year,
         subsidy_amount_yen, requested_amount_yen, employees_at_application, consent, source_file_sha256, source_line)
       SELECT '${PROGRAMME}', corporate_number, corporate_number, call_round::integer, application_date::date, decision, award_fiscal_year::integer,
              subsidy_amount_yen::bigint, requested_amount_yen::bigint, employees::integer, consent::boolean, '${APPLICANTS_SHA256}', 2
         FROM staged`,
      `SELECT min(corporate_number) FROM core.applications_building_floor b WHERE NOT EXISTS (SELECT 1 FROM core.firms f WHERE f.corporate_number = b.corporate_number)`,
      `ALTER TABLE core.applications_building_floor ADD PRIMARY KEY (${APPLICATIONS_BESIDE.key})`,
      ...(APPLICATIONS_BESIDE.indexes ?? []).map((index) => `CREATE INDEX ON core.applications_building_floor (${index.columns})`),
      `ALTER TABLE core.applications_building_floor ADD CONSTRAINT programme_bound CHECK (programme_id = '${PROGRAMME}')`,
      `ALTER TABLE core.applications ATTACH PARTITION core.applications_building_floor FOR VALUES IN ('${PROGRAMME}')`,
    ],
  };
}

export function databaseFloorLoad(url: string, path: string): Promise<Measurement> {
  return timeStagedLoad(url, applicantLoad(path));
}

/**
 * The database half of a study's two loads alone, into one migrated database: the applicants (the rows that
 * cast; each firm applies once in the generated files), then the outcomes into core.outcomes with their
 * measures as a float8 array (migration 0053). Returns each load's time.
 */
export async function studyDatabaseFloor(url: string, applicantsPath: string, outcomesPath: string, measures: readonly string[]): Promise<{ applicants: Measurement; outcomes: Measurement }> {
  const applicants = await timeStagedLoad(url, applicantLoad(applicantsPath, CASTABLE_APPLICANTS));
  const outcomes = await timeStagedLoad(url, {
    path: outcomesPath,
    columns: ['corporate_number', 'fiscal_year', ...measures].map((column) => `${column} text`).join(', '),
    keep: [`fiscal_year ~ ${INTEGER}`, ...measures.map((measure) => `coalesce(${measure}, '0') ~ ${DECIMAL}`)].join(' AND '),
    kind: 'outcomes',
    fileSha256: OUTCOMES_SHA256,
    inserts: [
      'CREATE TABLE core.outcomes_building_floor (LIKE core.outcomes INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
      `INSERT INTO core.outcomes_building_floor (programme_id, unit_id, fiscal_year, measure_values, source_file_sha256, source_line)
       SELECT '${PROGRAMME}', corporate_number, fiscal_year::integer, ARRAY[${measures.map((measure) => `${measure}::float8`).join(', ')}]::float8[],
              '${OUTCOMES_SHA256}', 2
         FROM staged`,
      // As ingest/loading/outcome-rows.ts attaches a programme's first file.
      `ALTER TABLE core.outcomes_building_floor ADD PRIMARY KEY (${OUTCOMES_BESIDE.key})`,
      `ALTER TABLE core.outcomes_building_floor ADD CONSTRAINT programme_bound CHECK (programme_id = '${PROGRAMME}')`,
      `ALTER TABLE core.outcomes ATTACH PARTITION core.outcomes_building_floor FOR VALUES IN ('${PROGRAMME}')`,
    ],
  });
  return { applicants, outcomes };
}

/**
 * The raw floor of a load: psql copies the file as it is into an unindexed table of text columns named by its
 * header. No checks, no keys, no types: what moving the file's bytes into the database costs at least.
 */
export function rawCopyFloor(url: string, path: string): Promise<Measurement> {
  const columns = csvHeaderOf(path).map((_, i) => `c${i} text`).join(', ');
  return timeCommand('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE TABLE raw_copy (${columns})`, '-c', `\\copy raw_copy FROM '${path.replace(/'/g, "''")}' CSV HEADER`]);
}

/** The column names in a generated CSV file's first line (no quoted commas in its header). */
export function csvHeaderOf(path: string): string[] {
  const head = Buffer.alloc(4096);
  const descriptor = openSync(path, 'r');
  try {
    return head.toString('utf8', 0, readSync(descriptor, head, 0, head.length, 0)).split('\n')[0].replace(/^\uFEFF/, '').trim().split(',');
  } finally {
    closeSync(descriptor);
  }
}
