#!/usr/bin/env bash
# traverse.sh: the path-traversal suite. Builds a root directory WORK/root with links
# that point out of it in every way (see testdata/files/traverse.c) and a file
# WORK/secret outside it, copies the program in at its own absolute path, and runs it
# with core's compare.sh: natively chrooted into the root (the program does that
# itself) and under `sbx run --rootfs WORK/root`. The outside file must never be read.
#
# usage: traverse.sh SBX PROGRAM WORK
set -euo pipefail
sbx=$1 prog=$2 work=$3
here=$(dirname "$(readlink -f "$0")")

rm -rf "$work"
root=$work/root
mkdir -p "$root/a/b/c" "$root/proc" "$root$(dirname "$prog")"
cp "$prog" "$root$prog"
echo "SECRET-OUTSIDE" >"$work/secret"
echo "inside a/file" >"$root/a/file"
echo "inside a/b/c/f" >"$root/a/b/c/f"
ln -s /../../secret "$root/link_abs_out"
ln -s "$work/secret" "$root/link_abs_host"
ln -s ../secret "$root/link_rel_out"
ln -s a/b/c/../../../../../secret "$root/link_rel_deep"
ln -s ../.. "$root/a/b/link_up"
ln -s chain2 "$root/chain1"
ln -s chain3 "$root/chain2"
ln -s a/file "$root/chain3"
ln -s loop2 "$root/loop1"
ln -s loop1 "$root/loop2"
ln -s self "$root/self"
ln -s a/b "$root/dirlink"
# l00 -> l01 -> ... -> l39 -> a/file: 40 links, Linux's limit; m00..m40: 41.
for p in l:40 m:41; do
	n=${p#*:} c=${p%%:*}
	for ((i = 0; i < n - 1; i++)); do
		ln -s "$(printf '%s%02d' "$c" $((i + 1)))" "$root/$(printf '%s%02d' "$c" "$i")"
	done
	ln -s a/file "$root/$(printf '%s%02d' "$c" $((n - 1)))"
done
# A read-write volume mounted at /vol: links out of it and names moved across its
# edge (testdata/files/traverse.c, volume()). WORK/vol_secret is outside both.
vol=$work/vol
mkdir -p "$root/vol" "$vol/sub"
echo "SECRET-OUTSIDE vol" >"$work/vol_secret"
echo "inside the volume" >"$vol/inside"
ln -s ../vol_secret "$vol/link_up_out"
ln -s ../../vol_secret "$vol/link_rel_secret"
ln -s /../vol_secret "$vol/link_abs_out"
ln -s "$work/vol_secret" "$vol/link_host"
ln -s /a/file "$vol/link_root_file"
before=$(cd "$vol" && find . -printf '%p %y %s %l\n' | sort)
SBX_RUN_FLAGS="--rootfs $root --volume $vol:/vol" "$here/../core/compare.sh" --sbx "$sbx" \
	--name files/traverse --timeout 60 -- "$prog" "$root"
# Neither run may have changed the root: the native one removed its scratch files,
# the sandbox's went to its overlay.
[[ ! -e $root/w ]] || { echo "FAIL files/traverse: $root/w was left behind" >&2; exit 1; }
after=$(cd "$vol" && find . -printf '%p %y %s %l\n' | sort)
[[ $before == "$after" ]] || {
	echo "FAIL files/traverse: the volume was left changed:" >&2
	diff <(echo "$before") <(echo "$after") >&2
	exit 1
}
