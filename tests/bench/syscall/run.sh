#!/usr/bin/env bash
# run.sh: syscall round-trip and start-up benchmark. Builds nothing: give it a build
# directory where td_core (and optionally bench_sysemu and sbx) are built.
#
#   ns per getppid (td_getppid_loop, timed inside the program around the loop only):
#     native (pid 1 of a new pid namespace), `sbx run` (where the loop's thread soon
#     moves to the ptrace platform's sysmsg), `sbx run` with every thread kept on
#     PTRACE_SYSEMU (SBX_PTRACE_SYSMSG=0), `runsc --platform=ptrace do`,
#     and the bare PTRACE_SYSEMU round trip of tests/bench/ptrace/bench_sysemu (the
#     floor for any ptrace platform), with ratios against native and against the probe.
#   start-to-exit of the static `true` program: native, `sbx run`, `runsc do`; median of
#     20 runs (hyperfine when installed, otherwise a date +%s%N loop).
#   ns per clock_gettime(CLOCK_MONOTONIC) through libc (td_cr_vdso loop: the vDSO where
#     there is one): start-to-exit of 100,000 calls less that of `true`, per call.
#
# Prints a table. No assertions: this is a measurement, never a test.
# usage: run.sh BUILD_DIR [NATIVE_CALLS [SANDBOX_CALLS]]
# Environment: SBX_RUN_FLAGS extra `sbx run` flags; RUNSC (default runsc); REPS (3)
#   runs of each loop, the median is reported; STARTS (20) start-up samples.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../lib.sh"

