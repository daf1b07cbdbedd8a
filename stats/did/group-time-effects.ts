/**
 * ATT(g,t): one 2×2 comparison per treated cohort g and period t (Callaway & Sant'Anna 2021), with each
 * cell's influence function on the full set of units, the analytic standard errors clustered by unit, and
 * the Wald pre-test of parallel trends on the pre-treatment cells. Mirrors `did::att_gt` for panel data.
 */
import { selectRows, weightedCrossProduct, type DesignMatrix } from '../design-matrix.js';
import { cholesky, inverseSymmetric, SingularMatrixError } from '../linear-algebra.js';
import { chiSquareSurvival } from '../distributions.js';
import { NonConvergenceError, weightedLogit } from '../regression.js';
import { DidInputError, type BalancedPanel } from './balanced-panel.js';
import { estimateTwoByTwo, type EstimationMethod } from './two-by-two.js';

export interface GroupTimeOptions {
  readonly control: 'never' | 'notyet';
  readonly method: EstimationMethod;
  readonly anticipation: number;
  readonly basePeriod: 'varying' | 'universal';
}

export interface GroupTimeCell {
  readonly group: number;
  readonly time: number;
  /** Null when the 2×2 could not be estimated (see note). */
  readonly att: number | null;
  /** Null for the reference cell of a universal base period, and when no SE exists. */
  readonly se: number | null;
  readonly post: boolean;
  readonly basePeriod: number;
  readonly treatedUnits: number;
  readonly comparisonUnits: number;
  readonly note: string | null;
}

export interface WaldPretest {
  readonly statistic: number;
  readonly df: number;
  readonly pvalue: number;
}

export interface GroupTimeResult {
  readonly cells: readonly GroupTimeCell[];
  /** Influence function of each cell over all units (already scaled by n/n₁); null where att is null. */
  readonly influence: readonly (Float64Array | null)[];
  readonly unitCount: number;
  readonly periods: Int32Array;
  readonly groups: readonly number[];
  /** Group of each unit (0 = never treated) and unit weights (mean 1), for the aggregations. */
  readonly unitGroup: Float64Array;
  readonly unitWeights: Float64Array;
  readonly pretest: WaldPretest | null;
  readonly pretestNote: string | null;
  readonly options: GroupTimeOptions;
}

/** did reports a standard error this small as missing. */
export const NEGLIGIBLE_SE = Math.sqrt(2 ** -52) * 10;

export function standardErrorOf(influence: Float64Array, unitCount: number): number | null {
  let sum = 0;
  for (let i = 0; i < influence.length; i++) sum += influence[i] * influence[i];
  const se = Math.sqrt(sum) / unitCount;
  return se > NEGLIGIBLE_SE ? se : null;
}

interface CellPlan {
  readonly group: number;
  readonly periodIndex: number;
  readonly baseIndex: number;
  readonly post: boolean;
  readonly controlThreshold: number;
}

/** Which (g,t) cells to estimate, their base periods and not-yet-treated thresholds, as did's loops define them. */
function planCells(periods: Int32Array, usablePeriods: number, groups: readonly number[], options: GroupTimeOptions): CellPlan[] {
  const varying = options.basePeriod === 'varying';
  const shift = varying ? 1 : 0;
  const loopLength = varying ? usablePeriods - 1 : usablePeriods;
  const plans: CellPlan[] = [];
  for (const group of groups) {
    let lastPreTreatment = -1;
    for (let s = 0; s < usablePeriods; s++) if (periods[s] + options.anticipation < group) lastPreTreatment = s;
    if (lastPreTreatment < 0) continue;
    for (let t = 0; t < loopLength; t++) {
      const periodIndex = t + shift;
      const post = group <= periods[periodIndex];
      const baseIndex = post || !varying ? lastPreTreatment : t;
      plans.push({
        group,
        periodIndex,
        baseIndex,
        post,
        controlThreshold: periods[Math.max(t, baseIndex) + shift] + options.anticipation,
      });
    }
  }
  return plans;
}

