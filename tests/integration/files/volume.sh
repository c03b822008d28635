#!/usr/bin/env bash
# volume.sh: --volume writes through to the host. One seed directory is copied
# twice; testdata/files/volume.c changes one copy natively and the other in the
# sandbox, where it is mounted with --volume. Passes when the two runs print the same
# and exit alike, and the two host directories then hold the same names, types,
# modes, sizes, link counts, link targets and contents. The native run is made as
# the sandbox's (pid 1 of a new pid namespace) and, for the ro and xdev modes, with
# bind mounts giving Linux's own EROFS and EXDEV.
#
# usage: volume.sh SBX PROGRAM WORK MODE     (MODE: rw, ro or xdev)
set -euo pipefail
sbx=$1 prog=$2 work=$3 mode=$4

seed() {
	mkdir -p "$1/seeddir"
	echo "seed contents here" >"$1/seed.txt"
	echo "to be removed" >"$1/gone.txt"
	echo "in seeddir" >"$1/seeddir/f"
	chmod 0644 "$1/seed.txt" "$1/gone.txt"
}

# Everything about a tree but its times and inode numbers (and user.* xattrs).
describe() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %s %n %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k2 &&
		python3 -c 'import os, sys
for p in sorted(sys.argv[1:]):
    if not os.path.islink(p):
        print(p, sorted((k, os.getxattr(p, k).hex()) for k in os.listxattr(p)
                        if k.startswith("user.")))' $(find . -mindepth 1))
}

rm -rf "$work"
mkdir -p "$work"
for side in native sbx; do
	seed "$work/$side"
	mkdir -p "$work/$side-other"
	echo other >"$work/$side-other/o.txt"
done
nat=$work/native sbxd=$work/sbx
case $mode in
rw)
	native=(unshare --pid --fork --kill-child -- "$prog" "$nat" rw)
	sandboxed=(--volume "$sbxd:/vol" -- "$prog" /vol rw)
	;;
ro)
	native=(unshare --pid --fork --kill-child --mount --propagation private -- sh -c \
		'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" "$1" ro' \
		sh "$nat" "$prog")
	sandboxed=(--volume "$sbxd:/vol:ro" -- "$prog" /vol ro)
	;;
xdev)
	native=(unshare --pid --fork --kill-child --mount --propagation private -- sh -c \
		'mount --bind "$1" "$1" && mount --bind "$2" "$2" && exec "$3" "$1" "$2" xdev' \
		sh "$nat" "$nat-other" "$prog")
	sandboxed=(--volume "$sbxd:/vol" --volume "$sbxd-other:/other" -- "$prog" /vol /other
		   xdev)
	;;
*)
	echo "usage: volume.sh SBX PROGRAM WORK rw|ro|xdev" >&2
	exit 2
	;;
esac

set +e
(cd / && timeout 60 "${native[@]}" </dev/null >"$work/native.out" 2>"$work/native.err")
nrc=$?
(cd / && timeout 60 "$sbx" --root "$work/state" run "${sandboxed[@]}" </dev/null \
	>"$work/sbx.out" 2>"$work/sbx.err")
src=$?
set -e
fail=0
if [[ $nrc != "$src" ]]; then
	echo "FAIL files/volume_$mode: exit status native $nrc, sbx $src" >&2
	fail=1
fi
if ! diff -u "$work/native.out" "$work/sbx.out" >"$work/out.diff"; then
	echo "FAIL files/volume_$mode: stdout differs (- native, + sbx):" >&2
	cat "$work/out.diff" >&2
	fail=1
fi
if ! diff -u <(describe "$nat") <(describe "$sbxd") >"$work/tree.diff" ||
   ! diff -u <(describe "$nat-other") <(describe "$sbxd-other") >>"$work/tree.diff"; then
	echo "FAIL files/volume_$mode: the host directories differ (- native, + sbx):" >&2
	cat "$work/tree.diff" >&2
	fail=1
fi
if ((fail)); then
	echo "--- sbx stderr ---" >&2
	tail -20 "$work/sbx.err" >&2
	exit 1
fi
echo "PASS files/volume_$mode: exit $src, $(wc -l <"$work/sbx.out") lines, trees equal"
