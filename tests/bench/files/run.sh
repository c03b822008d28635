#!/usr/bin/env bash
# run.sh: file costs natively (pid 1 of a new pid namespace), under `sbx run` and under
# `runsc --platform=ptrace do`, in one run, with ratios against native and runsc:
# open + read 4 KiB + close of a host file (through the root's gofer and overlay in
# sbx), the same on a --volume (through the volume's gofer: a host descriptor per
# open), stat of the host file, and `python3 -c pass` from start to exit. The first
# three are the medians of REPS runs of bench_files, which times its loop only; the
# last is the median of STARTS whole runs, sandbox start included.
# No assertions: a measurement, never a test.
# usage: run.sh BUILD_DIR
# Environment: REPS (3), STARTS (10); N_OPEN (2000), N_STAT (5000) iterations inside
#   a sandbox (native runs 10x as many); RUNSC (runsc); PYTHON (/usr/bin/python3).
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/../lib.sh"

(($# == 1)) || { echo "usage: run.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
reps=${REPS:-3} starts=${STARTS:-10}
runsc=${RUNSC:-runsc}
bench=$build/tests/bench/files/bench_files
sbx=$build/sbx
# Debian's python3 (the issue's program), not whatever shim PATH finds first.
python=${PYTHON:-/usr/bin/python3}
for f in "$bench" "$sbx" "$python"; do
	[[ -x $f ]] || { echo "run.sh: $f not built or not found" >&2; exit 1; }
done
data=$(mktemp -d "${TMPDIR:-/tmp}/sbx-bench-files.XXXXXX")
trap 'rm -rf "$data"' EXIT
head -c 4096 /dev/urandom >"$data/f4k"
cd /

# (any program that exits 0 tells which runsc invocation works here)
find_runsc "$runsc" /bin/true

# us_per_op MODE N CMD...: the median of what bench_files reports (FILE is the last
# word of CMD).
us_per_op() {
	local mode=$1 n=$2
	shift 2
	local file=${*: -1}
	set -- "${@:1:$#-1}"
	for ((r = 0; r < reps; r++)); do
		timeout 600 "$@" "$bench" "$mode" "$file" "$n" 2>&1 >/dev/null |
			awk -v k="${mode}_us_per_op" '$1 == k { print $2 }'
	done | median
}

# ms_to_exit CMD...: the median wall time of STARTS runs of CMD, in ms.
ms_to_exit() {
	for ((r = 0; r < starts; r++)); do
		local t0 t1
		t0=$(date +%s%N)
		timeout 600 "$@" >/dev/null 2>&1 </dev/null || { echo "-"; continue; }
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | grep -v '^-$' | median | awk '{ if ($1 == "-") print "-"; else printf "%.1f\n", $1 / 1000 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

native=(unshare --pid --fork --mount-proc)
row() {
	printf '%-14s %12s %12s %12s %10s %10s\n' "$1" "$2" "$3" "$4" "$(ratio "$3" "$2")" \
		"$(ratio "$3" "$4")"
}
printf '%-14s %12s %12s %12s %10s %10s\n' op native sbx runsc sbx/native sbx/runsc
n=${N_OPEN:-2000}
rs=-
((${#runsc_cmd[@]})) && rs=$(us_per_op open "$n" "${runsc_cmd[@]}" "$data/f4k")
row open_us "$(us_per_op open $((n * 10)) "${native[@]}" "$data/f4k")" \
	"$(us_per_op open "$n" "$sbx" run -- "$data/f4k")" "$rs"
# runsc do has no volumes: its column stays empty.
row open_vol_us "$(us_per_op open $((n * 10)) "${native[@]}" "$data/f4k")" \
	"$(us_per_op open "$n" "$sbx" run --volume "$data:/vol" -- /vol/f4k)" "-"
n=${N_STAT:-5000}
rs=-
((${#runsc_cmd[@]})) && rs=$(us_per_op stat "$n" "${runsc_cmd[@]}" "$data/f4k")
row stat_us "$(us_per_op stat $((n * 10)) "${native[@]}" "$data/f4k")" \
	"$(us_per_op stat "$n" "$sbx" run -- "$data/f4k")" "$rs"
rs=-
((${#runsc_cmd[@]})) && rs=$(ms_to_exit "${runsc_cmd[@]}" "$python" -c pass)
row python_ms "$(ms_to_exit "${native[@]}" "$python" -c pass)" \
	"$(ms_to_exit "$sbx" run -- "$python" -c pass)" "$rs"
echo "# $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); REPS=$reps STARTS=$starts"
