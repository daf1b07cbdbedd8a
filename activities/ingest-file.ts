/**
 * Loads one input file: every row is either loaded into the core tables or quarantined in
 * raw.rejected_rows with its reasons, and the file's account (rows in = loaded + rejected) is recorded.
 * A file is identified by its content hash; loading the same content again changes nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import { applicantKey, applicantRowSchema, APPLICANT_COLUMNS, PERSONAL_COLUMNS, type ApplicantRow } from '../schemas/applicant.js';
import { outcomeKey, outcomeRowSchema, OUTCOME_COLUMNS, type OutcomeRow } from '../schemas/outcome.js';
import type { Database } from '../sql/database.js';
import { InputFormatError, openTable, type TableStream } from '../ingest/read-table.js';
import {
  createRecordValidator,
  isRejected,
  type AcceptedRecord,
  type RecordValidator,
  type RawRecord,
  type RejectedRecord,
} from '../ingest/validate-records.js';
import { permanentFailure, reportProgress } from './activity-context.js';
import type { IngestAccount, IngestFileInput } from './contracts.js';

const BATCH_SIZE = 1_000;

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface RowSink<Row> {
  readonly validator: (header: readonly string[]) => RecordValidator<Row>;
  /** True for a row whose applicant did not consent to data use. */
  withoutConsent(row: Row): boolean;
  /** Writes the rows; returns how many were new or changed (rows repeated unchanged are left as they are). */
  write(trx: Transaction<Database>, programmeId: string, fileSha256: string, rows: readonly AcceptedRecord<Row>[]): Promise<number>;
}

