#!/usr/bin/env bash
# pause.sh: sbx pause and sbx resume of a detached sandbox. A loop that prints a tick
# every 0.1 s is paused: it is listed as paused and prints nothing for 0.6 s; once
# resumed it is listed as running and ends with every tick once and its exit status.
# usage: pause.sh SBX
set -euo pipefail

sbx=$(readlink -f "$1")
d=$(mktemp -d "${TMPDIR:-/tmp}/sbx-pause.XXXXXX")
id=p$$
trap '"$sbx" --root "$d/root" delete "$id" >/dev/null 2>&1; rm -rf "$d"' EXIT
fail() { echo "FAIL pause: $*" >&2; exit 1; }
status() { "$sbx" --root "$d/root" list --json | python3 -c \
	'import json, sys; print([s["status"] for s in json.load(sys.stdin) if s["id"] == sys.argv[1]][0])' "$id"; }

"$sbx" --root "$d/root" run -d --name "$id" -- /bin/sh -c \
	'i=0; while [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); echo tick $i; done; exit 5' \
	</dev/null >"$d/out" 2>"$d/err" || fail "sbx run -d: $(cat "$d/err")"
until grep -q 'tick 2$' "$d/out"; do sleep 0.02; done
"$sbx" --root "$d/root" pause "$id" || fail "sbx pause"
[[ $(status) == paused ]] || fail "listed as $(status) after sbx pause"
n=$(wc -l <"$d/out")
sleep 0.6
[[ $(wc -l <"$d/out") == "$n" ]] || fail "$(($(wc -l <"$d/out") - n)) lines while paused"
"$sbx" --root "$d/root" resume "$id" || fail "sbx resume"
[[ $(status) == running ]] || fail "listed as $(status) after sbx resume"
rc=$(timeout 60 "$sbx" --root "$d/root" wait "$id") || true   # exits with it too
[[ $rc == 5 ]] || fail "exit status $rc, not 5"
[[ $(cat "$d/out") == "$(seq -f 'tick %g' 1 20)" ]] || fail "ticks: $(tr '\n' ' ' <"$d/out")"
echo "PASS pause: paused $n ticks in, nothing printed while paused, 20 ticks and exit 5"
