/**
 * An outcome evaluated by regression discontinuity on review scores: each scored applicant's distance from
 * its call round's cut-off is the running variable, and its outcome change from the year before the round's
 * award to the mean of the follow-up years is the outcome (differencing removes the units' levels, so the
 * comparison at the cut-off is sharper). Estimated as rdrobust 4.0.0 does, with rddensity's manipulation
 * test and a binned scatter for the report.
 */
import type { DesignSpec, StudySpec } from '../schemas/study-spec.js';
import { binnedScatter, type ScatterBin } from '../stats/rd/binned-scatter.js';
import { densityTest, DensityTestError } from '../stats/rd/density-test.js';
import { estimateRd, RD_DEFAULTS, type RdReport } from '../stats/rd/estimate.js';
import { RdInputError } from '../stats/rd/prepare.js';
import { FirmCounter } from './firm-counts.js';
import { normalRow, notEstimated, type EffectRow } from './effect-rows.js';
import { covariateBalance, type CovariateBalanceRow } from './rd-covariate-balance.js';

/** The unit's scored application: the earliest with a review score. */
export interface ScoredApplication {
  readonly unitId: string;
  readonly callRound: number;
  readonly reviewScore: number;
  readonly awarded: boolean;
  /** Applicant characteristics at application (for the covariate-balance check), by field name. */
  readonly characteristics?: Readonly<Record<string, number>>;
}

export interface ScoredRound {
  readonly round: number;
  readonly awardFiscalYear: number;
  readonly reviewCutoff: number;
}

export interface RdSummaryRow {
  readonly outcome: string;
  readonly fuzzy: boolean;
  readonly followUpYears: number;
  readonly kernel: string;
  readonly polynomialOrder: number;
  readonly bandwidthSelector: string;
  readonly report: RdReport;
  readonly awardsAgainstScore: number;
  readonly unitsDropped: number;
  readonly densityStatistic: number | null;
  readonly densityPValue: number | null;
}

export interface RdResult {
  readonly effects: readonly EffectRow[];
  readonly summary: RdSummaryRow | null;
  readonly bins: readonly (ScatterBin & { outcome: string; firms: number | null })[];
  /** The jump at the cut-off of each pre-registered characteristic and of the outcome's pre-award level. */
  readonly balance: readonly CovariateBalanceRow[];
  readonly notes: readonly string[];
}

export class MissingReviewCutoffError extends Error {
  constructor(readonly callRound: number) {
    super(`call round ${callRound} has scored applications but no reviewCutoff in the catalogue; add the round's cut-off`);
    this.name = 'MissingReviewCutoffError';
  }
}

type RdDesign = Extract<DesignSpec, { design: 'rd_review_score' }>;

/**
 * Score distance, outcome change and award per unit with every year the outcome needs, with the outcome's
 * level in the year before award and which application each sample row came from.
 */
export function reviewScoreSample(
  applications: readonly ScoredApplication[],
  rounds: readonly ScoredRound[],
  panel: { readonly unitId: readonly string[]; readonly time: ArrayLike<number>; readonly outcome: ArrayLike<number> },
  followUpYears: number,
): { unitId: string[]; score: Float64Array; change: Float64Array; awarded: Float64Array; baseline: Float64Array; application: Int32Array; dropped: number } {
  const roundOf = new Map(rounds.map((round) => [round.round, round]));
  const valueOf = new Map<string, Map<number, number>>();
  for (let i = 0; i < panel.unitId.length; i++) {
    let years = valueOf.get(panel.unitId[i]);
    if (!years) valueOf.set(panel.unitId[i], (years = new Map()));
    years.set(panel.time[i], panel.outcome[i]);
  }
  const unitId: string[] = [];
  const score: number[] = [];
  const change: number[] = [];
  const awarded: number[] = [];
  const baselines: number[] = [];
  const kept: number[] = [];
  let dropped = 0;
  for (const [index, application] of applications.entries()) {
    const round = roundOf.get(application.callRound);
    if (!round) throw new MissingReviewCutoffError(application.callRound);
    const years = valueOf.get(application.unitId);
    const baseline = years?.get(round.awardFiscalYear - 1);
    let sum = 0;
    let complete = baseline !== undefined && Number.isFinite(baseline);
    for (let k = 0; k < followUpYears && complete; k++) {
      const value = years?.get(round.awardFiscalYear + k);
      if (value === undefined || !Number.isFinite(value)) complete = false;
      else sum += value;
    }
    if (!complete) {
      dropped++;
      continue;
    }
    unitId.push(application.unitId);
    score.push(application.reviewScore - round.reviewCutoff);
    change.push(sum / followUpYears - (baseline as number));
    awarded.push(application.awarded ? 1 : 0);
    baselines.push(baseline as number);
    kept.push(index);
  }
  return {
    unitId,
    score: Float64Array.from(score),
    change: Float64Array.from(change),
    awarded: Float64Array.from(awarded),
    baseline: Float64Array.from(baselines),
    application: Int32Array.from(kept),
    dropped,
  };
}

