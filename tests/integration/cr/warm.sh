#!/usr/bin/env bash
# warm.sh: the CLI around created sandboxes (`sbx create`, `sbx restore --into`).
#   - a created sandbox is listed "created" with a live Sentry; sbx kill ends it as a
#     signal would (128+N from sbx wait), sbx delete leaves no process behind;
#   - a foreground `sbx restore --into` of a busybox script gives the same output and
#     exit status as a foreground plain `sbx restore` of the same image, and removes
#     the sandbox at the end as a foreground run does;
#   - bad requests fail with one line and a non-zero status and harm nothing: a
#     missing sandbox, options only a new Sentry takes, a running sandbox (which goes
#     on running), a corrupt image (the created sandbox ends, stopped with a reason).
#
# usage: warm.sh SBX TESTDATA_DIR
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"

SBX=$1
NAME=cr/warm_cli
cr_init
d=$CR_TMP
cr_newroot
root=$CR_ROOT

create() {
	(cr_clean_fds; cd /; exec "$SBX" --root "$root" create --name "$1" \
		</dev/null >"$d/$1.create.out" 2>"$d/$1.create.err") ||
		{ cr_fail "sbx create $1 failed: $(cat "$d/$1.create.err")"; return 1; }
}

# one_line_error FILE RC WHAT: RC must be non-zero and FILE one line.
one_line_error() {
	if (($2 == 0)); then
		cr_fail "$3: exit status 0"
	elif (($(wc -l <"$1") != 1)); then
		cr_fail "$3: expected one line of error, got:"
		cr_show "stderr" "$1"
	else
		echo "  $3: $2, $(cat "$1")"
	fi
}

# 1. Created, killed, deleted.
create w1 || exit 1
st=$(cr_field "$root" w1 status)
pid=$(cr_field "$root" w1 pid)
[[ $st == created ]] || cr_fail "w1 is '$st', not created"
[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || cr_fail "w1 has no live Sentry (pid '$pid')"
cr_sbx "$root" kill w1 TERM || cr_fail "sbx kill w1 failed"
st=$(cr_wait_status "$root" w1 2>/dev/null)
[[ $st == 143 ]] || cr_fail "sbx wait on a created sandbox killed by TERM said '$st', not 143"
cr_sbx "$root" delete w1 || cr_fail "sbx delete w1 failed"
create w2 || exit 1
pid=$(cr_field "$root" w2 pid)
cr_sbx "$root" delete w2 || cr_fail "sbx delete w2 failed"
cr_wait_gone "$pid" 10 || cr_fail "the Sentry of deleted w2 ($pid) still runs"
[[ -z $(cr_field "$root" w2 status) ]] || cr_fail "w2 is still listed after delete"

# 2. Foreground restore --into against a plain foreground restore of one image.
# Checkpointed in its sleep (a loop alone ends before the checkpoint on an idle machine),
# then it counts and exits 7.
bb_loop=$'echo ready\nsleep 4\ni=0\nwhile [ $i -lt 100000 ]\ndo i=$((i+1))\ndone\necho $i\nexit 7'
(cr_clean_fds; cd /; exec "$SBX" --root "$root" run -d --name orig -- /bin/busybox sh -c \
	"$bb_loop" </dev/null >"$d/orig.out" 2>"$d/orig.err") || { cr_fail "sbx run failed"; exit 1; }
cr_wait_mark "$d/orig.out" 60 || { cr_fail "no ready mark"; exit 1; }
sleep 0.3
cr_sbx "$root" checkpoint --image "$d/img" orig >/dev/null 2>"$d/ck.err" ||
	{ cr_fail "checkpoint failed: $(cat "$d/ck.err")"; exit 1; }
(cr_clean_fds; cd /; exec "$SBX" --root "$root" restore --image "$d/img" --name plain \
	</dev/null >"$d/plain.out" 2>"$d/plain.err")
plain_rc=$?
create w3 || exit 1
(cr_clean_fds; cd /; exec "$SBX" --root "$root" restore --image "$d/img" --into w3 \
	</dev/null >"$d/warm.out" 2>"$d/warm.err")
warm_rc=$?
if [[ $plain_rc != 7 ]]; then
	cr_fail "the plain restore exited $plain_rc, not 7"
	cr_show "plain stderr" "$d/plain.err"
fi
if [[ $warm_rc != "$plain_rc" ]] || ! cmp -s "$d/plain.out" "$d/warm.out"; then
	cr_fail "restore --into: exit $warm_rc and output differ from the plain restore ($plain_rc)"
	diff -u --label plain --label warm "$d/plain.out" "$d/warm.out" | head -20 >&2
	cr_show "warm stderr" "$d/warm.err"
else
	echo "  foreground restore --into: exit $warm_rc, $(wc -l <"$d/warm.out") lines as the plain restore"
fi
[[ -z $(cr_field "$root" w3 status) ]] || cr_fail "w3 is still listed after its foreground restore ended"

# 3. Bad requests.
cr_sbx "$root" restore --image "$d/img" --into nosuch </dev/null >/dev/null 2>"$d/e1"
one_line_error "$d/e1" $? "restore --into a missing sandbox"
create w4 || exit 1
cr_sbx "$root" restore --image "$d/img" --into w4 --name other </dev/null >/dev/null 2>"$d/e2"
one_line_error "$d/e2" $? "restore --into with --name"
[[ $(cr_field "$root" w4 status) == created ]] || cr_fail "w4 is no longer created after a refused request"
(cr_clean_fds; cd /; exec "$SBX" --root "$root" run -d --name busy -- /bin/busybox sh -c \
	'echo ready; while :; do sleep 1; done' </dev/null >"$d/busy.out" 2>"$d/busy.err") ||
	cr_fail "sbx run busy failed"
cr_wait_mark "$d/busy.out" 60 || cr_fail "busy printed no ready mark"
cr_sbx "$root" restore --image "$d/img" --into busy </dev/null >/dev/null 2>"$d/e3"
one_line_error "$d/e3" $? "restore --into a running sandbox"
[[ $(cr_field "$root" busy status) == running ]] || cr_fail "busy is not running after a refused restore into it"
head -c 4096 "$d/img" >"$d/bad.img"
head -c 100000 /dev/urandom >>"$d/bad.img"
pid=$(cr_field "$root" w4 pid)
cr_sbx "$root" restore --image "$d/bad.img" --into w4 </dev/null >/dev/null 2>"$d/e4"
one_line_error "$d/e4" $? "restore --into of a corrupt image"
cr_wait_gone "$pid" 10 || cr_fail "w4's Sentry ($pid) still runs after a failed restore"
st=$(cr_field "$root" w4 status)
reason=$(timeout 20 "$SBX" --root "$root" list 2>/dev/null | grep '^w4 ')
[[ $st == stopped && $reason == *restore* ]] ||
	cr_fail "after a failed restore w4 is '$st' ($reason), not stopped with the reason"

((CR_FAILS)) && exit 1
echo "PASS $NAME"
