/**
 * Seeded staggered panels written as CSV for the estimate benchmarks: like did's own simulator, a
 * balanced panel with a never-treated group, cohorts first treated in later periods, a time-invariant
 * covariate, unit and period effects and dynamic treatment effects. With a missing share, each unit-period
 * row is left out with that probability (attrition at random), making the panel unbalanced.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { SeededRandom } from '../stats/random.js';

export async function writePanelCsv(path: string, units: number, periods: number, seed: number, missingShare = 0): Promise<void> {
  const random = new SeededRandom(seed);
  const cohorts = [0, ...Array.from({ length: Math.min(4, periods - 2) }, (_, k) => 2 + k * 2).filter((p) => p <= periods)];
  const periodEffect = Array.from({ length: periods }, (_, t) => 0.1 * t + random.normal(0, 0.1));
  const out = createWriteStream(path);
  out.write('id,period,group,x,y\n');
  let buffer = '';
  for (let unit = 1; unit <= units; unit++) {
    const cohort = random.pick(cohorts);
    const x = random.normal(0, 1);
    const level = 0.5 * x + random.normal(0, 1);
    for (let t = 1; t <= periods; t++) {
      const effect = cohort !== 0 && t >= cohort ? 1 + 0.2 * (t - cohort) : 0;
      const y = level + periodEffect[t - 1] + 0.1 * x * t + effect + random.normal(0, 1);
      if (missingShare > 0 && random.uniform() < missingShare) continue;
      buffer += `${unit},${t},${cohort},${x.toFixed(6)},${y.toFixed(6)}\n`;
    }
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}
