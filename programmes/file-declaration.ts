/**
 * What a programme's catalogue entry says about one kind of input file, as plain data that the parse
 * (in a worker thread or not) validates against: the unit of analysis keying the file, the Japanese column
 * names read as the English ones, the fields the call guidelines make required, the outcome measures with
 * their types and ranges, and the indicators a statistics file may carry.
 */
import type { InputKind } from '../activities/contracts.js';
import { LOGIC_MODEL_STAGE_KEYS, type ProgrammeFile } from '../schemas/catalogue.js';
import type { UnitOfAnalysis } from '../schemas/unit-of-analysis.js';

export interface MeasureDeclaration {
  readonly name: string;
  readonly type: 'number' | 'integer';
  /** The unit values are stored in (万円, %, 件 …), for reading files that show another one. */
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly required: boolean;
}

export interface FileDeclaration {
  readonly kind: InputKind;
  readonly unitOfAnalysis: UnitOfAnalysis;
  /** Japanese column name → field name. */
  readonly columnNames: Readonly<Record<string, string>>;
  /** Fields the programme's data requirements mark required (for this kind of file). */
  readonly requiredByProgramme: readonly string[];
  /** The outcome file's measures, in catalogue order. */
  readonly measures: readonly MeasureDeclaration[];
  /** Indicators a statistics file may carry values for. */
  readonly statisticsIndicators: readonly string[];
}

/** The columns of a statistics file, with the Japanese names an export may use. */
export const STATISTICS_COLUMN_NAMES: Readonly<Record<string, string>> = { 指標: 'indicator', 年度: 'fiscal_year', 値: 'value', 出典: 'source', 備考: 'provenance' };

export function fileDeclaration(programme: ProgrammeFile, kind: InputKind): FileDeclaration {
  const statisticsIndicators = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.logicModel[stage])
    .filter((indicator) => indicator.computation?.source === 'statistics')
    .map((indicator) => indicator.id);
  if (kind === 'statistics') {
    return { kind, unitOfAnalysis: programme.unitOfAnalysis, columnNames: STATISTICS_COLUMN_NAMES, requiredByProgramme: [], measures: [], statisticsIndicators };
  }
  const fields = programme.dataRequirements.fields.filter((field) => field.file === kind);
  return {
    kind,
    unitOfAnalysis: programme.unitOfAnalysis,
    columnNames: Object.fromEntries(fields.map((field) => [field.nameJa, field.name])),
    requiredByProgramme: fields.filter((field) => field.required).map((field) => field.name),
    measures: fields.flatMap((field) =>
      field.measure ? [{ name: field.name, type: field.measure.type, unit: field.measure.unit, min: field.measure.min, max: field.measure.max, required: field.required }] : [],
    ),
    statisticsIndicators,
  };
}
