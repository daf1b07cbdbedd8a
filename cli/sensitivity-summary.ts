/** The sensitivity analysis in words and tables, for the terminal and the report. */
import type { SensitivityResult, TargetSensitivity } from '../stats/honest/sensitivity.js';
import { formatTable } from './format.js';

function fixed(value: number | null, digits = 4): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

function compact(value: number): string {
  return Number(value.toPrecision(2)).toString();
}

/** The breakdown values as a sentence a reader without the method's vocabulary can follow. */
export function describeBreakdown(target: TargetSensitivity, targetLabel: string): string {
  const { Mbar, M } = target.breakdown;
  const excludesZero = target.original.lb !== null && target.original.ub !== null && (target.original.lb > 0 || target.original.ub < 0);
  if (!excludesZero)
    return `${targetLabel}: the 95 % interval includes zero even if trends are exactly parallel, so there is no effect for a departure from parallel trends to overturn.`;
  const parts: string[] = [];
  if (Mbar === 0 || M === 0) parts.push('it is not distinguishable from zero under the robust intervals even with no departure from parallel trends');
  else {
    parts.push(
      Mbar === null
        ? `it stays distinguishable from zero even if post-award departures from parallel trends are ${target.breakdown_search_limit.Mbar} times the largest pre-award one`
        : `it stays distinguishable from zero unless post-award departures from parallel trends exceed ${compact(Mbar)} times the largest pre-award departure (M̄ = ${compact(Mbar)})`,
    );
    parts.push(
      M === null
        ? 'and whatever the bend in the trend difference searched'
        : `or the difference in trends bends by more than ${compact(M)} per year (M = ${compact(M)}, in the outcome's units)`,
    );
  }
  return `${targetLabel}: ${parts.join(' ')}.`;
}

function targetSection(target: TargetSensitivity, title: string): string {
  const anyOpen = target.relative_magnitudes.some((row) => row.open_at_grid_end);
  const rm = target.relative_magnitudes.map((row) => [row.Mbar.toString(), fixed(row.lb), fixed(row.ub), ...(anyOpen ? [row.open_at_grid_end ? 'open at the grid end: the set may be wider' : ''] : [])]);
  const sd = target.smoothness.map((row) => [fixed(row.M, 5), fixed(row.lb), fixed(row.ub)]);
  return [
    `${title}: estimate ${fixed(target.estimate)} (SE ${fixed(target.se)}), 95 % interval under parallel trends [${fixed(target.original.lb)}, ${fixed(target.original.ub)}]`,
    '',
    'Relative magnitudes (Δ^RM, conditional-least-favourable hybrid):',
    formatTable(['M̄', 'lower', 'upper', ...(anyOpen ? ['note'] : [])], rm),
    '',
    'Smoothness (Δ^SD, fixed-length interval):',
    formatTable(['M', 'lower', 'upper'], sd),
    '',
    describeBreakdown(target, 'In words'),
  ].join('\n');
}

export function formatSensitivitySummary(result: SensitivityResult): string {
  return [
    `Sensitivity to departures from parallel trends (Rambachan & Roth 2023, as R HonestDiD 0.2.6): ${result.num_pre_periods} pre-award and ${result.num_post_periods} post-award event times`,
    '',
    targetSection(result.effect_at_0, 'Effect in the award year (e = 0)'),
    '',
    targetSection(result.average_post, 'Average effect over the post-award years'),
  ].join('\n');
}
