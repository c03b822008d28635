#!/usr/bin/env bash
# run.sh: process costs natively (pid 1 of a new pid namespace), under `sbx run` and
# under `runsc --platform=ptrace do`, in one run, with ratios against native and runsc:
# fork+exit+wait, fork+exec+wait of the static td_true, a one-byte pipe round trip
# between two processes, pthread create+join. Each figure is the median of REPS runs
# of bench_proc, which times its loop only (not the sandbox's start); the runs of the
# different tools take turns.
# No assertions: a measurement, never a test.
# usage: run.sh BUILD_DIR
# Environment: REPS (3); N_FORK (300), N_EXEC (100), N_PIPE (5000), N_THREAD (300)
#   iterations inside a sandbox (native runs 10x as many); RUNSC (runsc); BASE_SBX, an
#   older sbx binary to measure in the same run, right after each sbx figure (columns
#   base_us and sbx/base), for before/after comparisons on a loaded machine.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../lib.sh"

(($# == 1)) || { echo "usage: run.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
reps=${REPS:-3}
runsc=${RUNSC:-runsc}
bench=$build/tests/bench/proc/bench_proc
true_prog=$build/testdata/core/td_true
sbx=$build/sbx
for f in "$bench" "$true_prog" "$sbx"; do
	[[ -x $f ]] || { echo "run.sh: $f not built" >&2; exit 1; }
done
cd /

find_runsc "$runsc" "$true_prog"

# one_run MODE N CMD...: what one bench_proc run reports, µs per operation.
one_run() {
	local mode=$1 n=$2
	shift 2
	local extra=()
	[[ $mode == exec ]] && extra=("$true_prog")
	timeout 600 "$@" "$bench" "$mode" "$n" "${extra[@]}" 2>&1 >/dev/null |
		awk -v k="${mode}_us_per_op" '$1 == k { print $2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

base=${BASE_SBX:-}
[[ -z $base || -x $base ]] || { echo "run.sh: BASE_SBX $base is not executable" >&2; exit 1; }
printf '%-8s %12s %12s %12s %10s %10s' op native_us sbx_us runsc_us sbx/native sbx/runsc
[[ -n $base ]] && printf ' %12s %10s' base_us sbx/base
printf '\n'
for spec in "fork ${N_FORK:-300}" "exec ${N_EXEC:-100}" "pipe ${N_PIPE:-5000}" \
	    "thread ${N_THREAD:-300}"; do
	read -r mode n <<<"$spec"
	# The runs take turns (native, sbx, runsc, base; REPS rounds), so that a change
	# in the machine's load falls on all of them alike; each figure is a median.
	nat_l= sb_l= rs_l= bs_l=
	for ((r = 0; r < reps; r++)); do
		nat_l+=" $(one_run "$mode" $((n * 10)) unshare --pid --fork --mount-proc)"
		sb_l+=" $(one_run "$mode" "$n" "$sbx" run --)"
		((${#runsc_cmd[@]})) && rs_l+=" $(one_run "$mode" "$n" "${runsc_cmd[@]}")"
		[[ -n $base ]] && bs_l+=" $(one_run "$mode" "$n" "$base" run --)"
	done
	nat=$(printf '%s\n' $nat_l | median)
	sb=$(printf '%s\n' $sb_l | median)
	rs=-
	[[ -n $rs_l ]] && rs=$(printf '%s\n' $rs_l | median)
	bs=-
	[[ -n $bs_l ]] && bs=$(printf '%s\n' $bs_l | median)
	printf '%-8s %12s %12s %12s %10s %10s' "$mode" "$nat" "$sb" "$rs" \
		"$(ratio "$sb" "$nat")" "$(ratio "$sb" "$rs")"
	[[ -n $base ]] && printf ' %12s %10s' "$bs" "$(ratio "$sb" "$bs")"
	printf '\n'
done
echo "# $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); REPS=$reps"
