import { describe, expect, it } from 'vitest';
import { sensitivityChart } from '../report/charts.js';
import type { SensitivityBound, SensitivityReport } from '../report/report-data.js';
import { renderSvg } from '../report/svg.js';

function bound(parameter: number, lower: number | null, upper: number | null, extra: Partial<SensitivityBound> = {}): SensitivityBound {
  return { restriction: 'relative_magnitudes', parameter, lower, upper, lowerOpen: false, upperOpen: false, lowerSearchedTo: null, upperSearchedTo: null, emptyReason: null, ...extra };
}

const report: SensitivityReport = {
  outcome: 'co2_reduction',
  target: 'average_post',
  status: 'computed',
  estimate: 5.25,
  originalLow: 4.77,
  originalHigh: 5.73,
  breakdownMbar: 1.8,
  breakdownM: 0.54,
  statement: 'The average effect …',
  statementJa: '交付後の各年度の効果の平均は…',
  withheld: false,
  bounds: [
    bound(0, 4.78, 5.72),
    bound(0.5, 4.2, 6.3),
    bound(1, 3.1, null, { upperOpen: true, upperSearchedTo: 250 }),
    bound(1.5, null, null, { emptyReason: 'rejected_everywhere' }),
    bound(2, -0.4, 9.8),
  ],
};

/** The rendered marks of one role, e.g. 'rule mark' or 'tick'. */
function marks(svg: string, role: string): number {
  return svg.split(`aria-roledescription="${role}"`).length - 1;
}

describe('the sensitivity chart', () => {
  it('draws the zero line and the breakdown line, and says what the breakdown value is', async () => {
    const svg = await renderSvg(sensitivityChart(report, 'relative_magnitudes'));
    // One rule per closed interval, one dashed for the open one, the zero line and the breakdown line.
    const closed = report.bounds.filter((b) => b.lower !== null && b.upper !== null && !b.lowerOpen && !b.upperOpen).length;
    expect(marks(svg, 'rule mark')).toBe(closed + 1 + 1 + 1);
    expect(svg).toContain('breakdown M̄ = 1.8');
  });

  it('puts a tick only at ends that are bounds: the open end gets an arrow and “open beyond search”, the empty set a label', async () => {
    const svg = await renderSvg(sensitivityChart(report, 'relative_magnitudes'));
    const closed = report.bounds.filter((b) => b.lower !== null && b.upper !== null && !b.lowerOpen && !b.upperOpen).length;
    expect(marks(svg, 'tick')).toBe(2 * closed);
    expect(marks(svg, 'point')).toBe(1);
    expect(svg).toContain('open beyond search');
    expect(svg).toContain('empty set');
  });

  it('names the parameter, the outcome and its unit on the axes; M is per year', async () => {
    const rm = await renderSvg(sensitivityChart(report, 'relative_magnitudes', { outcomeName: 'CO2削減量', unit: 't-CO2' }));
    expect(rm).toContain('CO2削減量');
    expect(rm).toContain('robust interval of the effect (t-CO2)');
    expect(rm).toContain('multiple of the largest pre-award one');
    const smooth = { ...report, bounds: [bound(0, 4.8, 5.7), bound(0.3, 4.1, 6.4)].map((b) => ({ ...b, restriction: 'smoothness' as const })) };
    const sd = await renderSvg(sensitivityChart(smooth, 'smoothness', { unit: 't-CO2' }));
    expect(sd).toContain('(t-CO2 per year)');
    expect(sd).toContain('breakdown M = 0.54');
  });
});
