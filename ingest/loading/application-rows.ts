/**
 * How applications reach core.applications: merged through its key, or, for a programme's first applicant file,
 * built beside it and attached whole as the programme's partition (migration 0049; built-beside.ts says how). The
 * firms, units and contact data a file names go in through their keys batch by batch either way (bulk-targets.ts).
 */
import type pg from 'pg';
import type { BesideTable } from './built-beside.js';

const COLUMNS = `programme_id, unit_id, corporate_number, call_round, application_date, decision, award_fiscal_year,
           subsidy_amount_yen, requested_amount_yen, employees_at_application, consent, review_score, source_file_sha256, source_line`;

/**
 * The merge of applications into core.applications: `rows` selects the table's columns in COLUMNS' order; a stored
 * application with the same values is left as it is (it keeps its lineage). In key order, so the index pages written
 * are neighbours.
 */
export function applicationMerge(rows: string): string {
  return `INSERT INTO core.applications (${COLUMNS})
         ${rows}
          ORDER BY unit_id, call_round
         ON CONFLICT (programme_id, unit_id, call_round) DO UPDATE
           SET corporate_number = excluded.corporate_number, application_date = excluded.application_date, decision = excluded.decision,
               award_fiscal_year = excluded.award_fiscal_year, subsidy_amount_yen = excluded.subsidy_amount_yen,
               requested_amount_yen = excluded.requested_amount_yen, employees_at_application = excluded.employees_at_application,
               consent = excluded.consent, review_score = excluded.review_score, source_file_sha256 = excluded.source_file_sha256, source_line = excluded.source_line
           WHERE (core.applications.corporate_number, core.applications.application_date, core.applications.decision, core.applications.award_fiscal_year,
                  core.applications.subsidy_amount_yen, core.applications.requested_amount_yen,
                  core.applications.employees_at_application, core.applications.consent, core.applications.review_score)
             IS DISTINCT FROM (excluded.corporate_number, excluded.application_date, excluded.decision, excluded.award_fiscal_year, excluded.subsidy_amount_yen,
                  excluded.requested_amount_yen, excluded.employees_at_application, excluded.consent, excluded.review_score)`;
}

/** The applications built beside name a firm that is not in core.firms (deleted by hand while the file loaded?). */
export class BuiltApplicationsFirmMissingError extends Error {
  constructor(
    readonly table: string,
    readonly corporateNumber: string,
  ) {
    super(
      `the applications held in ${table} name the firm ${corporateNumber}, which is not in core.firms, so they cannot join core.applications. ` +
        `The load wrote that firm with them, and it was deleted since: put its row back in core.firms (corporate_number, firm_name, industry_code, prefecture_code), then run the load again`,
    );
    this.name = 'BuiltApplicationsFirmMissingError';
  }
}

/**
 * A consent withdrawn while the file loaded, applied to the applications built beside at the start of their
 * completion. A withdrawal takes the same lock first (governance/consent-withdrawal.ts) and then changes the
 * applications held beside itself; this catches one that committed while a batch was being written, which that batch
 * did not see. Held until the completion commits (the key builds included: taken after them, a withdrawal holding it
 * would wait for the table the key's build locks, and the completion for it): a withdrawal waiting for it then finds
 * these rows in core.applications.
 */
async function withdrawnConsentApplied(client: pg.ClientBase, table: string, programmeId: string): Promise<void> {
  await client.query('LOCK TABLE core.consent_withdrawals IN SHARE ROW EXCLUSIVE MODE');
  await client.query(
    `UPDATE ${table} AS built SET consent = false
      WHERE built.consent AND EXISTS (SELECT 1 FROM core.consent_withdrawals w WHERE w.programme_id = $1 AND w.corporate_number = built.corporate_number)`,
    [programmeId],
  );
}

/**
 * What core.applications' statement trigger checks of the firms, done on the applications just attached. Each row
 * carries the load's own file, registered and held by the load, so the reference to raw.input_files needs no check.
 */
async function firmsChecked(client: pg.ClientBase, table: string): Promise<void> {
  // An aggregate, not LIMIT 1: the planner then hashes the firms once (0.85 s for 1,000,000 applications) instead of
  // looking each firm up in their index (2.7–3.4 s).
  const { rows } = await client.query<{ missing: string | null }>(
    `SELECT min(built.corporate_number) AS missing FROM ${table} AS built
      WHERE NOT EXISTS (SELECT 1 FROM core.firms f WHERE f.corporate_number = built.corporate_number)`,
  );
  if (rows[0].missing !== null) throw new BuiltApplicationsFirmMissingError(table, rows[0].missing);
}

export const APPLICATIONS_BESIDE: BesideTable = {
  table: 'applications',
  fileKind: 'applicants',
  fileNoun: 'applicant file',
  rowsNoun: 'applications',
  columns: COLUMNS,
  key: 'unit_id, call_round, programme_id',
  indexes: [{ suffix: 'firm', columns: 'corporate_number, programme_id' }],
  partitionName: 'core.application_partition_name',
  writtenAlongside: ['restricted.applicant_contacts', 'core.units'],
  builtBesideColumn: 'applications_built_beside',
  merge: applicationMerge,
  beforeAttach: withdrawnConsentApplied,
  afterAttach: firmsChecked,
};

/** The plain INSERT of the rows `rows` selects into the table built beside (no key there to meet). */
export function applicationsBuiltBeside(table: string, rows: string): string {
  return `INSERT INTO ${table} (${COLUMNS}) ${rows}`;
}
