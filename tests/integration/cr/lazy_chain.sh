#!/usr/bin/env bash
# lazy_chain.sh: a checkpoint taken right after a lazy restore, while its memory is
# still loading, must be complete. mem_pattern (256 MB, so loading takes a while) is
# checkpointed (none), restored with --lazy and checkpointed again at once (zstd,
# then the copy ends); that second image is restored lazily and eagerly, and each
# copy, signalled, must find every page intact ("ok", exit 0). A lazily restored
# copy is also checkpointed with --leave-running at once, and both it and the
# restore of that image must finish well.
#
# usage: lazy_chain.sh SBX TESTDATA_DIR
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"

SBX=$1 td=$2
NAME=cr/lazy_chain
cr_init
CR_SBX_TIMEOUT=150
d=$CR_TMP
cr_newroot
root=$CR_ROOT

# restore_copy IMAGE ID FLAGS...: sbx restore -d into $root.
restore_copy() {
	local img=$1 id=$2
	shift 2
	(cr_clean_fds; cd /; exec "$SBX" --root "$root" restore -d "$@" --image "$img" \
		--name "$id" </dev/null >"$d/$id.out" 2>"$d/$id.err") ||
		{ cr_fail "restore $* of $img as $id failed: $(cat "$d/$id.err")"; return 1; }
}

# finish ID: signal ID, which must end with "ok" and status 0.
finish() {
	local st
	cr_sbx "$root" kill "$1" USR1 || cr_fail "sbx kill $1 failed"
	st=$(cr_wait_status "$root" "$1" 2>/dev/null)
	if [[ $st == 0 && $(tail -n1 "$d/$1.out") == ok ]]; then
		echo "  $1: ok"
	else
		cr_fail "$1 ended with status '$st', last line '$(tail -n1 "$d/$1.out")'"
		cr_show "$1 output" "$d/$1.out"
		cr_show "$1 stderr" "$d/$1.err"
	fi
}

(cr_clean_fds; cd /; exec "$SBX" --root "$root" run -d --name orig -- \
	"$td/td_cr_mem_pattern" 256 </dev/null >"$d/orig.out" 2>"$d/orig.err") ||
	{ cr_fail "sbx run failed: $(cat "$d/orig.err")"; exit 1; }
cr_wait_mark "$d/orig.out" 150 || { cr_fail "no ready mark"; exit 1; }
cr_sbx "$root" checkpoint --compress none --image "$d/a.img" orig >/dev/null 2>"$d/ck.err" ||
	{ cr_fail "checkpoint failed: $(cat "$d/ck.err")"; exit 1; }

# Restore lazily and checkpoint at once: the image must hold every page.
restore_copy "$d/a.img" lazy1 --lazy || exit 1
cr_sbx "$root" checkpoint --compress zstd --image "$d/b.img" lazy1 >/dev/null \
	2>"$d/ck2.err" || { cr_fail "checkpoint right after a lazy restore failed: $(cat "$d/ck2.err")"; exit 1; }
restore_copy "$d/b.img" eager2 && finish eager2
restore_copy "$d/b.img" lazy2 --lazy && finish lazy2

# With --leave-running, the lazily restored copy goes on after the checkpoint.
restore_copy "$d/a.img" lazy3 --lazy || exit 1
cr_sbx "$root" checkpoint --leave-running --compress lz4 --image "$d/c.img" lazy3 >/dev/null \
	2>"$d/ck3.err" || cr_fail "checkpoint --leave-running after a lazy restore failed: $(cat "$d/ck3.err")"
restore_copy "$d/c.img" lazy4 --lazy && finish lazy4
finish lazy3

((CR_FAILS)) && { echo "FAIL $NAME: $CR_FAILS failure(s)"; exit 1; }
echo "PASS $NAME"
