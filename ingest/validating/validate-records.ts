/**
 * Validation of parsed records against a row schema: every record ends up either accepted or rejected
 * with its reasons, never dropped.
 */
import type { z } from 'zod';
import { PERSONAL_COLUMNS } from '../../schemas/applicant.js';
import { FirstLineIndex } from './first-line-index.js';
import { normaliseText } from './normalise.js';
import { describeCodePoint, findCharacterProblem, type CharacterProblem } from './text-safety.js';

export interface RawRecord {
  /** 1-based line number in the file where the record starts. */
  readonly line: number;
  readonly fields: readonly string[];
  /** Set when the CSV parser could not read the record; fields then hold its raw text. */
  readonly parseError?: string;
  /** Spreadsheet cell references of the fields (H12), for reasons that name the cell. */
  readonly cells?: readonly string[];
  /** What the reader found wrong in the cells (an Excel error, a lost digit, a unit): the record is quarantined with them. */
  readonly problems?: readonly RejectionReason[];
}

export interface RejectionReason {
  readonly code: string;
  readonly field: string | null;
  readonly message: string;
}

export interface RejectedRecord {
  readonly line: number;
  readonly raw: Readonly<Record<string, string>> | readonly string[];
  readonly reasons: readonly RejectionReason[];
}

export interface AcceptedRecord<Row> {
  readonly line: number;
  readonly row: Row;
}

export interface ValidationOutcome<Row> {
  readonly accepted: AcceptedRecord<Row>[];
  readonly rejected: RejectedRecord[];
}

export interface RecordValidator<Row> {
  validate(record: RawRecord): AcceptedRecord<Row> | RejectedRecord;
}

export function isRejected<Row>(result: AcceptedRecord<Row> | RejectedRecord): result is RejectedRecord {
  return 'reasons' in result;
}

/** No reasons: shared by every row of a programme that requires no column beyond its schema, which then makes no array. */
const NO_REASONS: readonly RejectionReason[] = Object.freeze([]);

/**
 * Builds a validator for one file. Missing required columns reject every record (the fix is in the file
 * header, not in the rows); a key seen twice rejects the later record as a duplicate of the first.
 */
