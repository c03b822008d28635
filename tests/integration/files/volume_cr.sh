#!/usr/bin/env bash
# volume_cr.sh: a restore whose volume changed under an open file must fail, naming
# the file. A sandbox with DIR mounted as a volume holds DIR/cr.dat open for writing
# (testdata/files/cr_volume.c) and is checkpointed; then, for each way the host can
# differ, the restore must fail with a message naming cr.dat (or the volume):
#   grown     cr.dat was appended to on the host
#   missing   cr.dat was removed
#   novolume  the restore is given no --volume
# and, with cr.dat put back as it was (contents and modification time), the restore
# must succeed and the program finish as it does natively.
#
# usage: volume_cr.sh SBX PROGRAM
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
SBX=$1 NAME=files/volume_cr
prog=$2
source "$here/../cr/lib.sh"
cr_init
vol=$CR_TMP/vol
mkdir -p "$vol"
echo "seed contents here" >"$vol/seed.txt"
cr_newroot
root=$CR_ROOT

cr_sbx "$root" run -d --name vcr --volume "$vol:$vol" -- "$prog" "$vol" \
	>"$CR_TMP/run.out" 2>"$CR_TMP/run.err" </dev/null
cr_wait_mark "$CR_TMP/run.out" 60 || { cr_show "run stderr" "$CR_TMP/run.err"; cr_fail "no ready mark"; exit 1; }
cr_sbx "$root" checkpoint --image "$CR_TMP/img" vcr >"$CR_TMP/ckpt.out" 2>&1 ||
	{ cr_show checkpoint "$CR_TMP/ckpt.out"; cr_fail "checkpoint failed"; exit 1; }
cp -p "$vol/cr.dat" "$CR_TMP/cr.dat.saved"

# expect_fail LABEL PATTERN VOLUME-FLAGS...: the restore fails and says PATTERN.
expect_fail() {
	local label=$1 pat=$2
	shift 2
	cr_sbx "$root" restore --image "$CR_TMP/img" --name "vcr-$label" "$@" \
		>"$CR_TMP/$label.out" 2>"$CR_TMP/$label.err" </dev/null
	local rc=$?
	if ((rc == 0)); then
		cr_fail "$label: the restore succeeded"
	elif ! grep -q -- "$pat" "$CR_TMP/$label.err"; then
		cr_show "$label stderr" "$CR_TMP/$label.err"
		cr_fail "$label: the error does not say '$pat'"
	else
		echo "ok $label: $(grep -m1 -- "$pat" "$CR_TMP/$label.err")"
	fi
	timeout -k 2 20 "$SBX" --root "$root" delete "vcr-$label" >/dev/null 2>&1
}

echo "grown on the host" >>"$vol/cr.dat"
expect_fail grown "cr.dat changed since the checkpoint" --volume "$vol:$vol"
rm "$vol/cr.dat"
expect_fail missing "cr.dat: No such file" --volume "$vol:$vol"
cp -p "$CR_TMP/cr.dat.saved" "$vol/cr.dat"
expect_fail novolume "no gofer serves this volume"

cr_sbx "$root" restore --image "$CR_TMP/img" --name vcr-ok -d --volume "$vol:$vol" \
	>"$CR_TMP/ok.out" 2>"$CR_TMP/ok.err" </dev/null ||
	{ cr_show "restore stderr" "$CR_TMP/ok.err"; cr_fail "restore of the unchanged volume failed"; exit 1; }
cr_sbx "$root" kill vcr-ok USR1 >/dev/null 2>&1
cr_sbx "$root" wait vcr-ok >/dev/null 2>&1
rc=$?
cr_wait_mark "$CR_TMP/ok.out" 30 "^cwd removed" || true
if ((rc != 0)) || ! grep -q "^cwd removed: yes" "$CR_TMP/ok.out"; then
	cr_show "restored stdout" "$CR_TMP/ok.out"
	cr_show "restored stderr" "$CR_TMP/ok.err"
	cr_fail "the restored program did not finish (status $rc)"
fi
[[ ! -e $vol/cr.dat && ! -e $vol/cr2.dat && ! -e $vol/crsub ]] ||
	cr_fail "the restored program's changes did not reach the host"
((CR_FAILS == 0)) && echo "PASS $NAME"
exit $((CR_FAILS > 0))
