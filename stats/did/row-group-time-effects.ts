/**
 * ATT(g,t) from rows rather than unit paths, as R did computes them for repeated cross-sections and for
 * unbalanced panels: each cell takes the rows of its treated cohort and comparison group in the base period
 * and in t, runs DRDID's repeated-cross-section estimator on them, rescales the influence function by n/n₁
 * (n clusters, n₁ rows in the cell) and sums it within each cluster (a unit, or a row for cross-sections).
 */
import type { DesignMatrix } from '../design-matrix.js';
import { SingularMatrixError } from '../linear-algebra.js';
import { NonConvergenceError } from '../regression.js';
import {
  assertDesignNotCollinear,
  membership,
  overlapFails,
  planCells,
  standardErrorOf,
  treatedGroups,
  waldPretest,
  type GroupTimeCell,
  type GroupTimeOptions,
  type GroupTimeResult,
} from './group-time-effects.js';
import { basisRepresentation, cohortsOfUnits, denseAlgebra } from './influence.js';
import type { LongSample } from './long-sample.js';
import { estimateTwoByTwoRepeatedCrossSection } from './two-by-two-rc.js';

export function estimateGroupTimeEffectsFromRows(sample: LongSample, options: GroupTimeOptions): GroupTimeResult {
  const n = sample.clusterCount;
  const cohorts = cohortsOfUnits(sample.groupOfCluster, sample.weightOfCluster);
  const { groups, usablePeriods } = treatedGroups(cohorts.groups, sample.periods, options);
  const k = sample.covariateNames.length + 1;
  assertRowCovariatesNotCollinear(sample, k);
  const algebra = denseAlgebra(cohorts);
  const cells: GroupTimeCell[] = [];
  const influence: (Float64Array | null)[] = [];
  const rowCohort = new Int32Array(sample.rowCluster.length);
  for (let row = 0; row < rowCohort.length; row++) rowCohort[row] = cohorts.cohortOfUnit[sample.rowCluster[row]];
  const { periodStart, rowOutcome, rowWeight, rowCluster } = sample;
  const periodRows = (p: number) => periodStart[p + 1] - periodStart[p];
  let largestPair = 0;
  for (let a = 0; a < sample.periods.length; a++) {
    for (let b = a + 1; b < sample.periods.length; b++) largestPair = Math.max(largestPair, periodRows(a) + periodRows(b));
  }
  const rowBuffer = new Int32Array(largestPair);
  const postBuffer = new Uint8Array(largestPair);

  for (const plan of planCells(sample.periods, usablePeriods, groups, options)) {
    const cell = membership(plan, cohorts, options.control);
    const time = sample.periods[plan.periodIndex];
    const basePeriod = sample.periods[plan.baseIndex];
    const record = (att: number | null, se: number | null, f: Float64Array | null, note: string | null, treatedUnits = 0, comparisonUnits = 0) => {
      cells.push({ group: plan.group, time, att, se, post: plan.post, basePeriod, treatedUnits, comparisonUnits, note });
      influence.push(f);
    };
    if (plan.baseIndex === plan.periodIndex) {
      record(0, null, algebra.combine([]), 'reference period');
      continue;
    }
    const inCell = new Uint8Array(cohorts.groups.length);
    for (const c of cell.comparisonCohorts) inCell[c] = 1;
    if (cell.treatedCohort >= 0) inCell[cell.treatedCohort] = 1;
    let n1 = 0;
    for (const [periodIndex, inPost] of [[plan.baseIndex, 0], [plan.periodIndex, 1]] as const) {
      for (let row = periodStart[periodIndex]; row < periodStart[periodIndex + 1]; row++) {
        if (!inCell[rowCohort[row]]) continue;
        rowBuffer[n1] = row;
        postBuffer[n1++] = inPost;
      }
    }
    const rows = rowBuffer.subarray(0, n1);
    const post = postBuffer.slice(0, n1);
    const treated = new Uint8Array(n1);
    const outcome = new Float64Array(n1);
    const weights = new Float64Array(n1);
    const counts = [0, 0, 0, 0]; // treated base, treated t, comparison base, comparison t
    for (let r = 0; r < n1; r++) {
      const row = rows[r];
      treated[r] = rowCohort[row] === cell.treatedCohort ? 1 : 0;
      outcome[r] = rowOutcome[row];
      weights[r] = rowWeight ? rowWeight[row] : 1;
      counts[(treated[r] ? 0 : 2) + post[r]]++;
    }
    const treatedRows = counts[0] + counts[1];
    const comparisonRows = counts[2] + counts[3];
    const missing = [
      [counts[1], `no treated rows in period ${time}`],
      [counts[0], `no treated rows in period ${basePeriod}`],
      [counts[3], `no comparison rows in period ${time}`],
      [counts[2], `no comparison rows in period ${basePeriod}`],
    ] as const;
    const empty = missing.find(([count]) => count === 0);
    if (empty) {
      record(null, null, null, empty[1], treatedRows, comparisonRows);
      continue;
    }
    const covariates: DesignMatrix = sample.rowDesign
      ? { rows: n1, columns: k, values: gatherRows(sample.rowDesign, rows, k) }
      : { rows: n1, columns: 1, values: new Float64Array(n1).fill(1) };
    if ((options.method === 'dr' || options.method === 'ipw') && overlapFails(covariates, treated)) {
      record(null, null, null, 'overlap condition violated: propensity scores reach 0.999', treatedRows, comparisonRows);
      continue;
    }
    let result;
    try {
      result = estimateTwoByTwoRepeatedCrossSection(options.method, { outcome, post, treated, covariates, weights });
    } catch (error) {
      if (error instanceof SingularMatrixError || error instanceof NonConvergenceError) {
        record(null, null, null, error.message, treatedRows, comparisonRows);
        continue;
      }
      throw error;
    }
    if (!Number.isFinite(result.att)) {
      record(null, null, null, 'the 2×2 estimate is not a number (empty weights)', treatedRows, comparisonRows);
      continue;
    }
    const full = new Float64Array(n);
    const scale = n / n1;
    for (let r = 0; r < n1; r++) full[rowCluster[rows[r]]] += scale * result.influence[r];
    record(result.att, standardErrorOf(algebra, full), full, null, treatedRows, comparisonRows);
  }

  const basis = basisRepresentation(influence, cohorts);
  const { pretest, pretestNote } = waldPretest(cells, basis.influence, basis.algebra);
  return { cells, influence: basis.influence, algebra: basis.algebra, cohorts, unitCount: n, periods: sample.periods.slice(0, usablePeriods), groups, pretest, pretestNote, options };
}

function gatherRows(design: Float64Array, rows: Int32Array, k: number): Float64Array {
  const values = new Float64Array(rows.length * k);
  rows.forEach((row, r) => values.set(design.subarray(row * k, row * k + k), r * k));
  return values;
}

function assertRowCovariatesNotCollinear(sample: LongSample, k: number): void {
  if (sample.rowDesign) assertDesignNotCollinear({ rows: sample.rowOutcome.length, columns: k, values: sample.rowDesign }, sample.covariateNames);
}