export function createRecordValidator<Schema extends z.ZodType<object, Record<string, string>>>(options: {
  readonly schema: Schema;
  readonly requiredColumns: readonly string[];
  /**
   * Columns the programme's call guidelines require although the schema lets them be empty (the
   * catalogue's dataRequirements): the column must be there and each value non-empty.
   */
  readonly requiredByProgramme?: readonly string[];
  /** Column names the file may use instead of the field names (法人番号 for corporate_number, …). */
  readonly columnNames?: Readonly<Record<string, string>>;
  readonly header: readonly string[];
  /** The row's identity within the file, as an exact integer. */
  readonly keyOf: (row: z.output<Schema>) => number;
  readonly describeKey: (row: z.output<Schema>) => string;
}): RecordValidator<z.output<Schema>> {
  const columnNames = options.columnNames ?? {};
  const header = options.header.map((column) => {
    const name = normaliseText(column);
    // Own names only: a column headed "constructor" or "valueOf" must not be renamed to what every object inherits.
    return Object.hasOwn(columnNames, name) ? columnNames[name] : name;
  });
  const requiredByProgramme = (options.requiredByProgramme ?? []).filter((column) => !options.requiredColumns.includes(column));
  const requiredColumns = [...options.requiredColumns, ...requiredByProgramme];
  const missing = requiredColumns.filter((column) => !header.includes(column));
  const missingReasons: RejectionReason[] = missing.map((column) => ({
    code: 'missing_column',
    field: column,
    message: `the file has no column "${column}"; add it to the header (expected columns: ${requiredColumns.join(', ')})`,
  }));
  const firstLineOfKey = new FirstLineIndex();
  /** A column headed __proto__ (a file's own column names are anything): its rows are filled the slow, safe way. */
  const protoColumn = header.includes('__proto__');

  return {
    validate(record) {
      if (record.parseError !== undefined) {
        return {
          line: record.line,
          raw: record.fields,
          reasons: [{ code: 'unparseable_csv', field: null, message: `cannot be read (${record.parseError}); check its quotes or syntax` }],
        };
      }
      const characterProblem = findCharacterProblem(record.fields);
      if (characterProblem) {
        const reason = characterReason(characterProblem, record.fields.length === header.length ? header : []);
        const cell = record.cells?.[characterProblem.fieldIndex];
        return { line: record.line, raw: record.fields, reasons: [cell ? { ...reason, message: `${reason.message} (in ${cell})` } : reason] };
      }
      if (record.fields.length !== header.length) {
        return {
          line: record.line,
          raw: record.fields,
          reasons: [
            {
              code: 'wrong_field_count',
              field: null,
              message: `has ${record.fields.length} fields where the header has ${header.length}; the line may be truncated or contain an unquoted comma`,
            },
          ],
        };
      }
      const raw: Record<string, string> = {};
      if (protoColumn) {
        // `raw.__proto__ = text` would set nothing, and the quarantined row would lose the field: define it instead
        // (the catalogue refuses field names every object inherits, so the schemas never read such a column).
        header.forEach((column, index) => Object.defineProperty(raw, column, { value: record.fields[index], enumerable: true, writable: true, configurable: true }));
      } else {
        const fields = record.fields;
        for (let index = 0; index < header.length; index++) raw[header[index]] = fields[index];
      }
      if (missingReasons.length > 0) return { line: record.line, raw, reasons: missingReasons };
      // Most programmes require no column beyond the schema's: no arrays made for every row then.
      const emptyRequired: readonly RejectionReason[] =
        requiredByProgramme.length === 0
          ? NO_REASONS
          : requiredByProgramme
              .filter((column) => raw[column].trim() === '')
              .map((column) => ({ code: 'missing_required_field', field: column, message: `${column} is empty; the programme's data requirements (call guidelines) make it required` }));
      const parsed = options.schema.safeParse(raw);
      const problems = record.problems ?? [];
      if (!parsed.success || problems.length > 0) {
        // A cell the reader could not read is reported once, by the reader's reason.
        const read = new Set(problems.map((problem) => problem.field));
        const issues = parsed.success ? [] : parsed.error.issues.map(reasonFromIssue).filter((reason) => !read.has(reason.field));
        const located = issues.map((reason) => withCell(reason, header, record));
        return { line: record.line, raw, reasons: [...problems, ...emptyRequired.filter((reason) => !read.has(reason.field)), ...located] };
      }
      if (emptyRequired.length > 0) return { line: record.line, raw, reasons: emptyRequired.map((reason) => withCell(reason, header, record)) };
      const firstLine = firstLineOfKey.firstLineOr(options.keyOf(parsed.data), record.line);
      if (firstLine !== undefined) {
        return {
          line: record.line,
          raw,
          reasons: [{ code: 'duplicate_key', field: null, message: `repeats the record on line ${firstLine} (${options.describeKey(parsed.data)}); keep one of them` }],
        };
      }
      return { line: record.line, row: parsed.data };
    },
  };
}

/**
 * Checked before the field count: a binary or NUL-padded line usually has the wrong number of fields too,
 * and its bytes are the cause to report.
 */
/** `header` is empty when the record's fields cannot be matched to it. */
function characterReason(problem: CharacterProblem, header: readonly string[]): RejectionReason {
  const field = header[problem.fieldIndex] ?? null;
  const where = field ? `field "${field}"` : `field ${problem.fieldIndex + 1}`;
  if (problem.kind === 'invalid_encoding') {
    return {
      code: 'invalid_encoding',
      field,
      message: `${where} holds bytes that are not valid in the file's encoding (a line in another encoding?); save the whole file as UTF-8 or as Shift_JIS`,
    };
  }
  return {
    code: 'invalid_bytes',
    field,
    message: `${where} holds ${describeCodePoint(problem.codePoint)}, which no data field contains (legacy exports pad fields with NUL; binary data pasted into a cell); remove it and send the row again`,
  };
}

/** The reason with the value and where it is: ("R3" in F5) in a workbook, ("R3", line 12) in a text file. */
function withCell(reason: RejectionReason, header: readonly string[], record: RawRecord): RejectionReason {
  const index = reason.field === null ? -1 : header.indexOf(reason.field);
  if (index < 0) return reason;
  const value = record.fields[index] ?? '';
  const where = record.cells?.[index] ?? `line ${record.line}`;
  // Personal data never reaches the quarantine, not even in a message.
  const shown = (PERSONAL_COLUMNS as readonly string[]).includes(reason.field ?? '') ? 'value withheld: personal data' : `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`;
  return { ...reason, message: `${reason.message} (${shown} in ${where})` };
}

function reasonFromIssue(issue: z.core.$ZodIssue): RejectionReason {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  const params = issue.code === 'custom' ? (issue.params as { reason?: string } | undefined) : undefined;
  const code = params?.reason ?? `invalid_${field ?? 'row'}`;
  return { code, field, message: field ? `${field} ${issue.message}` : issue.message };
}
