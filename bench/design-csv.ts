/**
 * Seeded inputs for the design benchmarks: review scores with an award cut-off (for ebpm rd) and a block
 * panel with a few treated units (for ebpm sdid), each with a known effect; an event study (for ebpm sensitivity).
 */
import { writeFile } from 'node:fs/promises';
import { SeededRandom } from '../stats/random.js';
import { writeCsvLines } from './csv-lines.js';

/** Applicants with a review score on a 0.1-point grid, awarded (fuzzily) from 60 on; effect 25 on the outcome. */
export function writeReviewScoresCsv(path: string, applicants: number, seed: number): Promise<void> {
  const random = new SeededRandom(seed);
  return writeCsvLines(path, 'application_id,review_score,awarded,outcome', applicants, (i) => {
    const score = Math.round(Math.min(100, Math.max(0, random.normal(55, 15))) * 10) / 10;
    const awarded = random.uniform() < (score >= 60 ? 0.9 : 0.05) ? 1 : 0;
    const outcome = 200 + 2 * (score - 60) + 25 * awarded + random.normal(0, 30);
    return `A${i},${score},${awarded},${outcome.toFixed(3)}\n`;
  });
}

/** A units × periods factor panel whose last `treated` units are treated in the last third of periods (effect 2). */
export function writeBlockPanelCsv(path: string, units: number, periods: number, treated: number, seed: number): Promise<void> {
  const random = new SeededRandom(seed);
  const start = Math.floor((2 * periods) / 3);
  const factor = Array.from({ length: periods }, (_, t) => Math.sin(t / 3) + t / 10);
  const loadings = Array.from({ length: units }, () => random.normal(1, 0.4));
  const levels = Array.from({ length: units }, () => random.normal(0, 1));
  return writeCsvLines(path, 'unit,year,y,treated', units * periods, (row) => {
    const unit = Math.floor(row / periods);
    const t = row % periods;
    const d = unit >= units - treated && t >= start ? 1 : 0;
    const y = levels[unit] + loadings[unit] * factor[t] + 2 * d + random.normal(0, 0.3);
    return `u${unit},${2000 + t},${y.toFixed(5)},${d}\n`;
  });
}

/**
 * An event study as `ebpm sensitivity` takes it: `pre` pre-award and `post` post-award coefficients
 * (no e = −1) with an AR(1)-correlated covariance, a mild pre-trend and effects growing after the award.
 */
export function writeEventStudyJson(path: string, pre: number, post: number, seed: number): Promise<void> {
  const random = new SeededRandom(seed);
  const size = pre + post;
  const sd = Array.from({ length: size }, (_, i) => 0.02 + 0.002 * i);
  const sigma = sd.map((a, i) => sd.map((b, j) => a * b * 0.5 ** Math.abs(i - j)));
  const betahat = Array.from({ length: size }, (_, i) => (i < pre ? 0.004 * (i - pre + 1) + random.normal(0, 0.01) : 0.03 + 0.015 * (i - pre) + random.normal(0, 0.01)));
  return writeFile(path, `${JSON.stringify({ betahat, sigma, num_pre_periods: pre, num_post_periods: post })}\n`);
}