if (($# < 1)); then
	echo "usage: run.sh BUILD_DIR [NATIVE_CALLS [SANDBOX_CALLS]]" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
n_native=${2:-1000000}
n_sandbox=${3:-20000}
reps=${REPS:-3}
starts=${STARTS:-20}
runsc=${RUNSC:-runsc}
read -r -a run_flags <<<"${SBX_RUN_FLAGS:-}"

loop=$build/testdata/core/td_getppid_loop
true_prog=$build/testdata/core/td_true
sbx=$build/sbx
probe=$build/tests/bench/ptrace/bench_sysemu
for f in "$loop" "$true_prog"; do
	[[ -x $f ]] || { echo "run.sh: $f not built (cmake --build $build --target td_core)" >&2; exit 1; }
done
cd /

find_runsc "$runsc" "$true_prog"
have_sbx=0
if [[ -x $sbx ]] && timeout 60 "$sbx" run "${run_flags[@]}" -- "$true_prog" >/dev/null 2>&1; then
	have_sbx=1
fi

# ns_per_call N CMD...: median over REPS runs of what td_getppid_loop reports.
ns_per_call() {
	local n=$1
	shift
	for ((r = 0; r < reps; r++)); do
		timeout 600 "$@" "$loop" "$n" 2>&1 >/dev/null | awk '/^getppid_ns_per_call/ { print $2 }'
	done | median
}

# start_ms CMD...: median start-to-exit in ms of CMD td_true (of CMD $prog_args, if set).
start_ms() {
	if command -v hyperfine >/dev/null; then
		hyperfine -N --runs "$starts" --warmup 2 --export-json /dev/stdout --style none \
			"$(printf '%q ' "$@" "${prog_args[@]:-$true_prog}")" 2>/dev/null |
			awk -F: '/"median"/ { gsub(/[ ,]/, "", $2); printf "%.2f\n", $2 * 1000; exit }'
		return
	fi
	"$@" "${prog_args[@]:-$true_prog}" >/dev/null 2>&1 || true	# warm the page cache
	for ((i = 0; i < starts; i++)); do
		local a b
		a=$(date +%s%N)
		"$@" "${prog_args[@]:-$true_prog}" >/dev/null 2>&1 || true
		b=$(date +%s%N)
		echo "scale=2; ($b - $a) / 1000000" | bc
	done | median
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else if (a / b < 0.1) printf "%.4fx\n", a / b; else if (a / b < 10) printf "%.2fx\n", a / b; else printf "%.1fx\n", a / b }'; }

native_ns=$(ns_per_call "$n_native" unshare --pid --fork --kill-child --)
sbx_ns=-
((have_sbx)) && sbx_ns=$(ns_per_call "$n_sandbox" "$sbx" run "${run_flags[@]}" --)
sysemu_ns=-
((have_sbx)) && sysemu_ns=$(ns_per_call "$n_sandbox" env SBX_PTRACE_SYSMSG=0 "$sbx" run "${run_flags[@]}" --)
runsc_ns=-
((${#runsc_cmd[@]})) && runsc_ns=$(ns_per_call "$n_sandbox" "${runsc_cmd[@]}")
probe_ns=-
if [[ -x $probe ]]; then
	probe_ns=$(timeout 600 "$probe" 2>/dev/null |
		awk '/^\(a\) / { for (i = 1; i <= NF; i++) if ($(i) ~ /^ns\//) { print $(i - 1); exit } }')
	probe_ns=${probe_ns:--}
fi

native_ms=$(start_ms unshare --pid --fork --kill-child --)
sbx_ms=-
((have_sbx)) && sbx_ms=$(start_ms "$sbx" run "${run_flags[@]}" --)
runsc_ms=-
((${#runsc_cmd[@]})) && runsc_ms=$(start_ms "${runsc_cmd[@]}")

# clock_ns START_MS CMD...: ns per clock_gettime of 100,000, less CMD's start-to-exit.
clock=$build/testdata/cr/td_cr_vdso
clock_ns() {
	local base=$1 ms
	shift
	[[ $base != - && -x $clock ]] || { echo -; return; }
	prog_args=("$clock" loop 100000)
	ms=$(start_ms "$@")
	prog_args=()
	awk -v a="$ms" -v b="$base" 'BEGIN { printf "%.0f\n", (a - b) * 1e6 / 100000 }'
}
prog_args=()
native_clock=$(clock_ns "$native_ms" unshare --pid --fork --kill-child --)
sbx_clock=-
((have_sbx)) && sbx_clock=$(clock_ns "$sbx_ms" "$sbx" run "${run_flags[@]}" --)
runsc_clock=-
((${#runsc_cmd[@]})) && runsc_clock=$(clock_ns "$runsc_ms" "${runsc_cmd[@]}")

echo "getppid round trip (median of $reps runs; native $n_native calls, sandboxes $n_sandbox)"
printf '  %-46s %12s %10s %10s\n' "" "ns/call" "vs native" "vs probe"
printf '  %-46s %12s %10s %10s\n' "native (unshare --pid)" "$native_ns" "1.0x" "$(ratio "$native_ns" "$probe_ns")"
printf '  %-46s %12s %10s %10s\n' "bare PTRACE_SYSEMU probe" "$probe_ns" "$(ratio "$probe_ns" "$native_ns")" "$( [[ $probe_ns == - ]] && echo - || echo 1.0x)"
printf '  %-46s %12s %10s %10s\n' "sbx run ${run_flags[*]}" "$sbx_ns" "$(ratio "$sbx_ns" "$native_ns")" "$(ratio "$sbx_ns" "$probe_ns")"
printf '  %-46s %12s %10s %10s\n' "SBX_PTRACE_SYSMSG=0 sbx run ${run_flags[*]}" "$sysemu_ns" "$(ratio "$sysemu_ns" "$native_ns")" "$(ratio "$sysemu_ns" "$probe_ns")"
printf '  %-46s %12s %10s %10s\n' "runsc ${runsc_cmd[*]:1}" "$runsc_ns" "$(ratio "$runsc_ns" "$native_ns")" "$(ratio "$runsc_ns" "$probe_ns")"
echo
echo "start-to-exit of static true (median of $starts, ms$(command -v hyperfine >/dev/null && echo ", hyperfine"))"
printf '  %-46s %12s %10s %10s\n' "" "ms" "vs native" "vs runsc"
printf '  %-46s %12s %10s %10s\n' "native (unshare --pid)" "$native_ms" "1.0x" "$(ratio "$native_ms" "$runsc_ms")"
printf '  %-46s %12s %10s %10s\n' "sbx run ${run_flags[*]}" "$sbx_ms" "$(ratio "$sbx_ms" "$native_ms")" "$(ratio "$sbx_ms" "$runsc_ms")"
printf '  %-46s %12s %10s %10s\n' "runsc ${runsc_cmd[*]:1}" "$runsc_ms" "$(ratio "$runsc_ms" "$native_ms")" "$( [[ $runsc_ms == - ]] && echo - || echo 1.0x)"
echo
echo "clock_gettime(CLOCK_MONOTONIC) through libc (100,000 calls, start-to-exit less true's)"
printf '  %-46s %12s %10s %10s\n' "" "ns/call" "vs native" "vs runsc"
printf '  %-46s %12s %10s %10s\n' "native (unshare --pid)" "$native_clock" "1.0x" "$(ratio "$native_clock" "$runsc_clock")"
printf '  %-46s %12s %10s %10s\n' "sbx run ${run_flags[*]}" "$sbx_clock" "$(ratio "$sbx_clock" "$native_clock")" "$(ratio "$sbx_clock" "$runsc_clock")"
printf '  %-46s %12s %10s %10s\n' "runsc ${runsc_cmd[*]:1}" "$runsc_clock" "$(ratio "$runsc_clock" "$native_clock")" "$( [[ $runsc_clock == - ]] && echo - || echo 1.0x)"
((have_sbx)) || echo "(sbx: $sbx missing or cannot run td_true)"
((${#runsc_cmd[@]})) || echo "(runsc: not installed or cannot run here)"
[[ -x $probe ]] || echo "(probe: $probe not built)"
exit 0
