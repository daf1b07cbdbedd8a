import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestActivities } from '../activities/ingest-file.js';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { runStudy } from '../cli/run-study.js';
import { listWithdrawals, withdrawConsent } from '../governance/consent-withdrawal.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { APPLICANT_COLUMNS } from '../schemas/applicant.js';
import { withCheckDigit } from '../schemas/corporate-number.js';
import type { EvaluateProgrammeInput, EvaluationResult } from '../workflows/index.js';
import { writeCsvFile } from './support/csv-files.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

/** Data that changes after it is loaded: replacement files and consent withdrawal, on a real database. */
const PERSONAL = ['representative_name', 'address', 'phone', 'email'];
const HEADER = [...APPLICANT_COLUMNS, ...PERSONAL].join(',');

function corporateNumber(i: number): string {
  return withCheckDigit(String(300000000000 + i));
}

/** An applicant line of firm i in `round` with `employees`, consenting, with contact data. */
function applicant(i: number, round: number, employees: number, consent = true): string {
  return `${corporateNumber(i)},合成データ株式会社${i},${round},202${round}-07-15,awarded,202${round},5000000,10000000,E,13,${employees},${consent},代表 ${i},東京都千代田区${i},03-0000-${String(i).padStart(4, '0')},firm${i}@example.jp`;
}

