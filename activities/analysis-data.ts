/** Reads the consenting applicants and their outcomes of one programme, as the analysis modules want them. */
import type { Kysely } from 'kysely';
import type { Database } from '../sql/database.js';

export interface ApplicationRecord {
  readonly corporateNumber: string;
  readonly awarded: boolean;
  readonly awardFiscalYear: number | null;
  readonly applicationDate: string;
  readonly subsidyAmountYen: number | null;
  readonly requestedAmountYen: number;
  readonly employees: number;
}

export interface OutcomeRecordColumns {
  readonly corporateNumber: string[];
  readonly fiscalYear: Int32Array;
  readonly labourProductivity: Float64Array;
  readonly averageWage: Float64Array;
  readonly employees: Float64Array;
}

/** An application with the applicant characteristics a study spec may condition on, by applicant-file field name. */
export function withCharacteristics(application: ApplicationRecord) {
  return {
    ...application,
    characteristics: { employees: application.employees, requested_amount_yen: application.requestedAmountYen },
  };
}

/** Applications whose applicant consented to analysis; rows without consent never reach an estimate. */
export async function readConsentingApplications(db: Kysely<Database>, programmeId: string): Promise<ApplicationRecord[]> {
  const rows = await db
    .selectFrom('core.applications')
    .select(['corporate_number', 'decision', 'award_fiscal_year', 'subsidy_amount_yen', 'requested_amount_yen', 'employees_at_application'])
    .select((eb) => eb.cast<string>('application_date', 'text').as('application_date_text'))
    .where('programme_id', '=', programmeId)
    .where('consent', '=', true)
    .orderBy('corporate_number')
    .orderBy('call_round')
    .execute();
  return rows.map((row) => ({
    corporateNumber: row.corporate_number,
    awarded: row.decision === 'awarded',
    awardFiscalYear: row.award_fiscal_year,
    applicationDate: row.application_date_text,
    subsidyAmountYen: row.subsidy_amount_yen === null ? null : Number(row.subsidy_amount_yen),
    requestedAmountYen: Number(row.requested_amount_yen),
    employees: row.employees_at_application,
  }));
}

/** Outcomes of the programme's consenting applicants, as columns. */
export async function readApplicantOutcomes(db: Kysely<Database>, programmeId: string): Promise<OutcomeRecordColumns> {
  const rows = await db
    .selectFrom('core.outcomes as o')
    .select(['o.corporate_number', 'o.fiscal_year', 'o.labour_productivity', 'o.average_wage', 'o.employees'])
    .where('o.programme_id', '=', programmeId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('core.applications as a')
          .select('a.corporate_number')
          .whereRef('a.corporate_number', '=', 'o.corporate_number')
          .where('a.programme_id', '=', programmeId)
          .where('a.consent', '=', true),
      ),
    )
    .orderBy('o.corporate_number')
    .orderBy('o.fiscal_year')
    .execute();
  return {
    corporateNumber: rows.map((row) => row.corporate_number),
    fiscalYear: Int32Array.from(rows, (row) => row.fiscal_year),
    labourProductivity: Float64Array.from(rows, (row) => row.labour_productivity),
    averageWage: Float64Array.from(rows, (row) => row.average_wage),
    employees: Float64Array.from(rows, (row) => row.employees),
  };
}
