#!/usr/bin/env bash
# marks.sh: where one checkpoint's time goes (not a test: it prints and asserts nothing).
# Runs td_cr_mem_pattern MB in a detached sandbox, checkpoints it with SBX_CR_TIMES=1 set
# for the CLI and the Sentry, and prints every mark of the checkpoint as
#   <ms since the checkpoint command started> <process CPU ms> <what>
# (the CPU column is per process: the CLI's, the Sentry's or the monitor's). Beside it,
# the command's wall time and the image's size.
# With --restore, the image is then restored (`sbx restore -d`, eager unless --lazy is
# among the options, which then go to the restore) and the restore's marks are printed
# the same way, from the restore command's start; the program then checks every page
# and its verdict is printed.
#
# usage: marks.sh [--sbx PATH] [--prog PATH] [--restore] MB [zstd|lz4|none] [options...]
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../../..")
sbx=$top/build/sbx
prog=$top/build/testdata/cr/td_cr_mem_pattern
restore=0
while (($#)); do
	case $1 in
	--sbx) sbx=$2; shift 2 ;;
	--prog) prog=$2; shift 2 ;;
	--restore) restore=1; shift ;;
	*) break ;;
	esac
done
(($# >= 1)) || { echo "usage: marks.sh [--sbx PATH] [--prog PATH] [--restore] MB [COMP] [OPTIONS...]" >&2; exit 2; }
mb=$1 comp=${2:-zstd}
shift $(($# >= 2 ? 2 : 1))
ck_opts=("$@") rs_opts=()
((restore)) && ck_opts=() rs_opts=("$@")
d=$(mktemp -d "${TMPDIR:-/tmp}/sbx-marks.XXXXXX")
id=m$$
trap '"$sbx" --root "$d/root" delete "$id" >/dev/null 2>&1; "$sbx" --root "$d/root2" delete "$id" >/dev/null 2>&1; rm -rf "$d"' EXIT

# print_marks FILE...: the marks in FILEs, from the first, in ms.
print_marks() {
	cat "$@" | grep -a '^sbx-times:' | sort -k2 -n |
		awk 'NR == 1 { t = $2 } { printf "  %8.1f ms  cpu %7.1f  %s\n", $2 - t, $5, substr($0, index($0, $6)) }'
}

SBX_CR_TIMES=1 "$sbx" --root "$d/root" run -d --name "$id" -- "$prog" "$mb" </dev/null \
	>"$d/out" 2>>"$d/err" || { echo "marks.sh: sbx run failed: $(cat "$d/err")" >&2; exit 1; }
until grep -aq '^ready' "$d/out"; do
	sleep 0.01
done
: >"$d/err"     # the boot's marks are not the checkpoint's (the Sentry appends)
t0=${EPOCHREALTIME/[.,]/}000
SBX_CR_TIMES=1 "$sbx" --root "$d/root" checkpoint --compress "$comp" --image "$d/img" "${ck_opts[@]}" \
	"$id" 2>"$d/ck.err" || { echo "marks.sh: checkpoint failed: $(cat "$d/ck.err")" >&2; exit 1; }
t1=${EPOCHREALTIME/[.,]/}000
echo "checkpoint of $mb MB ($comp): $(((t1 - t0) / 1000000)) ms, image $(stat -c %s "$d/img") bytes"
# The Sentry's and the monitor's marks go to the sandbox's stderr.
print_marks "$d/err" "$d/ck.err"
((restore)) || exit 0

sync
t0=${EPOCHREALTIME/[.,]/}000
SBX_CR_TIMES=1 timeout 600 "$sbx" --root "$d/root2" restore -d --name "$id" --image "$d/img" \
	"${rs_opts[@]}" </dev/null >"$d/out2" 2>"$d/rs.err" ||
	{ echo "marks.sh: restore failed: $(grep -av '^sbx-times: ' "$d/rs.err")" >&2; exit 1; }
t1=${EPOCHREALTIME/[.,]/}000
echo "restore of $mb MB ($comp${rs_opts[*]:+ ${rs_opts[*]}}): $(((t1 - t0) / 1000000)) ms"
"$sbx" --root "$d/root2" kill "$id" USR1
timeout 600 "$sbx" --root "$d/root2" wait "$id" >/dev/null 2>&1
print_marks "$d/rs.err"
echo "program: $(tail -n1 "$d/out2" | tr -d '\0')"
