#!/usr/bin/env bash
# vdso_calls.sh: the sandbox's vDSO serves the clocks without a system call. A program
# making 2000 clock_gettime(CLOCK_MONOTONIC) calls through libc, statically linked
# (glibc finds the vDSO through AT_SYSINFO_EHDR as a dynamic one does) and dynamically
# (the system's python3 reading time.monotonic() 2000 times), must make almost none of
# them as system calls under `sbx run --strace`; before the vDSO each was a trap to
# the Sentry. /proc/self/maps must show it as Linux does, [vvar] then [vdso].
# usage: vdso_calls.sh SBX TD_CR_VDSO
set -uo pipefail

sbx=$(readlink -f "$1") prog=$(readlink -f "$2")
fail() { echo "FAIL vdso_calls: $*" >&2; exit 1; }
count() { grep -c 'clock_gettime(' || true; }

n=$("$sbx" run --strace -- "$prog" loop 2000 2>&1 >/dev/null | count)
((n < 20)) || fail "2000 clock_gettime calls of a static program made $n system calls"
m=$("$sbx" run --strace -- python3 -c \
	'import time
for _ in range(2000): time.monotonic()' 2>&1 >/dev/null | count)
((m < 200)) || fail "2000 time.monotonic() calls of python3 made $m clock_gettime system calls"
maps=$("$sbx" run -- /bin/sh -c 'grep -E "\[(vvar|vdso)\]" /proc/self/maps' 2>&1)
[[ $(awk '{print $2, $NF}' <<<"$maps" | tr '\n' ' ') == "r--p [vvar] r-xp [vdso] " ]] ||
	fail "/proc/self/maps shows: $maps"
echo "PASS vdso_calls: $n and $m clock_gettime system calls for 2000 reads each; $(tr '\n' ' ' <<<"$maps")"
