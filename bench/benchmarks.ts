/**
 * The benchmarks. Each pairs a subject with a baseline that does the least work any implementation must do
 * on the same input, so the ratio measures our overhead rather than the machine.
 */
import type { StaggeredPanel } from '../stats/panel.js';
import { fitEventStudyTwfe, fitStaticTwfe } from '../stats/twfe.js';
import { SeededRandom } from '../stats/random.js';
import { timeMs } from './timing.js';

export interface Benchmark<Fixture = unknown> {
  readonly name: string;
  readonly size: string;
  prepare(): Fixture;
  readonly subject: { readonly label: string; run(fixture: Fixture): Promise<number> };
  readonly baseline: { readonly label: string; run(fixture: Fixture): Promise<number> };
}

function staggeredPanel(units: number, periods: number, seed: number): StaggeredPanel {
  const random = new SeededRandom(seed);
  const calendar = Int32Array.from({ length: periods }, (_, t) => 2016 + t);
  const cohortChoices = [0, 2019, 2020, 2021, 2022];
  const cohortOfUnit = Int32Array.from({ length: units }, () => random.pick(cohortChoices));
  const n = units * periods;
  const unit = new Int32Array(n);
  const period = new Int32Array(n);
  const outcome = new Float64Array(n);
  for (let i = 0, row = 0; i < units; i++) {
    const level = random.normal(0, 1);
    for (let t = 0; t < periods; t++, row++) {
      unit[row] = i;
      period[row] = t;
      const treated = cohortOfUnit[i] !== 0 && calendar[t] >= cohortOfUnit[i] ? 1 : 0;
      outcome[row] = level + 0.1 * t + 0.5 * treated + random.normal(0, 1);
    }
  }
  return { unit, period, outcome, periods: calendar, cohortOfUnit, unitCount: units };
}

/** Unit means of the outcome: one pass that every fixed-effects estimator must make at least once. */
function unitMeansPass(panel: StaggeredPanel): number {
  const sums = new Float64Array(panel.unitCount);
  for (let i = 0; i < panel.outcome.length; i++) sums[panel.unit[i]] += panel.outcome[i];
  let total = 0;
  for (let u = 0; u < sums.length; u++) total += sums[u];
  return total;
}

const onePassBaseline = {
  label: 'one pass of unit sums over the outcome',
  run: (panel: StaggeredPanel) => timeMs(() => unitMeansPass(panel)),
};

export const BENCHMARKS: readonly Benchmark<StaggeredPanel>[] = [
  {
    name: 'twfe-static',
    size: '100,000 units × 10 periods',
    prepare: () => staggeredPanel(100_000, 10, 1),
    subject: { label: 'TWFE static fit with clustered SEs', run: (panel) => timeMs(() => fitStaticTwfe(panel)) },
    baseline: onePassBaseline,
  },
  {
    name: 'twfe-event-study',
    size: '100,000 units × 10 periods',
    prepare: () => staggeredPanel(100_000, 10, 2),
    subject: { label: 'TWFE event-study fit with clustered SEs', run: (panel) => timeMs(() => fitEventStudyTwfe(panel)) },
    baseline: onePassBaseline,
  },
];
