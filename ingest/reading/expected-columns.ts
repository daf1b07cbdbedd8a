/**
 * The columns a file of one kind is expected to have, from the programme's declaration: each field with
 * the names a header may give it (the field name, its Japanese name), the unit its values are stored in,
 * and what kind of value it holds, which decides how a spreadsheet cell is read.
 */
import type { FileDeclaration } from '../../programmes/file-declaration.js';
import { APPLICANT_COLUMNS, APPLICANT_FIELDS } from '../../schemas/applicant.js';
import { outcomeColumns } from '../../schemas/outcome.js';
import { STATISTICS_COLUMNS } from '../../schemas/statistics.js';
import { UNIT_KEY_COLUMNS } from '../../schemas/unit-of-analysis.js';
import { parseUnit, type Unit } from './units.js';

/** How a cell of the column is read: a 法人番号 must keep all 13 digits, a date may be a serial, an amount has a unit. */
export type ColumnRole = 'corporate_number' | 'date' | 'fiscal_year' | 'amount' | 'other';

export interface ExpectedColumn {
  readonly field: string;
  /** Names a header may use, as written in the catalogue (field name first). */
  readonly names: readonly string[];
  readonly role: ColumnRole;
  /** The unit the value is stored in; null when the declaration names none. */
  readonly unit: Unit | null;
  readonly required: boolean;
}

export interface ExpectedTable {
  readonly kind: FileDeclaration['kind'];
  readonly columns: readonly ExpectedColumn[];
}

const YEN = parseUnit('円');

const APPLICANT_ROLES: Readonly<Record<string, { role: ColumnRole; unit?: Unit | null }>> = {
  corporate_number: { role: 'corporate_number' },
  application_date: { role: 'date' },
  award_fiscal_year: { role: 'fiscal_year' },
  subsidy_amount_yen: { role: 'amount', unit: YEN },
  requested_amount_yen: { role: 'amount', unit: YEN },
};

export function expectedTable(declaration: FileDeclaration): ExpectedTable {
  const japaneseOf = new Map(Object.entries(declaration.columnNames).map(([japanese, field]) => [field, japanese]));
  const column = (field: string, required: boolean, role: ColumnRole, unit: Unit | null = null): ExpectedColumn => ({
    field,
    names: [field, ...(japaneseOf.has(field) ? [japaneseOf.get(field)!] : [])],
    role,
    unit,
    required,
  });
  const required = (columns: readonly string[]) => new Set([...columns, ...declaration.requiredByProgramme]);
  if (declaration.kind === 'applicants') {
    const requiredColumns = required(APPLICANT_COLUMNS);
    return {
      kind: declaration.kind,
      columns: APPLICANT_FIELDS.map((field) => {
        const known = APPLICANT_ROLES[field];
        return column(field, requiredColumns.has(field), known?.role ?? 'other', known?.unit ?? null);
      }),
    };
  }
  if (declaration.kind === 'outcomes') {
    const requiredColumns = required(outcomeColumns(declaration.unitOfAnalysis, declaration.measures));
    const key = UNIT_KEY_COLUMNS[declaration.unitOfAnalysis];
    return {
      kind: declaration.kind,
      columns: [
        column(key, true, key === 'corporate_number' ? 'corporate_number' : 'other'),
        column('fiscal_year', true, 'fiscal_year'),
        ...declaration.measures.map((measure) => column(measure.name, requiredColumns.has(measure.name), 'amount', measure.unit ? parseUnit(measure.unit) : null)),
      ],
    };
  }
  return {
    kind: declaration.kind,
    columns: STATISTICS_COLUMNS.map((field) => column(field, true, field === 'fiscal_year' ? 'fiscal_year' : 'other')),
  };
}
