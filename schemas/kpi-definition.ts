/**
 * A logic-model indicator as data: which table it reads, which rows, and the arquero expression
 * that turns the rows of one fiscal year into one number.
 */
import { z } from 'zod';

export const LOGIC_MODEL_STAGES = ['input', 'activity', 'output', 'short_term_outcome', 'mid_term_outcome', 'impact'] as const;
export type LogicModelStage = (typeof LOGIC_MODEL_STAGES)[number];

export const KPI_SOURCE_TABLES = ['applications', 'outcomes'] as const;
export type KpiSourceTable = (typeof KPI_SOURCE_TABLES)[number];

/** How an indicator is computed from the core tables. */
export const kpiComputationSchema = z.object({
  source: z.enum(KPI_SOURCE_TABLES),
  /** Column holding the fiscal year the row counts towards. */
  fiscalYearColumn: z.string().min(1),
  /** arquero row predicate, e.g. `d => d.awarded`; all rows when absent. */
  filter: z.string().min(1).optional(),
  /** arquero aggregate expression, e.g. `d => op.sum(d.subsidy_amount_yen) / 1e6`. */
  value: z.string().min(1),
});

export const kpiDefinitionSchema = kpiComputationSchema.extend({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'ids are snake_case'),
  stage: z.enum(LOGIC_MODEL_STAGES),
  nameJa: z.string().min(1),
  nameEn: z.string().min(1),
  unit: z.string().min(1),
});

export type KpiDefinition = z.output<typeof kpiDefinitionSchema>;
