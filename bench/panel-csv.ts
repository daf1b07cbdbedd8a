/**
 * Seeded staggered panels written as CSV for the estimate benchmarks: like did's own simulator, a
 * balanced panel with a never-treated group, cohorts first treated in later periods, a time-invariant
 * covariate, unit and period effects and dynamic treatment effects. With a missing share, each unit-period
 * row is left out with that probability (attrition at random), making the panel unbalanced.
 */
import { SeededRandom } from '../stats/random.js';
import { writeCsvLines } from './csv-lines.js';

export function writePanelCsv(path: string, units: number, periods: number, seed: number, missingShare = 0): Promise<void> {
  const random = new SeededRandom(seed);
  const cohorts = [0, ...Array.from({ length: Math.min(4, periods - 2) }, (_, k) => 2 + k * 2).filter((p) => p <= periods)];
  const periodEffect = Array.from({ length: periods }, (_, t) => 0.1 * t + random.normal(0, 0.1));
  // One call per unit, its rows together.
  return writeCsvLines(path, 'id,period,group,x,y', units, (index) => {
    const unit = index + 1;
    const cohort = random.pick(cohorts);
    const x = random.normal(0, 1);
    const level = 0.5 * x + random.normal(0, 1);
    let rows = '';
    for (let t = 1; t <= periods; t++) {
      const effect = cohort !== 0 && t >= cohort ? 1 + 0.2 * (t - cohort) : 0;
      const y = level + periodEffect[t - 1] + 0.1 * x * t + effect + random.normal(0, 1);
      if (missingShare > 0 && random.uniform() < missingShare) continue;
      rows += `${unit},${t},${cohort},${x.toFixed(6)},${y.toFixed(6)}\n`;
    }
    return rows;
  });
}
