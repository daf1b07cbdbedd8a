/**
 * Where each kind of input file lands, as set-based SQL: a batch is copied (COPY) into a session-local
 * staging table, then merged into the core tables in a few statements. A row that is already stored
 * with the same values is left as it is, so it keeps its lineage and a corrected file rewrites only
 * what it changes.
 */
import type pg from 'pg';
import { applicantKey, applicantRowSchema, APPLICANT_COLUMNS, describeApplicantKey, type ApplicantRow } from '../schemas/applicant.js';
import { describeOutcomeKey, outcomeKey, outcomeRowSchema, OUTCOME_COLUMNS, type OutcomeRow } from '../schemas/outcome.js';
import { copyTextLine } from './copy-text.js';
import { createRecordValidator, type RecordValidator } from './validate-records.js';

export interface BulkTarget<Row> {
  /** `requiredByProgramme`: columns the programme's data requirements make required beyond the schema's. */
  readonly validator: (header: readonly string[], requiredByProgramme: readonly string[]) => RecordValidator<Row>;
  /** True for a row whose applicant did not consent to data use. */
  withoutConsent(row: Row): boolean;
  /** Temporary table the batch is copied into (emptied at every commit). */
  readonly staging: { readonly table: string; readonly columns: string };
  /** One COPY text line of the staging table. */
  stagingLine(line: number, row: Row): string;
  /** Merges the staged batch into the core tables; returns how many rows were new or changed. */
  merge(client: pg.ClientBase, programmeId: string, fileSha256: string): Promise<number>;
}

export const applicantTarget: BulkTarget<ApplicantRow> = {
  validator: (header, requiredByProgramme) =>
    createRecordValidator({ schema: applicantRowSchema, requiredColumns: APPLICANT_COLUMNS, requiredByProgramme, header, keyOf: applicantKey, describeKey: describeApplicantKey }),
  withoutConsent: (row) => !row.consent,
  staging: {
    table: 'ingest_applicants',
    columns: `source_line integer, corporate_number text, firm_name text, industry_code text, prefecture_code text,
      call_round integer, application_date date, decision text, award_fiscal_year integer, subsidy_amount_yen bigint,
      requested_amount_yen bigint, employees integer, consent boolean,
      representative_name text, address text, phone text, email text`,
  },
  stagingLine: (line, row) =>
    copyTextLine([
      line,
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
      // Personal data is kept only for applicants who consented, and never leaves the restricted schema.
      row.consent ? row.representative_name : null,
      row.consent ? row.address : null,
      row.consent ? row.phone : null,
      row.consent ? row.email : null,
    ]),
  async merge(client, programmeId, fileSha256) {
    // The last row of the batch naming a firm sets its attributes.
    await client.query(`
      INSERT INTO core.firms (corporate_number, firm_name, industry_code, prefecture_code)
      SELECT DISTINCT ON (corporate_number) corporate_number, firm_name, industry_code, prefecture_code
        FROM pg_temp.ingest_applicants ORDER BY corporate_number, source_line DESC
      ON CONFLICT (corporate_number) DO UPDATE
        SET firm_name = excluded.firm_name, industry_code = excluded.industry_code, prefecture_code = excluded.prefecture_code
        WHERE (core.firms.firm_name, core.firms.industry_code, core.firms.prefecture_code)
          IS DISTINCT FROM (excluded.firm_name, excluded.industry_code, excluded.prefecture_code)`);
    const applications = await client.query(
      `INSERT INTO core.applications (programme_id, corporate_number, call_round, application_date, decision, award_fiscal_year,
         subsidy_amount_yen, requested_amount_yen, employees_at_application, consent, source_file_sha256, source_line)
       SELECT $1, corporate_number, call_round, application_date, decision, award_fiscal_year,
              subsidy_amount_yen, requested_amount_yen, employees, consent, $2, source_line
         FROM pg_temp.ingest_applicants
       ON CONFLICT (programme_id, corporate_number, call_round) DO UPDATE
         SET application_date = excluded.application_date, decision = excluded.decision,
             award_fiscal_year = excluded.award_fiscal_year, subsidy_amount_yen = excluded.subsidy_amount_yen,
             requested_amount_yen = excluded.requested_amount_yen, employees_at_application = excluded.employees_at_application,
             consent = excluded.consent, source_file_sha256 = excluded.source_file_sha256, source_line = excluded.source_line
         WHERE (core.applications.application_date, core.applications.decision, core.applications.award_fiscal_year,
                core.applications.subsidy_amount_yen, core.applications.requested_amount_yen,
                core.applications.employees_at_application, core.applications.consent)
           IS DISTINCT FROM (excluded.application_date, excluded.decision, excluded.award_fiscal_year, excluded.subsidy_amount_yen,
                excluded.requested_amount_yen, excluded.employees_at_application, excluded.consent)`,
      [programmeId, fileSha256],
    );
    await client.query(
      `INSERT INTO restricted.applicant_contacts (programme_id, corporate_number, call_round, representative_name, address, phone, email, source_file_sha256)
       SELECT $1, corporate_number, call_round, representative_name, address, phone, email, $2
         FROM pg_temp.ingest_applicants
        WHERE consent AND num_nonnulls(representative_name, address, phone, email) > 0
       ON CONFLICT (programme_id, corporate_number, call_round) DO UPDATE
         SET representative_name = excluded.representative_name, address = excluded.address, phone = excluded.phone,
             email = excluded.email, source_file_sha256 = excluded.source_file_sha256`,
      [programmeId, fileSha256],
    );
    return applications.rowCount ?? 0;
  },
};

export const outcomeTarget: BulkTarget<OutcomeRow> = {
  validator: (header, requiredByProgramme) =>
    createRecordValidator({ schema: outcomeRowSchema, requiredColumns: OUTCOME_COLUMNS, requiredByProgramme, header, keyOf: outcomeKey, describeKey: describeOutcomeKey }),
  // Consent is given with the application; outcomes of non-consenting applicants are left out at analysis.
  withoutConsent: () => false,
  staging: {
    table: 'ingest_outcomes',
    columns: 'source_line integer, corporate_number text, fiscal_year integer, labour_productivity double precision, average_wage double precision, employees integer',
  },
  stagingLine: (line, row) => copyTextLine([line, row.corporate_number, row.fiscal_year, row.labour_productivity, row.average_wage, row.employees]),
  async merge(client, programmeId, fileSha256) {
    const outcomes = await client.query(
      `INSERT INTO core.outcomes (programme_id, corporate_number, fiscal_year, labour_productivity, average_wage, employees, source_file_sha256, source_line)
       SELECT $1, corporate_number, fiscal_year, labour_productivity, average_wage, employees, $2, source_line
         FROM pg_temp.ingest_outcomes
       ON CONFLICT (programme_id, corporate_number, fiscal_year) DO UPDATE
         SET labour_productivity = excluded.labour_productivity, average_wage = excluded.average_wage, employees = excluded.employees,
             source_file_sha256 = excluded.source_file_sha256, source_line = excluded.source_line
         WHERE (core.outcomes.labour_productivity, core.outcomes.average_wage, core.outcomes.employees)
           IS DISTINCT FROM (excluded.labour_productivity, excluded.average_wage, excluded.employees)`,
      [programmeId, fileSha256],
    );
    return outcomes.rowCount ?? 0;
  },
};

/** Where a file of this kind lands. */
export function bulkTargetFor(kind: 'applicants' | 'outcomes'): BulkTarget<unknown> {
  return (kind === 'applicants' ? applicantTarget : outcomeTarget) as BulkTarget<unknown>;
}
