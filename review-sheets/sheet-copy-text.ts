/**
 * A review-sheet file as the COPY text of its core table, made as its pieces arrive: each row mapped from its record
 * (read-file.ts) becomes a line, encoded in chunks of about 256 KB; a quarantined record becomes a line of
 * raw.review_sheet_quarantine's COPY text (its line, its reason, the record as received), gathered apart; a 3-1 file's
 * indicators by fiscal year (indicator-values.ts) and its indicators (indicator-summaries.ts) are gathered as its
 * rows go by and given as COPY text of their own at the end. Pure work on bytes, no I/O: the load runs it on the
 * activity's thread for a small file and on a thread of its own for a large one (parse-thread.ts), with the same
 * output. Text, not records, is what leaves: a file whose every record is quarantined is handed over as compact
 * bytes, never as an array of records.
 */
import { copyTextField, copyTextLine, type CopyValue } from '../ingest/loading/copy-text.js';
import { CopyTextChunks } from '../ingest/loading/copy-text-chunks.js';
import { IndicatorSummaries, INDICATOR_SUMMARY_COLUMNS } from './indicator-summaries.js';
import { IndicatorValues, INDICATOR_VALUE_COLUMNS } from './indicator-values.js';
import type { ReviewTable } from './published-headers.js';
import { ReviewSheetReader, type ReadRecord } from './read-file.js';
import { YearValues } from './year-values.js';

const KEY = ['line', 'review_year', 'project_id'];

/** Each core table and the columns of its mapped rows, in COPY order (file_sha256 first, then these). */
export const STORED: Record<ReviewTable, { table: string; columns: readonly string[] }> = {
  '1-2': { table: 'core.review_projects', columns: [...KEY, 'project_name', 'ministry', 'policy_ministry', 'bureau', 'division', 'purpose', 'project_category', 'start_year', 'end_year', 'main_expense', 'department', 'no_end_planned'] },
  '2-1': { table: 'core.review_budget', columns: [...KEY, 'budget_year', 'is_total', 'account_section', 'account', 'sub_account', 'initial_budget_yen', 'supplementary_yen', 'carried_in_yen', 'reserve_yen', 'current_budget_yen', 'executed_yen', 'execution_rate_reported', 'carried_over_yen', 'next_year_request_yen'] },
  '3-1': { table: 'core.review_indicator_rows', columns: [...KEY, 'node_number', 'indicator_seq', 'row_kind', 'node_kind', 'outcome_term', 'qualitative', 'goal', 'indicator_name', 'unit', 'direction', 'data_source', 'qualitative_reason', 'qualitative_result', 'year_values', 'opens_node'] },
  '3-2': { table: 'core.review_edges', columns: [...KEY, 'from_node', 'to_node', 'from_kind', 'to_kind', 'rationale', 'from_term', 'to_term'] },
  '4-1': { table: 'core.review_checks', columns: [...KEY, 'self_check_result', 'improvement_direction', 'external_review_year', 'external_review_findings', 'team_finding', 'team_finding_detail', 'reflection', 'reflected_general_account_yen'] },
  '5-1': { table: 'core.review_payee_rows', columns: [...KEY, 'level', 'block_number', 'block_name', 'block_total_yen', 'payee_name', 'corporate_number', 'corporate_number_valid', 'payee_total_yen', 'contract_summary', 'contract_yen'] },
};

/**
 * The tables a 3-1 file's rows are gathered into as they are read, beside core.review_indicator_rows, each copied after
 * the rows (in this order) in the same transaction.
 */
export const DERIVED_TABLES = ['indicator_values', 'indicators'] as const;
export type DerivedTable = (typeof DERIVED_TABLES)[number];
export const DERIVED: Record<DerivedTable, { table: string; columns: readonly string[] }> = {
  indicator_values: { table: 'core.review_indicator_values', columns: INDICATOR_VALUE_COLUMNS },
  indicators: { table: 'core.review_indicators', columns: INDICATOR_SUMMARY_COLUMNS },
};

/** How many derived lines are added between hand-overs of the chunks filled (each chunk about 256 KB). */
const DERIVED_LINES_PER_HANDOVER = 1024;

