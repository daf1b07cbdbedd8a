/**
 * The malloc setting ebpm's processes run with where ebpm starts them: the Docker image sets it in its environment
 * (so the worker of docker-compose.yml and `docker compose run ebpm …` have it), `npm run demo` sets it for the demo,
 * and `npm run bench` for every process it times, floors included. On your own machine, `export
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1` before running `npx ebpm` (README, Performance).
 *
 * With it, glibc's malloc asks the kernel for transparent huge pages (madvise MADV_HUGEPAGE) for the large blocks it
 * maps, which is where node keeps the typed arrays of the statistics engine and the buffers of the readers: such a
 * block is then faulted in 2 MB at a time instead of 4 KB. On the project's 2-core virtual machine a 4 KB page fault
 * costs about 10 µs (a fresh 128 MB array filled in 210–320 ms), and `ebpm estimate` on 1,000,000 units × 10 periods
 * spent 1.9–2.3 s of system time on them: 3.40–3.68 s without the setting, 2.01–2.06 s with it (100,000 units:
 * 0.56–0.59 s, 0.43–0.46 s). The price is memory: the review-sheet load's peak rose from 367–393 MB to 402–456 MB.
 * Where the kernel's transparent huge pages are set to `never`, the setting does nothing; other C libraries than
 * glibc (2.35 or later) ignore it.
 *
 * The variable is not set by the `ebpm` file's first line (`/usr/bin/env -S GLIBC_TUNABLES=… node` would be): npm's
 * shims on Windows and busybox's `env` (Alpine) cannot run such a line.
 */
export const LAUNCH_MALLOC_TUNABLES = 'glibc.malloc.hugetlb=1';

/**
 * GLIBC_TUNABLES with the setting first and the caller's own after it: glibc reads them left to right, so the
 * caller's setting of the same tunable wins (`glibc.malloc.hugetlb=0` turns it off).
 */
export function launchTunables(callersOwn: string | undefined): string {
  return callersOwn ? `${LAUNCH_MALLOC_TUNABLES}:${callersOwn}` : LAUNCH_MALLOC_TUNABLES;
}
