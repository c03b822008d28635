#!/usr/bin/env bash
# run.sh: runs one hostile program (testdata/hostile) under `sbx run` and checks that
# the sandbox held: the program's exit status is 0 (it counts its own violations), its
# last stdout line is "done" ("survived" for the fuzzer), and stderr has no Sentry
# error ("internal error", "BUG"). Every run has stdin from /dev/null (except
# signal_host's), stdout through a pipe (so fuzzed ftruncate/lseek on fd 1 cannot eat
# the report) and stderr to a file, and is under a timeout: a hang is a failure.
#
# usage: run.sh SBX TDDIR CASE [TIMEOUT]
#   CASE: host_paths kill_init ptrace_pids signal_host int80 vsyscall mmap_huge proc_sys
#         stub_page sysmsg_slot fuzz_seed<N>[_<CALLS>]
# Environment: SBX_HOSTILE_KEEP=1 keeps the temporary directory with the outputs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

if (($# < 3)); then
	echo "usage: run.sh SBX TDDIR CASE [TIMEOUT]" >&2
	exit 2
fi
sbx=$1 td=$2 case=$3 tmo=${4:-60}
[[ -x $sbx ]] || { echo "FAIL $case: no sbx binary at $sbx" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbx-hostile.XXXXXX")
cleanup() {
	hs_stop_spinner
	if [[ ${SBX_HOSTILE_KEEP:-0} == 1 ]]; then
		echo "run.sh: keeping $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
ulimit -c 0

# run_prog LAST [STDERR_MODE] -- PROG ARGS...: one sandboxed run and its checks.
run_prog() {
	local last=$1 mode=$2 rc
	shift 3
	set +e
	timeout -k 5 "$tmo" "$sbx" run "$@" </dev/null 2>"$tmp/err" | cat >"$tmp/out"
	rc=${PIPESTATUS[0]}
	set -e
	hs_check_run "hostile/$case" "$rc" "$tmp/out" "$tmp/err" "$last" "$mode"
}

prog() { echo "$td/hostile_$1"; }

case $case in
host_paths)
	# The sandbox's root is a directory holding only the program: no host path
	# outside it may be reached, whatever the program tries.
	mkdir -p "$tmp/root"
	cp "$(prog host_paths)" "$tmp/root/hostile_host_paths"
	run_prog done strict -- --rootfs "$tmp/root" -- /hostile_host_paths
	;;
kill_init | int80 | mmap_huge | stub_page | sysmsg_slot)
	run_prog done strict -- "$(prog "$case")"
	;;
ptrace_pids)
	# Pids 1..64, then the host pids of another, live sandbox and of this shell.
	hs_start_spinner "$sbx" "$tmp"
	run_prog done strict -- "$(prog ptrace_pids)" 64 "$SPIN_SENTRY" "$SPIN_TEMPLATE" \
		"$SPIN_STUB" "$SPIN_RUN" "$$"
	kill -0 "$SPIN_STUB" || { echo "FAIL hostile/$case: the other sandbox's stub died" >&2; exit 1; }
	;;
vsyscall)
	run_prog done strict -- "$(prog vsyscall)"
	# Record who served the vsyscall gettimeofday: with --strace the Sentry logs it.
	timeout -k 5 "$tmo" "$sbx" run --strace "$(prog vsyscall)" </dev/null \
		>"$tmp/out2" 2>"$tmp/err2" || true
	if grep -a -q '] gettimeofday(' "$tmp/err2"; then
		echo "hostile/$case: the vsyscall gettimeofday was served by the Sentry:"
		grep -a -m 1 '] gettimeofday(' "$tmp/err2"
	fi
	grep -a 'vsyscall' "$tmp/out"
	;;
proc_sys)
	host_before=$(uname -n)
	sys_before=$(cat /proc/sys/kernel/hostname)
	core_before=$(cat /proc/sys/kernel/core_pattern)
	run_prog done strict -- "$(prog proc_sys)"
	if [[ $(uname -n) != "$host_before" || $(cat /proc/sys/kernel/hostname) != "$sys_before" ||
	      $(cat /proc/sys/kernel/core_pattern) != "$core_before" ]]; then
		echo "FAIL hostile/$case: the host's hostname or core_pattern changed" >&2
		exit 1
	fi
	;;
signal_host)
	# Another live sandbox's processes are passed as arguments; this sandbox's own
	# Sentry, template and stub only exist once it runs: they go in through stdin, a
	# FIFO this shell writes once it has found them.
	hs_start_spinner "$sbx" "$tmp"
	mkfifo "$tmp/in"
	"$sbx" run "$(prog signal_host)" "other_sentry=$SPIN_SENTRY" \
		"other_template=$SPIN_TEMPLATE" "other_stub=$SPIN_STUB" "other_sbx_run=$SPIN_RUN" \
		"harness_shell=$$" <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
	run=$!
	exec 3>"$tmp/in"
	if ! hs_find_chain "$run" 10; then
		exec 3>&-
		hs_wait_timeout "$run" 5 || true
		echo "FAIL hostile/$case: could not find the sandbox's own processes" >&2
		cat "$tmp/err" >&2
		exit 1
	fi
	echo "own_sentry=$SENTRY own_template=$TEMPLATE own_stub=$STUB own_sbx_run=$run" >&3
	exec 3>&-
	rc=0
	hs_wait_timeout "$run" "$tmo" || rc=$?
	hs_check_run "hostile/$case" "$rc" "$tmp/out" "$tmp/err" done strict
	# Alive, not a zombie its parent has yet to reap (kill -0 would pass for one).
	for p in "$SPIN_SENTRY" "$SPIN_TEMPLATE" "$SPIN_STUB"; do
		state=$(hs_status_field "$p" State 2>/dev/null || true)
		if [[ -z $state || $state == Z || $state == X ]]; then
			echo "FAIL hostile/$case: the other sandbox's process $p died (state '$state')" >&2
			cat "$tmp/spin.err" >&2
			exit 1
		fi
	done
	state=$(hs_status_field "$SPIN_STUB" State)
	if [[ $state != R && $state != S && $state != t ]]; then
		echo "FAIL hostile/$case: the other sandbox's stub is in state $state" >&2
		exit 1
	fi
	;;
fuzz_seed*)
	spec=${case#fuzz_seed}
	seed=${spec%%_*}
	calls=8
	[[ $spec == *_* ]] && calls=${spec#*_}
	run_prog survived loose -- "$(prog fuzz)" "$seed" "$calls"
	grep -a -E '^[0-9]+ calls made' "$tmp/out" || true
	;;
*)
	echo "run.sh: unknown case $case" >&2
	exit 2
	;;
esac
echo "PASS hostile/$case"
