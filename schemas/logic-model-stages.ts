/**
 * The logic-model stage keys of a catalogue file and their database names: kept apart from the catalogue schema so
 * that a command that only lists programmes can use them without loading zod.
 */
import type { LogicModelStage } from './kpi-definition.js';

export const LOGIC_MODEL_STAGE_KEYS = ['input', 'activity', 'output', 'shortTermOutcome', 'midTermOutcome', 'impact'] as const;

/** The stage names used in the database and by the KPI engine, for each catalogue stage key. */
export const LOGIC_MODEL_STAGE_NAMES = {
  input: 'input',
  activity: 'activity',
  output: 'output',
  shortTermOutcome: 'short_term_outcome',
  midTermOutcome: 'mid_term_outcome',
  impact: 'impact',
} as const satisfies Record<(typeof LOGIC_MODEL_STAGE_KEYS)[number], LogicModelStage>;
