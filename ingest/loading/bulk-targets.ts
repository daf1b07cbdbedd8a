/**
 * Where each kind of input file lands, as set-based SQL: a batch is copied (COPY) into a session-local
 * staging table, then merged into the core tables in a few statements. A row that is already stored
 * with the same values is left as it is, so it keeps its lineage and a corrected file rewrites only
 * what it changes. Each target is built from the programme's file declaration (its unit of analysis,
 * its measures, its Japanese column names).
 */
import type pg from 'pg';
import type { FileDeclaration } from '../../programmes/file-declaration.js';
import { applicantRowSchema, APPLICANT_COLUMNS, type ApplicantRow } from '../../schemas/applicant.js';
import { describeOutcomeKey, measureValuesWriter, outcomeColumns, outcomeRowSchema, type OutcomeRow } from '../../schemas/outcome.js';
import { STATISTICS_COLUMNS, statisticsRowSchema, type StatisticsRow } from '../../schemas/statistics.js';
import { UNIT_KEY_COLUMNS, type UnitOfAnalysis } from '../../schemas/unit-of-analysis.js';
import { copyTextField, copyTextLine } from './copy-text.js';
import { APPLICATIONS_BESIDE, applicationMerge, applicationsBuiltBeside } from './application-rows.js';
import { builtBeside } from './built-beside.js';
import { OUTCOMES_BESIDE, outcomeMerge } from './outcome-rows.js';
import { createRecordValidator, type RecordValidator } from '../validating/validate-records.js';

export interface BulkTarget<Row> {
  /** A validator for one file with this header (one per parse: it remembers the keys it has seen). */
  validator(header: readonly string[]): RecordValidator<Row>;
  /** True for a row whose applicant did not consent to data use. */
  withoutConsent(row: Row): boolean;
  /** Temporary table the batch is copied into (emptied at every commit). */
  readonly staging: { readonly table: string; readonly columns: string };
  /** One COPY text line of the staging table. */
  stagingLine(line: number, row: Row): string;
  /**
   * Merges the staged batch into the core tables; returns how many rows were new or changed. `besideTable` names the
   * table this load builds beside its kind's table (`builtBeside`), or is null where the rows go through the key.
   */
  merge(client: pg.ClientBase, programmeId: string, fileSha256: string, besideTable: string | null): Promise<number>;
  /**
   * Where the staging lines can be copied straight in, skipping the staging table and the merge, while the load
   * has met no stored row (its `state`); absent for a kind whose rows always need merging.
   */
  readonly straightIn?: StraightIn;
  /** Where a programme's first file of this kind is built in a table of its own and attached when it completes. */
  readonly builtBeside?: BuiltBeside;
  /** How a replacement file of this kind retires the stored rows it no longer holds. */
  readonly replacement: Replacement;
  /** Tables whose planner statistics a large load makes stale. */
  readonly loadedTables: readonly string[];
}

/**
 * A table the staging lines can be copied into as they are: `columnNames` names the staging columns there, in order,
 * and the table's defaults take the programme and file from the load's settings (migration 0035). A COPY that
 * meets a stored row fails whole with a unique violation; the load then merges that batch and every later one.
 */
export interface StraightIn {
  readonly table: string;
  /** The staging lines' columns as named in `table`, in order (a column list, not definitions). */
  readonly columnNames: string;
  readonly state: LoadState;
}

/** A table a fresh load builds beside its kind's table and attaches whole (built-beside.ts). */
export interface BuiltBeside {
  /** Decided at the load's first batch with rows, in its transaction: undefined until then, null for none. */
  table: string | null | undefined;
  /** The table to build in (created if needed), or null where the rows must go through the key. */
  choose(client: pg.ClientBase, programmeId: string, fileSha256: string): Promise<string | null>;
  /** Attaches what was built, in the transaction completing the file; returns how many rows were found unchanged. */
  attach(client: pg.ClientBase, programmeId: string, fileSha256: string): Promise<number>;
  /** Throws where a replacement must not load yet (a file of its programme still being built). */
  beforeReplacement(client: pg.ClientBase, programmeId: string): Promise<void>;
}