const applicantSink: RowSink<ApplicantRow> = {
  validator: (header) =>
    createRecordValidator({ schema: applicantRowSchema, requiredColumns: APPLICANT_COLUMNS, header, keyOf: applicantKey }),
  withoutConsent: (row) => !row.consent,
  async write(trx, programmeId, fileSha256, rows) {
    const firms = new Map(rows.map(({ row }) => [row.corporate_number, row]));
    await trx
      .insertInto('core.firms')
      .values(
        [...firms.values()].map((row) => ({
          corporate_number: row.corporate_number,
          firm_name: row.firm_name,
          industry_code: row.industry_code,
          prefecture_code: row.prefecture_code,
        })),
      )
      .onConflict((conflict) =>
        conflict.column('corporate_number').doUpdateSet((eb) => ({
          firm_name: eb.ref('excluded.firm_name'),
          industry_code: eb.ref('excluded.industry_code'),
          prefecture_code: eb.ref('excluded.prefecture_code'),
        })),
      )
      .execute();
    const written = await trx
      .insertInto('core.applications')
      .values(
        rows.map(({ line, row }) => ({
          programme_id: programmeId,
          corporate_number: row.corporate_number,
          call_round: row.call_round,
          application_date: row.application_date,
          decision: row.decision,
          award_fiscal_year: row.award_fiscal_year,
          subsidy_amount_yen: row.subsidy_amount_yen,
          requested_amount_yen: row.requested_amount_yen,
          employees_at_application: row.employees,
          consent: row.consent,
          source_file_sha256: fileSha256,
          source_line: line,
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns(['programme_id', 'corporate_number', 'call_round'])
          .doUpdateSet((eb) => ({
            application_date: eb.ref('excluded.application_date'),
            decision: eb.ref('excluded.decision'),
            award_fiscal_year: eb.ref('excluded.award_fiscal_year'),
            subsidy_amount_yen: eb.ref('excluded.subsidy_amount_yen'),
            requested_amount_yen: eb.ref('excluded.requested_amount_yen'),
            employees_at_application: eb.ref('excluded.employees_at_application'),
            consent: eb.ref('excluded.consent'),
            source_file_sha256: eb.ref('excluded.source_file_sha256'),
            source_line: eb.ref('excluded.source_line'),
          }))
          // A row a corrected file repeats unchanged keeps its lineage and is not rewritten.
          .where(
            sql<boolean>`(core.applications.application_date, core.applications.decision, core.applications.award_fiscal_year,
              core.applications.subsidy_amount_yen, core.applications.requested_amount_yen,
              core.applications.employees_at_application, core.applications.consent)
              IS DISTINCT FROM (excluded.application_date, excluded.decision, excluded.award_fiscal_year, excluded.subsidy_amount_yen,
              excluded.requested_amount_yen, excluded.employees_at_application, excluded.consent)`,
          ),
      )
      .executeTakeFirst();
    // Personal data is kept apart, and only for applicants who consented.
    const contacts = rows.filter(({ row }) => row.consent && PERSONAL_COLUMNS.some((column) => row[column] !== null));
    if (contacts.length) {
      await trx
        .insertInto('restricted.applicant_contacts')
        .values(
          contacts.map(({ row }) => ({
            programme_id: programmeId,
            corporate_number: row.corporate_number,
            call_round: row.call_round,
            representative_name: row.representative_name,
            address: row.address,
            phone: row.phone,
            email: row.email,
            source_file_sha256: fileSha256,
          })),
        )
        .onConflict((conflict) =>
          conflict.columns(['programme_id', 'corporate_number', 'call_round']).doUpdateSet((eb) => ({
            representative_name: eb.ref('excluded.representative_name'),
            address: eb.ref('excluded.address'),
            phone: eb.ref('excluded.phone'),
            email: eb.ref('excluded.email'),
            source_file_sha256: eb.ref('excluded.source_file_sha256'),
          })),
        )
        .execute();
    }
    return Number(written.numInsertedOrUpdatedRows ?? 0n);
  },
};

const outcomeSink: RowSink<OutcomeRow> = {
  validator: (header) => createRecordValidator({ schema: outcomeRowSchema, requiredColumns: OUTCOME_COLUMNS, header, keyOf: outcomeKey }),
  // Consent is given with the application; outcomes of non-consenting applicants are left out at analysis.
  withoutConsent: () => false,
  async write(trx, programmeId, fileSha256, rows) {
    const written = await trx
      .insertInto('core.outcomes')
      .values(
        rows.map(({ line, row }) => ({
          programme_id: programmeId,
          corporate_number: row.corporate_number,
          fiscal_year: row.fiscal_year,
          labour_productivity: row.labour_productivity,
          average_wage: row.average_wage,
          employees: row.employees,
          source_file_sha256: fileSha256,
          source_line: line,
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns(['programme_id', 'corporate_number', 'fiscal_year'])
          .doUpdateSet((eb) => ({
            labour_productivity: eb.ref('excluded.labour_productivity'),
            average_wage: eb.ref('excluded.average_wage'),
            employees: eb.ref('excluded.employees'),
            source_file_sha256: eb.ref('excluded.source_file_sha256'),
            source_line: eb.ref('excluded.source_line'),
          }))
          .where(
            sql<boolean>`(core.outcomes.labour_productivity, core.outcomes.average_wage, core.outcomes.employees)
              IS DISTINCT FROM (excluded.labour_productivity, excluded.average_wage, excluded.employees)`,
          ),
      )
      .executeTakeFirst();
    return Number(written.numInsertedOrUpdatedRows ?? 0n);
  },
};

/** Quarantined rows keep every field but personal data, which is withheld (the sender has the original file). */
function withoutPersonalData(raw: RejectedRecord['raw']): RejectedRecord['raw'] {
  if (Array.isArray(raw)) return raw;
  const record = raw as Readonly<Record<string, string>>;
  return Object.fromEntries(
    Object.entries(record).map(([column, value]) => [column, (PERSONAL_COLUMNS as readonly string[]).includes(column) && value ? '[personal data withheld]' : value]),
  );
}

async function insertRejected(trx: Transaction<Database>, fileSha256: string, rejected: readonly RejectedRecord[]): Promise<void> {
  if (rejected.length === 0) return;
  await trx
    .insertInto('raw.rejected_rows')
    .values(
      rejected.map((record) => ({
        file_sha256: fileSha256,
        line_number: record.line,
        raw_record: JSON.stringify(withoutPersonalData(record.raw)),
        reasons: JSON.stringify(record.reasons),
      })),
    )
    .onConflict((conflict) => conflict.columns(['file_sha256', 'line_number']).doNothing())
    .execute();
}

async function reasonCounts(db: Kysely<Database>, fileSha256: string): Promise<Record<string, number>> {
  const { rows } = await sql<{ code: string; rows: number }>`
    SELECT reason ->> 'code' AS code, count(DISTINCT line_number)::integer AS rows
      FROM raw.rejected_rows CROSS JOIN LATERAL jsonb_array_elements(reasons) AS reason
     WHERE file_sha256 = ${fileSha256}
     GROUP BY 1`.execute(db);
  return Object.fromEntries(rows.map((row) => [row.code, row.rows]));
}

interface BatchCounts {
  loaded: number;
  unchanged: number;
  rejected: number;
  withoutConsent: number;
}

/**
 * Reads the file from the start, skipping records already committed (a resumed load), and commits each
 * batch in its own transaction together with the file's running account, so a crash loses at most the
 * batch under way and a retry continues after the last committed line.
 */
async function loadInBatches<Row>(
  db: Kysely<Database>,
  table: TableStream,
  sink: RowSink<Row>,
  input: IngestFileInput,
  fileSha256: string,
  resumeAfterLine: number,
  options: IngestOptions,
): Promise<void> {
  const validator = sink.validator(table.header);
  const batchSize = options.batchSize ?? BATCH_SIZE;
  let accepted: AcceptedRecord<Row>[] = [];
  let rejected: RejectedRecord[] = [];
  let batch: BatchCounts = { loaded: 0, unchanged: 0, rejected: 0, withoutConsent: 0 };
  let lastLine = resumeAfterLine;
  let rowsRead = 0;
  const commit = async () => {
    if (accepted.length === 0 && rejected.length === 0) return;
    const committedThrough = lastLine;
    const counts = batch;
    await db.transaction().execute(async (trx) => {
      if (accepted.length) counts.unchanged = accepted.length - (await sink.write(trx, input.programmeId, fileSha256, accepted));
      await insertRejected(trx, fileSha256, rejected);
      await trx
        .updateTable('raw.input_files')
        .set((eb) => ({
          rows_total: eb('rows_total', '+', counts.loaded + counts.rejected),
          rows_loaded: eb('rows_loaded', '+', counts.loaded),
          rows_rejected: eb('rows_rejected', '+', counts.rejected),
          rows_without_consent: eb('rows_without_consent', '+', counts.withoutConsent),
          rows_unchanged: eb('rows_unchanged', '+', counts.unchanged),
          committed_through_line: committedThrough,
        }))
        .where('file_sha256', '=', fileSha256)
        .execute();
    });
    accepted = [];
    rejected = [];
    batch = { loaded: 0, unchanged: 0, rejected: 0, withoutConsent: 0 };
    reportProgress({ file: basename(input.path), committedThroughLine: committedThrough, rowsRead });
    options.onProgress?.(rowsRead);
  };
  const quarantine = (record: RejectedRecord) => {
    rejected.push(record);
    batch.rejected++;
  };
  const records = table.records[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<RawRecord>;
    try {
      next = await records.next();
    } catch (error) {
      if (error instanceof InputFormatError) throw error;
      // A reader that stops part-way: keep what was read and quarantine the unreadable rest as one record.
      lastLine++;
      quarantine({
        line: lastLine,
        raw: ['(unreadable remainder of the file)'],
        reasons: [{ code: 'unparseable_csv', field: null, message: `the file cannot be read from here on: ${(error as Error).message}` }],
      });
      break;
    }
    if (next.done) break;
    const record = next.value;
    const result = validator.validate(record);
    // Committed lines are validated again only so that a later duplicate of one of them is still caught.
    if (record.line <= resumeAfterLine) continue;
    lastLine = record.line;
    rowsRead++;
    if (isRejected(result)) quarantine(result);
    else {
      accepted.push(result);
      batch.loaded++;
      if (sink.withoutConsent(result.row)) batch.withoutConsent++;
    }
    if (accepted.length + rejected.length >= batchSize) await commit();
  }
  await commit();
}

export interface IngestOptions {
  /** Called after each committed batch with the rows read so far (the CLI prints it; activities heartbeat anyway). */
  readonly onProgress?: (rowsRead: number) => void;
  /** Rows per committed batch. */
  readonly batchSize?: number;
}

export function createIngestActivities(db: Kysely<Database>, options: IngestOptions = {}) {
  return {
    async ingestFile(input: IngestFileInput): Promise<IngestAccount> {
      if (!existsSync(input.path) || !statSync(input.path).isFile()) {
        throw permanentFailure('InputFileNotFound', `the ${input.kind} file ${input.path} does not exist on the worker; give a path the worker can read`);
      }
      const fileSha256 = await sha256OfFile(input.path);
      const fileName = basename(input.path);
      const previous = await db.selectFrom('raw.input_files').selectAll().where('file_sha256', '=', fileSha256).executeTakeFirst();
      const account = (row: NonNullable<typeof previous>, skippedDuplicateFile: boolean, format: TableStream['format'] | null): Promise<IngestAccount> =>
        reasonCounts(db, fileSha256).then((reasons) => ({
          kind: input.kind,
          fileName,
          fileSha256,
          rowsTotal: row.rows_total,
          rowsLoaded: row.rows_loaded,
          rowsRejected: row.rows_rejected,
          rowsWithoutConsent: row.rows_without_consent,
          rowsUnchanged: row.rows_unchanged,
          encoding: skippedDuplicateFile ? null : (row.encoding as 'utf8' | 'cp932' | null),
          format,
          skippedDuplicateFile,
          reasons,
        }));
      if (previous?.status === 'complete') return account(previous, true, null);

      let table: TableStream;
      try {
        table = await openTable(input.path, { format: input.format, encoding: input.encoding, sheet: input.sheet });
      } catch (error) {
        if (error instanceof InputFormatError) throw permanentFailure('UnreadableInputFile', error.message);
        throw error;
      }
      if (!previous) {
        await db
          .insertInto('raw.input_files')
          .values({
            file_sha256: fileSha256,
            programme_id: input.programmeId,
            kind: input.kind,
            file_name: fileName,
            rows_total: 0,
            rows_loaded: 0,
            rows_rejected: 0,
            encoding: table.encoding,
            status: 'loading',
            committed_through_line: table.headerLines,
          })
          .onConflict((conflict) => conflict.column('file_sha256').doNothing())
          .execute();
      }
      const sink: RowSink<ApplicantRow> | RowSink<OutcomeRow> = input.kind === 'applicants' ? applicantSink : outcomeSink;
      await loadInBatches(db, table, sink as RowSink<unknown>, input, fileSha256, previous?.committed_through_line ?? table.headerLines, options);
      const finished = await db
        .updateTable('raw.input_files')
        .set({ status: 'complete', loaded_at: sql<Date>`now()` })
        .where('file_sha256', '=', fileSha256)
        .returningAll()
        .executeTakeFirstOrThrow();
      return account(finished, false, table.format);
    },
  };
}
