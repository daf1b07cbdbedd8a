/**
 * A 3-1 file's output and outcome indicators, one row each, the rows of core.review_indicators (migration 0045),
 * gathered from the file's stored rows as they are read. The findings (core.review_findings_of) need per indicator
 * what its cells by year do not carry: whether any of its rows states a reason for a qualitative target or a
 * qualitative result, and the name and unit the checks compare and print. Until 0045 the findings grouped every 3-1
 * row of the year in force to get them, a sort of about 108,000 rows for a national year (about half of the findings'
 * query, in the load's last step, which nothing runs beside); the load has each row in hand already.
 *
 * An indicator is the file, project, node kind, node number and indicator_seq (as for core.review_indicator_values).
 * Its columns are what 0040's grouping gave: outcome_term the greatest of its rows' (max()), indicator_name and unit
 * the first given in file order, qualitative true if any row says so (bool_or(), null when none says either way),
 * has_reason and has_qualitative_result whether any row states one. has_target (migration 0052) says whether any of its
 * fiscal years in core.review_indicator_values has a target that is a number: the check outcome_without_target searched
 * that table for it in the load's last step.
 */
import { copyTextField } from '../ingest/loading/copy-text.js';
import { detached, indicatorKey, type IndicatorValues } from './indicator-values.js';
import type { Row } from './records.js';

/** core.review_indicators' columns written by the load, in COPY order (file_sha256 first, added by the store). */
export const INDICATOR_SUMMARY_COLUMNS = [
  'review_year',
  'project_id',
  'node_kind',
  'node_number',
  'indicator_seq',
  'outcome_term',
  'indicator_name',
  'unit',
  'qualitative',
  'has_reason',
  'has_qualitative_result',
  'has_target',
] as const;

interface Summary {
  /** review_year to indicator_seq as COPY text. */
  readonly key: string;
  /** The indicator's key in IndicatorValues (indicatorKey), for has_target. */
  readonly valuesKey: string;
  outcomeTerm: string | null;
  name: string | null;
  unit: string | null;
  qualitative: boolean | null;
  hasReason: boolean;
  hasQualitativeResult: boolean;
}

const KINDS: ReadonlySet<unknown> = new Set(['output', 'outcome']);

const textOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export class IndicatorSummaries {
  private readonly summaries = new Map<string, Summary>();
  /** The indicator of the row before and what identifies it: an indicator's rows come one after another in the published files. */
  private last: {
    readonly projectId: unknown;
    readonly kind: unknown;
    readonly node: unknown;
    readonly seq: unknown;
    readonly summary: Summary;
  } | null = null;

  /** One stored 3-1 row, in file order (the first name and unit given are kept). */
  add(row: Row): void {
    if (!KINDS.has(row.node_kind)) return;
    const summary = this.summaryOf(row);
    // The terms are short, mid and long (tables.ts): plain text, ordered alike by code point and by any collation.
    const term = textOf(row.outcome_term);
    if (term !== null && (summary.outcomeTerm === null || term > summary.outcomeTerm)) summary.outcomeTerm = term;
    summary.name ??= nullableDetached(textOf(row.indicator_name));
    summary.unit ??= nullableDetached(textOf(row.unit));
    if (row.qualitative === true) summary.qualitative = true;
    else if (row.qualitative === false && summary.qualitative === null) summary.qualitative = false;
    if (row.qualitative_reason !== null && row.qualitative_reason !== undefined) summary.hasReason = true;
    if (row.qualitative_result !== null && row.qualitative_result !== undefined) summary.hasQualitativeResult = true;
  }

  private summaryOf(row: Row): Summary {
    const last = this.last;
    // A file holds one review year: the project, kind, node number and seq tell its indicators apart.
    if (last !== null && last.seq === row.indicator_seq && last.node === row.node_number && last.projectId === row.project_id && last.kind === row.node_kind) return last.summary;
    const key = `${String(row.review_year)}\t${String(row.project_id)}\t${String(row.node_kind)}\t${String(row.node_number)}\t${String(row.indicator_seq)}`;
    let summary = this.summaries.get(key);
    if (summary === undefined) {
      summary = { key, valuesKey: indicatorKey(row), outcomeTerm: null, name: null, unit: null, qualitative: null, hasReason: false, hasQualitativeResult: false };
      this.summaries.set(key, summary);
    }
    this.last = { projectId: row.project_id, kind: row.node_kind, node: row.node_number, seq: row.indicator_seq, summary };
    return summary;
  }

  /**
   * The rows as lines of COPY text, `first` (the file's digest) before each, in the order the indicators came;
   * has_target from the file's indicators by year (`values`, every row added), which say whether a fiscal year's target
   * is a number.
   */
  *copyLines(first: string, values: Pick<IndicatorValues, 'hasNumericTarget'>): Generator<string> {
    const lead = `${copyTextField(first)}\t`;
    for (const s of this.summaries.values()) {
      yield `${lead}${s.key}\t${copyTextField(s.outcomeTerm)}\t${copyTextField(s.name)}\t${copyTextField(s.unit)}\t${copyTextField(s.qualitative)}\t${copyTextField(s.hasReason)}\t${copyTextField(s.hasQualitativeResult)}\t${copyTextField(values.hasNumericTarget(s.valuesKey))}\n`;
    }
  }
}

