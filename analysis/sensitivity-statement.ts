/** The breakdown values of a sensitivity analysis in words, for the terminal, the report and the bi views. */
import type { TargetSensitivity } from '../stats/honest/sensitivity.js';

function compact(value: number): string {
  return Number(value.toPrecision(2)).toString();
}

/** The breakdown values as a sentence a reader without the method's vocabulary can follow. */
export function describeBreakdown(
  target: Pick<TargetSensitivity, 'breakdown' | 'breakdown_search_limit' | 'original'>,
  targetLabel: string,
  confidencePercent = 95,
): string {
  const { Mbar, M } = target.breakdown;
  const { lb, ub } = target.original;
  if (lb === null || ub === null || (lb <= 0 && ub >= 0))
    return `${targetLabel} is not distinguishable from zero even if trends are exactly parallel (its ${confidencePercent} % interval includes zero), so there is no effect for a departure from parallel trends to overturn.`;
  const relative =
    Mbar === 0
      ? `${targetLabel} is not distinguishable from zero under the robust interval even if the difference in trends may not change at all after the award (M̄ = 0).`
      : Mbar === null
        ? `${targetLabel} stays distinguishable from zero even if post-award departures from parallel trends are ${target.breakdown_search_limit.Mbar} times the largest pre-award one.`
        : `${targetLabel} stays distinguishable from zero unless post-award departures from parallel trends exceed ${compact(Mbar)} times the largest pre-award departure (M̄ = ${compact(Mbar)}).`;
  const smooth =
    M === 0
      ? 'Allowing for a difference in trends that goes on after the award in a straight line (M = 0) is already enough to make it indistinguishable from zero.'
      : M === null
        ? 'It also stays distinguishable from zero whatever bend in the difference in trends was searched.'
        : `It also stays distinguishable from zero unless the difference in trends bends by more than ${compact(M)} per year (M = ${compact(M)}, in the outcome's units).`;
  return `${relative} ${smooth}`;
}
