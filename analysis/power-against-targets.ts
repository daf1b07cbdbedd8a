/**
 * The logic-model targets read against what the design can detect: an indicator computed from an outcome
 * the spec estimates hopes for a change of (target − baseline); when that change, put on the scale of the
 * minimum detectable effect, is below it, the evaluation is unlikely to show it even if it happens.
 *
 * The MDE is an average effect per awarded unit, in the outcome's unit. A target states its scale in the
 * catalogue (target.scale): a programme total (a sum over every awarded unit) is divided by the units the
 * planned call awards, a mean per unit is already on the MDE's scale, a share of the awarded units (a
 * percentage) is a change in each unit's 0/1 outcome of share ÷ 100. A target on the best unit, or an
 * indicator that is not a plain sum or mean of the outcome, cannot be put on that scale: it is listed as not
 * compared, with the reason, rather than compared on the wrong scale.
 */
import type { Programme } from '../programmes/catalogue.js';
import { LOGIC_MODEL_STAGE_KEYS, type Indicator, type TargetScale } from '../schemas/catalogue.js';
import { plannedAwardedUnits, type PowerAnalysis } from './power.js';

export interface TargetAgainstPower {
  readonly indicatorId: string;
  readonly nameEn: string;
  readonly outcome: string;
  /** The indicator's unit (the target's). */
  readonly unit: string;
  readonly scale: TargetScale;
  /** target − baseline on the target's own scale, in the direction the indicator should move. */
  readonly hopedForChange: number;
  /** Units the planned call awards: what a programme total is divided by. */
  readonly awardedUnits: number;
  /** The hoped-for change on the MDE's scale: per awarded unit, in the outcome's unit; null when it cannot be put there. */
  readonly hopedForChangePerUnit: number | null;
  readonly minimumDetectableEffect: number;
  /** hopedForChangePerUnit ≥ MDE; null when not compared. */
  readonly detectable: boolean | null;
  /** In plain words: the scale compared on and how the target was put there, or why it was not compared. */
  readonly comparedOn: string;
  readonly comparedOnJa: string;
}

/** A target's scale in plain words, for every output that states the scale it compared on. */
export const TARGET_SCALE_WORDS: Readonly<Record<TargetScale, { readonly en: string; readonly ja: string }>> = {
  programme_total: { en: 'a programme total over all awarded units', ja: '採択単位全体の合計' },
  mean_per_unit: { en: 'a mean per awarded unit', ja: '採択単位あたりの平均' },
  share: { en: 'a share of the awarded units', ja: '採択単位に占める割合' },
  best_unit: { en: "the best unit's value", ja: '最も大きい（小さい）単位の値' },
};

/** A figure as the sentences print it: grouped, with fewer decimals the larger it is. */
function figure(value: number): string {
  const size = Math.abs(value);
  return value.toLocaleString('en-US', { maximumFractionDigits: size >= 100 ? 0 : size >= 1 ? 2 : 3 });
}

/** The outcome an indicator's value is a plain sum, mean or percentage mean of (`d => op.sum(d.x)`, `d => 100 * op.mean(d.x)`), if it is one. */
function plainAggregate(value: string): { aggregate: 'sum' | 'mean' | 'percent_mean'; outcome: string } | null {
  const compact = value.replace(/\s+/g, '');
  const match =
    /^\(?([A-Za-z_$][\w$]*)\)?=>op\.(sum|mean)\(\1\.([a-z_][a-z0-9_]*)\)$/.exec(compact) ??
    /^\(?([A-Za-z_$][\w$]*)\)?=>(?:100\*)op\.(mean)\(\1\.([a-z_][a-z0-9_]*)\)$/.exec(compact) ??
    /^\(?([A-Za-z_$][\w$]*)\)?=>op\.(mean)\(\1\.([a-z_][a-z0-9_]*)\)\*100$/.exec(compact);
  if (!match) return null;
  const percent = compact.includes('100*') || compact.endsWith('*100');
  return { aggregate: percent ? 'percent_mean' : (match[2] as 'sum' | 'mean'), outcome: match[3] };
}

interface Conversion {
  readonly perUnit: number | null;
  readonly comparedOn: string;
  readonly comparedOnJa: string;
}

