/**
 * One row of the yearly follow-up panel: a firm's outcomes in one fiscal year.
 */
import { z } from 'zod';
import { corporateNumberField, integerField, numberField } from './csv-fields.js';

export const outcomeRowSchema = z.object({
  corporate_number: corporateNumberField,
  fiscal_year: integerField({ min: 1990, max: 2100 }),
  /** Value added per employee, 万円. */
  labour_productivity: numberField(),
  /** Average annual wage per employee, 万円. */
  average_wage: numberField({ min: 0 }),
  employees: integerField({ min: 0 }),
});

export type OutcomeRow = z.output<typeof outcomeRowSchema>;
export const OUTCOME_COLUMNS = Object.keys(outcomeRowSchema.shape) as (keyof OutcomeRow)[];
/** One outcome row per firm and fiscal year; the key is an exact integer (fiscal years 1990–2100 fit in 8 bits). */
export const outcomeKey = (row: OutcomeRow): number => Number(row.corporate_number) * 256 + (row.fiscal_year - 1900);
export const describeOutcomeKey = (row: OutcomeRow): string => `法人番号 ${row.corporate_number}, fiscal year ${row.fiscal_year}`;
export const OUTCOME_MEASURES = ['labour_productivity', 'average_wage', 'employees'] as const;
export type OutcomeMeasure = (typeof OUTCOME_MEASURES)[number];
