#!/usr/bin/env bash
# native_env.sh TMPDIR KEEP -- PROGRAM [ARGS...]: runs PROGRAM natively the way the
# sandbox runs one, for the native side of compare.sh and cr/case.sh: as pid 1 of a
# new pid namespace, in a mount namespace with a /tmp of its own (TMPDIR, an empty
# host directory, bound there), a /dev/shm (tmpfs) and a devpts instance (/dev/pts
# and /dev/ptmx: pts numbers from 0, the sandbox's mount options) of its own, so
# that tests run at once (a C/R case and its plain twin) do not meet in the host's.
# KEEP is a colon-separated list of paths the run needs (the source and build trees):
# where one lies under the host's /tmp (a clone there), its top directory is bound
# into TMPDIR first, so it stays where it was. The program's environment is set by
# the caller after this wrapper (a shell would add PWD to it).
set -euo pipefail
(($# >= 4)) && [[ $3 == -- ]] || { echo "usage: native_env.sh TMPDIR KEEP -- PROGRAM..." >&2; exit 2; }
dir=$1 keep=$2
shift 3
exec unshare --mount -- /bin/sh -c '
	dir=$1 keep=$2
	shift 2
	IFS=:
	for p in $keep; do
		case $p in
		/tmp/?*)
			top=${p#/tmp/}
			top=${top%%/*}
			[ -e "$dir/$top" ] && continue
			mkdir -p "$dir/$top" && mount --bind "/tmp/$top" "$dir/$top" || exit 125
			;;
		esac
	done
	unset IFS
	mount --rbind "$dir" /tmp &&
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm &&
	mount -t devpts -o newinstance,gid=5,mode=620,ptmxmode=666 devpts /dev/pts &&
	mount --bind /dev/pts/ptmx /dev/ptmx &&
	exec unshare --pid --fork --kill-child -- "$@"' sh "$dir" "$keep" "$@"
