/** The breakdown values of a sensitivity analysis in words, in English and Japanese, for the terminal, the report and the bi views. */
import type { TargetSensitivity } from '../stats/honest/sensitivity.js';

function compact(value: number): string {
  return Number(value.toPrecision(2)).toString();
}

type BreakdownFacts = Pick<TargetSensitivity, 'breakdown' | 'breakdown_search_limit' | 'original'>;

/** Which of the sentences applies: the same facts decide both languages. */
type Reading =
  | { readonly kind: 'not_distinguishable' }
  | { readonly relative: 'at_zero' | 'beyond_limit' | 'at'; readonly smooth: 'at_zero' | 'beyond_limit' | 'at'; readonly mbar: number | null; readonly m: number | null; readonly mbarLimit: number };

function read(target: BreakdownFacts): Reading {
  const { Mbar, M } = target.breakdown;
  const { lb, ub } = target.original;
  if (lb === null || ub === null || (lb <= 0 && ub >= 0)) return { kind: 'not_distinguishable' };
  const which = (value: number | null) => (value === 0 ? 'at_zero' : value === null ? 'beyond_limit' : 'at');
  return { relative: which(Mbar), smooth: which(M), mbar: Mbar, m: M, mbarLimit: target.breakdown_search_limit.Mbar };
}

/** The breakdown values as a sentence a reader without the method's vocabulary can follow. */
export function describeBreakdown(target: BreakdownFacts, targetLabel: string, confidencePercent = 95): string {
  const reading = read(target);
  if ('kind' in reading)
    return `${targetLabel} is not distinguishable from zero even if trends are exactly parallel (its ${confidencePercent} % interval includes zero), so there is no effect for a departure from parallel trends to overturn.`;
  const relative =
    reading.relative === 'at_zero'
      ? `${targetLabel} is not distinguishable from zero under the robust interval even if the difference in trends may not change at all after the award (M̄ = 0).`
      : reading.relative === 'beyond_limit'
        ? `${targetLabel} stays distinguishable from zero even if post-award departures from parallel trends are ${reading.mbarLimit} times the largest pre-award one.`
        : `${targetLabel} stays distinguishable from zero unless post-award departures from parallel trends exceed ${compact(reading.mbar as number)} times the largest pre-award departure (M̄ = ${compact(reading.mbar as number)}).`;
  const smooth =
    reading.smooth === 'at_zero'
      ? 'Allowing for a difference in trends that goes on after the award in a straight line (M = 0) is already enough to make it indistinguishable from zero.'
      : reading.smooth === 'beyond_limit'
        ? 'It also stays distinguishable from zero whatever bend in the difference in trends was searched.'
        : `It also stays distinguishable from zero unless the difference in trends bends by more than ${compact(reading.m as number)} per year (M = ${compact(reading.m as number)}, in the outcome's units).`;
  return `${relative} ${smooth}`;
}

/** The same statement in Japanese (same facts, same numbers). */
export function describeBreakdownJa(target: BreakdownFacts, targetLabelJa: string, confidencePercent = 95): string {
  const reading = read(target);
  if ('kind' in reading)
    return `${targetLabelJa}は、平行トレンドが厳密に成り立つとしてもゼロと区別できない（${confidencePercent}%信頼区間がゼロを含む）。平行トレンドからの乖離によって覆される効果はない。`;
  const relative =
    reading.relative === 'at_zero'
      ? `${targetLabelJa}は、交付後にトレンドの差がまったく変化しないとしても（M̄ = 0）、頑健な信頼区間ではゼロと区別できない。`
      : reading.relative === 'beyond_limit'
        ? `${targetLabelJa}は、交付後の平行トレンドからの乖離が交付前の最大の乖離の${reading.mbarLimit}倍であっても、ゼロと区別できる。`
        : `${targetLabelJa}は、交付後の平行トレンドからの乖離が交付前の最大の乖離の${compact(reading.mbar as number)}倍（M̄ = ${compact(reading.mbar as number)}）を超えない限り、ゼロと区別できる。`;
  const smooth =
    reading.smooth === 'at_zero'
      ? '交付後もトレンドの差が直線的に続くことを許すだけで（M = 0）、ゼロと区別できなくなる。'
      : reading.smooth === 'beyond_limit'
        ? 'また、探索した範囲では、トレンドの差がどのように曲がってもゼロと区別できる。'
        : `また、トレンドの差の傾きが年あたり${compact(reading.m as number)}（M = ${compact(reading.m as number)}、アウトカムの単位）を超えて変化しない限り、ゼロと区別できる。`;
  return `${relative}${smooth}`;
}
