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
 * `pending`, or the signal's reason when it aborts first. The listener goes with the wait: a race against one promise
 * for the whole file would keep a reaction, and with it each chunk, per wait until the file ends.
 */
function awaitUnlessAborted<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reasonOf(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
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
  let pending: Promise<IteratorResult<T>> | null = null;
  try {
    for (;;) {
      if (signal.aborted) throw reasonOf(signal);
      pending = iterator.next();
      const next = await awaitUnlessAborted(pending, signal);
      pending = null;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Closing a source that ended does nothing. An async generator takes return() only after its pending next()
    // settles: asked then, not waited for here.
    const close = async (): Promise<void> => {
      await iterator.return?.().catch(() => undefined);
    };
    if (pending) void pending.then(close, () => undefined);
    else await close();
  }
}
