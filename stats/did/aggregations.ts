/**
 * Aggregations of ATT(g,t) as in `did::aggte`: simple (weighted by cohort size), dynamic (by event time,
 * with the average over e ≥ 0), group (by cohort) and calendar (by period). Each carries its influence
 * function, including the estimation effect of the cohort-share weights, so its standard error is analytic.
 * Cells without an estimate are left out (did's na.rm = TRUE).
 */
import { standardErrorOf, type GroupTimeResult } from './group-time-effects.js';
import type { InfluenceAlgebra, PanelCohorts } from './influence.js';

export interface AggregateEstimate {
  readonly att: number;
  readonly se: number | null;
  /** In the representation of the group-time result's algebra. */
  readonly influence: Float64Array;
}

export interface AggregateSeries<Key extends string> {
  readonly overall: AggregateEstimate;
  readonly by: readonly (AggregateEstimate & Readonly<Record<Key, number>>)[];
}

export interface Aggregations {
  readonly simple: AggregateEstimate;
  readonly dynamic: AggregateSeries<'e'>;
  readonly group: AggregateSeries<'group'>;
  readonly calendar: AggregateSeries<'time'>;
}

interface Term {
  readonly att: number;
  readonly influence: Float64Array;
  /** Cohort of the term, for the weight influence function. */
  readonly group: number;
  /** Cohort share P(G = g). */
  readonly share: number;
}

/**
 * Weighted average of terms with weights ∝ cohort share. With `withWeightEffect`, adds did's wif(): the
 * influence of estimating the shares, which for unit i in cohort c is the constant
 * (Σ_{k: g_k = c} att_k − A)/S − (#{k: g_k = c} − S)·A/S², with S = Σ_k p_k and A = Σ_k att_k p_k.
 */
function shareWeightedAverage(
  terms: readonly Term[],
  algebra: InfluenceAlgebra<Float64Array>,
  cohorts: PanelCohorts,
  withWeightEffect: boolean,
): AggregateEstimate {
  const totalShare = terms.reduce((sum, term) => sum + term.share, 0);
  const attShareSum = terms.reduce((sum, term) => sum + term.att * term.share, 0);
  const att = attShareSum / totalShare;
  let cohortConstant: Float64Array | undefined;
  if (withWeightEffect) {
    cohortConstant = new Float64Array(cohorts.groups.length);
    cohorts.groups.forEach((group, c) => {
      let attOfCohort = 0;
      let termsOfCohort = 0;
      for (const term of terms) {
        if (term.group !== group) continue;
        attOfCohort += term.att;
        termsOfCohort++;
      }
      (cohortConstant as Float64Array)[c] =
        (attOfCohort - attShareSum) / totalShare - ((termsOfCohort - totalShare) * attShareSum) / (totalShare * totalShare);
    });
  }
  const influence = algebra.combine(
    terms.map((term) => [term.share / totalShare, term.influence] as const),
    cohortConstant,
  );
  return { att, se: standardErrorOf(algebra, influence), influence };
}

function plainAverage(estimates: readonly AggregateEstimate[], algebra: InfluenceAlgebra<Float64Array>): AggregateEstimate {
  const influence = algebra.combine(estimates.map((estimate) => [1 / estimates.length, estimate.influence] as const));
  const att = estimates.reduce((sum, estimate) => sum + estimate.att, 0) / estimates.length;
  return { att, se: standardErrorOf(algebra, influence), influence };
}

export function aggregateGroupTimeEffects(result: GroupTimeResult): Aggregations {
  const { algebra, cohorts } = result;
  const n = result.unitCount;
  const share = new Map<number, number>();
  cohorts.groups.forEach((group, c) => share.set(group, cohorts.weightTotals[c] / n));
  const terms: (Term & { time: number })[] = [];
  result.cells.forEach((cell, index) => {
    const influence = result.influence[index];
    if (cell.att === null || influence === null) return;
    terms.push({ att: cell.att, influence, group: cell.group, share: share.get(cell.group) ?? 0, time: cell.time });
  });
  const post = terms.filter((term) => term.group <= term.time);
  if (post.length === 0) throw new Error('no post-treatment ATT(g,t) could be estimated, so there is nothing to aggregate');
  const average = (selected: readonly Term[], withWeightEffect = true) => shareWeightedAverage(selected, algebra, cohorts, withWeightEffect);

  const simple = average(post);

  const eventTimes = [...new Set(terms.map((term) => term.time - term.group))].sort((a, b) => a - b);
  const dynamicBy = eventTimes.map((e) => ({ e, ...average(terms.filter((term) => term.time - term.group === e)) }));
  const dynamicOverall = plainAverage(dynamicBy.filter((entry) => entry.e >= 0), algebra);

  const groupBy = result.groups
    .map((group) => ({ group, terms: post.filter((term) => term.group === group) }))
    .filter((entry) => entry.terms.length > 0)
    // Cells of one cohort share one weight, so the cohort average needs no weight influence function.
    .map((entry) => ({ group: entry.group, ...average(entry.terms, false) }));
  const groupOverall = average(groupBy.map((entry) => ({ att: entry.att, influence: entry.influence, group: entry.group, share: share.get(entry.group) ?? 0 })));

  const firstGroup = Math.min(...result.groups);
  const calendarTimes = [...new Set(post.map((term) => term.time))].filter((time) => time >= firstGroup).sort((a, b) => a - b);
  const calendarBy = calendarTimes.map((time) => ({ time, ...average(post.filter((term) => term.time === time)) }));
  const calendarOverall = plainAverage(calendarBy, algebra);

  return {
    simple,
    dynamic: { overall: dynamicOverall, by: dynamicBy },
    group: { overall: groupOverall, by: groupBy },
    calendar: { overall: calendarOverall, by: calendarBy },
  };
}
