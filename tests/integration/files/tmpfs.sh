#!/usr/bin/env bash
# tmpfs.sh: tmpfs mounts (testdata/files/tmpfs_mounts.c) against native tmpfs mounts
# made in a mount namespace of their own:
#   mounts   `sbx run --tmpfs /tmp/inner --tmpfs /tmp` (the parent given last) against
#            /tmp and /tmp/inner mounted nosuid,nodev,mode=1777 natively
#   auto     `--rootfs` whose /tmp is empty or missing: /tmp is a tmpfs, as natively
#            with one mounted there; whose /tmp holds a file: /tmp is the root's, the
#            file in it, as natively with that directory bound at /tmp
#   cr       the mounts with files in them, one unlinked but open and the cwd inside,
#            across a checkpoint and a restore in another --root
#   flags    a relative --tmpfs path, one with "..", and two mounts at one path are
#            refused with one line and exit status 125
#
# usage: tmpfs.sh SBX PROGRAM
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
SBX=$1 NAME=files/tmpfs
prog=$2
source "$here/../cr/lib.sh"
cr_init
T=$CR_TMP
# A tmpfs over /tmp hides whatever lies under the host's /tmp, the build tree of a
# clone there included: the program runs from a copy in /var/tmp.
bin=$(mktemp -d /var/tmp/sbx-tmpfs.XXXXXX)
trap 'rm -rf "$bin"; cr_cleanup' EXIT
cp "$prog" "$bin/" && prog=$bin/$(basename "$prog")
opts=nosuid,nodev,mode=1777
# native SETUP PROGRAM-ARGS...: the program in a mount namespace after SETUP (shell).
native() (
	local setup=$1
	shift
	exec unshare --mount -- /bin/sh -c "$setup"' && exec "$0" "$@"' "$prog" "$@"
)
nested="mount -t tmpfs -o $opts tmpfs /tmp && mkdir /tmp/inner &&
	mount -t tmpfs -o $opts tmpfs /tmp/inner"

# same LABEL NATIVE-FILE SBX-FILE
same() {
	if cmp -s "$2" "$3"; then
		echo "ok $1"
	else
		cr_fail "$1: sbx differs from native"
		diff "$2" "$3" | head -20 >&2
	fi
}

# mounts
native "$nested" nowait >"$T/mounts.native" 2>&1
"$SBX" run --tmpfs /tmp/inner --tmpfs /tmp -- "$prog" nowait >"$T/mounts.sbx" 2>&1
same mounts "$T/mounts.native" "$T/mounts.sbx"

# auto: r1 with an empty /tmp, r2 with none, r3 with a file in it.
for r in r1 r2 r3; do
	mkdir -p "$T/$r$(dirname "$prog")"
	cp "$prog" "$T/$r$prog"
done
mkdir -m 1777 "$T/r1/tmp" "$T/r3/tmp"
echo keep >"$T/r3/tmp/keepme"
native "mount -t tmpfs -o $opts tmpfs /tmp" auto >"$T/auto-empty.native" 2>&1
native "mount --bind $T/r3/tmp /tmp" auto >"$T/auto-full.native" 2>&1
for r in r1 r2; do
	"$SBX" run --rootfs "$T/$r" -- "$prog" auto >"$T/auto-$r.sbx" 2>&1
	same "auto $r" "$T/auto-empty.native" "$T/auto-$r.sbx"
done
"$SBX" run --rootfs "$T/r3" -- "$prog" auto >"$T/auto-r3.sbx" 2>&1
same "auto r3" "$T/auto-full.native" "$T/auto-r3.sbx"

# cr: the native reference, signalled once ready.
unshare --mount -- /bin/sh -c "$nested"' && exec "$0" "$@"' "$prog" wait \
	>"$T/cr.native" 2>&1 &
npid=$!
CR_NATIVE_PIDS+=("$npid")
if cr_wait_mark "$T/cr.native" 30; then
	kill -USR1 "$npid"
fi
wait "$npid"
cr_newroot
r1=$CR_ROOT
cr_newroot
r2=$CR_ROOT
cr_sbx "$r1" run -d --name tm --tmpfs /tmp/inner --tmpfs /tmp -- "$prog" wait \
	>"$T/cr.run" 2>&1 </dev/null
if ! cr_wait_mark "$T/cr.run" 60; then
	cr_show "run" "$T/cr.run"
	cr_fail "cr: no ready mark"
elif ! cr_sbx "$r1" checkpoint --image "$T/img" tm >"$T/ckpt.out" 2>&1; then
	cr_show checkpoint "$T/ckpt.out"
	cr_fail "cr: the checkpoint failed"
elif ! cr_sbx "$r2" restore -d --image "$T/img" --name tm >"$T/cr.restored" 2>&1 </dev/null; then
	cr_show restore "$T/cr.restored"
	cr_fail "cr: the restore failed"
else
	cr_sbx "$r2" kill tm USR1 >/dev/null
	cr_sbx "$r2" wait tm >/dev/null
	cat "$T/cr.run" "$T/cr.restored" >"$T/cr.sbx"
	same "cr" "$T/cr.native" "$T/cr.sbx"
fi

# flags
for bad in "--tmpfs tmp" "--tmpfs /a/../b" "--tmpfs /tmp --volume $T:/tmp"; do
	# shellcheck disable=SC2086 # the flags are words
	"$SBX" run $bad -- "$prog" auto >"$T/bad.out" 2>&1
	rc=$?
	if ((rc != 125)) || [[ $(wc -l <"$T/bad.out") != 1 ]]; then
		cr_show "$bad" "$T/bad.out"
		cr_fail "flags '$bad': status $rc, want 125 and one line"
	else
		echo "ok flags '$bad': $(cat "$T/bad.out")"
	fi
done
((CR_FAILS == 0)) && echo "PASS $NAME"
exit $((CR_FAILS > 0))