let database: TestDatabase;
let scratch: string;

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-data-changes-'));
});
afterAll(async () => {
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

const file = (name: string, lines: readonly string[], header = HEADER): string => writeCsvFile(scratch, name, header, lines);

async function storedApplications(programmeId: string) {
  return database.db
    .selectFrom('core.applications')
    .select(['corporate_number', 'call_round', 'employees_at_application', 'consent', 'source_file_sha256'])
    .where('programme_id', '=', programmeId)
    .orderBy('call_round')
    .orderBy('corporate_number')
    .execute();
}

describe('replacement files', () => {
  const programmeId = 'sme-labour-saving';
  const ingest = (path: string, replaces = false, options = {}) =>
    createIngestActivities(database.db, options).ingestFile({ programmeId, kind: 'applicants', path, ...(replaces ? { replaces: true } : {}) });

  it('retires the rows of its call rounds it no longer holds, updates changed ones, and leaves the rest', async () => {
    const original = await ingest(file('original.csv', [applicant(1, 1, 10), applicant(2, 1, 20), applicant(3, 1, 30), applicant(4, 2, 40)]));
    // An added file does not retire anything: firm 3 stays.
    const added = await ingest(file('added.csv', [applicant(5, 1, 50)]));
    expect(added).toMatchObject({ rowsLoaded: 1, rowsRetired: 0 });

    const corrected = await ingest(file('corrected.csv', [applicant(1, 1, 10), applicant(2, 1, 25), applicant(6, 1, 60)]), true);
    expect(corrected).toMatchObject({ rowsTotal: 3, rowsLoaded: 3, rowsUnchanged: 1, rowsRetired: 2 });

    const stored = await storedApplications(programmeId);
    const byFirm = new Map(stored.map((row) => [`${row.corporate_number}/${row.call_round}`, row]));
    expect([...byFirm.keys()].sort()).toEqual([`${corporateNumber(1)}/1`, `${corporateNumber(2)}/1`, `${corporateNumber(6)}/1`, `${corporateNumber(4)}/2`].sort());
    // Unchanged keeps its lineage; changed and new carry the corrected file's.
    expect(byFirm.get(`${corporateNumber(1)}/1`)?.source_file_sha256).toBe(original.fileSha256);
    expect(byFirm.get(`${corporateNumber(2)}/1`)).toMatchObject({ employees_at_application: 25, source_file_sha256: corrected.fileSha256 });
    // Round 2 is not in the corrected file, so its applicant stays.
    expect(byFirm.get(`${corporateNumber(4)}/2`)?.source_file_sha256).toBe(original.fileSha256);

    const retired = await database.db.selectFrom('core.retired_rows').selectAll().where('retired_by_file_sha256', '=', corrected.fileSha256).orderBy('row_key').execute();
    const retiredOf = (i: number) => retired.find((row) => row.row_key === `${corporateNumber(i)}, call round 1`);
    expect(retired).toHaveLength(2);
    expect(retiredOf(3)).toMatchObject({ kind: 'applicants', source_file_sha256: original.fileSha256, row_data: { employees_at_application: 30 } });
    expect(retiredOf(5)).toMatchObject({ kind: 'applicants', source_file_sha256: added.fileSha256, row_data: { employees_at_application: 50 } });
    expect(retired[0].retired_at).toBeInstanceOf(Date);
    // A retired application's contact data goes with it; the current ones keep theirs.
    const contacts = await database.db.selectFrom('restricted.applicant_contacts').select('corporate_number').where('programme_id', '=', programmeId).execute();
    expect(contacts.map((row) => row.corporate_number).sort()).toEqual([1, 2, 4, 6].map(corporateNumber).sort());
    const quality = await sql<{ replaces_earlier: boolean; rows_retired: number }>`
      SELECT replaces_earlier, rows_retired FROM bi.input_quality WHERE file_sha256 = ${corrected.fileSha256}`.execute(database.db);
    expect(quality.rows).toEqual([{ replaces_earlier: true, rows_retired: 2 }]);
  });

  it('retires nothing when the replacement loaded no row, and retires correctly when its load resumes after a crash', async () => {
    const programme = 'sme-growth-acceleration';
    const load = (path: string, options = {}) => createIngestActivities(database.db, options).ingestFile({ programmeId: programme, kind: 'applicants', path, replaces: true });
    await load(file('growth.csv', [10, 11, 12, 13, 14].map((i) => applicant(i, 1, i))));
    const broken = await load(file('growth-broken.csv', [`${corporateNumber(10)},壊れた行`]));
    expect(broken).toMatchObject({ rowsLoaded: 0, rowsRejected: 1, rowsRetired: 0 });
    expect(await storedApplications(programme)).toHaveLength(5);

    const replacement = file('growth-replacement.csv', [10, 12, 14, 15, 16, 17, 18].map((i) => applicant(i, 1, i)));
    let batches = 0;
    const dying = load(replacement, {
      batchSize: 2,
      onProgress: () => {
        if (++batches === 2) throw new Error('worker died');
      },
    });
    await expect(dying).rejects.toThrow('worker died');
    // Finishing it as an adding load would leave the committed batches' keys unrecorded: refused, with the fix.
    const adding = createIngestActivities(database.db, { batchSize: 2 }).ingestFile({ programmeId: programme, kind: 'applicants', path: replacement });
    await expect(adding).rejects.toThrow(/was started with --replaces and has not finished; run it again with --replaces/);
    // Two batches committed (firms 10, 12, 14 unchanged, 15 new); nothing is retired before the file completes.
    expect(await storedApplications(programme)).toHaveLength(5 + 1);
    const resumed = await load(replacement, { batchSize: 2 });
    expect(resumed).toMatchObject({ rowsTotal: 7, rowsRetired: 2 });
    expect((await storedApplications(programme)).map((row) => row.corporate_number)).toEqual([10, 12, 14, 15, 16, 17, 18].map(corporateNumber).sort());
    const keysLeft = await database.db.selectFrom('raw.replacement_keys').select('key_id').where('file_sha256', '=', resumed.fileSha256).execute();
    expect(keysLeft).toEqual([]);
  });

  it('replaces outcome files as a whole', async () => {
    const programme = 'large-scale-growth-investment';
    const header = 'corporate_number,fiscal_year,labour_productivity,average_wage,employees';
    const line = (i: number, year: number) => `${corporateNumber(i)},${year},${600 + i},${450 + i},${100 + i}`;
    const outcomes = (name: string, lines: string[], replaces: boolean) =>
      createIngestActivities(database.db).ingestFile({ programmeId: programme, kind: 'outcomes', path: file(name, lines, header), ...(replaces ? { replaces: true } : {}) });
    await outcomes('outcomes-1.csv', [line(20, 2022), line(20, 2023), line(21, 2022), line(21, 2023)], false);
    const replaced = await outcomes('outcomes-2.csv', [line(20, 2022), line(20, 2023), line(21, 2022)], true);
    expect(replaced).toMatchObject({ rowsLoaded: 3, rowsUnchanged: 3, rowsRetired: 1 });
    const retired = await database.db.selectFrom('core.retired_rows').select(['kind', 'row_key', 'row_data']).where('retired_by_file_sha256', '=', replaced.fileSha256).execute();
    expect(retired).toEqual([
      {
        kind: 'outcomes',
        row_key: `${corporateNumber(21)}, fiscal year 2023`,
        // The archive keeps the row's measures by name, not the places they had in the table (migration 0053).
        row_data: {
          programme_id: programme,
          unit_id: corporateNumber(21),
          fiscal_year: 2023,
          measures: { labour_productivity: 621, average_wage: 471, employees: 121 },
          source_file_sha256: expect.any(String),
          source_line: 5,
        },
      },
    ]);
  });
});

describe('consent withdrawal', () => {
  const programmeId = 'large-scale-growth-investment';

  it('erases the contact data, excludes the applications, keeps an audit row, and a later file cannot undo it', async () => {
    const withdrawing = 40;
    await createIngestActivities(database.db).ingestFile({ programmeId: 'sme-labour-saving', kind: 'applicants', path: file('other-programme.csv', [applicant(withdrawing, 1, 9)]) });
    const ingest = (name: string, lines: string[]) => createIngestActivities(database.db).ingestFile({ programmeId, kind: 'applicants', path: file(name, lines) });
    await ingest('quantum.csv', [applicant(withdrawing, 1, 9), applicant(withdrawing, 2, 9), applicant(41, 1, 9)]);

    const outcome = await withdrawConsent(database.db, { programmeId, corporateNumber: corporateNumber(withdrawing), reason: '本人からの申出 (2026-12-01)' });
    expect(outcome).toMatchObject({ applicationsExcluded: 2, contactsErased: 2, alreadyWithdrawn: false });
    const contacts = await database.db.selectFrom('restricted.applicant_contacts').select(['programme_id', 'corporate_number']).where('corporate_number', '=', corporateNumber(withdrawing)).execute();
    // Only this programme's consent is withdrawn: the firm's contacts for another programme stay.
    expect(contacts).toEqual([{ programme_id: 'sme-labour-saving', corporate_number: corporateNumber(withdrawing) }]);
    expect((await storedApplications(programmeId)).map((row) => [row.corporate_number, row.call_round, row.consent])).toEqual([
      [corporateNumber(41), 1, true],
      [corporateNumber(withdrawing), 1, false],
      [corporateNumber(withdrawing), 2, false],
    ]);

    // A re-exported file still saying "consent: true", with contact data, changes neither.
    await ingest('quantum-again.csv', [applicant(withdrawing, 1, 12), applicant(withdrawing, 3, 9)]);
    const after = await storedApplications(programmeId);
    expect(after.filter((row) => row.corporate_number === corporateNumber(withdrawing)).map((row) => row.consent)).toEqual([false, false, false]);
    expect(await database.db.selectFrom('restricted.applicant_contacts').select('call_round').where('programme_id', '=', programmeId).where('corporate_number', '=', corporateNumber(withdrawing)).execute()).toEqual([]);

    const again = await withdrawConsent(database.db, { programmeId, corporateNumber: corporateNumber(withdrawing), reason: 'second request' });
    expect(again).toMatchObject({ alreadyWithdrawn: true });
    const listed = await listWithdrawals(database.db, programmeId);
    expect(listed).toEqual([{ programmeId, corporateNumber: corporateNumber(withdrawing), withdrawnAt: outcome.withdrawnAt, reason: '本人からの申出 (2026-12-01)', applicationsExcluded: 2, contactsErased: 2 }]);
    // The audit row holds no personal data: its columns are the key, the times, the reason and the counts.
    const { rows } = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' AND table_name = 'consent_withdrawals' ORDER BY ordinal_position`.execute(database.db);
    expect(rows.map((row) => row.column_name)).toEqual(['programme_id', 'corporate_number', 'withdrawn_at', 'reason', 'applications_excluded', 'contacts_erased']);
  });
});

describe('later runs after a replacement or a withdrawal', () => {
  let temporal: TemporalSession;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(() => temporal?.close());

  const evaluate = async (input: EvaluateProgrammeInput): Promise<EvaluationResult> => {
    const taskQueue = uniqueTaskQueue('data-changes');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    return (await worker.runUntil(runStudy({ client: temporal.client, taskQueue, input }))).result;
  };
  const applicationsCounted = async (runKey: string) => {
    const row = await database.db
      .selectFrom('results.kpi_values')
      .select((eb) => eb.fn.sum<string>('value').as('n'))
      .where('run_key', '=', runKey)
      .where('indicator_id', '=', 'applications_received')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const runRows = async (runKey: string) => database.db.selectFrom('results.kpi_values').selectAll().where('run_key', '=', runKey).orderBy(['indicator_id', 'fiscal_year']).execute();

  it('use only current rows and consenting firms, and leave the earlier runs as they were', async () => {
    const programmeId = 'sme-growth-acceleration';
    const files = writeSyntheticFiles(programmeId, join(scratch, 'study'), { seed: 21, applicants: 400, withInvalidRows: false });
    // Start from an empty programme: an earlier test loaded a few rows for it.
    await sql`DELETE FROM restricted.applicant_contacts WHERE programme_id = ${programmeId}`.execute(database.db);
    await sql`DELETE FROM core.applications WHERE programme_id = ${programmeId}`.execute(database.db);
    const first = await evaluate({ programmeId, applicantsFile: files.applicantsFile, outcomesFile: files.outcomesFile });
    const firstRows = await runRows(first.run.runKey);
    const counted = await applicationsCounted(first.run.runKey);
    const lines = readFileSync(files.applicantsFile, 'utf8').trimEnd().split('\n');
    const consentColumn = lines[0].split(',').indexOf('consent');
    const consenting = (line: string) => line.split(',')[consentColumn] === 'true';
    expect(counted).toBe(lines.slice(1).filter(consenting).length);

    // The corrected export drops five applicants.
    const dropped = lines.slice(1, 6);
    const correctedPath = join(scratch, 'study', 'applicants-corrected.csv');
    writeFileSync(correctedPath, `${[lines[0], ...lines.slice(6)].join('\n')}\n`);
    const second = await evaluate({ programmeId, applicantsFile: correctedPath, outcomesFile: files.outcomesFile, replaces: true });
    expect(second.ingest[0]).toMatchObject({ rowsRetired: 5 });
    expect(second.run.runKey).not.toBe(first.run.runKey);
    expect(await applicationsCounted(second.run.runKey)).toBe(counted - dropped.filter(consenting).length);

    // A consenting firm still in the data withdraws: the same files evaluated again leave it out, under a new run key.
    const withdrawing = lines.slice(6).find(consenting)!.split(',')[0];
    await withdrawConsent(database.db, { programmeId, corporateNumber: withdrawing });
    const third = await evaluate({ programmeId, applicantsFile: correctedPath, outcomesFile: files.outcomesFile, replaces: true });
    expect(third.run.runKey).not.toBe(second.run.runKey);
    expect(await applicationsCounted(third.run.runKey)).toBe(counted - dropped.filter(consenting).length - 1);

    // The earlier runs keep their results, row for row.
    expect(await runRows(first.run.runKey)).toEqual(firstRows);
    expect(await applicationsCounted(second.run.runKey)).toBe(counted - dropped.filter(consenting).length);
  });
});