export function reviewScoreOutcome(
  outcome: string,
  design: RdDesign,
  spec: StudySpec,
  applications: readonly ScoredApplication[],
  rounds: readonly ScoredRound[],
  panel: { readonly unitId: readonly string[]; readonly time: ArrayLike<number>; readonly outcome: ArrayLike<number> },
  unscoredUnits: number,
  firms: FirmCounter = new FirmCounter(undefined),
): RdResult {
  const sample = reviewScoreSample(applications, rounds, panel, design.followUpYears);
  let awardsAgainstScore = 0;
  let above = 0;
  sample.score.forEach((x, i) => {
    if (x >= 0) above++;
    if ((x >= 0) !== (sample.awarded[i] === 1)) awardsAgainstScore++;
  });
  const unitsWhere = (keep: (x: number) => boolean) => sample.unitId.filter((_, i) => keep(sample.score[i]));
  const sizes = { treatedUnits: above, comparisonUnits: sample.score.length - above, observations: sample.score.length, comparisonFirms: firms.count(unitsWhere((x) => x < 0)) };
  const notes: string[] = [];
  const unitsDropped = sample.dropped + unscoredUnits;
  if (unitsDropped) notes.push(`${unitsDropped} units left out of the regression discontinuity (${unscoredUnits} without a review score, ${sample.dropped} missing the year before award or a follow-up year)`);
  if (!design.fuzzy && awardsAgainstScore) {
    notes.push(`${awardsAgainstScore} applications were awarded against their round's cut-off, yet the spec names a sharp design: the estimate is the jump in the outcome at the cut-off, not the effect of the award; register a fuzzy design`);
  }
  let report: RdReport;
  try {
    report = estimateRd(
      { score: sample.score, outcome: sample.change, ...(design.fuzzy ? { treatment: sample.awarded } : {}) },
      { ...RD_DEFAULTS, cutoff: 0, kernel: design.kernel, p: design.polynomialOrder, bwselect: design.bandwidthSelector, level: 100 * spec.confidenceLevel },
    );
  } catch (error) {
    if (!(error instanceof RdInputError)) throw error;
    return { effects: [notEstimated(outcome, 'rd_robust', spec.confidenceLevel, sizes, `Not estimated: ${error.message}`)], summary: null, bins: [], balance: [], notes };
  }
  let density: { statistic: number; pValue: number } | null = null;
  try {
    const result = densityTest(sample.score, { cutoff: 0 });
    density = { statistic: result.test.t_jackknife, pValue: result.test.p_jackknife };
  } catch (error) {
    if (!(error instanceof DensityTestError)) throw error;
    notes.push(`manipulation test not computed: ${error.message}`);
  }
  // The estimate rests on the units within the bandwidth either side (rdrobust's effective N): its units and firms
  // are counted there, on both sides alike, so a reader's "units" and "firms" describe the same window.
  const withinLeft = (x: number) => x < 0 && x >= -report.bandwidth.h_left;
  const withinRight = (x: number) => x >= 0 && x <= report.bandwidth.h_right;
  const base = {
    outcome,
    term: 'overall',
    confidenceLevel: spec.confidenceLevel,
    treatedUnits: report.n.effective_right,
    comparisonUnits: report.n.effective_left,
    observations: sample.score.length,
    comparisonFirms: firms.count(unitsWhere(withinLeft)),
    cellUnits: report.n.effective_right,
    cellFirms: firms.count(unitsWhere(withinRight)),
  };
  const effects = [
    normalRow({ ...base, estimator: 'rd_conventional' }, report.conventional.coef, report.conventional.se, report.conventional.ci),
    normalRow({ ...base, estimator: 'rd_bias_corrected' }, report.bias_corrected.coef, report.bias_corrected.se, report.bias_corrected.ci),
    normalRow({ ...base, estimator: 'rd_robust' }, report.robust.coef, report.robust.se, report.robust.ci),
  ].map((row, i) => ({ ...row, pValue: [report.conventional, report.bias_corrected, report.robust][i].pvalue }));
  const bins = binnedScatter(sample.score, sample.change, {
    cutoff: 0,
    fits: report.fits,
    bandwidths: { left: report.bandwidth.h_left, right: report.bandwidth.h_right },
    binsPerSide: 20,
  }).map((bin) => ({
    ...bin,
    outcome,
    // A side's bins are disjoint runs of sorted scores, so a unit's bin is the one whose range holds its score on its side.
    firms: firms.count(unitsWhere((x) => x >= bin.scoreLow && x <= bin.scoreHigh && (x < 0) === (bin.scoreHigh < 0))),
  }));
  // Sharp even in a fuzzy design: what is checked is whether anything but the award changes at the cut-off.
  const characteristic = (name: string) => Float64Array.from(sample.application, (i) => applications[i].characteristics?.[name] ?? Number.NaN);
  const balance = covariateBalance(
    outcome,
    sample.score,
    [
      ...spec.covariates.map((name) => ({ name, kind: 'characteristic' as const, values: characteristic(name) })),
      { name: outcome, kind: 'outcome_baseline' as const, values: sample.baseline },
    ],
    { kernel: design.kernel, polynomialOrder: design.polynomialOrder, bandwidthSelector: design.bandwidthSelector, confidenceLevel: spec.confidenceLevel },
  );
  return {
    effects,
    summary: {
      outcome,
      fuzzy: design.fuzzy,
      followUpYears: design.followUpYears,
      kernel: design.kernel,
      polynomialOrder: design.polynomialOrder,
      bandwidthSelector: design.bandwidthSelector,
      report,
      awardsAgainstScore,
      unitsDropped,
      densityStatistic: density?.statistic ?? null,
      densityPValue: density?.pValue ?? null,
    },
    bins,
    balance,
    notes,
  };
}
