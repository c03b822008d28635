#!/usr/bin/env bash
# limits.sh: sbx-only cases of the limits suite, where Linux has no counterpart to
# compare with. Each checks the sandbox held (the program's exit status and its last
# line "done", no Sentry error on stderr, via hostile/lib.sh) and what it is about:
#
#   fork_bomb_tasks  tl_fork_bomb tasks under --pids-limit 256: only the sandbox's task
#                    limit stops the bomb, with EAGAIN. At its peak, the host processes
#                    in the Sentry's pid namespace (the Sentry, its template stub,
#                    the two stubs the ptrace platform keeps ready, and one stub per
#                    task) must number at most 256 + 4; after the sandbox
#                    ends, none may be left. (The default limit, SBX_MAX_TASKS = 4096,
#                    works the same way and takes minutes on 2 cores.)
#   oom_cow          tl_oom_cow under --memory 64m: copy-on-write copies beyond the
#                    limit end in an in-sandbox OOM kill (SIGKILL), logged on stderr.
#   bad_memory       bad --memory and --pids-limit values: exit 125 and one "sbx:"
#                    line each.
#   reserve          tl_reserve under --memory 64m: PROT_NONE reservations far past the
#                    limit succeed, commits within it are counted (ENOMEM past it),
#                    sysinfo and /proc/meminfo show the limit; reserve_cr: the same
#                    across a checkpoint and a restore in another --root.
#   kmem             tl_kmem kmem under --memory 64m: pipes filled by three processes,
#                    System V message queues, socket buffers, files made in /tmp,
#                    extended attributes, open descriptors and epoll entries stop with
#                    ENOMEM (ENOBUFS for sockets, ENOSPC or ENOMEM for files) below the limit
#                    (what the Sentry holds for them counts against it), and the room
#                    comes back once they are freed.
#   kmem_cr          tl_kmem cr under --memory 64m, checkpointed with 40 MiB in pipes
#                    and restored in another --root: the data is intact and the
#                    restored pipes still count against the limit.
#
# usage: limits.sh SBX TDDIR CASE
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../hostile/lib.sh"

