/**
 * Loads one input file: every row is either loaded into the core tables or quarantined in
 * raw.rejected_rows with its reasons, and the file's account (rows in = loaded + rejected) is recorded.
 * A file is identified by its content hash; loading the same content again changes nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import { applicantKey, applicantRowSchema, APPLICANT_COLUMNS, type ApplicantRow } from '../schemas/applicant.js';
import { outcomeKey, outcomeRowSchema, OUTCOME_COLUMNS, type OutcomeRow } from '../schemas/outcome.js';
import type { Database } from '../sql/database.js';
import { InputFormatError, openTable, type TableStream } from '../ingest/read-table.js';
import {
  createRecordValidator,
  isRejected,
  type AcceptedRecord,
  type RecordValidator,
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
  write(trx: Transaction<Database>, programmeId: string, fileSha256: string, rows: readonly AcceptedRecord<Row>[]): Promise<void>;
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
    await trx
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
        conflict.columns(['programme_id', 'corporate_number', 'call_round']).doUpdateSet((eb) => ({
          application_date: eb.ref('excluded.application_date'),
          decision: eb.ref('excluded.decision'),
          award_fiscal_year: eb.ref('excluded.award_fiscal_year'),
          subsidy_amount_yen: eb.ref('excluded.subsidy_amount_yen'),
          requested_amount_yen: eb.ref('excluded.requested_amount_yen'),
          employees_at_application: eb.ref('excluded.employees_at_application'),
          consent: eb.ref('excluded.consent'),
          source_file_sha256: eb.ref('excluded.source_file_sha256'),
          source_line: eb.ref('excluded.source_line'),
        })),
      )
      .execute();
  },
};

const outcomeSink: RowSink<OutcomeRow> = {
  validator: (header) => createRecordValidator({ schema: outcomeRowSchema, requiredColumns: OUTCOME_COLUMNS, header, keyOf: outcomeKey }),
  // Consent is given with the application; outcomes of non-consenting applicants are left out at analysis.
  withoutConsent: () => false,
  async write(trx, programmeId, fileSha256, rows) {
    await trx
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
        conflict.columns(['programme_id', 'corporate_number', 'fiscal_year']).doUpdateSet((eb) => ({
          labour_productivity: eb.ref('excluded.labour_productivity'),
          average_wage: eb.ref('excluded.average_wage'),
          employees: eb.ref('excluded.employees'),
          source_file_sha256: eb.ref('excluded.source_file_sha256'),
          source_line: eb.ref('excluded.source_line'),
        })),
      )
      .execute();
  },
};

async function insertRejected(trx: Transaction<Database>, fileSha256: string, rejected: readonly RejectedRecord[]): Promise<void> {
  if (rejected.length === 0) return;
  await trx
    .insertInto('raw.rejected_rows')
    .values(
      rejected.map((record) => ({
        file_sha256: fileSha256,
        line_number: record.line,
        raw_record: JSON.stringify(record.raw),
        reasons: JSON.stringify(record.reasons),
      })),
    )
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

async function loadRecords<Row>(
  trx: Transaction<Database>,
  sink: RowSink<Row>,
  input: IngestFileInput,
  fileSha256: string,
  onProgress: (rowsRead: number) => void,
): Promise<{ loaded: number; rejected: number; withoutConsent: number; reasons: Record<string, number>; encoding: 'utf8' | 'cp932' | null; format: TableStream['format'] }> {
  const table = await openTable(input.path, { format: input.format, encoding: input.encoding, sheet: input.sheet });
  const validator = sink.validator(table.header);
  const reasons: Record<string, number> = {};
  let accepted: AcceptedRecord<Row>[] = [];
  let rejected: RejectedRecord[] = [];
  let loaded = 0;
  let withoutConsent = 0;
  let rejectedCount = 0;
  let lastLine = 1;
  const quarantine = (record: RejectedRecord) => {
    rejected.push(record);
    rejectedCount++;
    for (const reason of new Set(record.reasons.map((r) => r.code))) reasons[reason] = (reasons[reason] ?? 0) + 1;
  };
  const flush = async () => {
    if (accepted.length) await sink.write(trx, input.programmeId, fileSha256, accepted);
    await insertRejected(trx, fileSha256, rejected);
    loaded += accepted.length;
    accepted = [];
    rejected = [];
    reportProgress({ file: basename(input.path), rowsRead: loaded + rejectedCount });
    onProgress(loaded + rejectedCount);
  };
  try {
    for await (const record of table.records) {
      lastLine = record.line;
      const result = validator.validate(record);
      if (isRejected(result)) quarantine(result);
      else {
        accepted.push(result);
        if (sink.withoutConsent(result.row)) withoutConsent++;
      }
      if (accepted.length + rejected.length >= BATCH_SIZE) await flush();
    }
  } catch (error) {
    // A malformed CSV stops the parser; keep what was read and quarantine the unreadable rest as one record.
    quarantine({
      line: lastLine + 1,
      raw: ['(unreadable remainder of the file)'],
      reasons: [{ code: 'unparseable_csv', field: null, message: `the CSV cannot be parsed from here on: ${(error as Error).message}` }],
    });
  }
  await flush();
  return { loaded, rejected: rejectedCount, withoutConsent, reasons, encoding: table.encoding, format: table.format };
}

export interface IngestOptions {
  /** Called after each committed batch with the rows read so far (the CLI prints it; activities heartbeat anyway). */
  readonly onProgress?: (rowsRead: number) => void;
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
      if (previous) {
        return {
          kind: input.kind,
          fileName,
          fileSha256,
          rowsTotal: previous.rows_total,
          rowsLoaded: previous.rows_loaded,
          rowsRejected: previous.rows_rejected,
          rowsWithoutConsent: previous.rows_without_consent,
          encoding: null,
          format: null,
          skippedDuplicateFile: true,
          reasons: await reasonCounts(db, fileSha256),
        };
      }
      const sink: RowSink<ApplicantRow> | RowSink<OutcomeRow> = input.kind === 'applicants' ? applicantSink : outcomeSink;
      const account = await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('raw.input_files')
          .values({ file_sha256: fileSha256, programme_id: input.programmeId, kind: input.kind, file_name: fileName, rows_total: 0, rows_loaded: 0, rows_rejected: 0 })
          .execute();
        let counts;
        try {
          counts = await loadRecords(trx, sink as RowSink<unknown>, input, fileSha256, options.onProgress ?? (() => undefined));
        } catch (error) {
          if (error instanceof InputFormatError) throw permanentFailure('UnreadableInputFile', error.message);
          throw error;
        }
        await trx
          .updateTable('raw.input_files')
          .set({
            rows_total: counts.loaded + counts.rejected,
            rows_loaded: counts.loaded,
            rows_rejected: counts.rejected,
            rows_without_consent: counts.withoutConsent,
            encoding: counts.encoding,
          })
          .where('file_sha256', '=', fileSha256)
          .execute();
        return counts;
      });
      return {
        kind: input.kind,
        fileName,
        fileSha256,
        rowsTotal: account.loaded + account.rejected,
        rowsLoaded: account.loaded,
        rowsRejected: account.rejected,
        rowsWithoutConsent: account.withoutConsent,
        encoding: account.encoding,
        format: account.format,
        skippedDuplicateFile: false,
        reasons: account.reasons,
      };
    },
  };
}
