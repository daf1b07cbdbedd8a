/**
 * The process's OS threads, for tests that check a parse thread was stopped or kept. A worker thread's `terminate()`
 * resolves when its JavaScript has stopped; the OS thread leaves /proc/self/task a moment later.
 */
import { readdirSync, readlinkSync } from 'node:fs';

export function processThreads(): number {
  return readdirSync('/proc/self/task').length;
}

/** The thread count once it is `expected`, or after `timeoutMs` whatever it is then (for the test to report). */
export async function threadsSettledAt(expected: number, timeoutMs = 5_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (processThreads() !== expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return processThreads();
}

/** How many of the process's descriptors are open on `path` (Linux), for tests that check a file was closed. */
export function descriptorsOpenOn(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      // Closed between the listing and the look.
      return false;
    }
  }).length;
}