function nullableDetached(text: string | null): string | null {
  return text === null ? null : detached(text);
}

/**
 * core.review_indicators' rows for the 3-1 files in force of the review years $1 that have none, grouped from their
 * stored rows as migration 0045 filled the table: a file loaded by a worker older than 0045, which writes the rows
 * alone. The findings' step runs it before the findings, which read the table. A file with no output or outcome has
 * none to add, and is grouped again, to no effect, each time.
 */
export const SUMMARIES_OF_FILES_WITHOUT_THEM = `
  INSERT INTO core.review_indicators (file_sha256, review_year, project_id, node_kind, node_number, indicator_seq,
                                      outcome_term, indicator_name, unit, qualitative, has_reason, has_qualitative_result)
  SELECT i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq,
         max(i.outcome_term),
         (array_agg(i.indicator_name ORDER BY i.line) FILTER (WHERE i.indicator_name IS NOT NULL))[1],
         (array_agg(i.unit ORDER BY i.line) FILTER (WHERE i.unit IS NOT NULL))[1],
         bool_or(i.qualitative), bool_or(i.qualitative_reason IS NOT NULL), bool_or(i.qualitative_result IS NOT NULL)
    FROM core.review_indicator_rows i
   WHERE i.review_year = ANY ($1::integer[]) AND i.node_kind IN ('output', 'outcome')
     AND i.file_sha256 IN (SELECT f.file_sha256 FROM raw.review_sheet_files f
                            WHERE f.sheet_table = '3-1' AND f.status = 'loaded' AND f.review_year = ANY ($1::integer[])
                              AND NOT EXISTS (SELECT 1 FROM core.review_indicators s
                                               WHERE s.review_year = f.review_year AND s.file_sha256 = f.file_sha256))
   GROUP BY i.file_sha256, i.review_year, i.project_id, i.node_kind, i.node_number, i.indicator_seq`;

/**
 * Whether core.review_indicators holds rows of the review years $1 without has_target (migration 0052): written by a
 * worker older than 0052, or by SUMMARIES_OF_FILES_WITHOUT_THEM. Read through the table's partial index, so a year with
 * none costs little to ask.
 */
export const HAS_INDICATORS_WITHOUT_TARGETS = `
  SELECT EXISTS (SELECT 1 FROM core.review_indicators WHERE has_target IS NULL AND review_year = ANY ($1::integer[])) AS pending`;

/**
 * has_target filled where it is null, for the review years $1, as migration 0052 filled it: true where a fiscal year of
 * the indicator in core.review_indicator_values has a target that is a number (a join, not a search per row), then
 * false. The findings' step runs both, in its transaction, when HAS_INDICATORS_WITHOUT_TARGETS says so.
 */
export const TARGETS_OF_INDICATORS_WITHOUT_THEM = [
  `UPDATE core.review_indicators n SET has_target = true
     FROM (SELECT DISTINCT file_sha256, project_id, node_kind, node_number, indicator_seq FROM core.review_indicator_values
            WHERE target_value IS NOT NULL AND review_year = ANY ($1::integer[])) t
    WHERE n.has_target IS NULL AND n.review_year = ANY ($1::integer[]) AND t.file_sha256 = n.file_sha256
      AND t.project_id = n.project_id AND t.node_kind = n.node_kind AND t.node_number = n.node_number AND t.indicator_seq = n.indicator_seq`,
  `UPDATE core.review_indicators SET has_target = false WHERE has_target IS NULL AND review_year = ANY ($1::integer[])`,
] as const;
