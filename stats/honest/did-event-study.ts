/**
 * The event study of a staggered-DiD estimate as the sensitivity analysis takes it, made as the HonestDiD
 * reference was: did's dynamic aggregation with a universal base period, the reference period e = −1
 * left out, and the covariance of the coefficients from their influence functions, Σ = n⁻² Σ_i ψ_i ψ_iᵀ.
 */
import type { DidEstimate } from '../did/estimate.js';
import { eventStudy, EventStudyShapeError, type EventStudy } from './event-study.js';

export interface EventWindow {
  readonly minE?: number;
  readonly maxE?: number;
  /**
   * Keep only the run of event times with a standard error around the award (e = −2 down, e = 0 up),
   * instead of refusing an event study whose outermost years rest on too few units (the pipeline's choice).
   */
  readonly trimToSupported?: boolean;
}

export interface DidEventStudy {
  readonly eventTimes: number[];
  readonly study: EventStudy;
}

export function eventStudyOfDid(estimate: Pick<DidEstimate, 'groupTime' | 'aggregations'>, window: EventWindow = {}): DidEventStudy {
  if (estimate.groupTime.options.basePeriod !== 'universal')
    throw new EventStudyShapeError(
      'the estimate uses a varying base period',
      'The sensitivity analysis needs event-study coefficients against one reference period (e = −1): estimate with --base-period universal',
    );
  const { algebra, unitCount } = estimate.groupTime;
  let entries = estimate.aggregations.dynamic.by
    .filter((entry) => entry.e !== -1 && (window.minE === undefined || entry.e >= window.minE) && (window.maxE === undefined || entry.e <= window.maxE))
    .sort((a, b) => a.e - b.e);
  if (window.trimToSupported) {
    const supported = new Set(entries.filter((entry) => entry.se !== null).map((entry) => entry.e));
    let first = -2;
    while (supported.has(first - 1)) first--;
    let last = 0;
    while (supported.has(last + 1)) last++;
    entries = entries.filter((entry) => (entry.e >= first && entry.e <= -2 && supported.has(-2)) || (entry.e >= 0 && entry.e <= last && supported.has(0)));
  }
  const missing = entries.filter((entry) => entry.se === null).map((entry) => entry.e);
  if (missing.length > 0)
    throw new EventStudyShapeError(`event times ${missing.join(', ')} have no standard error`, 'Narrow the window with --min-e/--max-e to event times with enough units');
  const eventTimes = entries.map((entry) => entry.e);
  const pre = eventTimes.filter((e) => e < 0);
  const post = eventTimes.filter((e) => e >= 0);
  const consecutive = (times: number[], first: number) => times.every((e, i) => e === first + i);
  if (pre.length === 0 || !consecutive(pre, -pre.length - 1))
    throw new EventStudyShapeError(
      `the pre-award event times are ${pre.length ? pre.join(', ') : 'none'}; the bounds need consecutive ones ending at e = −2`,
      'Give at least two pre-award years of data, or move --min-e so no event time is skipped',
    );
  if (post.length === 0 || !consecutive(post, 0))
    throw new EventStudyShapeError(`the post-award event times are ${post.length ? post.join(', ') : 'none'}; they must run from e = 0 without gaps`, 'Move --max-e so no event time is skipped');
  const sigma = entries.map((a) => entries.map((b) => algebra.inner(a.influence, b.influence) / (unitCount * unitCount)));
  return { eventTimes, study: eventStudy(entries.map((entry) => entry.att), sigma, pre.length, post.length) };
}
