/**
 * From columns to the two sides of the cut-off, as rdrobust prepares them: incomplete rows left out, redundant
 * covariates dropped (rank-revealing QR at tolerance 1e-7, shorter names first), scores sorted, and the
 * mass-point check (a side with 20 % or more repeated scores).
 */
import { sampleMean, sampleVariance } from '../moments.js';
import { tieGroups, type RdSide } from './side.js';

export interface RdData {
  readonly score: Float64Array;
  readonly outcome: Float64Array;
  /** The award indicator of a fuzzy design. */
  readonly treatment?: Float64Array;
  readonly covariates?: Readonly<Record<string, Float64Array>>;
}

export class RdInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RdInputError';
  }
}

export interface PreparedSides {
  readonly left: RdSide;
  readonly right: RdSide;
  /** The sides bandwidth selection sees: without the treatment when it is constant on a side (perfect compliance). */
  readonly bandwidthLeft: RdSide;
  readonly bandwidthRight: RdSide;
  readonly fuzzy: boolean;
  readonly scores: Float64Array;
  readonly distinctLeft: Float64Array;
  readonly distinctRight: Float64Array;
  readonly massPoints: boolean;
  readonly covariateNames: readonly string[];
  readonly droppedCovariates: readonly string[];
  readonly droppedRows: number;
}

/** rdrobust's covs_drop: keep the covariates that a QR with tolerance 1e-7 finds linearly independent. */
function independentCovariates(columns: readonly Float64Array[]): { kept: number[]; dropped: number[] } {
  const basis: Float64Array[] = [];
  const kept: number[] = [];
  const dropped: number[] = [];
  columns.forEach((column, index) => {
    const residual = Float64Array.from(column);
    let originalNorm = 0;
    for (const v of column) originalNorm += v * v;
    for (const q of basis) {
      let dot = 0;
      for (let i = 0; i < residual.length; i++) dot += q[i] * residual[i];
      for (let i = 0; i < residual.length; i++) residual[i] -= dot * q[i];
    }
    let norm = 0;
    for (const v of residual) norm += v * v;
    if (originalNorm > 0 && Math.sqrt(norm) > 1e-7 * Math.sqrt(originalNorm)) {
      const scale = 1 / Math.sqrt(norm);
      basis.push(residual.map((v) => v * scale));
      kept.push(index);
    } else dropped.push(index);
  });
  return { kept, dropped };
}

function distinctSorted(sorted: Float64Array): Float64Array {
  const result: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) result.push(sorted[i]);
  return Float64Array.from(result);
}

export function prepareSides(data: RdData, cutoff: number): PreparedSides {
  const rawNames = Object.keys(data.covariates ?? {});
  // rdrobust orders covariates by the length of their names before looking for redundant ones.
  const names = rawNames.map((name, i) => ({ name, i })).sort((a, b) => a.name.length - b.name.length || a.i - b.i).map(({ name }) => name);
  const rawCovariates = names.map((name) => (data.covariates as Record<string, Float64Array>)[name]);
  const n = data.score.length;
  const complete: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(data.score[i]) || !Number.isFinite(data.outcome[i])) continue;
    if (data.treatment && !Number.isFinite(data.treatment[i])) continue;
    if (rawCovariates.some((column) => !Number.isFinite(column[i]))) continue;
    complete.push(i);
  }
  if (complete.length < 20) throw new RdInputError(`only ${complete.length} rows have a score, an outcome${data.treatment ? ', a treatment' : ''}${names.length ? ' and every covariate' : ''}; RD needs at least 20`);
  // A stable sort by score, as R's order().
  complete.sort((a, b) => data.score[a] - data.score[b] || a - b);
  const pick = (column: Float64Array) => Float64Array.from(complete, (i) => column[i]);
  const scores = pick(data.score);
  if (!(cutoff > scores[0] && cutoff < scores[scores.length - 1]))
    throw new RdInputError(`the cut-off ${cutoff} must lie inside the range of the scores (${scores[0]} to ${scores[scores.length - 1]})`);
  const covariateColumns = rawCovariates.map(pick);
  const { kept, dropped } = independentCovariates(covariateColumns);
  const outcome = pick(data.outcome);
  const treatment = data.treatment ? pick(data.treatment) : null;
  let split = 0;
  while (split < scores.length && scores[split] < cutoff) split++;
  const columns = [outcome, ...(treatment ? [treatment] : []), ...kept.map((k) => covariateColumns[k])];
  const sideOf = (from: number, to: number, withTreatment: boolean): RdSide => {
    const x = scores.subarray(from, to);
    const sideColumns = columns.filter((_, c) => withTreatment || !treatment || c !== 1).map((column) => column.subarray(from, to));
    return { x, columns: sideColumns, ...tieGroups(x), hasTreatment: withTreatment && treatment !== null, covariateCount: kept.length };
  };
  const left = sideOf(0, split, true);
  const right = sideOf(split, scores.length, true);
  let perfectCompliance = false;
  if (treatment) {
    const leftT = treatment.subarray(0, split);
    const rightT = treatment.subarray(split);
    if (sampleVariance(leftT) === 0 && sampleVariance(rightT) === 0 && Math.abs(sampleMean(leftT) - sampleMean(rightT)) < Math.sqrt(Number.EPSILON))
      throw new RdInputError('the treatment column does not change at the cut-off and does not vary on either side: a fuzzy RD is not identified');
    perfectCompliance = sampleVariance(leftT) === 0 || sampleVariance(rightT) === 0;
  }
  const distinctLeft = distinctSorted(left.x).reverse();
  const distinctRight = distinctSorted(right.x);
  const massPoints = 1 - distinctLeft.length / left.x.length >= 0.2 || 1 - distinctRight.length / right.x.length >= 0.2;
  return {
    left,
    right,
    bandwidthLeft: perfectCompliance ? sideOf(0, split, false) : left,
    bandwidthRight: perfectCompliance ? sideOf(split, scores.length, false) : right,
    fuzzy: treatment !== null,
    scores,
    distinctLeft,
    distinctRight,
    massPoints,
    covariateNames: kept.map((k) => names[k]),
    droppedCovariates: dropped.map((k) => names[k]),
    droppedRows: n - complete.length,
  };
}
