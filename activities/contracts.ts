/**
 * What workflows send to activities and get back. Types only, so workflows can import them
 * without pulling I/O code into the deterministic bundle.
 */
import type { AdhocEffectRow, AdhocOverrides } from '../analysis/adhoc-study.js';
import type { EffectRow, SampleRow } from '../analysis/effect-study.js';

export type InputKind = 'applicants' | 'outcomes' | 'statistics';

export interface IngestFileInput {
  readonly programmeId: string;
  readonly kind: InputKind;
  readonly path: string;
  /** utf8, cp932 (Shift_JIS), or auto (detected; the default). */
  readonly encoding?: 'auto' | 'utf8' | 'cp932';
  /** csv, tsv, jsonl or xlsx; from the file name when absent or auto. */
  readonly format?: 'auto' | 'csv' | 'tsv' | 'jsonl' | 'xlsx';
  /** XLSX sheet name; when absent, the visible sheet whose header names the kind's columns (a hidden sheet is read only when named). */
  readonly sheet?: string;
  /**
   * The file supersedes the programme's earlier files of its kind (for applicants, in the call rounds it
   * holds): stored rows it no longer holds are retired. Without it, the file adds to what is loaded.
   */
  readonly replaces?: boolean;
}

export interface IngestAccount {
  readonly kind: InputKind;
  readonly fileName: string;
  /** The loaded table's identity (raw.input_files.file_sha256): the content hash, with the sheet and kind for a workbook. */
  readonly fileSha256: string;
  /** SHA-256 of the file's bytes. */
  readonly contentSha256: string;
  /** The workbook sheet read; null for text files. */
  readonly sheet: string | null;
  /** How the file was read: the header's lines, the title lines skipped above it, the unit conversions applied. */
  readonly reading: {
    readonly headerLines?: readonly number[];
    readonly linesAboveHeader?: number;
    readonly hiddenSheetNamed?: boolean;
    readonly conversions?: readonly { readonly field: string; readonly column: string; readonly shown: string; readonly declared: string; readonly exponent: number; readonly source: string; readonly cells: number }[];
  };
  readonly rowsTotal: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /** Loaded rows already present with the same values (a corrected file repeating them): left untouched. */
  readonly rowsUnchanged: number;
  /** Loaded rows whose applicant did not consent to data use: stored, never analysed. */
  readonly rowsWithoutConsent: number;
  /** Earlier rows a replacement file no longer holds, retired to core.retired_rows (0 for a file that adds). */
  readonly rowsRetired: number;
  /** The encoding the file was read in (null for XLSX, and for a file loaded before). */
  readonly encoding: 'utf8' | 'cp932' | null;
  /** The format the file was read as (null for a file loaded before). */
  readonly format: 'csv' | 'tsv' | 'jsonl' | 'xlsx' | null;
  /** True when a file with the same content was loaded before, so nothing was loaded this time. */
  readonly skippedDuplicateFile: boolean;
  /** Rejected rows per reason code. */
  readonly reasons: Readonly<Record<string, number>>;
}

export interface RegisterRunInput {
  readonly programmeId: string;
  readonly inputFiles: readonly { readonly kind: InputKind; readonly sha256: string }[];
  readonly workflowId: string;
  readonly workflowRunId: string;
}

export interface RegisteredRun {
  readonly runKey: string;
  /** Judged on the date the registration log recorded the spec (not the one typed in the catalogue). */
  readonly specRegisteredAfterCallOpened: boolean;
  readonly specVersion: number;
  readonly specHash: string;
  readonly codeVersion: string;
  /** When the registration log recorded the spec (ISO, database time); absent in runs before the log. */
  readonly specRecordedAt?: string;
}

export interface RegisterStudySpecInput {
  readonly programmeId: string;
  readonly workflowId: string;
}

/** The run's spec version as the registration log holds it. */
export interface RegisteredSpec {
  readonly programmeId: string;
  readonly specVersion: number;
  readonly specHash: string;
  readonly sequence: number;
  readonly claimedRegisteredAt: string;
  readonly recordedAt: string;
  /** True when this call recorded it; false when the log held it already. */
  readonly newlyRecorded: boolean;
  readonly registeredAfterCallOpened: boolean;
}

export interface RunStepInput {
  readonly runKey: string;
  readonly programmeId: string;
}

export interface KpiSummary {
  readonly indicators: number;
  readonly values: number;
  /** Latest fiscal year's value of each indicator, for the summary table. */
  readonly latest: readonly { readonly indicatorId: string; readonly nameEn: string; readonly unit: string; readonly fiscalYear: number; readonly value: number }[];
}

export type EffectSummaryRow = Pick<
  EffectRow,
  'outcome' | 'estimator' | 'status' | 'estimate' | 'stdError' | 'ciLow' | 'ciHigh' | 'confidenceLevel' | 'treatedUnits' | 'comparisonUnits' | 'note'
>;

export interface EffectSummary {
  readonly rowsWritten: number;
  /** Overall estimates: the Callaway–Sant'Anna aggregations and the TWFE comparison. */
  readonly overall: readonly EffectSummaryRow[];
  readonly pretests: readonly { readonly outcome: string; readonly statistic: number | null; readonly df: number | null; readonly pValue: number | null }[];
  /** How units with missing follow-up years were treated, per outcome (absent from runs made before it was reported). */
  readonly samples?: readonly SampleRow[];
  /** Each event study's sensitivity to departures from parallel trends, in words (absent from runs made before it was). */
  readonly sensitivity?: readonly { readonly outcome: string; readonly target: 'effect_at_0' | 'average_post'; readonly statement: string }[];
}

export interface FinishRunInput {
  readonly runKey: string;
  readonly status: 'succeeded' | 'failed' | 'cancelled';
}

export interface ExploratoryRunInput {
  readonly programmeId: string;
  readonly overrides: AdhocOverrides;
  /** Who asked (the operating-system user, or EBPM_REQUESTED_BY). */
  readonly requestedBy: string;
  /** Why, from --note. */
  readonly note?: string;
  readonly workflowId: string;
  readonly workflowRunId: string;
}

export interface RegisteredExploratoryRun {
  readonly runKey: string;
  readonly specHash: string;
  /** The latest successful pre-registered run of the programme, or null when there is none yet. */
  readonly baseRunKey: string | null;
}

export interface ExploratoryStepInput {
  readonly runKey: string;
  readonly programmeId: string;
}

export interface ExploratorySummary {
  /** False when the study was cancelled before its estimates could be stored. */
  readonly stored: boolean;
  readonly effects: readonly AdhocEffectRow[];
  readonly notes: readonly string[];
}

export interface FinishExploratoryRunInput {
  readonly runKey: string;
  readonly status: 'succeeded' | 'failed' | 'cancelled';
}
