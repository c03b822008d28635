#!/usr/bin/env bash
# wait_status.sh: `sbx wait` on sandboxes whose program exits at once must print and
# return the program's exit status (0 here), every time. It must not report "the sentry
# died" because it looked between the Sentry's exit and the monitor recording the status.
# usage: wait_status.sh SBX TESTDATA_DIR [N]
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"

SBX=$1 td=$2 n=${3:-20}
NAME=cr/wait_status
cr_init
cr_newroot
bad=0
for i in $(seq 1 "$n"); do
	# td_cr_fpu with 3 iterations prints a few lines and exits 0 at once.
	(cr_clean_fds; exec "$SBX" --root "$CR_ROOT" run -d --name "w$i" -- "$td/td_cr_fpu" 3 \
		</dev/null >/dev/null 2>&1) || { cr_fail "sbx run -d failed"; continue; }
	out=$(cr_sbx "$CR_ROOT" wait "w$i" 2>"$CR_TMP/err")
	rc=$?
	if ((rc != 0)) || [[ $out != 0 ]]; then
		bad=$((bad + 1))
		echo "  w$i: sbx wait exited $rc, printed '$out': $(cat "$CR_TMP/err")" >&2
	fi
	cr_sbx "$CR_ROOT" delete "w$i" >/dev/null 2>&1
done
if ((bad)); then
	cr_fail "$bad of $n sbx wait calls got the status wrong (repro: sbx run -d -- PROG-that-exits; sbx wait ID)"
	exit 1
fi
echo "PASS $NAME: $n of $n"
