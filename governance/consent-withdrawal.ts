/**
 * Withdrawal of a firm's consent to the use of its data in one programme. In one transaction: its contact
 * data (the only personal data kept) is erased, its applications count as without consent (so no later
 * KPI or estimate uses them, and the next run's key differs), and an audit row records when and why. The
 * applicant merge consults the audit table, so a later file cannot give the consent or the contacts back.
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { corporateNumberProblem } from '../schemas/corporate-number.js';
import type { Database } from '../sql/database.js';
import { APPLICATIONS_BESIDE } from '../ingest/loading/application-rows.js';
import { buildingTableName } from '../ingest/loading/built-beside.js';

export const withdrawalRequestSchema = z.object({
  programmeId: z.string().min(1, '--programme ID is required'),
  corporateNumber: z
    .string({ error: '--corporate-number N is required' })
    .transform((value) => value.replace(/[-\s]/g, ''))
    .superRefine((value, context) => {
      const problem = corporateNumberProblem(value);
      if (problem) context.addIssue({ code: 'custom', message: `--corporate-number: ${problem.message}` });
    }),
  reason: z.string().max(1000, '--reason is limited to 1,000 characters; keep personal data out of it').optional(),
});

export type WithdrawalRequest = z.output<typeof withdrawalRequestSchema>;

export interface WithdrawalOutcome {
  readonly programmeId: string;
  readonly corporateNumber: string;
  readonly withdrawnAt: Date;
  /** Applications that had consent and now count as without it. */
  readonly applicationsExcluded: number;
  readonly contactsErased: number;
  /** True when the firm had withdrawn before: the first record stands. */
  readonly alreadyWithdrawn: boolean;
}

/**
 * Applications of the firm held beside core.applications while the programme's first applicant file loads
 * (ingest/loading/built-beside.ts) count as without consent too; returns how many had it.
 */
async function heldApplicationsExcluded(trx: Kysely<Database>, request: WithdrawalRequest): Promise<number> {
  const held = await trx
    .selectFrom('raw.input_files')
    .select('file_sha256')
    .where('programme_id', '=', request.programmeId)
    .where('kind', '=', 'applicants')
    .where('status', '=', 'loading')
    .where('applications_built_beside', '=', true)
    .execute();
  let excluded = 0;
  for (const { file_sha256 } of held) {
    const table = buildingTableName(APPLICATIONS_BESIDE, file_sha256);
    const { rows } = await sql<{ exists: boolean }>`SELECT to_regclass(${`core.${table}`}) IS NOT NULL AS exists`.execute(trx);
    if (!rows[0].exists) continue;
    const updated = await sql`UPDATE ${sql.table(`core.${table}`)} SET consent = false
      WHERE corporate_number = ${request.corporateNumber} AND consent`.execute(trx);
    excluded += Number(updated.numAffectedRows ?? 0);
  }
  return excluded;
}

export async function withdrawConsent(db: Kysely<Database>, request: WithdrawalRequest): Promise<WithdrawalOutcome> {
  return db.transaction().execute(async (trx) => {
    // Withdrawals, and a first applicant file's attachment (ingest/loading/application-rows.ts), take this lock first:
    // applications held beside core.applications while their file loads are then either corrected by the attachment
    // (a withdrawal committed before it) or found here (a withdrawal waiting for it).
    await sql`LOCK TABLE core.consent_withdrawals IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
    const excluded = await trx
      .updateTable('core.applications')
      .set({ consent: false })
      .where('programme_id', '=', request.programmeId)
      .where('corporate_number', '=', request.corporateNumber)
      .where('consent', '=', true)
      .executeTakeFirst();
    const excludedWhileHeld = await heldApplicationsExcluded(trx, request);
    const erased = await trx
      .deleteFrom('restricted.applicant_contacts')
      .where('programme_id', '=', request.programmeId)
      .where('corporate_number', '=', request.corporateNumber)
      .executeTakeFirst();
    const applicationsExcluded = Number(excluded.numUpdatedRows) + excludedWhileHeld;
    const contactsErased = Number(erased.numDeletedRows);
    const inserted = await trx
      .insertInto('core.consent_withdrawals')
      .values({
        programme_id: request.programmeId,
        corporate_number: request.corporateNumber,
        reason: request.reason ?? null,
        applications_excluded: applicationsExcluded,
        contacts_erased: contactsErased,
      })
      .onConflict((conflict) => conflict.columns(['programme_id', 'corporate_number']).doNothing())
      .returning('withdrawn_at')
      .executeTakeFirst();
    const record = inserted
      ? inserted
      : await trx
          .selectFrom('core.consent_withdrawals')
          .select('withdrawn_at')
          .where('programme_id', '=', request.programmeId)
          .where('corporate_number', '=', request.corporateNumber)
          .executeTakeFirstOrThrow();
    return { programmeId: request.programmeId, corporateNumber: request.corporateNumber, withdrawnAt: record.withdrawn_at, applicationsExcluded, contactsErased, alreadyWithdrawn: !inserted };
  });
}

export interface WithdrawalRecord {
  readonly programmeId: string;
  readonly corporateNumber: string;
  readonly withdrawnAt: Date;
  readonly reason: string | null;
  readonly applicationsExcluded: number;
  readonly contactsErased: number;
}

export async function listWithdrawals(db: Kysely<Database>, programmeId?: string): Promise<WithdrawalRecord[]> {
  let query = db.selectFrom('core.consent_withdrawals').selectAll().orderBy('withdrawn_at').orderBy('corporate_number');
  if (programmeId) query = query.where('programme_id', '=', programmeId);
  const rows = await query.execute();
  return rows.map((row) => ({
    programmeId: row.programme_id,
    corporateNumber: row.corporate_number,
    withdrawnAt: row.withdrawn_at,
    reason: row.reason,
    applicationsExcluded: row.applications_excluded,
    contactsErased: row.contacts_erased,
  }));
}

/** The programme's withdrawn firms, sorted: part of a run's key, since they change its results. */
export async function withdrawnFirms(db: Kysely<Database>, programmeId: string): Promise<string[]> {
  const { rows } = await sql<{ corporate_number: string }>`
    SELECT corporate_number FROM core.consent_withdrawals WHERE programme_id = ${programmeId} ORDER BY corporate_number`.execute(db);
  return rows.map((row) => row.corporate_number);
}
