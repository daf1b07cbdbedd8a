/**
 * How the bench prints a reference program timed beside a subject (R did beside estimate-100k): its time, whether it
 * estimated what the subject did, and the speedup over it with its target; or why it was not timed.
 */
import type { ReferenceOutcome, SimpleEstimate } from './r-did-reference.js';
import { median, ratioText, targetVerdict } from './timing.js';

interface ReferenceTarget {
  readonly ratio?: number;
  readonly speedup?: number;
}

/**
 * The ratio's verdict ("at most" its target, as issue 30 words ratios). Where the reference ran and there is a
 * speedup target, the ratio is printed without one: the speedup's target replaces it (issue 30).
 */
export function ratioVerdict(ratio: number, target: ReferenceTarget | undefined, reference: ReferenceOutcome | undefined): string {
  if (target?.ratio === undefined) return '';
  if (reference?.measured && target.speedup !== undefined) return ` (its target, ≤ ${target.ratio}, applies only where the reference was not timed)`;
  return ` (${targetVerdict(ratio, '≤', target.ratio)})`;
}

export function referenceLines(label: string, target: ReferenceTarget | undefined, subjectMs: number, reference: ReferenceOutcome): string {
  if (!reference.measured) {
    const fallback = target?.speedup !== undefined && target.ratio !== undefined ? `; the ratio's target (≤ ${target.ratio}) applies instead` : '';
    return `  reference ${label}: not timed: ${reference.reason}${fallback}`;
  }
  const referenceMs = median(reference.runs.map((run) => run.ms));
  const { ours, theirs, same } = reference.agreement;
  const head = `  reference ${label}, did ${reference.runs[0].version}: ${(referenceMs / 1000).toFixed(3)} s (median of ${reference.runs.length}); `;
  const shown = (estimate: SimpleEstimate) => `${estimate.att.toPrecision(10)}, SE ${estimate.se.toPrecision(10)}`;
  if (!same) {
    return `${head}a DIFFERENT simple ATT or SE (${shown(theirs)}, against ebpm's ${shown(ours)}), so the times are not compared\n  speedup not judged`;
  }
  const speedup = referenceMs / subjectMs;
  const verdict = target?.speedup === undefined ? '' : ` (${targetVerdict(speedup, '≥', target.speedup)})`;
  return `${head}the same simple ATT and SE as ebpm's (${shown(theirs)})\n  speedup ${ratioText(speedup, target?.speedup)}× (reference ÷ subject)${verdict}`;
}
