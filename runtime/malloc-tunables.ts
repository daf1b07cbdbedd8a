/**
 * How the `ebpm` command starts node: its first line (cli/main.ts) runs
 * `/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1:${GLIBC_TUNABLES} node`, and the Docker image runs that
 * file. With the tunable, glibc's malloc asks the kernel for transparent huge pages (madvise MADV_HUGEPAGE) for the
 * large blocks it maps, which is where node keeps the typed arrays of the statistics engine and the buffers of the
 * readers: such a block is then faulted in 2 MB at a time instead of 4 KB. On the project's 2-core virtual machine
 * a 4 KB page fault costs about 10 µs (a fresh 128 MB array filled in 210–320 ms), and `ebpm estimate` on
 * 1,000,000 units × 10 periods spent 1.9–2.3 s of system time on them: 3.40–3.68 s without the tunable, 2.01–2.06 s
 * with it (100,000 units: 0.56–0.59 s, 0.43–0.46 s). Where the kernel's transparent huge pages are set to `never`, or
 * the C library is not glibc 2.35 or later, the setting does nothing.
 */
export const LAUNCH_MALLOC_TUNABLES = 'glibc.malloc.hugetlb=1';

/** The GLIBC_TUNABLES the `ebpm` command runs with, given the caller's own (which come last, so they win). */
export function launchTunables(callersOwn: string | undefined): string {
  return `${LAUNCH_MALLOC_TUNABLES}:${callersOwn ?? ''}`;
}