/** raw.review_sheet_quarantine's columns after file_sha256, in COPY order. */
export const QUARANTINE_COLUMNS = ['line', 'reason', 'record'] as const;

function copyValue(value: unknown): CopyValue {
  if (value === undefined || value === null) return null;
  if (value instanceof YearValues) return value.jsonText();
  if (typeof value === 'object') return JSON.stringify(value);
  return value as CopyValue;
}

export class SheetCopyText {
  private readonly reader: ReviewSheetReader;
  private readonly columns: readonly string[];
  private readonly out = new CopyTextChunks();
  /** The quarantined records' COPY text, gathered until the file's rows are in. */
  private readonly quarantine = new CopyTextChunks();
  /** 3-1's indicators by fiscal year and its indicators; null for the other tables. */
  private readonly derived: { readonly indicator_values: IndicatorValues; readonly indicators: IndicatorSummaries } | null;
  private readonly derivedCounts: Record<DerivedTable, number> = { indicator_values: 0, indicators: 0 };

  /** Refuses a file name whose table is not loaded (UnsupportedReviewTableError). */
  constructor(
    fileName: string,
    private readonly sha256: string,
  ) {
    this.reader = new ReviewSheetReader(fileName);
    const { table } = this.reader.identity;
    this.columns = STORED[table].columns;
    this.derived = table === '3-1' ? { indicator_values: new IndicatorValues(), indicators: new IndicatorSummaries() } : null;
  }

  /** The rows' COPY text the piece completes, in chunks (none until a chunk fills). */
  push(piece: Uint8Array): Uint8Array[] {
    // Each part's records made into text before the next part is read. Held for a whole piece, a piece's thousands of
    // records outlived the young generation's collections and were copied to the old one: a national year's load took
    // about 45,000 more page faults, and its 5-1 file's parse 1.1 s instead of 0.8 s (bench/README.md, "2026-12-06 (17:46 UTC)").
    this.reader.pushInParts(piece, (records) => this.take(records));
    return this.out.drain();
  }

  /** The rest of the rows' COPY text; refuses a file with no header (ReviewCsvError). */
  end(): Uint8Array[] {
    this.take(this.reader.end());
    return this.out.finish();
  }

  /** Rows made into COPY text so far. */
  get rows(): number {
    return this.out.rows;
  }

  /** Records quarantined so far. */
  get quarantined(): number {
    return this.quarantine.rows;
  }

  /** The quarantined records' COPY text made since the last call (chunks of about 256 KB; the rest at the end). */
  quarantineChunks(): Uint8Array[] {
    return this.quarantine.drain();
  }

  /** After end(): the rest of the quarantined records' COPY text. */
  finishQuarantine(): Uint8Array[] {
    return this.quarantine.finish();
  }

  /** The lines derivedChunks(table) made, once it is done. */
  derivedRows(table: DerivedTable): number {
    return this.derivedCounts[table];
  }

  /**
   * After end(): what a 3-1 file's rows gave `table` (DERIVED), as COPY text in chunks; none for other tables. Each
   * table's text is made once.
   */
  *derivedChunks(table: DerivedTable): Generator<Uint8Array> {
    if (!this.derived) return;
    const out = new CopyTextChunks();
    const lines = table === 'indicators' ? this.derived.indicators.copyLines(this.sha256, this.derived.indicator_values) : this.derived.indicator_values.copyLines(this.sha256);
    for (const line of lines) {
      out.add(line);
      if (out.rows % DERIVED_LINES_PER_HANDOVER === 0) yield* out.drain();
    }
    yield* out.finish();
    this.derivedCounts[table] = out.rows;
  }

  private take(records: readonly ReadRecord[]): void {
    for (const read of records) {
      if ('quarantined' in read) {
        const { line, reason, record } = read.quarantined;
        this.quarantine.add(copyTextLine([this.sha256, line, reason, JSON.stringify(record)]));
        continue;
      }
      if (this.derived) {
        this.derived.indicator_values.add(read.row);
        this.derived.indicators.add(read.row);
      }
      const row = read.row as Record<string, unknown>;
      let line = this.sha256;
      for (const column of this.columns) line += `\t${copyTextField(copyValue(row[column]))}`;
      this.out.add(`${line}\n`);
    }
  }
}
