/**
 * The kind of file (applicants, outcomes, statistics) an ingestFile activity's input names, read from the input's
 * first payload in a workflow history: a run's loads go side by side, so neither the order they were scheduled in
 * nor the order they ended in tells which is which.
 */
export function loadKindOf(payload: Uint8Array | null | undefined): string | null {
  if (!payload) return null;
  let input: unknown;
  try {
    input = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    // A payload in another encoding (a custom data converter) names no kind that can be read here.
    return null;
  }
  return typeof input === 'object' && input !== null && 'kind' in input && typeof input.kind === 'string' ? input.kind : null;
}
