# lib.sh: shared by run.sh and jail.sh (sourced, not run). Finding a sandbox's host
# processes from outside, starting a long-running sandbox in the background, and the
# checks every hostile case makes on a finished run.
#
# A sandbox's host processes form a chain of children:
#   sbx run  ->  Sentry (sbx boot, pid 1 of its own pid namespace), beside its gofers
#            ->  template stub (stopped)  ->  address-space stub (traced by a Sentry thread,
#                                               or holding a sysmsg slot)

# Prints the host pids of @1's children (all threads), space-separated.
hs_children() {
	local f out=
	for f in /proc/"$1"/task/*/children; do
		[[ -r $f ]] && out+="$(<"$f") "
	done
	echo $out
}

# hs_traced_stub PID SENTRY: true if process PID runs the application: a thread of it
# is traced by a thread of SENTRY, or (the ptrace platform's sysmsg mode, where
# contexts run untraced) it maps a context's sysmsg slot.
hs_traced_stub() {
	local task tracer
	for task in /proc/"$1"/task/*; do
		tracer=$(awk '$1 == "TracerPid:" {print $2}' "$task"/status 2>/dev/null)
		[[ -n $tracer && $tracer != 0 && -d /proc/$2/task/$tracer ]] && return 0
	done
	grep -q 'memfd:sbx-sysmsg' /proc/"$1"/maps 2>/dev/null
}

# hs_find_chain RUNPID [SECS]: sets SENTRY, TEMPLATE and STUB (host pids: STUB runs the
# application) once the whole chain exists; returns 1 if it did not appear within SECS
# (default 10) seconds.
hs_find_chain() {
	local run=$1 deadline=$((SECONDS + ${2:-10})) kids k
	SENTRY= TEMPLATE= STUB=
	while ((SECONDS < deadline)); do
		kids=($(hs_children "$run"))
		SENTRY=
		for k in "${kids[@]}"; do
			[[ "$(tr '\0' ' ' < /proc/"$k"/cmdline 2>/dev/null)" == "sbx boot "* ]] &&
				SENTRY=$k
		done
		if [[ -n $SENTRY ]]; then
			kids=($(hs_children "$SENTRY"))
			TEMPLATE=${kids[0]:-}
		fi
		if [[ -n $TEMPLATE ]]; then
			# The application's stub: the one with a thread a Sentry thread traces
			# (the others wait in the platform's pool, untraced).
			STUB=
			for k in $(hs_children "$TEMPLATE"); do
				hs_traced_stub "$k" "$SENTRY" && STUB=$k && break
			done
		fi
		[[ -n $STUB ]] && return 0
		kill -0 "$run" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# hs_status_field PID FIELD: the value of FIELD in /proc/PID/status.
hs_status_field() {
	awk -v f="$2:" '$1 == f { print $2; exit }' /proc/"$1"/status
}

# hs_start_spinner SBX OUTDIR: starts a sandbox running a busybox shell loop in the
# background; sets SPIN_RUN to its `sbx run` pid and SPIN_SENTRY/SPIN_TEMPLATE/SPIN_STUB.
# Its state directory is under OUTDIR: the sandbox is killed, never deleted, and must
# not stay behind in the host's /run/sbx.
hs_start_spinner() {
	local sbx=$1 dir=$2
	"$sbx" --root "$dir/sbx-root" run /bin/busybox sh -c 'while :; do :; done' \
		</dev/null >"$dir/spin.out" 2>"$dir/spin.err" &
	SPIN_RUN=$!
	if ! hs_find_chain "$SPIN_RUN" 10; then
		echo "FAIL: the spinning sandbox's Sentry/template/stub did not appear" >&2
		cat "$dir/spin.err" >&2
		return 1
	fi
	SPIN_SENTRY=$SENTRY SPIN_TEMPLATE=$TEMPLATE SPIN_STUB=$STUB
}

# hs_stop_spinner: kills the spinning sandbox's Sentry (its init ignores SIGTERM, and
# the stubs die with it) and reaps sbx run. Safe to call twice.
hs_stop_spinner() {
	[[ -n ${SPIN_RUN:-} ]] || return 0
	# Either may be gone already; a cleanup under set -e must not fail the test.
	[[ -n ${SPIN_SENTRY:-} ]] && kill -KILL "$SPIN_SENTRY" 2>/dev/null || true
	kill -KILL "$SPIN_RUN" 2>/dev/null || true
	wait "$SPIN_RUN" 2>/dev/null || true
	SPIN_RUN=
}

# hs_wait_timeout PID SECS: waits for background job PID; kills it after SECS.
# Returns its exit status, or 124 on timeout.
hs_wait_timeout() {
	local pid=$1 deadline=$((SECONDS + $2)) rc=0
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS >= deadline)); then
			local kid
			for kid in $(hs_children "$pid"); do kill -KILL "$kid" 2>/dev/null; done
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null || true
			return 124
		fi
		sleep 0.05
	done
	wait "$pid" || rc=$?
	return $rc
}

# The stderr lines that mean the Sentry broke: its own reports ("sbx: internal error",
# "sbx: BUG at ...") and any other line naming BUG as a word.
HS_BAD_STDERR='internal error|(^|[^A-Za-z])BUG([^A-Za-z]|$)'

# hs_check_run NAME RC OUT ERR LAST [STRICT_STDERR]: the checks on every finished
# hostile run: exit status 0, LAST as the final stdout line, and no Sentry error on
# stderr. STRICT_STDERR=loose only looks for "internal error" and "sbx: BUG" (for the
# fuzzer, whose garbage writes to fd 2 land there). Prints the failing attempts.
hs_check_run() {
	local name=$1 rc=$2 out=$3 err=$4 last=$5 pat=$HS_BAD_STDERR fail=0
	[[ ${6:-} == loose ]] && pat='internal error|sbx: BUG'
	if ((rc == 124)); then
		echo "FAIL $name: timed out (hang)" >&2
		fail=1
	elif ((rc != 0)); then
		echo "FAIL $name: exit status $rc (want 0)" >&2
		fail=1
	fi
	if [[ $(tail -n 1 "$out" 2>/dev/null) != "$last" ]]; then
		echo "FAIL $name: the last stdout line is not \"$last\"" >&2
		fail=1
	fi
	if grep -a -q -E "$pat" "$err"; then
		echo "FAIL $name: Sentry error on stderr:" >&2
		grep -a -E "$pat" "$err" | head -5 >&2
		fail=1
	fi
	if ((fail)); then
		echo "--- violations and the last stdout lines of $name:" >&2
		grep -a 'VIOLATION' "$out" | head -20 >&2 || true
		tail -n 5 "$out" >&2 || true
		echo "--- stderr (head):" >&2
		head -c 2000 "$err" | tr -c '[:print:]\n' '?' >&2 || true
		return 1
	fi
	return 0
}
