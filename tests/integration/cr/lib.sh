# lib.sh: shared by case.sh, property.sh and badinput.sh (sourced, not run). Private
# sandbox roots with cleanup, sbx commands under a timeout, waiting for a program's
# ready mark, sandbox status from `sbx list --json`, and the native reference run (pid 1
# of its own pid namespace, signalled from outside as the harness signals a sandbox).
#
# The sourcing script sets SBX (the binary) and NAME (for messages) and calls cr_init.

# cr_init: makes CR_TMP (removed on exit, with every root made by cr_newroot: each
# sandbox left in one is deleted first) and sets a few defaults.
cr_init() {
	CR_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sbx-cr.XXXXXX")
	CR_ROOTS=()
	CR_NATIVE_PIDS=()
	CR_FAILS=0
	trap cr_cleanup EXIT
	ulimit -c 0
	[[ -x $SBX ]] || { echo "FAIL $NAME: sbx binary '$SBX' not found" >&2; exit 1; }
}

cr_cleanup() {
	local r id p
	for p in "${CR_NATIVE_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for r in "${CR_ROOTS[@]}"; do
		[[ -d $r ]] || continue
		for id in $(cr_ids "$r"); do
			timeout -k 2 20 "$SBX" --root "$r" delete "$id" >/dev/null 2>&1
		done
		rm -rf "$r"
	done
	if [[ ${CR_KEEP:-0} == 1 ]]; then
		echo "$NAME: keeping $CR_TMP" >&2
	else
		rm -rf "$CR_TMP"
	fi
}

# cr_newroot: prints a new private --root directory, removed by cr_cleanup. Call it
# without a subshell (it appends to CR_ROOTS): cr_newroot; r=$CR_ROOT.
cr_newroot() {
	CR_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sbx-cr-root.XXXXXX")
	CR_ROOTS+=("$CR_ROOT")
}

# cr_ids ROOT: the ids of every sandbox in ROOT.
cr_ids() {
	timeout -k 2 20 "$SBX" --root "$1" list --json 2>/dev/null |
		grep -o '"id":"[^"]*"' | sed 's/"id":"\(.*\)"/\1/'
}

# cr_field ROOT ID FIELD: a field of ID's entry in `sbx list --json` (string or number),
# empty if there is no such sandbox.
cr_field() {
	timeout -k 2 20 "$SBX" --root "$1" list --json 2>/dev/null |
		tr '{' '\n' | grep "\"id\":\"$2\"" |
		sed -n "s/.*\"$3\":\(\"[^\"]*\"\|-\?[0-9]*\).*/\1/p" | tr -d '"'
}

# cr_sbx ROOT ARGS...: sbx under a timeout (CR_SBX_TIMEOUT, default 60 s).
cr_sbx() {
	local r=$1
	shift
	timeout -k 5 "${CR_SBX_TIMEOUT:-60}" "$SBX" --root "$r" "$@"
}

# cr_fail MESSAGE: records a failure (the case goes on, to report everything).
cr_fail() {
	echo "FAIL $NAME: $*" >&2
	CR_FAILS=$((CR_FAILS + 1))
}

# cr_show LABEL FILE: shows the end of FILE, indented, if it is not empty.
cr_show() {
	[[ -s $2 ]] || return 0
	echo "  --- $1 (last 15 lines) ---" >&2
	tail -n 15 "$2" | sed 's/^/  /' >&2
}

# cr_wait_mark FILE SECS [PATTERN]: waits until a line of FILE matches PATTERN (default
# ^ready); returns 1 after SECS seconds.
cr_wait_mark() {
	local f=$1 deadline=$((SECONDS + $2)) pat=${3:-^ready}
	until grep -q -- "$pat" "$f" 2>/dev/null; do
		((SECONDS >= deadline)) && return 1
		sleep 0.02
	done
}

# cr_wait_gone PID SECS: waits until host process PID is gone; 1 if it is not.
cr_wait_gone() {
	local deadline=$((SECONDS + $2)) st
	while kill -0 "$1" 2>/dev/null; do
		# A zombie has exited: whoever reaps it (the host's init, for a Sentry
		# whose monitor is gone) may take its time.
		st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
		[[ $st == Z ]] && return 0
		((SECONDS >= deadline)) && return 1
		sleep 0.05
	done
}

