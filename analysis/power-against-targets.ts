/**
 * The logic-model targets read against what the design can detect: an indicator computed from an outcome
 * the spec estimates hopes for a change of (target − baseline); when that is below the outcome's minimum
 * detectable effect, the evaluation is unlikely to show it even if it happens.
 */
import type { Programme } from '../programmes/catalogue.js';
import { LOGIC_MODEL_STAGE_KEYS } from '../schemas/catalogue.js';
import type { PowerAnalysis } from './power.js';

export interface TargetAgainstPower {
  readonly indicatorId: string;
  readonly nameEn: string;
  readonly outcome: string;
  /** target − baseline, in the direction the indicator should move. */
  readonly hopedForChange: number;
  readonly minimumDetectableEffect: number;
  readonly detectable: boolean;
}

export function targetsAgainstPower(programme: Programme, analysis: PowerAnalysis): TargetAgainstPower[] {
  const byOutcome = new Map(analysis.outcomes.map((o) => [o.outcome, o.minimumDetectableEffect]));
  return LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.file.logicModel[stage]).flatMap((indicator) => {
    const computation = indicator.computation;
    if (!computation || computation.source !== 'outcomes' || !indicator.baseline) return [];
    const referenced = [...computation.value.matchAll(/d\.([a-z_][a-z0-9_]*)/g)].map((m) => m[1]).filter((name) => byOutcome.has(name));
    if (referenced.length !== 1) return [];
    const outcome = referenced[0];
    const mde = byOutcome.get(outcome) as number;
    const sign = indicator.direction === 'higher_is_better' ? 1 : -1;
    const hopedForChange = sign * (indicator.target.value - indicator.baseline.value);
    return [{ indicatorId: indicator.id, nameEn: indicator.nameEn, outcome, hopedForChange, minimumDetectableEffect: mde, detectable: hopedForChange >= mde }];
  });
}
