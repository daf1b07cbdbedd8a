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
import { estimateTwoByTwo, TRIM_LEVEL, type EstimationMethod } from './two-by-two.js';
import { CellBuffers } from './cell-buffers.js';
import { affineAlgebra, basisRepresentation, cohortMoments, denseAlgebra, panelCohorts, type CohortMoments, type InfluenceAlgebra, type PanelCohorts } from './influence.js';

export interface GroupTimeOptions {
  readonly control: 'never' | 'notyet';
  readonly method: EstimationMethod;
  readonly anticipation: number;
  readonly basePeriod: 'varying' | 'universal';
  /** 'per-unit' forces dense influence functions even where the cohort-affine form applies (for checks). */
  readonly influenceRepresentation?: 'auto' | 'per-unit';
  /**
   * With a varying base period, also estimate the pre-treatment cells against the universal base (g − 1)
   * in the same pass, so the universal event study (`GroupTimeResult.universal`) shares the main
   * result's influence algebra and its post-treatment cells, which do not depend on the base period.
   */
  readonly alsoUniversal?: boolean;
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
  /** Influence function of each cell (after did's n/n₁ rescaling), in `algebra`'s representation; null where att is null. */
  readonly influence: readonly (Float64Array | null)[];
  readonly algebra: InfluenceAlgebra<Float64Array>;
  readonly cohorts: PanelCohorts;
  readonly unitCount: number;
  readonly periods: Int32Array;
  /** Treated cohorts with ATT(g,t) cells. */
  readonly groups: readonly number[];
  readonly pretest: WaldPretest | null;
  readonly pretestNote: string | null;
  readonly options: GroupTimeOptions;
  /** The same estimate with a universal base period, when `alsoUniversal` asked for it. */
  readonly universal?: GroupTimeResult;
}

/** did reports a standard error this small as missing. */
export const NEGLIGIBLE_SE = Math.sqrt(2 ** -52) * 10;

/** did's analytic SE, sqrt(Σψ²)/n; a negligible one is reported as missing. */
export function standardErrorOf(algebra: InfluenceAlgebra<Float64Array>, influence: Float64Array): number | null {
  const se = Math.sqrt(Math.max(algebra.inner(influence, influence), 0)) / algebra.unitCount;
  return se > NEGLIGIBLE_SE ? se : null;
}

export interface CellPlan {
  readonly group: number;
  readonly periodIndex: number;
  readonly baseIndex: number;
  readonly post: boolean;
  readonly controlThreshold: number;
}