/** did's overlap guard: an unweighted logit whose largest fitted score reaches 0.999 means no overlap. */
function overlapFails(design: DesignMatrix, treated: Uint8Array): boolean {
  if (design.columns === 1) {
    let share = 0;
    for (let i = 0; i < treated.length; i++) share += treated[i];
    return share / treated.length >= 0.999;
  }
  try {
    const fit = weightedLogit(design, treated, new Float64Array(treated.length).fill(1), 'overlap check');
    let largest = 0;
    for (let i = 0; i < fit.fitted.length; i++) largest = Math.max(largest, fit.fitted[i]);
    return largest >= 0.999;
  } catch (error) {
    if (error instanceof NonConvergenceError || error instanceof SingularMatrixError) return true;
    throw error;
  }
}

export function estimateGroupTimeEffects(panel: BalancedPanel, options: GroupTimeOptions): GroupTimeResult {
  const n = panel.unitCount;
  const T = panel.periods.length;
  const hasNeverTreated = panel.group.some((g) => g === 0);
  const distinctGroups = [...new Set(Array.from(panel.group).filter((g) => g > 0))].sort((a, b) => a - b);
  let groups = distinctGroups;
  let usablePeriods = T;
  if (!hasNeverTreated) {
    if (options.control === 'never') {
      throw new DidInputError(
        'there are no never-treated units (group 0), so --control never has no comparison group; ' +
          'use --control notyet to compare with units treated later',
      );
    }
    // As did: the last cohort only serves as comparison, and periods from its treatment on are dropped.
    const latest = distinctGroups[distinctGroups.length - 1];
    groups = distinctGroups.filter((g) => g < latest);
    usablePeriods = panel.periods.filter((p) => p < latest - options.anticipation).length;
  }
  if (groups.length === 0) throw new DidInputError('no treated cohort has a comparison group; check the group column');
  assertCovariatesNotCollinear(panel);

  const unitWeights = new Float64Array(n).fill(1);
  const cells: GroupTimeCell[] = [];
  const influence: (Float64Array | null)[] = [];
  const k = panel.covariateNames.length + 1;

  for (const plan of planCells(panel.periods, usablePeriods, groups, options)) {
    const time = panel.periods[plan.periodIndex];
    const basePeriod = panel.periods[plan.baseIndex];
    if (plan.baseIndex === plan.periodIndex) {
      // Universal base period: the reference cell is 0 by construction and has no standard error.
      cells.push({ group: plan.group, time, att: 0, se: null, post: plan.post, basePeriod, treatedUnits: 0, comparisonUnits: 0, note: 'reference period' });
      influence.push(new Float64Array(n));
      continue;
    }
    const kept: number[] = [];
    let treatedUnits = 0;
    for (let u = 0; u < n; u++) {
      const g = panel.group[u];
      const isTreated = g === plan.group;
      const isComparison = options.control === 'never' ? g === 0 : g === 0 || (g > plan.controlThreshold && g !== plan.group);
      if (isTreated || isComparison) {
        kept.push(u);
        if (isTreated) treatedUnits++;
      }
    }
    const n1 = kept.length;
    const comparisonUnits = n1 - treatedUnits;
    const treated = new Uint8Array(n1);
    const deltaY = new Float64Array(n1);
    const post = panel.outcome.subarray(plan.periodIndex * n, plan.periodIndex * n + n);
    const base = panel.outcome.subarray(plan.baseIndex * n, plan.baseIndex * n + n);
    for (let r = 0; r < n1; r++) {
      const u = kept[r];
      treated[r] = panel.group[u] === plan.group ? 1 : 0;
      deltaY[r] = post[u] - base[u];
    }
    const earlier = Math.min(plan.periodIndex, plan.baseIndex);
    const covariates: DesignMatrix = panel.covariatesByPeriod
      ? selectRows({ rows: n, columns: k, values: panel.covariatesByPeriod[earlier] }, kept)
      : { rows: n1, columns: 1, values: new Float64Array(n1).fill(1) };
    const unitCounts = { treatedUnits, comparisonUnits };
    const failed = (note: string) => {
      cells.push({ group: plan.group, time, att: null, se: null, post: plan.post, basePeriod, ...unitCounts, note });
      influence.push(null);
    };
    if (treatedUnits === 0 || comparisonUnits === 0) {
      failed(treatedUnits === 0 ? 'no treated units' : 'no comparison units');
      continue;
    }
    if ((options.method === 'dr' || options.method === 'ipw') && overlapFails(covariates, treated)) {
      failed('overlap condition violated: propensity scores reach 0.999');
      continue;
    }
    let result;
    try {
      result = estimateTwoByTwo(options.method, { deltaY, treated, covariates, weights: new Float64Array(n1).fill(1) });
    } catch (error) {
      if (error instanceof SingularMatrixError || error instanceof NonConvergenceError) {
        failed(`${error.message}`);
        continue;
      }
      throw error;
    }
    const full = new Float64Array(n);
    const scale = n / n1;
    for (let r = 0; r < n1; r++) full[kept[r]] = scale * result.influence[r];
    if (!Number.isFinite(result.att)) {
      failed('the 2×2 estimate is not a number (empty weights)');
      continue;
    }
    cells.push({ group: plan.group, time, att: result.att, se: standardErrorOf(full, n), post: plan.post, basePeriod, ...unitCounts, note: null });
    influence.push(full);
  }

  const { pretest, pretestNote } = waldPretest(cells, influence, n);
  return { cells, influence, unitCount: n, periods: panel.periods.slice(0, usablePeriods), groups, unitGroup: panel.group, unitWeights, pretest, pretestNote, options };
}

