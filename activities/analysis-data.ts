/** Reads the consenting applications of one programme and their units' outcomes, as the analysis modules want them. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../sql/database.js';

export interface ApplicationRecord {
  /** The unit of analysis: the firm's 法人番号, or the project or site id. */
  readonly unitId: string;
  /** The applicant firm: the firm itself, a project's lead applicant or a site's operator. */
  readonly corporateNumber: string;
  readonly awarded: boolean;
  readonly awardFiscalYear: number | null;
  readonly applicationDate: string;
  readonly subsidyAmountYen: number | null;
  readonly requestedAmountYen: number;
  readonly employees: number;
}

/** One row per unit and fiscal year; each declared measure as a column (NaN where it was not reported). */
export interface UnitOutcomeColumns {
  readonly unitId: string[];
  readonly fiscalYear: Int32Array;
  readonly measures: Readonly<Record<string, Float64Array>>;
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
    .select(['unit_id', 'corporate_number', 'decision', 'award_fiscal_year', 'subsidy_amount_yen', 'requested_amount_yen', 'employees_at_application'])
    .select((eb) => eb.cast<string>('application_date', 'text').as('application_date_text'))
    .where('programme_id', '=', programmeId)
    .where('consent', '=', true)
    .orderBy('unit_id')
    .orderBy('call_round')
    .execute();
  return rows.map((row) => ({
    unitId: row.unit_id,
    corporateNumber: row.corporate_number,
    awarded: row.decision === 'awarded',
    awardFiscalYear: row.award_fiscal_year,
    applicationDate: row.application_date_text,
    subsidyAmountYen: row.subsidy_amount_yen === null ? null : Number(row.subsidy_amount_yen),
    requestedAmountYen: Number(row.requested_amount_yen),
    employees: row.employees_at_application,
  }));
}

/** Outcomes of the programme's consenting units, as columns of the named measures. */
export async function readUnitOutcomes(db: Kysely<Database>, programmeId: string, measureNames: readonly string[]): Promise<UnitOutcomeColumns> {
  const rows = await db
    .selectFrom('core.outcomes as o')
    .select(['o.unit_id', 'o.fiscal_year'])
    .select(sql<Record<string, number | null>>`o.measures`.as('measures'))
    .where('o.programme_id', '=', programmeId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('core.applications as a')
          .select('a.unit_id')
          .whereRef('a.unit_id', '=', 'o.unit_id')
          .where('a.programme_id', '=', programmeId)
          .where('a.consent', '=', true),
      ),
    )
    .orderBy('o.unit_id')
    .orderBy('o.fiscal_year')
    .execute();
  const measures = Object.fromEntries(measureNames.map((name) => [name, Float64Array.from(rows, (row) => row.measures[name] ?? Number.NaN)]));
  return { unitId: rows.map((row) => row.unit_id), fiscalYear: Int32Array.from(rows, (row) => row.fiscal_year), measures };
}

/** The programme's loaded official statistics. */
export async function readOfficialStatistics(db: Kysely<Database>, programmeId: string) {
  const rows = await db.selectFrom('core.official_statistics').select(['indicator_id', 'fiscal_year', 'value']).where('programme_id', '=', programmeId).execute();
  return rows.map((row) => ({ indicatorId: row.indicator_id, fiscalYear: row.fiscal_year, value: row.value }));
}