/** The hoped-for change on the MDE's scale (per awarded unit), with how it got there in plain words. */
export function perUnitChange(
  indicator: Pick<Indicator, 'unit'> & { readonly value: string },
  scale: TargetScale,
  change: number,
  awardedUnits: number,
  outcome: { readonly name: string; readonly min?: number; readonly max?: number },
): Conversion {
  const plain = plainAggregate(indicator.value);
  const unit = indicator.unit;
  if (scale === 'best_unit') {
    return {
      perUnit: null,
      comparedOn: `not compared: the target is the best unit's value, which an average effect per unit does not speak to`,
      comparedOnJa: '比較せず：目標は最も大きい（小さい）単位の値で、1単位あたりの平均効果とは比べられない',
    };
  }
  if (!plain || plain.outcome !== outcome.name) {
    return {
      perUnit: null,
      comparedOn: `not compared: the indicator (${indicator.value}) is not a plain sum or mean of ${outcome.name}, so its target cannot be put on ${outcome.name}'s per-unit scale`,
      comparedOnJa: `比較せず：この指標（${indicator.value}）は${outcome.name}の単純な合計・平均ではなく、1単位あたりの尺度に換算できない`,
    };
  }
  switch (scale) {
    case 'mean_per_unit':
      return {
        perUnit: change,
        comparedOn: 'compared per awarded unit (the target is a mean per unit, the MDE\'s own scale)',
        comparedOnJa: '1単位あたりで比較（目標は1単位あたりの平均で、MDEと同じ尺度）',
      };
    case 'programme_total':
      return {
        perUnit: change / awardedUnits,
        comparedOn: `compared per awarded unit (the total's change of ${figure(change)} ${unit} ÷ ${awardedUnits.toLocaleString('en-US')} units the planned call awards)`,
        comparedOnJa: `1単位あたりで比較（合計の変化 ${figure(change)} ${unit} ÷ 計画上の採択${awardedUnits.toLocaleString('en-US')}単位）`,
      };
    case 'share': {
      if (plain.aggregate !== 'percent_mean' || outcome.min === undefined || outcome.max === undefined || outcome.min < 0 || outcome.max > 1) {
        return {
          perUnit: null,
          comparedOn: `not compared: a share is compared as a change in each unit's 0/1 outcome, and ${outcome.name} is not declared as one (measure min 0, max 1, value 100 * op.mean)`,
          comparedOnJa: `比較せず：割合は各単位の0/1指標の変化として比べるが、${outcome.name}はそう宣言されていない`,
        };
      }
      return {
        perUnit: change / 100,
        comparedOn: `compared per awarded unit (${figure(change)} percentage points of the awarded units ÷ 100: a change in each unit's 0/1 ${outcome.name})`,
        comparedOnJa: `1単位あたりで比較（採択単位の${figure(change)}ポイント ÷ 100：各単位の0/1指標の変化）`,
      };
    }
  }
}

export function targetsAgainstPower(programme: Programme, analysis: PowerAnalysis): TargetAgainstPower[] {
  const byOutcome = new Map(analysis.outcomes.map((o) => [o.outcome, o.minimumDetectableEffect]));
  const measures = new Map(programme.file.dataRequirements.fields.filter((field) => field.file === 'outcomes' && field.measure).map((field) => [field.name, field.measure ?? {}]));
  const awardedUnits = plannedAwardedUnits(analysis.plan);
  return LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.file.logicModel[stage]).flatMap((indicator) => {
    const computation = indicator.computation;
    // Validation requires a scale on every target computed from the outcome file.
    const scale = indicator.target.scale;
    if (!computation || computation.source !== 'outcomes' || !indicator.baseline || !scale) return [];
    const referenced = [...new Set([...computation.value.matchAll(/d\.([a-z_][a-z0-9_]*)/g)].map((m) => m[1]).filter((name) => byOutcome.has(name)))];
    if (referenced.length !== 1) return [];
    const outcome = referenced[0];
    const mde = byOutcome.get(outcome) as number;
    const sign = indicator.direction === 'higher_is_better' ? 1 : -1;
    const hopedForChange = sign * (indicator.target.value - indicator.baseline.value);
    const conversion = perUnitChange({ unit: indicator.unit, value: computation.value }, scale, hopedForChange, awardedUnits, { name: outcome, ...measures.get(outcome) });
    return [
      {
        indicatorId: indicator.id,
        nameEn: indicator.nameEn,
        outcome,
        unit: indicator.unit,
        scale,
        hopedForChange,
        awardedUnits,
        hopedForChangePerUnit: conversion.perUnit,
        minimumDetectableEffect: mde,
        detectable: conversion.perUnit === null ? null : conversion.perUnit >= mde,
        comparedOn: conversion.comparedOn,
        comparedOnJa: conversion.comparedOnJa,
      },
    ];
  });
}
