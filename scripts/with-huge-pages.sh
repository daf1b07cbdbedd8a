#!/bin/sh
# Runs a command with glibc's malloc.hugetlb tunable, which gives the large blocks where node keeps typed arrays and
# file buffers transparent huge pages (runtime/malloc-tunables.ts says why; README, Performance). The caller's own
# GLIBC_TUNABLES is kept after it; if it already sets malloc.hugetlb (0 turns it off), it is left as it is.
case ":${GLIBC_TUNABLES:-}:" in
  *:glibc.malloc.hugetlb=*) ;;
  *) GLIBC_TUNABLES="glibc.malloc.hugetlb=1${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}"; export GLIBC_TUNABLES ;;
esac
exec "$@"
