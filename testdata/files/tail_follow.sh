#!/bin/bash
# tail_follow.sh: `tail -f` of a file another process appends to. GNU tail follows
# with inotify; its polling interval is set to 1000 s, so a tail that polled instead
# would not show the second line before the harness's timeout: each line must reach
# tail's output through an inotify event. The file lives in DIR (default /tmp; tail
# polls on an overlayfs, which coreutils counts as remote, so the test uses /dev/shm).
set -eu
d=$(mktemp -d "${1:-/tmp}/sbx-tail.XXXXXX")
f=$d/log o=$d/out
echo one >"$f"
tail -s 1000 -f "$f" >"$o" &
t=$!
# Waits (no time limit but the harness's) until tail has written line $1.
shown() { until grep -qx "$1" "$o"; do sleep 0.02; done; }
shown one
for l in two three four; do
	echo "$l" >>"$f"
	shown "$l"
done
printf 'five\nsix\n' >>"$f"
shown six
kill "$t"
wait "$t" || true
cat "$o"
rm -rf "$d"
