/**
 * One row of an official-statistics file: a published value of one of the programme's statistics-sourced
 * indicators for one fiscal year, with the statistic it comes from and where the figure was taken.
 */
import { z } from 'zod';
import { fiscalYearField, numberField, requiredText, textField } from './csv-fields.js';

export interface StatisticsRow {
  readonly indicator: string;
  readonly fiscal_year: number;
  readonly value: number;
  readonly source: string;
  readonly provenance: string;
}

export const STATISTICS_COLUMNS = ['indicator', 'fiscal_year', 'value', 'source', 'provenance'] as const;

export function statisticsRowSchema(indicators: readonly string[]): z.ZodType<StatisticsRow, Record<string, string>> {
  return z.object({
    indicator: textField((text) =>
      indicators.includes(text)
        ? { ok: true, value: text }
        : {
            ok: false,
            reason: 'unknown_indicator',
            message: `"${text}" is not an indicator this programme reads from statistics; use one of ${indicators.join(', ') || '(none: its catalogue entry names no statistics indicator)'}`,
          },
    ),
    fiscal_year: fiscalYearField(),
    value: numberField(),
    source: requiredText,
    provenance: requiredText,
  }) as unknown as z.ZodType<StatisticsRow, Record<string, string>>;
}
