/**
 * The one headline of a programme as every HTML output shows it: the row the views flag as
 * is_programme_headline, with the indicator it measures named from the catalogue. The index and the programme
 * page both call programmeHeadline on the same rows, so they cannot quote different numbers.
 */
import type { Programme } from '../programmes/catalogue.js';
import { designOf } from '../schemas/study-spec.js';
import { outcomeIndicator as indicatorNames, type OutcomeIndicator as IndicatorNames } from './outcome-indicator.js';
import type { EffectRow } from './report-data.js';

/** The logic-model indicator an outcome measures (see outcome-indicator.ts), with the outcome it names. */
export interface OutcomeIndicator extends IndicatorNames {
  readonly outcome: string;
}

export function outcomeIndicator(programme: Programme, outcome: string): OutcomeIndicator {
  return { outcome, ...indicatorNames(programme, outcome) };
}

/** The design the spec names for an outcome (staggered DiD when it names none). */
export function outcomeDesign(programme: Programme, outcome: string): string {
  return designOf(programme.studySpec, outcome).design;
}

export type HeadlineState = 'published' | 'withheld' | 'not_estimated' | 'not_evaluated' | 'no_estimated_design';

export interface ProgrammeHeadline {
  readonly state: HeadlineState;
  /** Null only when nothing is evaluated and the spec has no outcome whose design estimates an effect. */
  readonly indicator: OutcomeIndicator | null;
  readonly design: string | null;
  readonly row: EffectRow | null;
}

/**
 * The programme's headline from its effect rows (one variant's view). Before any run, the outcome the views would
 * flag (the first spec outcome whose design estimates an effect) is still named, so the reader knows what will be
 * quoted.
 */
export function programmeHeadline(programme: Programme, effects: readonly EffectRow[]): ProgrammeHeadline {
  const row = effects.find((effect) => effect.isProgrammeHeadline) ?? null;
  if (row) {
    const state: HeadlineState = row.status !== 'estimated' ? 'not_estimated' : row.withheld ? 'withheld' : 'published';
    return { state, indicator: outcomeIndicator(programme, row.outcome), design: row.design, row };
  }
  const outcome = programme.studySpec.outcomes.find((o) => outcomeDesign(programme, o) !== 'descriptive');
  if (outcome === undefined) return { state: 'no_estimated_design', indicator: null, design: null, row: null };
  return { state: 'not_evaluated', indicator: outcomeIndicator(programme, outcome), design: outcomeDesign(programme, outcome), row: null };
}
