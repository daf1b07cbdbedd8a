/**
 * One row of a yearly follow-up file: one unit's declared measures in one fiscal year. The row schema is
 * built from the programme's declaration, so a new measure is a catalogue edit.
 */
import { z } from 'zod';
import type { MeasureDeclaration } from '../programmes/file-declaration.js';
import { UNIT_KEY_COLUMNS, type UnitOfAnalysis } from './unit-of-analysis.js';
import { readings } from './csv-fields.js';
import { doubleText } from './decimal-text.js';
import { FIELD_FAILED, readField, recordSchema, type FieldReader, type RequiredField } from './record-schema.js';

export interface OutcomeRow {
  readonly unit_id: string;
  readonly fiscal_year: number;
  /** Declared measures by field name; null where an optional measure was not reported. */
  readonly measures: Readonly<Record<string, number | null>>;
}

export function outcomeRowSchema(unitOfAnalysis: UnitOfAnalysis, measures: readonly MeasureDeclaration[]): z.ZodType<OutcomeRow, Record<string, string>> {
  const keyColumn = UNIT_KEY_COLUMNS[unitOfAnalysis];
  const unitReader: RequiredField<string> = { name: keyColumn, parse: unitOfAnalysis === 'firm' ? readings.corporateNumber : readings.unitId };
  const yearReader: RequiredField<number> = { name: 'fiscal_year', parse: readings.fiscalYear() };
  const measureReaders: FieldReader<number | null>[] = measures.map((measure) =>
    measure.required ? { name: measure.name, parse: readings.measure(measure) } : { name: measure.name, parse: readings.measure(measure), optional: true },
  );
  // One transform over the record, its fields read in the order a z.object of them would report their problems.
  return recordSchema((raw, issues): OutcomeRow => {
    const unitId = readField(raw, unitReader, issues);
    const fiscalYear = readField(raw, yearReader, issues);
    let failed = false;
    // A loop rather than Object.fromEntries over mapped pairs: this runs once per row of a national file.
    const values: Record<string, number | null> = {};
    for (const reader of measureReaders) {
      const value = readField(raw, reader, issues);
      if (value === FIELD_FAILED) failed = true;
      else values[reader.name] = value ?? null;
    }
    return unitId === FIELD_FAILED || fiscalYear === FIELD_FAILED || failed ? z.NEVER : { unit_id: unitId, fiscal_year: fiscalYear, measures: values };
  });
}

/**
 * The measures of a row as a PostgreSQL float8[] literal for COPY text, one element per place of
 * core.outcome_measures (`slots`, index 0 is slot 1): a finite number as String writes it (doubleText, the same text
 * made faster), which float8 reads back as the same double, and NULL for anything else (null, NaN, ±Infinity), for a
 * place whose name the row does not declare and for a gap. Written without walking the object's properties: this runs once per row of a national file.
 */
export function measureValuesWriter(slots: readonly (string | null)[]): (values: OutcomeRow['measures']) => string {
  return (values) => {
    let text = '{';
    for (let index = 0; index < slots.length; index++) {
      const name = slots[index];
      const value = name === null || !Object.hasOwn(values, name) ? null : values[name];
      text += (index === 0 ? '' : ',') + (typeof value === 'number' && Number.isFinite(value) ? doubleText(value) : 'NULL');
    }
    return `${text}}`;
  };
}

/** The columns an outcome file must have: the unit key, the fiscal year and the required measures. */
export function outcomeColumns(unitOfAnalysis: UnitOfAnalysis, measures: readonly MeasureDeclaration[]): string[] {
  return [UNIT_KEY_COLUMNS[unitOfAnalysis], 'fiscal_year', ...measures.filter((measure) => measure.required).map((measure) => measure.name)];
}

export const describeOutcomeKey = (unitOfAnalysis: UnitOfAnalysis) => (row: OutcomeRow): string =>
  `${unitOfAnalysis === 'firm' ? '法人番号' : UNIT_KEY_COLUMNS[unitOfAnalysis]} ${row.unit_id}, fiscal year ${row.fiscal_year}`;