(($# == 3)) || { echo "usage: limits.sh SBX TDDIR CASE" >&2; exit 2; }
sbx=$1 td=$2 case=$3
name=hostile/limits_$case
[[ -x $sbx ]] || { echo "FAIL $name: no sbx binary at $sbx" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbx-limits.XXXXXX")
run=
cleanup() {
	exec 3>&- 2>/dev/null || true
	if [[ -n $run ]] && kill -0 "$run" 2>/dev/null; then
		for k in $(hs_children "$run"); do kill -KILL "$k" 2>/dev/null; done
		kill -KILL "$run" 2>/dev/null
		wait "$run" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -c 0
fails=0
fail() {
	echo "FAIL $name: $*" >&2
	fails=$((fails + 1))
}

# ns_count NS: host processes whose pid namespace is NS (a readlink of ns/pid).
ns_count() {
	local n=0 p
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/ns/pid" 2>/dev/null) == "$1" ]] && n=$((n + 1))
	done
	echo $n
}

# run_64m PROGRAM [ARGS...]: PROGRAM under --memory 64m, its output in $tmp/out and
# $tmp/err, checked to end in "done" with no Sentry error.
run_64m() {
	local prog=$1 rc
	shift
	set +e
	timeout -k 5 120 "$sbx" run --memory 64m "$td/$prog" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	hs_check_run "$name" "$rc" "$tmp/out" "$tmp/err" done strict || fails=$((fails + 1))
}

# cr_round ID PROGRAM: PROGRAM cr under --memory 64m, checkpointed at its ready mark
# and restored in another --root, then signalled to go on; its output (both halves)
# in $tmp/out, checked to end in "done" with no Sentry error.
cr_round() {
	local id=$1 prog=$2 rc
	set +e
	"$sbx" --root "$tmp/r1" run -d --name "$id" --memory 64m "$td/$prog" cr </dev/null \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	while ((rc == 0)) && ! grep -qx ready "$tmp/out"; do
		"$sbx" --root "$tmp/r1" list | grep -q ' running ' || break
		sleep 0.1
	done
	timeout -k 5 120 "$sbx" --root "$tmp/r1" checkpoint --image "$tmp/img" "$id" 2>>"$tmp/err" &&
		timeout -k 5 120 "$sbx" --root "$tmp/r2" restore -d --name "$id" --image "$tmp/img" \
			</dev/null >"$tmp/out2" 2>"$tmp/err2" &&
		"$sbx" --root "$tmp/r2" kill "$id" USR1 2>>"$tmp/err2"
	timeout -k 5 120 "$sbx" --root "$tmp/r2" wait "$id" >"$tmp/status" 2>>"$tmp/err2"
	set -e
	cat "$tmp/out2" >>"$tmp/out"
	cat "$tmp/err2" >>"$tmp/err"
	hs_check_run "$name" "$(cat "$tmp/status" 2>/dev/null || echo 1)" "$tmp/out" "$tmp/err" \
		done strict || fails=$((fails + 1))
	"$sbx" --root "$tmp/r1" delete "$id" >/dev/null 2>&1 || true
	"$sbx" --root "$tmp/r2" delete "$id" >/dev/null 2>&1 || true
}

case $case in
fork_bomb_tasks)
	max_tasks=256
	mkfifo "$tmp/in"
	"$sbx" run --pids-limit $max_tasks "$td/tl_fork_bomb" tasks <"$tmp/in" >"$tmp/out" \
		2>"$tmp/err" &
	run=$!
	exec 3>"$tmp/in"
	# Waits (not timed assertions: ctest's TIMEOUT bounds the case) for the peak.
	while ! grep -q '^holding' "$tmp/out" && kill -0 "$run" 2>/dev/null; do
		sleep 0.5
	done
	if hs_find_chain "$run" 10; then
		ns=$(readlink /proc/"$SENTRY"/ns/pid)
		n=$(ns_count "$ns")
		echo "at the peak: $n host processes in the Sentry's pid namespace $ns"
		((n <= max_tasks + 4)) || fail "$n host processes in the sandbox, more than $max_tasks tasks + 4"
		((n >= max_tasks)) || fail "only $n host processes at the peak of $max_tasks tasks"
	else
		ns=
		fail "the sandbox's processes were not found at the peak"
	fi
	echo go >&3
	exec 3>&-
	rc=0
	hs_wait_timeout "$run" 240 || rc=$?
	run=
	hs_check_run "$name" "$rc" "$tmp/out" "$tmp/err" done strict || fails=$((fails + 1))
	grep -qx "processes at the peak: $max_tasks" "$tmp/out" ||
		fail "the peak was not $max_tasks tasks: $(grep peak "$tmp/out" || true)"
	grep -qx 'forks refused with EAGAIN: yes' "$tmp/out" || fail "no fork got EAGAIN"
	grep -qx 'forks refused otherwise: 0' "$tmp/out" || fail "a fork failed with another errno"
	if [[ -n $ns ]]; then
		left=$(ns_count "$ns")
		((left == 0)) || fail "$left processes of the sandbox outlived it"
	fi
	cat "$tmp/out"
	;;
oom_cow)
	run_64m tl_oom_cow
	kills=$(grep -c '^sbx: out of memory (sandbox limit 64 MiB): killed process' "$tmp/err" || true)
	((kills == 3)) || fail "$kills OOM kill lines on stderr, want 3"
	cat "$tmp/out" "$tmp/err"
	;;
bad_memory)
	for arg in "--memory garbage" "--memory 64x" "--memory -1" "--memory 1m" "--memory 0" \
		   "--memory=" "--memory 2000g" "--memory 18446744073709551616k" \
		   "--pids-limit 0" "--pids-limit -3" "--pids-limit 4097" "--pids-limit 10x" \
		   "--pids-limit="; do
		set +e
		# shellcheck disable=SC2086 # the option and its value, split on purpose
		timeout -k 5 30 "$sbx" run $arg /bin/true </dev/null >"$tmp/out" 2>"$tmp/err"
		rc=$?
		set -e
		lines=$(grep -c '' "$tmp/err" || true)
		echo "$arg: exit $rc: $(cat "$tmp/err")"
		((rc == 125)) || fail "$arg: exit $rc, want 125"
		((lines == 1)) && grep -q '^sbx: ' "$tmp/err" ||
			fail "$arg: want one 'sbx:' line on stderr"
	done
	for arg in 16m 64M 1g 65536k 67108864; do
		set +e
		timeout -k 5 30 "$sbx" run --memory "$arg" /bin/true </dev/null >"$tmp/out" 2>"$tmp/err"
		rc=$?
		set -e
		((rc == 0)) || fail "--memory '$arg': exit $rc, want 0: $(cat "$tmp/err")"
	done
	;;
kmem)
	run_64m tl_kmem kmem
	for what in "pipes of three processes" "once they are gone" "message queues"; do
		grep -q "^$what: [0-9]* MiB, in range, stopped by ENOMEM\$" "$tmp/out" ||
			fail "$what: $(grep "^$what" "$tmp/out" || echo no line)"
	done
	grep -qx 'after its removal: pipes in range' "$tmp/out" ||
		fail "the queues' memory did not come back"
	grep -q '^socket buffers: [0-9]* MiB, in range, stopped by ENOBUFS$' "$tmp/out" ||
		fail "sockets: $(grep '^socket buffers' "$tmp/out" || echo no line)"
	grep -qx 'once the sockets are closed: pipes in range' "$tmp/out" ||
		fail "the sockets' memory did not come back"
	# The last file's inode (ENOSPC, as shmem_get_inode says) or its open file
	# description (ENOMEM, as alloc_empty_file under a memory cgroup) takes the last
	# bytes, whichever the limit's remainder leaves too little for.
	grep -qxE 'empty files: many, stopped by (ENOSPC|ENOMEM)' "$tmp/out" ||
		fail "files in /tmp: $(grep '^empty files' "$tmp/out" || echo no line)"
	grep -q '^64 KiB attributes: [0-9]* MiB, in range, stopped by ENOMEM$' "$tmp/out" ||
		fail "attributes: $(grep '^64 KiB' "$tmp/out" || echo no line)"
	grep -qx 'once the files are gone: pipes in range' "$tmp/out" ||
		fail "the files' memory did not come back"
	grep -qx 'descriptors: many, stopped by ENOMEM' "$tmp/out" ||
		fail "descriptors: $(grep '^descriptors' "$tmp/out" || echo no line)"
	grep -qx 'once they are closed: pipes in range' "$tmp/out" ||
		fail "the descriptors' memory did not come back"
	grep -qx 'epoll entries: many, stopped by ENOMEM' "$tmp/out" ||
		fail "epoll: $(grep '^epoll' "$tmp/out" || echo no line)"
	cat "$tmp/out"
	;;
kmem_cr)
	cr_round kmem tl_kmem
	grep -qx 'before: 40 MiB in pipes' "$tmp/out" || fail "40 MiB did not fit before the checkpoint"
	grep -qx "after: the pipes' data intact" "$tmp/out" || fail "the pipes' data changed"
	grep -q '^after: [0-9]* more MiB, in range, stopped by ENOMEM$' "$tmp/out" ||
		fail "after the restore: $(grep '^after: [0-9]' "$tmp/out" || echo no line)"
	cat "$tmp/out"
	;;
reserve)
	run_64m tl_reserve
	cat "$tmp/out"
	;;
reserve_cr)
	cr_round rsv tl_reserve
	cat "$tmp/out"
	;;
*)
	echo "limits.sh: unknown case $case" >&2
	exit 2
	;;
esac
((fails == 0)) || exit 1
echo "PASS $name"
