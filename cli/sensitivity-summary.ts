/** The sensitivity analysis in words and tables, for the terminal and the report. */
import { describeBreakdown } from '../analysis/sensitivity-statement.js';
import type { SensitivityResult, TargetSensitivity } from '../stats/honest/sensitivity.js';
import { formatTable } from './format.js';

function fixed(value: number | null, digits = 4): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

function targetSection(target: TargetSensitivity, title: string, confidencePercent: number): string {
  const anyOpen = target.relative_magnitudes.some((row) => row.open_at_grid_end);
  const rm = target.relative_magnitudes.map((row) => [row.Mbar.toString(), fixed(row.lb), fixed(row.ub), ...(anyOpen ? [row.open_at_grid_end ? 'open at the grid end: the set may be wider' : ''] : [])]);
  const sd = target.smoothness.map((row) => [fixed(row.M, 5), fixed(row.lb), fixed(row.ub)]);
  return [
    `${title}: estimate ${fixed(target.estimate)} (SE ${fixed(target.se)}), ${confidencePercent} % interval under parallel trends [${fixed(target.original.lb)}, ${fixed(target.original.ub)}]`,
    '',
    'Relative magnitudes (Δ^RM, conditional-least-favourable hybrid):',
    formatTable(['M̄', 'lower', 'upper', ...(anyOpen ? ['note'] : [])], rm),
    '',
    'Smoothness (Δ^SD, fixed-length interval):',
    formatTable(['M', 'lower', 'upper'], sd),
    '',
    `In words: ${describeBreakdown(target, 'the effect', confidencePercent)}`,
  ].join('\n');
}

export function formatSensitivitySummary(result: SensitivityResult): string {
  const confidencePercent = Math.round((1 - result.alpha) * 1000) / 10;
  return [
    `Sensitivity to departures from parallel trends (Rambachan & Roth 2023, as R HonestDiD 0.2.6): ${result.num_pre_periods} pre-award and ${result.num_post_periods} post-award event times`,
    '',
    targetSection(result.effect_at_0, 'Effect in the award year (e = 0)', confidencePercent),
    '',
    targetSection(result.average_post, 'Average effect over the post-award years', confidencePercent),
  ].join('\n');
}
