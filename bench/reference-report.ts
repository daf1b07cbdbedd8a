/**
 * How the bench prints a reference program timed beside a subject (R did beside estimate-100k): its time, whether it
 * estimated what the subject did, and the speedup over it with its target; or why it was not run.
 */
import type { ReferenceOutcome } from './r-did-reference.js';
import { median, ratioText } from './timing.js';

interface ReferenceTarget {
  readonly ratio?: number;
  readonly speedup?: number;
}

/** Where the reference ran, the ratio to the floor is printed without a verdict: the speedup's target replaces it (issue 30). */
export function ratioVerdictBesideReference(target: ReferenceTarget): string {
  return target.ratio === undefined ? '' : ` (its target, ≤ ${target.ratio}, applies only where the reference is not installed)`;
}

export function referenceLines(label: string, target: ReferenceTarget | undefined, subjectMs: number, reference: ReferenceOutcome): string {
  if (!reference.measured) {
    const fallback = target?.speedup !== undefined && target.ratio !== undefined ? `; the ratio's target (≤ ${target.ratio}) applies instead` : '';
    return `  reference ${label}: not run, ${reference.reason}${fallback}`;
  }
  const referenceMs = median(reference.runs.map((run) => run.ms));
  const { ours, theirs, same } = reference.agreement;
  const head = `  reference ${label}, did ${reference.runs[0].version}: ${(referenceMs / 1000).toFixed(3)} s (median of ${reference.runs.length}); `;
  if (!same) {
    return `${head}a DIFFERENT simple ATT (${theirs.toPrecision(10)} against ebpm's ${ours.toPrecision(10)}), so the times are not compared\n  speedup not judged`;
  }
  const speedup = referenceMs / subjectMs;
  const verdict = target?.speedup === undefined ? '' : ` (target ≥ ${target.speedup}: ${speedup >= target.speedup ? 'met' : 'NOT met'})`;
  return `${head}the same simple ATT as ebpm's (${theirs.toPrecision(10)})\n  speedup ${ratioText(speedup, target?.speedup)}× (reference ÷ subject)${verdict}`;
}
