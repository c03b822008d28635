#!/usr/bin/env bash
# sysfs_rootfs.sh: /sys under --rootfs of a root that has no sys directory. The sandbox
# gets its sysfs all the same (the mount point is made in the root's in-memory upper
# layer, as /proc's is), and the host directory is left as it was. The program
# (testdata/files/cr_sysfs, run through) prints the same as its native run on the
# host's /sys.
#
# usage: sysfs_rootfs.sh SBX PROGRAM WORK
set -euo pipefail
sbx=$1 prog=$2 work=$3

rm -rf "$work"
mkdir -p "$work/root"
cp "$prog" "$work/root/prog"
before=$(ls -A "$work/root")
"$prog" nowait >"$work/native.out"
timeout 60 "$sbx" run --rootfs "$work/root" -- /prog nowait >"$work/sbx.out" 2>"$work/sbx.err" ||
	{ echo "FAIL sbx run: $?"; cat "$work/sbx.err"; exit 1; }
if ! diff -u "$work/native.out" "$work/sbx.out"; then
	echo "FAIL output differs"
	exit 1
fi
after=$(ls -A "$work/root")
if [[ $before != "$after" ]]; then
	echo "FAIL the host root changed: $after"
	exit 1
fi
echo "ok: sysfs under a root without /sys"
