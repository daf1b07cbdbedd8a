import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { listWithdrawals, withdrawalRequestSchema, withdrawConsent } from '../../governance/consent-withdrawal.js';
import { getProgramme } from '../../programmes/catalogue.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format.js';
import { openDatabaseReady } from '../services.js';

export async function consentCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'withdraw' && action !== 'list') throw new UsageError(`unknown action "${action ?? ''}" for ebpm consent`);
  const { values } = parseArgs({
    args: rest,
    options: { programme: { type: 'string' }, 'corporate-number': { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (values.programme) getProgramme(values.programme);
  const request =
    action === 'withdraw' ? withdrawalRequestSchema.safeParse({ programmeId: values.programme ?? '', corporateNumber: values['corporate-number'], reason: values.reason }) : null;
  if (request && !request.success) throw new UsageError(request.error.issues.map((issue) => issue.message).join('; '));
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    if (request) {
      const outcome = await withdrawConsent(db, request.data);
      if (values.json) return void console.log(JSON.stringify(outcome));
      console.log(
        outcome.alreadyWithdrawn
          ? `法人番号 ${outcome.corporateNumber} withdrew its consent for ${outcome.programmeId} on ${outcome.withdrawnAt.toISOString()}; that record stands.`
          : `Consent of 法人番号 ${outcome.corporateNumber} for ${outcome.programmeId} withdrawn at ${outcome.withdrawnAt.toISOString()}: ` +
              `${outcome.contactsErased} contact record(s) erased, ${outcome.applicationsExcluded} application(s) excluded from every later run.` +
              (outcome.applicationsExcluded === 0 && outcome.contactsErased === 0
                ? `\nNo application of this firm is loaded for ${outcome.programmeId} yet: the withdrawal is recorded and applies to files loaded later. Check the number if you expected one.`
                : '\nThe next evaluation run of the programme leaves the firm out; earlier runs keep their results.'),
      );
      return;
    }
    const withdrawals = await listWithdrawals(db, values.programme);
    if (values.json) return void console.log(JSON.stringify(withdrawals));
    console.log(
      withdrawals.length === 0
        ? 'No consent has been withdrawn.'
        : formatTable(
            ['programme', '法人番号', 'withdrawn at', 'applications excluded', 'contacts erased', 'reason'],
            withdrawals.map((w) => [w.programmeId, w.corporateNumber, w.withdrawnAt.toISOString(), String(w.applicationsExcluded), String(w.contactsErased), w.reason ?? '']),
          ),
    );
  } finally {
    await db.destroy();
  }
}