/**
 * How a replacement file of one kind retires the stored rows it no longer holds. The stored table's key holds the
 * programme, `keyId` and `keyPeriod` (in that order for official statistics; the unit's id and period first and the
 * programme last for outcomes and applications, migration 0054), and the staging table names those two columns the same.
 */
export interface Replacement {
  readonly table: string;
  readonly kind: 'applicants' | 'outcomes' | 'statistics';
  readonly keyId: string;
  readonly keyPeriod: string;
  /** How a retired row is named for people, e.g. "…, call round 2". */
  readonly periodLabel: string;
  /** Which stored rows the file speaks for (`stored` is the table, `loaded` the file's keys); all when absent. */
  readonly scope?: string;
  /** A further WITH part run on the retired rows (`gone`), e.g. erasing their contact data. */
  readonly alsoDelete?: string;
  /** What core.retired_rows keeps of a retired row (`gone`): the row as jsonb when absent. */
  readonly rowData?: string;
}

/** Records the staged batch's keys, with the batch's commit, for the retirement when the file completes. */
export async function recordReplacementKeys(client: pg.ClientBase, target: BulkTarget<unknown>, fileSha256: string): Promise<void> {
  const { keyId, keyPeriod } = target.replacement;
  await client.query(
    `INSERT INTO raw.replacement_keys (file_sha256, key_id, key_period)
     SELECT $1, ${keyId}, ${keyPeriod} FROM pg_temp.${target.staging.table}
     ON CONFLICT DO NOTHING`,
    [fileSha256],
  );
}

/**
 * One statement: delete the stored rows within the file's scope whose keys it did not load, and archive them
 * in core.retired_rows; returns how many. A file that loaded no row retires nothing (an unreadable
 * replacement must not empty a table).
 */
export async function retireRows(client: pg.ClientBase, replacement: Replacement, programmeId: string, fileSha256: string): Promise<number> {
  const { table, kind, keyId, keyPeriod, periodLabel, scope, alsoDelete, rowData } = replacement;
  const result = await client.query(
    `WITH loaded AS (SELECT key_id, key_period FROM raw.replacement_keys WHERE file_sha256 = $2),
     gone AS (
       DELETE FROM ${table} AS stored
        WHERE stored.programme_id = $1 AND EXISTS (SELECT 1 FROM loaded) AND ${scope ?? 'true'}
          AND NOT EXISTS (SELECT 1 FROM loaded WHERE loaded.key_id = stored.${keyId} AND loaded.key_period = stored.${keyPeriod})
       RETURNING stored.*)
     ${alsoDelete ?? ''}
     INSERT INTO core.retired_rows (programme_id, kind, row_key, row_data, source_file_sha256, retired_by_file_sha256)
     SELECT programme_id, '${kind}', ${keyId} || ', ${periodLabel} ' || ${keyPeriod}, ${rowData ?? 'to_jsonb(gone)'}, source_file_sha256, $2 FROM gone`,
    [programmeId, fileSha256],
  );
  return result.rowCount ?? 0;
}

/**
 * Exact integer keys for duplicate detection: ids are numbered as first seen, so the key of (id, n) is
 * id number × `span` + n. A 法人番号 is its own number (13 digits × 256 stays below 2^53).
 */
function keyMaker(unitOfAnalysis: UnitOfAnalysis, span: number) {
  const numbers = new Map<string, number>();
  return (id: string, offset: number): number => {
    if (unitOfAnalysis === 'firm') return Number(id) * span + offset;
    let number = numbers.get(id);
    if (number === undefined) {
      number = numbers.size;
      numbers.set(id, number);
    }
    return number * span + offset;
  };
}

/** The id of the unit an applicant row applies for: the column the unit of analysis names. */
function unitIdOf(row: ApplicantRow, unitOfAnalysis: UnitOfAnalysis): string {
  return unitOfAnalysis === 'firm' ? row.corporate_number : (row[UNIT_KEY_COLUMNS[unitOfAnalysis]] ?? '');
}

