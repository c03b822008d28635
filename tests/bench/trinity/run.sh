#!/usr/bin/env bash
# run.sh: Dave Jones's trinity syscall fuzzer inside the sandbox, for a bounded time
# with a fixed seed. Not a ctest: a soak run for people (and, later, CI nightly).
#
# Installs trinity from Debian if it is missing (apt-get install -y trinity; needs
# root). Never runs trinity outside the sandbox: on the host, as root, it would fuzz the
# real kernel.
#
# trinity is dynamically linked (ld-linux-x86-64.so.2, libc) and, whatever its options,
# forks: a main process that watches and at least one child that makes the calls
# (-C 1 is the fewest), sharing state through MAP_SHARED|MAP_ANONYMOUS memory. It
# also opens files under /proc, /sys and /dev and creates sockets, pipes, eventfds and
# memfds for its fd pool (--disable-fds trims that). So it needs, from sbx: the
# filesystem (to load a dynamic program at all), fork/clone and wait4, shared anonymous
# memory, and signals between processes. Until sbx has them the script detects that
# `sbx run` refuses the program and says so (exit status 77, "skipped").
#
# When trinity runs, the command is
#   sbx run --strace TRINITY --dangerous -q -l off -C 1 -N CALLS -s SEED --stats
#       --disable-fds=perf,drm,sockets,epoll,eventfd,userfaultfd,fanotify,timerfd
# (--dangerous: inside the sandbox trinity is root, which it refuses without it; -l off:
# no log files in the cwd; -C 1: one fuzzing child.) The report lists the syscalls it
# exercised, from the Sentry's --strace lines (count, name, how many failed with
# ENOSYS), trinity's own last lines, sbx's exit status, and any Sentry error
# ("internal error", "BUG") on stderr, which fails the run (exit status 1).
#
# usage: run.sh [SBX] [SECONDS] [SEED] [CALLS]
#   SBX      the sbx binary (default: ../../../build/sbx from this script)
#   SECONDS  wall-clock bound (default 120); the sandbox is killed after it
#   SEED     trinity's -s (default 42)
#   CALLS    trinity's -N (default 100000)
# Environment: TRINITY (default /usr/bin/trinity); SBX_RUN_FLAGS extra `sbx run` flags;
#   TRINITY_FLAGS extra trinity flags; KEEP=1 keeps the output directory.
# Exit status: 0 ran and no Sentry error; 1 Sentry error or hang; 77 cannot run yet.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sbx=${1:-$here/../../../build/sbx}
secs=${2:-120}
seed=${3:-42}
calls=${4:-100000}
trinity=${TRINITY:-/usr/bin/trinity}
read -r -a run_flags <<<"${SBX_RUN_FLAGS:-}"
read -r -a extra <<<"${TRINITY_FLAGS:-}"

[[ -x $sbx ]] || { echo "trinity/run.sh: no sbx binary at $sbx (build it, or pass its path)" >&2; exit 2; }
sbx=$(cd "$(dirname "$sbx")" && pwd)/$(basename "$sbx")

if [[ ! -x $trinity ]]; then
	if [[ $trinity != /usr/bin/trinity ]]; then
		echo "trinity/run.sh: $trinity not found" >&2
		exit 2
	fi
	if (($(id -u) != 0)); then
		echo "trinity/run.sh: trinity is not installed; as root: apt-get install -y trinity" >&2
		exit 2
	fi
	echo "trinity/run.sh: installing trinity from Debian"
	DEBIAN_FRONTEND=noninteractive apt-get install -y trinity >/dev/null
fi
echo "trinity: $trinity, Debian package $(dpkg-query -W -f='${Version}' trinity 2>/dev/null || echo '?')"

out=$(mktemp -d "${TMPDIR:-/tmp}/sbx-trinity.XXXXXX")
if [[ ${KEEP:-0} == 1 ]]; then
	echo "trinity/run.sh: keeping $out"
else
	trap 'rm -rf "$out"' EXIT
fi

# What trinity is, as a program sbx would have to load.
if readelf -l "$trinity" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	interp=$(readelf -l "$trinity" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	echo "trinity is dynamically linked (interpreter $interp)"
fi

# Can sbx start it at all? -L only lists syscalls: no fork, no files beyond loading.
set +e
timeout -k 5 30 "$sbx" run "${run_flags[@]}" "$trinity" -L </dev/null >"$out/probe.out" \
	2>"$out/probe.err"
probe_rc=$?
set -e
if ((probe_rc != 0)) && grep -q -E 'dynamic|interpreter|filesystem' "$out/probe.err"; then
	echo "SKIPPED: sbx cannot run trinity yet (sbx run exited $probe_rc):"
	sed 's/^/  /' "$out/probe.err"
	echo "trinity needs from sbx: the filesystem (to load $trinity and its libraries),"
	echo "fork/clone + wait4 (it always forks a fuzzing child, -C 1 at least), shared"
	echo "anonymous memory between processes, signals between processes, and /proc,"
	echo "/sys, /dev files for its fd pool. Re-run this script once those land."
	exit 77
fi
if ((probe_rc != 0)); then
	echo "note: 'trinity -L' in the sandbox exited $probe_rc:"
	head -n 20 "$out/probe.err" | sed 's/^/  /'
fi

# The fd kinds sbx has no syscall for (or, perf and drm, no device): trinity's fd
# pool setup retries socket() forever when it fails, and the run never fuzzes.
no_fds=perf,drm,sockets,epoll,eventfd,userfaultfd,fanotify,timerfd
cmd=("$sbx" run --strace "${run_flags[@]}" "$trinity" --dangerous -q -l off -C 1
	-N "$calls" -s "$seed" --stats "--disable-fds=$no_fds" "${extra[@]}")
echo "running for at most ${secs}s: ${cmd[*]}"
set +e
(cd / && timeout -k 10 "$secs" "${cmd[@]}" </dev/null >"$out/stdout" 2>"$out/stderr")
rc=$?
set -e
echo "sbx exit status: $rc$( ((rc == 124)) && echo ' (time bound reached: killed)')"

echo "--- syscalls trinity exercised (from --strace: count, name, ENOSYS count)"
grep -a -o -E '^\[pid [0-9]+\] [a-z_0-9]+\(' "$out/stderr" |
	sed -E 's/^\[pid [0-9]+\] //; s/\($//' | sort | uniq -c | sort -rn >"$out/calls" || true
grep -a -E '^\[pid [0-9]+\] [a-z_0-9]+\(.*= -1 ENOSYS' "$out/stderr" |
	sed -E 's/^\[pid [0-9]+\] //; s/\(.*//' | sort | uniq -c >"$out/enosys" || true
while read -r n name; do
	e=$(awk -v s="$name" '$2 == s { print $1 }' "$out/enosys")
	printf '%8d %-24s %s\n' "$n" "$name" "${e:+ENOSYS x$e}"
done <"$out/calls"
echo "$(wc -l <"$out/calls") distinct syscalls, $(awk '{ s += $1 } END { print s + 0 }' "$out/calls") calls"

echo "--- trinity's last lines"
tail -n 15 "$out/stdout" || true

status=0
if grep -a -q -E 'internal error|sbx: BUG' "$out/stderr"; then
	echo "--- SENTRY ERROR"
	grep -a -E 'internal error|sbx: BUG' "$out/stderr" | head -n 10
	status=1
fi
if ((rc == 125)); then
	echo "--- sbx failed (125):"
	grep -a -v -E '^\[pid [0-9]+\]' "$out/stderr" | tail -n 10
	status=1
fi
exit $status
