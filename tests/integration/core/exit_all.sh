#!/usr/bin/env bash
# exit_all.sh: for every exit status 0-255, runs `PROGRAM N` natively (pid 1 of a new
# pid namespace) and under `sbx run`, and passes when all 256 pairs agree on exit status
# and stdout. One ctest for all of them; the loop is kept lean (no compare.sh per
# status) so the case stays fast.
# usage: exit_all.sh SBX PROGRAM [TIMEOUT]      (PROGRAM is td_exit_status)
# Environment: SBX_COMPARE_MODE=native and SBX_RUN_FLAGS as for compare.sh.
set -euo pipefail

sbx=$1 prog=$2 timeout_s=${3:-20}
mode=${SBX_COMPARE_MODE:-sbx}
read -r -a run_flags <<<"${SBX_RUN_FLAGS:-}"
if [[ $mode != native && ! -x $sbx ]]; then
	echo "FAIL exit_all: sbx binary '$sbx' not found or not executable" >&2
	exit 1
fi
[[ $prog == */* && $prog != /* ]] && prog=$PWD/$prog
ulimit -c 0
for fd in $(ls /proc/$$/fd); do
	((fd > 2 && fd != 255)) && eval "exec $fd>&-"
done
cd /

envv=(env -i PATH=/usr/bin:/bin HOME=/ LANG=C)
native=(unshare --pid --fork --kill-child --)
if [[ $mode == native ]]; then
	other=("${native[@]}")
	oname=native2
else
	other=("$sbx" run "${run_flags[@]}" --)
	oname=sbx
fi

errf=$(mktemp "${TMPDIR:-/tmp}/sbx-exit_all.XXXXXX")
failed=()
shown=0
for n in $(seq 0 255); do
	set +e
	nout=$(timeout -k 5 "$timeout_s" "${envv[@]}" "${native[@]}" "$prog" "$n" </dev/null 2>/dev/null)
	nrc=$?
	oout=$(timeout -k 5 "$timeout_s" "${envv[@]}" "${other[@]}" "$prog" "$n" </dev/null 2>"$errf")
	orc=$?
	set -e
	if [[ $nrc == "$orc" && $nout == "$oout" ]]; then
		continue
	fi
	failed+=("$n")
	if ((shown < 5)); then
		echo "  exit_status $n: native exit $nrc, $oname exit $orc$([[ $nout == "$oout" ]] ||
			echo ", stdout differs")" >&2
		head -n 5 "$errf" | sed 's/^/    stderr: /' >&2
		shown=$((shown + 1))
	fi
done
rm -f "$errf"
if ((${#failed[@]} == 0)); then
	echo "PASS exit_all: 256 exit statuses agree"
	exit 0
fi
echo "FAIL exit_all: ${#failed[@]} of 256 statuses differ: ${failed[*]}" >&2
exit 1
