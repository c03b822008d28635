#!/usr/bin/env bash
# monitor_killed.sh: a Sentry does not outlive the process that watches it. `sbx run`
# in the foreground killed with SIGKILL (no chance to forward anything), and the
# monitor of a `sbx run -d` sandbox killed the same way: each time the Sentry and
# every stub of its sandbox (and the foreground run's gofer) must be gone within ten
# seconds, and `sbx list` must show the detached one as stopped as soon as they have
# exited, reaped or not (a zombie monitor counted as alive). Before the Sentry had
# PR_SET_PDEATHSIG it ran on, reparented to init, its program still running.
# usage: monitor_killed.sh SBX
set -euo pipefail

sbx=$(readlink -f "$1")
d=$(mktemp -d "${TMPDIR:-/tmp}/sbx-monitor_killed.XXXXXX")
root=$d/root id=mk$$
cleanup() {
	"$sbx" --root "$root" delete "$id" >/dev/null 2>&1 || true
	rm -rf "$d"
}
trap cleanup EXIT
cd /

fail() { echo "FAIL monitor_killed: $*" >&2; exit 1; }

# The host pids of @1 and all its descendants.
tree() {
	local p=$1 c
	echo "$p"
	for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
		tree "$c"
	done
}

# Waits until the "sbx boot" child of @1 has a stub running the program; prints the
# Sentry's pid and its descendants.
sandbox_of() {
	local parent=$1 k s
	for _ in $(seq 1 200); do
		for k in $(cat /proc/"$parent"/task/*/children 2>/dev/null); do
			if [[ "$(tr '\0' ' ' </proc/"$k"/cmdline 2>/dev/null)" == "sbx boot "* ]]; then
				s=$(tree "$k")
				# The Sentry, the template and the program's stub at least.
				if (($(wc -w <<<"$s") >= 3)); then
					echo $s
					return 0
				fi
			fi
		done
		sleep 0.05
	done
	return 1
}

# gone PIDS...: true once none of them runs (within ten seconds): each has exited,
# whether or not it has been reaped yet (a zombie's parent, here the host's init, may
# take a second to reap it).
gone() {
	for _ in $(seq 1 200); do
		local alive=0 p st
		for p in "$@"; do
			st=$(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | cut -d' ' -f1)
			[[ -n $st && $st != Z ]] && alive=1
		done
		((alive)) || return 0
		sleep 0.05
	done
	return 1
}

# The foreground run.
"$sbx" --root "$root" run -- /bin/busybox sleep 100 </dev/null >/dev/null 2>&1 &
run=$!
pids=$(sandbox_of "$run") || fail "no sandbox appeared under sbx run ($run)"
# Its gofer, a child of sbx run beside the Sentry, goes too: its socket closes.
for k in $(cat /proc/"$run"/task/*/children 2>/dev/null); do
	[[ "$(tr '\0' ' ' </proc/"$k"/cmdline 2>/dev/null)" != "sbx gofer "* ]] || pids+=" $k"
done
echo "foreground: sbx run $run, sandbox and gofer $pids"
kill -KILL "$run"
wait "$run" 2>/dev/null || true
gone $pids || fail "sbx run killed, its sandbox lives on: $(for p in $pids; do
	kill -0 "$p" 2>/dev/null && echo -n "$p "; done)"

# The detached one: its monitor is the Sentry's parent.
"$sbx" --root "$root" run -d --name "$id" -- /bin/busybox sleep 100 </dev/null >/dev/null 2>"$d/err" ||
	fail "sbx run -d: $(cat "$d/err")"
sentry=$("$sbx" --root "$root" list | awk -v id="$id" '$1 == id { print $2 }')
[[ -n $sentry ]] || fail "$id is not listed"
monitor=$(awk '$1 == "PPid:" { print $2 }' /proc/"$sentry"/status)
pids=$(sandbox_of "$monitor") || fail "no sandbox under the monitor ($monitor)"
echo "detached: monitor $monitor, sandbox $pids"
kill -KILL "$monitor"
gone $pids || fail "the monitor killed, its sandbox lives on"
# At once, while the monitor may still be a zombie: its Sentry has died, so the
# sandbox is stopped, never running.
status=$("$sbx" --root "$root" list --json | grep -o "\"id\":\"$id\",[^}]*" |
	sed -n 's/.*"status":"\([^"]*\)".*/\1/p')
echo "sbx list says $id is ${status:-(not listed)}"
[[ $status == stopped ]] || fail "$id is listed as ${status:-nothing}, not stopped"
echo "PASS monitor_killed"
