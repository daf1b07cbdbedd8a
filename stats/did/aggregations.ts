/**
 * Aggregations of ATT(g,t) as in `did::aggte`: simple (weighted by cohort size), dynamic (by event time,
 * with the average over e ≥ 0), group (by cohort) and calendar (by period). Each carries its influence
 * function, including the estimation effect of the cohort-share weights, so its standard error is analytic.
 * Cells without an estimate are left out (did's na.rm = TRUE).
 */
import { standardErrorOf, type GroupTimeResult } from './group-time-effects.js';

export interface AggregateEstimate {
  readonly att: number;
  readonly se: number | null;
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

/** Weighted average of terms with weights ∝ cohort share, plus the influence of estimating the shares. */
function shareWeightedAverage(terms: readonly Term[], unitGroup: Float64Array, unitWeights: Float64Array, withWeightEffect: boolean): AggregateEstimate {
  const n = unitGroup.length;
  const totalShare = terms.reduce((sum, term) => sum + term.share, 0);
  const att = terms.reduce((sum, term) => sum + term.att * term.share, 0) / totalShare;
  const influence = new Float64Array(n);
  for (const term of terms) {
    const weight = term.share / totalShare;
    for (let i = 0; i < n; i++) influence[i] += weight * term.influence[i];
  }
  if (withWeightEffect) {
    // did's wif(): centred_k(i) = w_i·1{G_i = g_k} − p_k; IF += Σ_k att_k (centred_k/S − Σ_j centred_j · p_k/S²).
    const attByGroup = new Map<number, number>();
    const countByGroup = new Map<number, number>();
    let attShareSum = 0;
    let shareSum = 0;
    for (const term of terms) {
      attByGroup.set(term.group, (attByGroup.get(term.group) ?? 0) + term.att);
      countByGroup.set(term.group, (countByGroup.get(term.group) ?? 0) + 1);
      attShareSum += term.att * term.share;
      shareSum += term.share;
    }
    for (let i = 0; i < n; i++) {
      const g = unitGroup[i];
      const attOfUnitGroup = attByGroup.get(g) ?? 0;
      const termsOfUnitGroup = countByGroup.get(g) ?? 0;
      const centredAtt = unitWeights[i] * attOfUnitGroup - attShareSum;
      const centredSum = unitWeights[i] * termsOfUnitGroup - shareSum;
      influence[i] += centredAtt / totalShare - (centredSum * attShareSum) / (totalShare * totalShare);
    }
  }
  return { att, se: standardErrorOf(influence, n), influence };
}

function plainAverage(estimates: readonly AggregateEstimate[], n: number): AggregateEstimate {
  const influence = new Float64Array(n);
  for (const estimate of estimates) for (let i = 0; i < n; i++) influence[i] += estimate.influence[i] / estimates.length;
  const att = estimates.reduce((sum, estimate) => sum + estimate.att, 0) / estimates.length;
  return { att, se: standardErrorOf(influence, n), influence };
}

export function aggregateGroupTimeEffects(result: GroupTimeResult): Aggregations {
  const n = result.unitCount;
  const share = new Map<number, number>();
  for (const g of result.groups) {
    let sum = 0;
    for (let i = 0; i < n; i++) if (result.unitGroup[i] === g) sum += result.unitWeights[i];
    share.set(g, sum / n);
  }
  const terms: (Term & { time: number })[] = [];
  result.cells.forEach((cell, index) => {
    const influence = result.influence[index];
    if (cell.att === null || influence === null) return;
    terms.push({ att: cell.att, influence, group: cell.group, share: share.get(cell.group) ?? 0, time: cell.time });
  });
  const post = terms.filter((term) => term.group <= term.time);
  if (post.length === 0) throw new Error('no post-treatment ATT(g,t) could be estimated, so there is nothing to aggregate');
  const average = (selected: readonly Term[], withWeightEffect = true) => shareWeightedAverage(selected, result.unitGroup, result.unitWeights, withWeightEffect);

  const simple = average(post);

  const eventTimes = [...new Set(terms.map((term) => term.time - term.group))].sort((a, b) => a - b);
  const dynamicBy = eventTimes.map((e) => ({ e, ...average(terms.filter((term) => term.time - term.group === e)) }));
  const dynamicOverall = plainAverage(dynamicBy.filter((entry) => entry.e >= 0), n);

  const groupBy = result.groups
    .map((group) => ({ group, terms: post.filter((term) => term.group === group) }))
    .filter((entry) => entry.terms.length > 0)
    .map((entry) => ({ group: entry.group, ...average(entry.terms, false) }));
  const groupOverall = average(
    groupBy.map((entry) => ({ att: entry.att, influence: entry.influence, group: entry.group, share: share.get(entry.group) ?? 0 })),
  );

  const firstGroup = Math.min(...result.groups);
  const calendarTimes = [...new Set(post.map((term) => term.time))].filter((time) => time >= firstGroup).sort((a, b) => a - b);
  const calendarBy = calendarTimes.map((time) => ({ time, ...average(post.filter((term) => term.time === time)) }));
  const calendarOverall = plainAverage(calendarBy, n);

  return {
    simple,
    dynamic: { overall: dynamicOverall, by: dynamicBy },
    group: { overall: groupOverall, by: groupBy },
    calendar: { overall: calendarOverall, by: calendarBy },
  };
}