/** Which (g,t) cells to estimate, their base periods and not-yet-treated thresholds, as did's loops define them. */
export function planCells(periods: Int32Array, usablePeriods: number, groups: readonly number[], options: GroupTimeOptions): CellPlan[] {
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

/** Which cohorts a cell compares: the treated cohort and the comparison cohorts. */
export interface CellMembership {
  readonly treatedCohort: number;
  readonly comparisonCohorts: readonly number[];
  readonly treatedUnits: number;
  readonly comparisonUnits: number;
}

export function membership(plan: CellPlan, cohorts: PanelCohorts, control: GroupTimeOptions['control']): CellMembership {
  const comparisonCohorts: number[] = [];
  let treatedCohort = -1;
  let comparisonUnits = 0;
  cohorts.groups.forEach((g, c) => {
    if (g === plan.group) treatedCohort = c;
    else if (g === 0 || (control === 'notyet' && g > plan.controlThreshold)) {
      comparisonCohorts.push(c);
      comparisonUnits += cohorts.sizes[c];
    }
  });
  return { treatedCohort, comparisonCohorts, treatedUnits: treatedCohort >= 0 ? cohorts.sizes[treatedCohort] : 0, comparisonUnits };
}

/**
 * Without covariates and below the trimming threshold, the dr, ipw and reg estimators of DRDID all reduce
 * exactly to the difference of mean changes, with influence function (on all n units, after did's n/n₁
 * rescaling) n·[D(ΔY − μ₁)/n₁ − (1 − D)(ΔY − μ₀)/n₀]: affine in the outcome path, per cohort.
 */
function differenceInMeansCell(moments: CohortMoments, cell: CellMembership, periodIndex: number, baseIndex: number, n: number) {
  const T = moments.periods;
  const stride = T + 1;
  const change = (c: number) => moments.means[c * T + periodIndex] - moments.means[c * T + baseIndex];
  const treatedMean = change(cell.treatedCohort);
  let comparisonMean = 0;
  for (const c of cell.comparisonCohorts) comparisonMean += moments.cohorts.sizes[c] * change(c);
  comparisonMean /= cell.comparisonUnits;
  const influence = new Float64Array(moments.cohorts.groups.length * stride);
  const setCohort = (c: number, scale: number, mean: number) => {
    influence[c * stride + periodIndex] = scale;
    influence[c * stride + baseIndex] = -scale;
    influence[c * stride + T] = -scale * mean;
  };
  setCohort(cell.treatedCohort, n / cell.treatedUnits, treatedMean);
  for (const c of cell.comparisonCohorts) setCohort(c, -n / cell.comparisonUnits, comparisonMean);
  return { att: treatedMean - comparisonMean, influence };
}

/** did's overlap guard: an unweighted logit whose largest fitted score reaches 0.999 means no overlap. */
export function overlapFails(design: DesignMatrix, treated: Uint8Array): boolean {
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

/**
 * The treated cohorts that get ATT(g,t) cells, and how many periods are usable: without never-treated units
 * (only possible with --control notyet), did keeps the last cohort as comparison only and drops the periods
 * from its treatment on. `cohortGroups` are the panel's distinct group values, ascending (PanelCohorts.groups).
 */
export function treatedGroups(cohortGroups: Float64Array, periods: Int32Array, options: GroupTimeOptions): { groups: number[]; usablePeriods: number } {
  const values = Array.from(cohortGroups);
  const hasNeverTreated = values.some((g) => g === 0);
  const distinctGroups = values.filter((g) => g > 0);
  let groups = distinctGroups;
  let usablePeriods = periods.length;
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
    usablePeriods = periods.filter((p) => p < latest - options.anticipation).length;
  }
  if (groups.length === 0) throw new DidInputError('no treated cohort has a comparison group; check the group column');
  return { groups, usablePeriods };
}

/** A per-unit cell's input columns, one value per row of the cell. */
interface CellColumns {
  readonly treated: Uint8Array;
  readonly deltaY: Float64Array;
  readonly weights: Float64Array;
}

/** Columns with a row for every unit of the panel: each cell fills and reads the first rows it needs (`firstRows`). */
function columnsForEveryUnit(units: number): CellColumns {
  return { treated: new Uint8Array(units), deltaY: new Float64Array(units), weights: new Float64Array(units) };
}

function firstRows(columns: CellColumns, rows: number): CellColumns {
  return { treated: columns.treated.subarray(0, rows), deltaY: columns.deltaY.subarray(0, rows), weights: columns.weights.subarray(0, rows) };
}

export function estimateGroupTimeEffects(panel: BalancedPanel, options: GroupTimeOptions): GroupTimeResult {
  const n = panel.unitCount;
  const cohorts = panelCohorts(panel);
  const { groups, usablePeriods } = treatedGroups(cohorts.groups, panel.periods, options);
  assertCovariatesNotCollinear(panel);

  const withMembership = (plan: CellPlan) => ({ plan, cell: membership(plan, cohorts, options.control) });
  const mainPlans = planCells(panel.periods, usablePeriods, groups, options).map(withMembership);
  const universalPrePlans =
    options.alsoUniversal && options.basePeriod === 'varying'
      ? planCells(panel.periods, usablePeriods, groups, { ...options, basePeriod: 'universal' })
          .filter((plan) => !plan.post)
          .map(withMembership)
      : [];
  const plans = [...mainPlans, ...universalPrePlans];
  // Without covariates, and where no cell is near the trimming threshold, every influence function is
  // cohort-affine (see influence.ts); otherwise each is kept per unit.
  const affine =
    options.influenceRepresentation !== 'per-unit' &&
    !panel.covariatesByPeriod &&
    !panel.weights &&
    !panel.incomplete &&
    plans.every(({ cell }) => {
      const share = cell.treatedUnits / (cell.treatedUnits + cell.comparisonUnits);
      return !(share >= TRIM_LEVEL && share < 0.999);
    });
  const moments = affine ? cohortMoments(panel, cohorts) : null;
  const algebra = moments ? affineAlgebra(moments) : denseAlgebra(cohorts);
  const cells: GroupTimeCell[] = [];
  const influence: (Float64Array | null)[] = [];
  const k = panel.covariateNames.length + 1;
  const keptBuffer = new Int32Array(n);
  // The per-unit cells' inputs, made at the first such cell and reused by each (the 2×2 estimators keep none of them
  // and write into none): fresh array buffers count towards V8's external-memory limit, and each time it is reached
  // V8 marks the whole heap. In a study's effect job at 1,000,000 units (about 260 MB live, 0.12–0.19 s a marking) a
  // fresh set per cell, about 25 bytes a unit, took 37 such collections where reusing them takes 34. The intercept is
  // made only for cells without covariates, and shared by them.
  let reused: CellColumns | undefined;
  let intercept: Float64Array | undefined;
  // The per-unit cells' influence functions (the reference cells' zeros too), which are all kept until they go onto
  // the basis below, are cut from buffers of many cells each (cell-buffers.ts): a buffer starts one marking of the
  // heap at most, where a fresh array per cell started one every eight cells at 1,000,000 units.
  const influenceOfCells = new CellBuffers(n, plans.length);

  for (const { plan, cell } of plans) {
    const time = panel.periods[plan.periodIndex];
    const basePeriod = panel.periods[plan.baseIndex];
    const post = panel.outcome.subarray(plan.periodIndex * n, plan.periodIndex * n + n);
    const base = panel.outcome.subarray(plan.baseIndex * n, plan.baseIndex * n + n);
    // The cell's units: the treated cohort and its comparison cohorts, and (when incomplete units were kept
    // for the paired estimator) only those observed in both the base period and t.
    let n1 = 0;
    let treatedUnits = cell.treatedUnits;
    let comparisonUnits = cell.comparisonUnits;
    if (!moments) {
      const comparison = new Uint8Array(cohorts.groups.length);
      for (const c of cell.comparisonCohorts) comparison[c] = 1;
      treatedUnits = 0;
      for (let u = 0; u < n; u++) {
        const c = cohorts.cohortOfUnit[u];
        if (c !== cell.treatedCohort && !comparison[c]) continue;
        if (panel.incomplete && (post[u] !== post[u] || base[u] !== base[u])) continue;
        keptBuffer[n1++] = u;
        if (c === cell.treatedCohort) treatedUnits++;
      }
      comparisonUnits = n1 - treatedUnits;
    }
    const record = (att: number | null, se: number | null, f: Float64Array | null, note: string | null) => {
      cells.push({ group: plan.group, time, att, se, post: plan.post, basePeriod, treatedUnits, comparisonUnits, note });
      influence.push(f);
    };
    if (plan.baseIndex === plan.periodIndex) {
      // Universal base period: the reference cell is 0 by construction and has no standard error.
      record(0, null, moments ? algebra.combine([]) : influenceOfCells.next(), 'reference period');
      continue;
    }
    if (treatedUnits === 0 || comparisonUnits === 0) {
      record(null, null, null, treatedUnits === 0 ? 'no treated units' : 'no comparison units');
      continue;
    }
    const treatedShare = treatedUnits / (treatedUnits + comparisonUnits);
    if (!panel.covariatesByPeriod && options.method !== 'reg' && treatedShare >= 0.999) {
      record(null, null, null, 'overlap condition violated: the treated cohort is 99.9% of the cell');
      continue;
    }
    if (moments) {
      const estimate = differenceInMeansCell(moments, cell, plan.periodIndex, plan.baseIndex, n);
      record(estimate.att, standardErrorOf(algebra, estimate.influence), estimate.influence, null);
      continue;
    }
    const kept = keptBuffer.subarray(0, n1);
    reused ??= columnsForEveryUnit(n);
    const { treated, deltaY, weights } = firstRows(reused, n1);
    for (let r = 0; r < n1; r++) {
      const u = kept[r];
      treated[r] = cohorts.cohortOfUnit[u] === cell.treatedCohort ? 1 : 0;
      deltaY[r] = post[u] - base[u];
      weights[r] = panel.weights ? panel.weights[u] : 1;
    }
    const earlier = Math.min(plan.periodIndex, plan.baseIndex);
    const covariates: DesignMatrix = panel.covariatesByPeriod
      ? selectRows({ rows: n, columns: k, values: panel.covariatesByPeriod[earlier] }, kept)
      : { rows: n1, columns: 1, values: (intercept ??= new Float64Array(n).fill(1)).subarray(0, n1) };
    if (panel.covariatesByPeriod && (options.method === 'dr' || options.method === 'ipw') && overlapFails(covariates, treated)) {
      record(null, null, null, 'overlap condition violated: propensity scores reach 0.999');
      continue;
    }
    let result;
    try {
      result = estimateTwoByTwo(options.method, { deltaY, treated, covariates, weights });
    } catch (error) {
      if (error instanceof SingularMatrixError || error instanceof NonConvergenceError) {
        record(null, null, null, error.message);
        continue;
      }
      throw error;
    }
    if (!Number.isFinite(result.att)) {
      record(null, null, null, 'the 2×2 estimate is not a number (empty weights)');
      continue;
    }
    const full = influenceOfCells.next();
    const scale = n / n1;
    for (let r = 0; r < n1; r++) full[kept[r]] = scale * result.influence[r];
    record(result.att, standardErrorOf(algebra, full), full, null);
  }

  // Per-unit influence functions go onto a basis once, so everything downstream is independent of n.
  const final = moments ? { algebra, influence } : basisRepresentation(influence, cohorts);
  const mainCount = mainPlans.length;
  const mainCells = cells.slice(0, mainCount);
  const mainInfluence = final.influence.slice(0, mainCount);
  const { pretest, pretestNote } = waldPretest(mainCells, mainInfluence, final.algebra);
  const periods = panel.periods.slice(0, usablePeriods);
  const result: GroupTimeResult = { cells: mainCells, influence: mainInfluence, algebra: final.algebra, cohorts, unitCount: n, periods, groups, pretest, pretestNote, options };
  if (universalPrePlans.length === 0) return result;
  // The universal estimate: its own pre-treatment cells, the main post-treatment ones, in did's (group, time) order.
  const order = [...cells.keys()].filter((i) => i >= mainCount || cells[i].post).sort((a, b) => cells[a].group - cells[b].group || cells[a].time - cells[b].time);
  const universalCells = order.map((i) => cells[i]);
  const universalInfluence = order.map((i) => final.influence[i]);
  const universalPretest = waldPretest(universalCells, universalInfluence, final.algebra);
  const universalOptions: GroupTimeOptions = { ...options, basePeriod: 'universal', alsoUniversal: false };
  return {
    ...result,
    universal: { ...result, cells: universalCells, influence: universalInfluence, pretest: universalPretest.pretest, pretestNote: universalPretest.pretestNote, options: universalOptions },
  };
}

/** A constant covariate, or one that is a combination of others, makes every 2×2 singular: say which one up front. */
function assertCovariatesNotCollinear(panel: BalancedPanel): void {
  if (!panel.covariatesByPeriod) return;
  const k = panel.covariateNames.length + 1;
  assertDesignNotCollinear({ rows: panel.unitCount, columns: k, values: panel.covariatesByPeriod[0] }, panel.covariateNames);
}

/** A constant covariate, or one that is a combination of others, makes every 2×2 singular: say which one up front. */
export function assertDesignNotCollinear(design: DesignMatrix, covariateNames: readonly string[]): void {
  const crossProduct = weightedCrossProduct(design, new Float64Array(design.rows).fill(1));
  try {
    cholesky(crossProduct, design.columns, 'covariates');
  } catch (error) {
    if (!(error instanceof SingularMatrixError)) throw error;
    const offending = error.pivotIndex === 0 ? 'the intercept' : `covariate "${covariateNames[error.pivotIndex - 1]}"`;
    throw new DidInputError(
      `the covariate matrix is singular: ${offending} is constant or a linear combination of the covariates before it ` +
        `(${covariateNames.join(', ')}); drop or recode it`,
    );
  }
}

/** V = n⁻¹ Σ_i ψ_i ψ_i' for a list of influence functions (row-major m × m). */
export function influenceCovariance(algebra: InfluenceAlgebra<Float64Array>, influences: readonly Float64Array[]): Float64Array {
  const m = influences.length;
  const covariance = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b <= a; b++) covariance[a * m + b] = covariance[b * m + a] = algebra.inner(influences[a], influences[b]) / algebra.unitCount;
  }
  return covariance;
}

/** W = n·a'V⁻¹a over pre-treatment cells with a standard error; χ² with as many degrees of freedom as cells. */
export function waldPretest(
  cells: readonly GroupTimeCell[],
  influence: readonly (Float64Array | null)[],
  algebra: InfluenceAlgebra<Float64Array>,
): { pretest: WaldPretest | null; pretestNote: string | null } {
  const pre: number[] = [];
  cells.forEach((cell, index) => {
    if (cell.group > cell.time && cell.att !== null && cell.se !== null) pre.push(index);
  });
  if (pre.length === 0) return { pretest: null, pretestNote: 'no pre-treatment cells with a standard error: nothing to test' };
  const q = pre.length;
  const n = algebra.unitCount;
  const covariance = influenceCovariance(algebra, pre.map((index) => influence[index] as Float64Array));
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
