/**
 * The malloc setting ebpm's processes run with where ebpm starts them: the Docker image sets it in its environment
 * (so the worker of docker-compose.yml and `docker compose run ebpm …` have it), and `npm run demo` and `npm run bench`
 * start through scripts/with-huge-pages.sh, the bench giving it to every process it times, floors included. On your
 * own machine (`npx ebpm …`, `npx ebpm worker`), `export GLIBC_TUNABLES=glibc.malloc.hugetlb=1` (README, Performance).
 *
 * With it, glibc's malloc asks the kernel for transparent huge pages (madvise MADV_HUGEPAGE) for the large blocks it
 * maps, which is where node keeps the typed arrays of the statistics engine and the buffers of the readers: such a
 * block is then faulted in 2 MB at a time instead of 4 KB. On the project's 2-core virtual machine a 4 KB page fault
 * costs about 10 µs (a fresh 128 MB array filled in 210–320 ms), and `ebpm estimate` on 1,000,000 units × 10 periods
 * took 3.40–3.68 s without the setting (1.9–2.3 s of it system time, mostly these faults) and 2.01–2.06 s with it
 * (system time 1.1 s); 100,000 units 0.56–0.59 s and 0.43–0.46 s. The price is memory: the review-sheet load's peak
 * was 402–456 MB with it against 367–393 MB without (2–24 % more, three runs each).
 * Where the kernel's transparent huge pages are set to `never`, the setting does nothing; other C libraries than
 * glibc (2.35 or later) ignore it.
 *
 * The variable is not set by the `ebpm` file's first line (`/usr/bin/env -S GLIBC_TUNABLES=… node` would be): npm's
 * shims on Windows and busybox's `env` (Alpine) cannot run such a line.
 */
export const LAUNCH_MALLOC_TUNABLES = 'glibc.malloc.hugetlb=1';

/**
 * GLIBC_TUNABLES with the setting first and the caller's own after it; a caller's own that already sets
 * malloc.hugetlb (`glibc.malloc.hugetlb=0` turns it off) is kept as it is. scripts/with-huge-pages.sh, which starts
 * `npm run demo` and `npm run bench`, does the same in the shell.
 */
export function launchTunables(callersOwn: string | undefined): string {
  if (!callersOwn) return LAUNCH_MALLOC_TUNABLES;
  if (callersOwn.split(':').some((tunable) => tunable.startsWith('glibc.malloc.hugetlb='))) return callersOwn;
  return `${LAUNCH_MALLOC_TUNABLES}:${callersOwn}`;
}