# cr_ms: milliseconds of the monotonic-ish wall clock.
cr_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# cr_clean_fds: closes every fd above 2 of the calling (sub)shell, so a program starts
# with exactly 0, 1 and 2 as a sandboxed one does.
cr_clean_fds() {
	local fd
	for fd in $(ls /proc/$BASHPID/fd); do
		((fd > 2)) && eval "exec $fd>&-"
	done
}

# The fixed environment of every run, native or sandboxed.
CR_ENV=(env -i PATH=/usr/bin:/bin HOME=/ LANG=C)

# cr_native OUTDIR SIGNAL DELAY TIMEOUT STDIN -- PROG ARGS...: the reference run, as pid
# 1 of a new pid namespace, stdout to OUTDIR/native.out, stderr to native.err, stdin
# from STDIN (a file or a command's output when it starts with "|"). If SIGNAL is 1,
# waits for the ready mark, DELAY seconds more, and sends SIGUSR1 from outside to the
# program (the child of unshare). Writes the exit status to OUTDIR/native.rc
# ("timeout" if it ran out of time).
cr_native() {
	local dir=$1 sig=$2 delay=$3 t=$4 in=$5 pid kid rc deadline
	shift 6
	: >"$dir/native.out"
	# As the sandbox runs a program (../native_env.sh), keeping the source and build
	# trees reachable; CR_ENV comes after it (a shell would add PWD to it).
	local lib_dir
	lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	mkdir -p -m 1777 "$dir/native-tmp"
	local CR_NATIVE=("$lib_dir/../native_env.sh" "$dir/native-tmp"
		"$(cd "$lib_dir/../../.." && pwd):$(cd "$(dirname "$SBX")" && pwd)" --)
	(
		cr_clean_fds
		cd /
		if [[ $in == "|"* ]]; then
			eval "${in#|}" | exec "${CR_NATIVE[@]}" "${CR_ENV[@]}" "$@" \
				>"$dir/native.out" 2>"$dir/native.err"
		else
			exec "${CR_NATIVE[@]}" "${CR_ENV[@]}" "$@" <"$in" \
				>"$dir/native.out" 2>"$dir/native.err"
		fi
	) &
	pid=$!
	CR_NATIVE_PIDS+=("$pid")
	deadline=$((SECONDS + t))
	if [[ $sig == 1 ]]; then
		if ! cr_wait_mark "$dir/native.out" "$t"; then
			echo timeout >"$dir/native.rc"
			kill -KILL "$pid" 2>/dev/null
			pkill -KILL -P "$pid" 2>/dev/null
			return 0
		fi
		sleep "$delay"
		# unshare's child is the program (through the pipeline's subshell, if any).
		kid=$(pgrep -P "$(pgrep -n -P "$pid" -x unshare || echo "$pid")" | head -n1)
		[[ -n $kid ]] && kill -USR1 "$kid"
	fi
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			echo timeout >"$dir/native.rc"
			pkill -KILL -P "$pid" 2>/dev/null
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 0
		fi
		sleep 0.02
	done
	wait "$pid"
	rc=$?
	echo "$rc" >"$dir/native.rc"
}

# cr_ends_with FILE SUFFIXFILE: true if FILE ends with SUFFIXFILE's bytes.
cr_ends_with() {
	local n
	n=$(stat -c %s "$2")
	(($(stat -c %s "$1") >= n)) && cmp -s <(tail -c "$n" "$1") "$2"
}

# cr_wait_status ROOT ID: `sbx wait ID`, printing and returning its status. sbx wait
# can report "the sentry died" (125) for a Sentry that exited normally, when it looks
# between the Sentry's exit and the monitor recording the status (cr/wait_status shows
# that bug on its own). So that every C/R case does not inherit it, a 125 with that
# message is checked again in `sbx list` half a second later: a real exit status there
# wins (with a note on stderr); a Sentry that really died still fails.
cr_wait_status() {
	local out rc st
	out=$(cr_sbx "$1" wait "$2" 2>"$CR_TMP/wait.err")
	rc=$?
	if ((rc == 125)) && grep -q 'the sentry died' "$CR_TMP/wait.err"; then
		sleep 0.5
		st=$(cr_field "$1" "$2" exit_status)
		if [[ $st =~ ^[0-9]+$ ]]; then
			echo "note: sbx wait $2 said 'the sentry died'; sbx list then showed exit $st" >&2
			echo "$st"
			return "$st"
		fi
	fi
	cat "$CR_TMP/wait.err" >&2
	[[ -n $out ]] && echo "$out"
	return "$rc"
}
