#!/usr/bin/env bash
# pause_spawn.sh: stops of the world that catch a clone halfway. td_cr_spawn_race makes
# threads and processes that wait for their creator right after it is made; a pause
# that missed the new task would wait for it forever (the Sentry gives up after 20 s
# and says so). Eighty pauses at random moments must each succeed, and the program
# must go on after the last resume.
# usage: pause_spawn.sh SBX TD_CR_SPAWN_RACE
set -euo pipefail

sbx=$(readlink -f "$1")
prog=$2
n=80
d=$(mktemp -d "${TMPDIR:-/tmp}/sbx-pause-spawn.XXXXXX")
id=ps$$
trap '"$sbx" --root "$d/root" kill "$id" KILL >/dev/null 2>&1;
      "$sbx" --root "$d/root" delete "$id" >/dev/null 2>&1; rm -rf "$d"' EXIT
fail() { echo "FAIL pause_spawn: $*" >&2; [[ -s $d/err ]] && sed 's/^/  /' "$d/err" >&2; exit 1; }

"$sbx" --root "$d/root" run -d --name "$id" -- "$prog" 0 \
	</dev/null >"$d/out" 2>"$d/err" || fail "sbx run -d"
until grep -q '^ready' "$d/out"; do sleep 0.02; done
for i in $(seq 1 $n); do
	timeout 60 "$sbx" --root "$d/root" pause "$id" 2>"$d/pause.err" ||
		fail "pause $i of $n: $(cat "$d/pause.err")"
	"$sbx" --root "$d/root" resume "$id" || fail "resume $i of $n"
	sleep "0.0$((RANDOM % 10))"
done
lines=$(wc -l <"$d/out")
for _ in $(seq 1 600); do
	(($(wc -l <"$d/out") > lines)) && break
	sleep 0.1
done
(($(wc -l <"$d/out") > lines)) || fail "no progress in 60 s after the last resume: $(tail -1 "$d/out")"
[[ -s $d/err ]] && fail "the sandbox wrote to stderr"
echo "PASS pause_spawn: $n pauses while it spawns, then on to '$(tail -1 "$d/out")'"
