#!/usr/bin/env bash
# rmarks.sh: where one eager restore's time goes (not a test: it prints and asserts
# nothing). Runs td_cr_mem_pattern MB in a detached sandbox, checkpoints it (COMP), then
# restores the image with `sbx restore -d` and SBX_CR_TIMES=1 set for the CLI and the
# Sentry, and prints every mark of the restore as
#   <ms since the restore command started> <process CPU ms> <what>
# beside the restore command's wall time. The program is then checked (it verifies
# every page after SIGUSR1) and its verdict printed.
#
# usage: rmarks.sh [--sbx PATH] [--prog PATH] MB [zstd|lz4|none] [restore options...]
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
(($# >= 1)) || { echo "usage: rmarks.sh [--sbx PATH] [--prog PATH] MB [COMP] [OPTIONS...]" >&2; exit 2; }
mb=$1 comp=${2:-zstd}
shift $(($# >= 2 ? 2 : 1))
d=$(mktemp -d "${TMPDIR:-/tmp}/sbx-rmarks.XXXXXX")
id=r$$
trap '"$sbx" --root "$d/root" delete "$id" >/dev/null 2>&1; "$sbx" --root "$d/root2" delete "$id" >/dev/null 2>&1; rm -rf "$d"' EXIT

"$sbx" --root "$d/root" run -d --name "$id" -- "$prog" "$mb" </dev/null >"$d/out" 2>"$d/err" ||
	{ echo "rmarks.sh: sbx run failed: $(cat "$d/err")" >&2; exit 1; }
for ((i = 0; i < 6000; i++)); do
	grep -aq '^ready' "$d/out" && break
	sleep 0.01
done
timeout 600 "$sbx" --root "$d/root" checkpoint --compress "$comp" --image "$d/img" "$id" \
	2>"$d/ck.err" || { echo "rmarks.sh: checkpoint failed: $(cat "$d/ck.err")" >&2; exit 1; }
sync
t0=$(date +%s%N)
SBX_CR_TIMES=1 timeout 600 "$sbx" --root "$d/root2" restore -d --name "$id" --image "$d/img" "$@" \
	</dev/null >"$d/out2" 2>"$d/rs.err" ||
	{ echo "rmarks.sh: restore failed: $(grep -v '^sbx-times: ' "$d/rs.err")" >&2; exit 1; }
t1=$(date +%s%N)
echo "restore of $mb MB ($comp): $(((t1 - t0) / 1000000)) ms, image $(stat -c %s "$d/img") bytes"
"$sbx" --root "$d/root2" kill "$id" USR1
timeout 600 "$sbx" --root "$d/root2" wait "$id" >/dev/null 2>&1
sleep 0.2
grep -a '^sbx-times:' "$d/rs.err" | sort -k2 -n |
	awk 'NR == 1 { t = $2 } { printf "  %8.1f ms  cpu %7.1f  %s\n", $2 - t, $5, substr($0, index($0, $6)) }'
echo "program: $(tail -n1 "$d/out2" | tr -d '\0')"
