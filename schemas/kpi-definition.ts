/**
 * A logic-model indicator as data: where its value comes from. Either it is computed from the loaded
 * records (which table, which rows, and the arquero expression that turns one fiscal year's rows into one
 * number), or it is read as published from an official-statistics file.
 */
import { z } from 'zod';

export const LOGIC_MODEL_STAGES = ['input', 'activity', 'output', 'short_term_outcome', 'mid_term_outcome', 'impact'] as const;
export type LogicModelStage = (typeof LOGIC_MODEL_STAGES)[number];

/** Tables of loaded records an indicator can be computed from. */
export const KPI_RECORD_TABLES = ['applications', 'outcomes'] as const;
export type KpiRecordTable = (typeof KPI_RECORD_TABLES)[number];

/** Computed from the applications or the follow-up outcomes of the programme's units. */
export const recordComputationSchema = z.object({
  source: z.enum(KPI_RECORD_TABLES),
  /** Column holding the fiscal year the row counts towards. */
  fiscalYearColumn: z.string().min(1),
  /** arquero row predicate, e.g. `d => d.awarded`; all rows when absent. */
  filter: z.string().min(1).optional(),
  /** arquero aggregate expression, e.g. `d => op.sum(d.subsidy_amount_yen) / 1e6`. */
  value: z.string().min(1),
});

/** Published by a statistics office or an agency: loaded from a `statistics` file, one value per fiscal year. */
export const statisticsComputationSchema = z.object({
  source: z.literal('statistics'),
  /** The statistic it is taken from, e.g. 法人企業統計調査; shown beside the value. */
  publisher: z.string().min(1),
});

export const kpiComputationSchema = z.discriminatedUnion('source', [recordComputationSchema, statisticsComputationSchema]);

export type RecordComputation = z.output<typeof recordComputationSchema>;
export type KpiComputation = z.output<typeof kpiComputationSchema>;

export const kpiDefinitionSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'ids are snake_case'),
  stage: z.enum(LOGIC_MODEL_STAGES),
  nameJa: z.string().min(1),
  nameEn: z.string().min(1),
  unit: z.string().min(1),
  computation: kpiComputationSchema,
});

export type KpiDefinition = z.output<typeof kpiDefinitionSchema>;
