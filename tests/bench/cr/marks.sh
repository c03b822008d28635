#!/usr/bin/env bash
# marks.sh: where one checkpoint's time goes (not a test: it prints and asserts nothing).
# Runs td_cr_mem_pattern MB in a detached sandbox, checkpoints it with SBX_CR_TIMES=1 set
# for the CLI and the Sentry, and prints every mark of the checkpoint as
#   <ms since the checkpoint command started> <process CPU ms> <what>
# (the CPU column is per process: the CLI's, the Sentry's or the monitor's). Beside it,
# the command's wall time and the image's size.
#
# usage: marks.sh [--sbx PATH] [--prog PATH] MB [zstd|lz4|none] [checkpoint options...]
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../../..")
sbx=$top/build/sbx
prog=$top/build/testdata/cr/td_cr_mem_pattern
while (($#)); do
	case $1 in
	--sbx) sbx=$2; shift 2 ;;
	--prog) prog=$2; shift 2 ;;
	*) break ;;
	esac
done
(($# >= 1)) || { echo "usage: marks.sh [--sbx PATH] [--prog PATH] MB [COMP] [OPTIONS...]" >&2; exit 2; }
mb=$1 comp=${2:-zstd}
shift $(($# >= 2 ? 2 : 1))
d=$(mktemp -d "${TMPDIR:-/tmp}/sbx-marks.XXXXXX")
id=m$$
trap '"$sbx" --root "$d/root" delete "$id" >/dev/null 2>&1; rm -rf "$d"' EXIT

SBX_CR_TIMES=1 "$sbx" --root "$d/root" run -d --name "$id" -- "$prog" "$mb" </dev/null \
	>"$d/out" 2>>"$d/err" || { echo "marks.sh: sbx run failed: $(cat "$d/err")" >&2; exit 1; }
until grep -aq '^ready' "$d/out"; do
	sleep 0.01
done
: >"$d/err"     # the boot's marks are not the checkpoint's (the Sentry appends)
t0=$(date +%s%N)
SBX_CR_TIMES=1 "$sbx" --root "$d/root" checkpoint --compress "$comp" --image "$d/img" "$@" \
	"$id" 2>"$d/ck.err" || { echo "marks.sh: checkpoint failed: $(cat "$d/ck.err")" >&2; exit 1; }
t1=$(date +%s%N)
echo "checkpoint of $mb MB ($comp): $(((t1 - t0) / 1000000)) ms, image $(stat -c %s "$d/img") bytes"
# The Sentry's and the monitor's marks go to the sandbox's stderr.
cat "$d/err" "$d/ck.err" | grep -a '^sbx-times:' | sort -k2 -n |
	awk 'NR == 1 { t = $2 } { printf "  %8.1f ms  cpu %7.1f  %s\n", $2 - t, $5, substr($0, index($0, $6)) }'
