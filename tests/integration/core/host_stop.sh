#!/usr/bin/env bash
# host_stop.sh: a sandbox whose host processes are stopped and continued from outside
# (kill -STOP / kill -CONT, as an operator, a debugger or a freezer does) goes on as if
# nothing happened. A shell loop that sleeps, reads files through the gofer and pipes
# between processes runs natively, then under `sbx run -d` while every host process of
# the sandbox (the monitor, the Sentry and its threads, the stubs, the gofer) is
# stopped and continued eight times; stdout and exit status must agree.
# A host sleep interrupted by a stop resumes through restart_syscall, which the
# Sentry's seccomp filter once denied: the Sentry died at the first SIGCONT.
# usage: host_stop.sh SBX
set -euo pipefail

sbx=$(readlink -f "$1")
d=$(mktemp -d "${TMPDIR:-/tmp}/sbx-host_stop.XXXXXX")
root=$d/root id=hs$$
cleanup() {
	# Nothing may stay stopped, whatever failed.
	[[ -s $d/pids ]] && kill -CONT $(cat "$d/pids") 2>/dev/null
	"$sbx" --root "$root" delete "$id" >/dev/null 2>&1 || true
	rm -rf "$d"
}
trap cleanup EXIT
cd /

prog='for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	sleep 0.15
	echo "tick $i $(wc -l </etc/passwd) $(echo abc | tr a-c x-z | cat)"
done
exit 7'

set +e
native=$(env -i PATH=/usr/bin:/bin /bin/sh -c "$prog" </dev/null)
nrc=$?
set -e

# Its own session, whose id is the shell's pid: the gofer stays in the session sbx
# was started from, the monitor makes one of its own (with the Sentry and the stubs).
setsid -w bash -c 'echo $$ >"$1"; shift; exec "$@"' - "$d/sid" \
	"$sbx" --root "$root" run -d --name "$id" -- /bin/sh -c "$prog" \
	</dev/null >"$d/out" 2>"$d/err" || { echo "FAIL host_stop: sbx run -d: $(cat "$d/err")" >&2; exit 1; }
sentry=$("$sbx" --root "$root" list | awk -v id="$id" '$1 == id { print $2 }')
[[ -n $sentry ]] || { echo "FAIL host_stop: $id is not running" >&2; exit 1; }
sids=" $(cat "$d/sid") $(ps -o sid= -p "$sentry" | tr -d ' ') "
for round in 1 2 3 4 5 6 7 8; do
	sleep 0.1
	pids=$(ps -eo pid=,sid= | while read -r p s; do
		if [[ $sids == *" $s "* ]]; then echo "$p"; fi
	done)
	echo $pids >"$d/pids"
	[[ -n $pids ]] || break      # it finished
	kill -STOP $pids 2>/dev/null || true
	sleep 0.2
	kill -CONT $pids 2>/dev/null || true
done
: >"$d/pids"
set +e
status=$(timeout 60 "$sbx" --root "$root" wait "$id")
set -e
out=$(cat "$d/out")
if [[ $status == "$nrc" && $out == "$native" ]]; then
	echo "PASS host_stop: exit $nrc and ${#out} bytes of output agree across 8 host stops"
	exit 0
fi
echo "FAIL host_stop: native exit $nrc, sbx exit '$status'" >&2
diff <(echo "$native") <(echo "$out") | head -n 10 >&2
head -n 5 "$d/err" >&2
"$sbx" --root "$root" list >&2
exit 1
