/**
 * A review-sheet load stops when its activity is cancelled (the workflow cancelled, its heartbeat timed out, its worker
 * shutting down): the wait for the file's next chunk of COPY text ends at once with the signal's reason, so the COPY
 * fails and the file's transaction rolls back, even while the file's bytes are slow to come.
 */

/** The signal's reason as thrown: Temporal's CancelledFailure for an activity, an AbortError otherwise. */
function reasonOf(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('the review-sheet load was aborted', 'AbortError');
}

/**
 * `items` as they come, until `signal` aborts: then the wait for the next item is rejected with the signal's reason.
 * The source is closed when its pending item arrives (a file being read may still answer), never left open.
 */
export async function* untilAborted<T>(items: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (!signal) {
    yield* items;
    return;
  }
  const iterator = items[Symbol.asyncIterator]();
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(reasonOf(signal));
  });
  // Rejected only while an item is awaited below; otherwise nobody waits on it.
  aborted.catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  let pending: Promise<IteratorResult<T>> | null = null;
  let finished = false;
  try {
    for (;;) {
      if (signal.aborted) throw reasonOf(signal);
      pending = iterator.next();
      const next = await Promise.race([pending, aborted]);
      pending = null;
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!finished) {
      // An async generator takes return() only after its pending next() settles: asked then, not waited for here.
      const waiting = pending;
      const close = async (): Promise<void> => {
        await iterator.return?.().catch(() => undefined);
      };
      if (waiting) void waiting.then(close, () => undefined);
      else await close();
    }
  }
}