/**
 * Whether this load has met a row that was already stored. Until it does, rows are added without arbitration: a new
 * programme, round or year is the common case, and ON CONFLICT's per-row arbitration made the firm and application
 * merges about 40 % slower. Staged rows go in with a plain INSERT in key order (the index pages they touch are then
 * neighbours: about 15 % faster once the indexes outgrow the buffer cache); outcome rows are copied straight into
 * their table (StraightIn). Either fails whole with a unique violation on meeting a stored row; the batch then
 * merges from a savepoint, and so does the rest of the load.
 */
export interface LoadState {
  metStoredRows: boolean;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Runs `write` from a savepoint while the load has met no stored row, and returns its result. On a unique violation
 * it rolls back to the savepoint, notes that a stored row was met, and returns undefined: the caller then merges.
 */
export async function beforeStoredRowsMet<T>(client: pg.ClientBase, state: LoadState, write: () => Promise<T>): Promise<T | undefined> {
  if (state.metStoredRows) return undefined;
  await client.query('SAVEPOINT before_stored_rows');
  try {
    const result = await write();
    await client.query('RELEASE SAVEPOINT before_stored_rows');
    return result;
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await client.query('ROLLBACK TO SAVEPOINT before_stored_rows');
    state.metStoredRows = true;
    return undefined;
  }
}

/** Runs `merge` (an INSERT … ON CONFLICT … statement), as the plain INSERT before its ON CONFLICT while no stored row was met. */
async function insertOrMerge(client: pg.ClientBase, state: LoadState, merge: string, params: readonly unknown[]): Promise<number> {
  const plain = merge.slice(0, merge.search(/\sON CONFLICT\b/));
  const inserted = await beforeStoredRowsMet(client, state, async () => (await client.query(plain, [...params])).rowCount ?? 0);
  return inserted ?? (await client.query(merge, [...params])).rowCount ?? 0;
}

/** A staged applicant whose firm withdrew its consent: a later file cannot give it back. */
const WITHDRAWN = `EXISTS (SELECT 1 FROM core.consent_withdrawals w WHERE w.programme_id = $1 AND w.corporate_number = staged.corporate_number)`;

export function applicantTarget(declaration: FileDeclaration): BulkTarget<ApplicantRow> {
  const unit = declaration.unitOfAnalysis;
  const keyColumn = UNIT_KEY_COLUMNS[unit];
  const firmsState: LoadState = { metStoredRows: false };
  const applicationsState: LoadState = { metStoredRows: false };
  return {
    validator: (header) => {
      const key = keyMaker(unit, 100);
      return createRecordValidator({
        schema: applicantRowSchema,
        requiredColumns: APPLICANT_COLUMNS,
        // The catalogue makes a project or site programme's id column required (checked in schemas/catalogue.ts): it must be there and never empty.
        requiredByProgramme: declaration.requiredByProgramme,
        columnNames: declaration.columnNames,
        header,
        keyOf: (row) => key(unitIdOf(row, unit), row.call_round),
        describeKey: (row) => `${unit === 'firm' ? '法人番号' : keyColumn} ${unitIdOf(row, unit)}, call round ${row.call_round}`,
      });
    },
    withoutConsent: (row) => !row.consent,
    staging: {
      table: 'ingest_applicants',
      columns: `source_line integer, unit_id text, corporate_number text, firm_name text, industry_code text, prefecture_code text,
        call_round integer, application_date date, decision text, award_fiscal_year integer, subsidy_amount_yen bigint,
        requested_amount_yen bigint, employees integer, consent boolean, review_score double precision, site_kind text, consortium_members text,
        representative_name text, address text, phone text, email text`,
    },
    stagingLine: (line, row) =>
      copyTextLine([
        line,
        unitIdOf(row, unit),
        row.corporate_number,
        row.firm_name,
        row.industry_code,
        row.prefecture_code,
        row.call_round,
        row.application_date,
        row.decision,
        row.award_fiscal_year,
        row.subsidy_amount_yen,
        row.requested_amount_yen,
        row.employees,
        row.consent,
        row.review_score,
        row.site_kind,
        row.consortium_members.length ? row.consortium_members.join(';') : null,
        // Personal data is kept only for applicants who consented, and never leaves the restricted schema.
        row.consent ? row.representative_name : null,
        row.consent ? row.address : null,
        row.consent ? row.phone : null,
        row.consent ? row.email : null,
      ]),
    builtBeside: builtBeside(APPLICATIONS_BESIDE),
    async merge(client, programmeId, fileSha256, besideTable) {
      // The last row of the batch naming a firm sets its attributes. A 法人番号 is 13 digits (checked by the parse and
      // the table), whose order by bytes is the database collation's: sorted by bytes, the batch's sort took about a
      // quarter less time (psql, 1,000,000 firms: 0.47 s against 0.64 s) and the rows still reach the key in its order.
      await insertOrMerge(client, firmsState, `
        INSERT INTO core.firms (corporate_number, firm_name, industry_code, prefecture_code)
        SELECT DISTINCT ON (corporate_number COLLATE "C") corporate_number, firm_name, industry_code, prefecture_code
          FROM pg_temp.ingest_applicants ORDER BY corporate_number COLLATE "C", source_line DESC
        ON CONFLICT (corporate_number) DO UPDATE
          SET firm_name = excluded.firm_name, industry_code = excluded.industry_code, prefecture_code = excluded.prefecture_code
          WHERE (core.firms.firm_name, core.firms.industry_code, core.firms.prefecture_code)
            IS DISTINCT FROM (excluded.firm_name, excluded.industry_code, excluded.prefecture_code)`, []);
      if (unit !== 'firm') await mergeUnits(client, unit, programmeId, fileSha256);
      const applications = `SELECT $1, unit_id, corporate_number, call_round, application_date, decision, award_fiscal_year,
                subsidy_amount_yen, requested_amount_yen, employees, consent AND NOT ${WITHDRAWN}, review_score, $2, source_line
           FROM pg_temp.ingest_applicants staged`;
      const written = besideTable
        ? ((await client.query(applicationsBuiltBeside(besideTable, applications), [programmeId, fileSha256])).rowCount ?? 0)
        : await insertOrMerge(client, applicationsState, applicationMerge(applications), [programmeId, fileSha256]);
      await client.query(
        `INSERT INTO restricted.applicant_contacts (programme_id, unit_id, corporate_number, call_round, representative_name, address, phone, email, source_file_sha256)
         SELECT $1, unit_id, corporate_number, call_round, representative_name, address, phone, email, $2
           FROM pg_temp.ingest_applicants staged
          WHERE consent AND NOT ${WITHDRAWN} AND num_nonnulls(representative_name, address, phone, email) > 0
         ON CONFLICT (programme_id, unit_id, call_round) DO UPDATE
           SET corporate_number = excluded.corporate_number, representative_name = excluded.representative_name, address = excluded.address,
               phone = excluded.phone, email = excluded.email, source_file_sha256 = excluded.source_file_sha256`,
        [programmeId, fileSha256],
      );
      return written;
    },
    loadedTables: ['core.firms', 'core.applications'],
    replacement: {
      table: 'core.applications',
      kind: 'applicants',
      keyId: 'unit_id',
      keyPeriod: 'call_round',
      periodLabel: 'call round',
      // The file speaks for the call rounds it holds: an earlier round's applicants stay.
      scope: 'stored.call_round IN (SELECT key_period FROM loaded)',
      // Contact data of a retired application goes with it (data-modifying WITH parts always run).
      alsoDelete: `, contacts AS (
        DELETE FROM restricted.applicant_contacts c USING gone
         WHERE c.programme_id = gone.programme_id AND c.unit_id = gone.unit_id AND c.call_round = gone.call_round)`,
    },
  };
}

/** Projects and sites: the unit (its lead firm or operator, prefecture and kind) and a project's consortium members. */
async function mergeUnits(client: pg.ClientBase, unit: Exclude<UnitOfAnalysis, 'firm'>, programmeId: string, fileSha256: string): Promise<void> {
  await client.query(
    `INSERT INTO core.units (programme_id, unit_id, unit_kind, lead_corporate_number, prefecture_code, site_kind, source_file_sha256)
     SELECT DISTINCT ON (unit_id) $1, unit_id, $3, corporate_number, prefecture_code, site_kind, $2
       FROM pg_temp.ingest_applicants ORDER BY unit_id, source_line DESC
     ON CONFLICT (programme_id, unit_id) DO UPDATE
       SET lead_corporate_number = excluded.lead_corporate_number, prefecture_code = excluded.prefecture_code,
           site_kind = excluded.site_kind, source_file_sha256 = excluded.source_file_sha256
       WHERE (core.units.lead_corporate_number, core.units.prefecture_code, core.units.site_kind)
         IS DISTINCT FROM (excluded.lead_corporate_number, excluded.prefecture_code, excluded.site_kind)`,
    [programmeId, fileSha256, unit],
  );
  if (unit !== 'project') return;
  await client.query(
    `INSERT INTO core.unit_members (programme_id, unit_id, corporate_number)
     SELECT DISTINCT $1, unit_id, member
       FROM pg_temp.ingest_applicants CROSS JOIN LATERAL unnest(string_to_array(consortium_members, ';')) AS member
      WHERE member <> corporate_number
     ON CONFLICT DO NOTHING`,
    [programmeId],
  );
}

/**
 * Outcome rows: `measureSlots` are the programme's measure names in the order of their places in measure_values, as
 * core.outcome_measures holds them (measure-slots.ts). There is no default: the declared order is not the stored one
 * for a programme whose places came from migration 0053 (in the order of the names) or from an earlier catalogue entry.
 */
export function outcomeTarget(declaration: FileDeclaration, measureSlots: readonly (string | null)[]): BulkTarget<OutcomeRow> {
  const unit = declaration.unitOfAnalysis;
  const outcomesState: LoadState = { metStoredRows: false };
  const schema = outcomeRowSchema(unit, declaration.measures);
  const measureValues = measureValuesWriter(measureSlots);
  return {
    validator: (header) => {
      const key = keyMaker(unit, 256);
      return createRecordValidator({
        schema,
        requiredColumns: outcomeColumns(unit, declaration.measures),
        requiredByProgramme: declaration.requiredByProgramme,
        columnNames: declaration.columnNames,
        header,
        keyOf: (row) => key(row.unit_id, row.fiscal_year - 1900),
        describeKey: describeOutcomeKey(unit),
      });
    },
    // Consent is given with the application; outcomes of non-consenting applicants are left out at analysis.
    withoutConsent: () => false,
    staging: { table: 'ingest_outcomes', columns: 'source_line integer, unit_id text, fiscal_year integer, measure_values float8[]' },
    // Written out rather than through copyTextLine: the line and the year are whole numbers and the measures' literal
    // holds no character COPY escapes, so only the unit id is escaped (this runs once per row of a national file).
    stagingLine: (line, row) => `${line}\t${copyTextField(row.unit_id)}\t${row.fiscal_year}\t${measureValues(row.measures)}\n`,
    // A new programme or year is the common case: its rows go straight in (PostgreSQL's time per 50,000-row batch
    // about 0.34 s, against 0.46 s staged and inserted).
    straightIn: {
      table: 'core.outcomes',
      columnNames: 'source_line, unit_id, fiscal_year, measure_values',
      state: outcomesState,
    },
    // Its rows are copied there straight (writeRows in load-file.ts): this merge serves the rows that meet the key.
    builtBeside: builtBeside(OUTCOMES_BESIDE),
    async merge(client, programmeId, fileSha256) {
      return insertOrMerge(client, outcomesState, outcomeMerge('SELECT $1, unit_id, fiscal_year, measure_values, $2, source_line FROM pg_temp.ingest_outcomes'), [programmeId, fileSha256]);
    },
    loadedTables: ['core.outcomes'],
    replacement: {
      table: 'core.outcomes',
      kind: 'outcomes',
      keyId: 'unit_id',
      keyPeriod: 'fiscal_year',
      periodLabel: 'fiscal year',
      // The archive keeps the measures by name, as the row held them before migration 0053.
      rowData: "to_jsonb(gone) - 'measure_values' || jsonb_build_object('measures', core.outcome_measures_json(gone.programme_id, gone.measure_values))",
    },
  };
}

export function statisticsTarget(declaration: FileDeclaration): BulkTarget<StatisticsRow> {
  const schema = statisticsRowSchema(declaration.statisticsIndicators);
  return {
    validator: (header) => {
      const indicators = new Map(declaration.statisticsIndicators.map((indicator, index) => [indicator, index]));
      return createRecordValidator({
        schema,
        requiredColumns: STATISTICS_COLUMNS,
        columnNames: declaration.columnNames,
        header,
        keyOf: (row) => (indicators.get(row.indicator) ?? 0) * 256 + (row.fiscal_year - 1900),
        describeKey: (row) => `indicator ${row.indicator}, fiscal year ${row.fiscal_year}`,
      });
    },
    withoutConsent: () => false,
    staging: { table: 'ingest_statistics', columns: 'source_line integer, indicator_id text, fiscal_year integer, value double precision, source text, provenance text' },
    stagingLine: (line, row) => copyTextLine([line, row.indicator, row.fiscal_year, row.value, row.source, row.provenance]),
    async merge(client, programmeId, fileSha256) {
      const statistics = await client.query(
        `INSERT INTO core.official_statistics (programme_id, indicator_id, fiscal_year, value, source, provenance, source_file_sha256, source_line)
         SELECT $1, indicator_id, fiscal_year, value, source, provenance, $2, source_line
           FROM pg_temp.ingest_statistics
         ON CONFLICT (programme_id, indicator_id, fiscal_year) DO UPDATE
           SET value = excluded.value, source = excluded.source, provenance = excluded.provenance,
               source_file_sha256 = excluded.source_file_sha256, source_line = excluded.source_line
           WHERE (core.official_statistics.value, core.official_statistics.source, core.official_statistics.provenance)
             IS DISTINCT FROM (excluded.value, excluded.source, excluded.provenance)`,
        [programmeId, fileSha256],
      );
      return statistics.rowCount ?? 0;
    },
    loadedTables: [],
    replacement: { table: 'core.official_statistics', kind: 'statistics', keyId: 'indicator_id', keyPeriod: 'fiscal_year', periodLabel: 'fiscal year' },
  };
}

/** An outcome target was asked for without the places of the programme's measures: a fault in the caller. */
export class MissingMeasureSlotsError extends Error {
  constructor(readonly measureNames: readonly string[]) {
    super(
      `an outcome file (measures ${measureNames.join(', ')}) cannot be written without the places of its measures: pass outcomeMeasureSlots(db, programmeId, names) (ingest/loading/measure-slots.ts) to bulkTargetFor`,
    );
    this.name = 'MissingMeasureSlotsError';
  }
}

/** Where a file of this kind lands, for this programme's declaration (an outcome file: in its measures' places). */
export function bulkTargetFor(declaration: FileDeclaration, measureSlots?: readonly (string | null)[]): BulkTarget<unknown> {
  switch (declaration.kind) {
    case 'applicants':
      return applicantTarget(declaration) as BulkTarget<unknown>;
    case 'outcomes':
      if (!measureSlots) throw new MissingMeasureSlotsError(declaration.measures.map((measure) => measure.name));
      return outcomeTarget(declaration, measureSlots) as BulkTarget<unknown>;
    case 'statistics':
      return statisticsTarget(declaration) as BulkTarget<unknown>;
  }
}
