/** The sensitivity analysis in words and tables, for the terminal and the report. */
import { describeBreakdown, describeBreakdownJa } from '../analysis/sensitivity-statement.js';
import type { EmptySetReason } from '../stats/honest/relative-magnitudes.js';
import type { SensitivityResult, TargetSensitivity } from '../stats/honest/sensitivity.js';
import { formatTable } from './format.js';

function fixed(value: number | null, digits = 4): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

const EMPTY_REASONS: Record<EmptySetReason, string> = {
  rejected_outright: 'empty: the least-favourable test rejects every value',
  rejected_everywhere: 'empty: the conditional test rejects every value searched',
  beyond_search_limit: 'none within the search limit: what the test leaves lies farther from the estimate',
};

/** An open end is not a bound: it is left blank and the note says how far the set was searched. */
function relativeMagnitudeRow(row: TargetSensitivity['relative_magnitudes'][number]): string[] {
  const notes: string[] = [];
  if (row.empty_reason) notes.push(EMPTY_REASONS[row.empty_reason]);
  if (row.lower_open) notes.push(`open below: still in the set at ${fixed(row.lb)}, where the search stopped`);
  if (row.upper_open) notes.push(`open above: still in the set at ${fixed(row.ub)}, where the search stopped`);
  return [row.Mbar.toString(), row.lower_open ? 'open' : fixed(row.lb), row.upper_open ? 'open' : fixed(row.ub), notes.join('; ')];
}

function targetSection(target: TargetSensitivity, title: string, confidencePercent: number): string {
  const rows = target.relative_magnitudes.map(relativeMagnitudeRow);
  const anyNote = rows.some((row) => row[3] !== '');
  const rm = rows.map((row) => (anyNote ? row : row.slice(0, 3)));
  const sd = target.smoothness.map((row) => [fixed(row.M, 5), fixed(row.lb), fixed(row.ub)]);
  return [
    `${title}: estimate ${fixed(target.estimate)} (SE ${fixed(target.se)}), ${confidencePercent} % interval under parallel trends [${fixed(target.original.lb)}, ${fixed(target.original.ub)}]`,
    '',
    'Relative magnitudes (Δ^RM, conditional-least-favourable hybrid):',
    formatTable(['M̄', 'lower', 'upper', ...(anyNote ? ['note'] : [])], rm),
    '',
    'Smoothness (Δ^SD, fixed-length interval):',
    formatTable(['M', 'lower', 'upper'], sd),
    '',
    `In words: ${describeBreakdown(target, 'the effect', confidencePercent)}`,
    `要約: ${describeBreakdownJa(target, 'この効果', confidencePercent)}`,
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