/** A constant covariate, or one that is a combination of others, makes every 2×2 singular: say which one up front. */
function assertCovariatesNotCollinear(panel: BalancedPanel): void {
  if (!panel.covariatesByPeriod) return;
  const k = panel.covariateNames.length + 1;
  const design = { rows: panel.unitCount, columns: k, values: panel.covariatesByPeriod[0] };
  const crossProduct = weightedCrossProduct(design, new Float64Array(panel.unitCount).fill(1));
  try {
    cholesky(crossProduct, k, 'covariates');
  } catch (error) {
    if (!(error instanceof SingularMatrixError)) throw error;
    const offending = error.pivotIndex === 0 ? 'the intercept' : `covariate "${panel.covariateNames[error.pivotIndex - 1]}"`;
    throw new DidInputError(
      `the covariate matrix is singular: ${offending} is constant or a linear combination of the covariates before it ` +
        `(${panel.covariateNames.join(', ')}); drop or recode it`,
    );
  }
}

/** W = n·a'V⁻¹a over pre-treatment cells with a standard error; χ² with as many degrees of freedom as cells. */
function waldPretest(
  cells: readonly GroupTimeCell[],
  influence: readonly (Float64Array | null)[],
  n: number,
): { pretest: WaldPretest | null; pretestNote: string | null } {
  const pre: number[] = [];
  cells.forEach((cell, index) => {
    if (cell.group > cell.time && cell.att !== null && cell.se !== null) pre.push(index);
  });
  if (pre.length === 0) return { pretest: null, pretestNote: 'no pre-treatment cells with a standard error: nothing to test' };
  const q = pre.length;
  const covariance = new Float64Array(q * q);
  for (let a = 0; a < q; a++) {
    const ia = influence[pre[a]] as Float64Array;
    for (let b = 0; b <= a; b++) {
      const ib = influence[pre[b]] as Float64Array;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += ia[i] * ib[i];
      covariance[a * q + b] = covariance[b * q + a] = sum / n;
    }
  }
  let inverse: Float64Array;
  try {
    inverse = inverseSymmetric(covariance, q, 'pre-test covariance');
  } catch (error) {
    if (error instanceof SingularMatrixError) return { pretest: null, pretestNote: 'the covariance of the pre-treatment cells is singular' };
    throw error;
  }
  let statistic = 0;
  for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) statistic += (cells[pre[a]].att as number) * inverse[a * q + b] * (cells[pre[b]].att as number);
  statistic *= n;
  return { pretest: { statistic, df: q, pvalue: chiSquareSurvival(statistic, q) }, pretestNote: null };
}
