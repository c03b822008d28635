#!/usr/bin/env bash
# case.sh: one checkpoint/restore case. Runs PROGRAM natively (the reference) and then,
# for each compression, under sbx:
#   1. `sbx run -d` with stdout to a file; wait for the ready mark (a line "ready...")
#   2. wait DELAY seconds more (so a computing program is mid-loop), then
#      `sbx checkpoint --image IMG --compress C [--leave-running]`: it must succeed, leave
#      the image and no ".tmp." file; without --leave-running the original must show as
#      stopped (checkpointed) in `sbx list` and its Sentry must be gone, with it the
#      original must still be running
#   3. `sbx restore -d --image IMG` into a different --root (another host) or the same
#      one, with the restore stdin; with --twice, two restores of the one image; each
#      must be listed with the original's command
#   4. with --signal, `sbx kill ID USR1` to each copy (the original too when it was left
#      running); `sbx wait` each
#   5. compare: the original's output before the checkpoint followed by the restored
#      copy's must be byte-identical to the native output, and every exit status equal
#      to the native one (a copy left running must produce the whole native output).
#
# usage: case.sh --sbx SBX --name NAME [options] -- PROGRAM [ARGS...]
#   --comps "C..."       compressions to cycle (default "zstd lz4 none")
#   --restore-root R     other | same | alternate (default: alternate, starting with other)
#   --signal             the program waits for SIGUSR1 after its ready mark
#   --delay SECS         between the ready mark and the checkpoint (default 0.2)
#   --gap SECS           between the checkpoint and the restore (default 0)
#   --stdin-block        the sandbox's stdin is a FIFO that nobody writes (a read blocks);
#                        needs --restore-stdin
#   --restore-stdin CMD  the restored copy's (and the native run's) stdin is CMD's output
#                        through a pipe (default: /dev/null)
#   --leave-running      checkpoint with --leave-running
#   --twice              restore the image twice; the two must be independent
#   --sleep-ms MS        the program sleeps MS in total from its ready mark: check the
#                        restored copy took about the remaining time, not all of it again
#                        and not none of it
#   --timeout SECS       per run (default 60)
#   --run-flags "F..."   extra flags for `sbx run` (e.g. "--memory 64m"); the restore
#                        gets none: what they set must come back from the image
#   --restore-flags "F"  more options for sbx restore (e.g. --lazy)
#   --warm               restore into a sandbox made beforehand with `sbx create`
#                        (`sbx restore --into ID`: a warm pool's spare) instead of a new one
#   --check CMD          a shell command whose output after each restored copy finished
#                        must equal its output after the native run (what a program left
#                        on the host, e.g. a volume file's checksum)
# Environment: CR_KEEP=1 keeps the temporary directory.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"

SBX= NAME= comps="zstd lz4 none" rroot=alternate signal=0 delay=0.2 gap=0 stdin_block=0
restore_stdin= leave=0 twice=0 sleep_ms= timeout_s=60 run_flags= rflags=() warm=0 check=
while (($#)); do
	case $1 in
	--sbx) SBX=$2; shift 2 ;;
	--name) NAME=$2; shift 2 ;;
	--comps) comps=$2; shift 2 ;;
	--restore-root) rroot=$2; shift 2 ;;
	--signal) signal=1; shift ;;
	--delay) delay=$2; shift 2 ;;
	--gap) gap=$2; shift 2 ;;
	--stdin-block) stdin_block=1; shift ;;
	--restore-stdin) restore_stdin=$2; shift 2 ;;
	--leave-running) leave=1; shift ;;
	--twice) twice=1; shift ;;
	--sleep-ms) sleep_ms=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--run-flags) run_flags=$2; shift 2 ;;
	--restore-flags) read -ra rflags <<<"$2"; shift 2 ;;
	--warm) warm=1; shift ;;
	--check) check=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "case.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
(($#)) || { echo "usage: case.sh --sbx SBX --name NAME [options] -- PROGRAM [ARGS...]" >&2; exit 2; }
NAME=${NAME:-$(basename "$1")}
cr_init
CR_SBX_TIMEOUT=$timeout_s

native_in=/dev/null
[[ -n $restore_stdin ]] && native_in="|$restore_stdin"

# The reference.
mkdir -p "$CR_TMP/native"
cr_native "$CR_TMP/native" "$signal" 0 "$timeout_s" "$native_in" -- "$@"
nrc=$(cat "$CR_TMP/native/native.rc")
if [[ $nrc == timeout ]]; then
	cr_fail "native run timed out after ${timeout_s}s"
	cr_show "native stdout" "$CR_TMP/native/native.out"
	exit 1
fi
native=$CR_TMP/native/native.out
[[ -n $check ]] && bash -c "$check" >"$CR_TMP/native/check" 2>&1
if ! grep -q '^ready' "$native"; then
	cr_fail "the native run printed no ready mark"
	exit 1
fi

# sbx_wait ROOT ID OUTFILE: `sbx wait` (cr_wait_status), its exit status to OUTFILE.rc
# and what it printed to OUTFILE.
sbx_wait() {
	cr_wait_status "$1" "$2" >"$3" 2>"$3.err"
	echo $? >"$3.rc"
}

n=0
for comp in $comps; do
	n=$((n + 1))
	d=$CR_TMP/$n-$comp
	mkdir -p "$d"
	label="$NAME [$comp]"
	cr_newroot
	r1=$CR_ROOT
	case $rroot in
	other) cr_newroot; r2=$CR_ROOT ;;
	same) r2=$r1 ;;
	alternate) if ((n % 2)); then cr_newroot; r2=$CR_ROOT; else r2=$r1; fi ;;
	esac
	where=$([[ $r2 == "$r1" ]] && echo "same root" || echo "other root")
	id=cr-$comp
	img=$d/image.sbximg
	fails0=$CR_FAILS

	# 1. run -d
	if ((stdin_block)); then
		mkfifo "$d/fifo"
		exec 7<>"$d/fifo"	# held open, never written: reads block
		in=$d/fifo
	else
		in=/dev/null
	fi
	(
		cr_clean_fds
		cd /
		exec "${CR_ENV[@]}" "$SBX" --root "$r1" run -d --name "$id" $run_flags -- "$@" \
			<"$in" >"$d/orig.out" 2>"$d/orig.err"
	)
	rc=$?
	if ((rc != 0)); then
		cr_fail "$label: sbx run -d exited $rc"
		cr_show "sbx stderr" "$d/orig.err"
		continue
	fi
	if ! cr_wait_mark "$d/orig.out" "$timeout_s"; then
		cr_fail "$label: no ready mark from the sandbox within ${timeout_s}s"
		cr_show "sandbox stdout" "$d/orig.out"
		cr_show "sandbox stderr" "$d/orig.err"
		continue
	fi
	t_ready=$(cr_ms)
	pid1=$(cr_field "$r1" "$id" pid)
	sleep "$(awk -v d="$delay" -v t="$(($(cr_ms) - t_ready))" \
		'BEGIN { d -= t / 1000; if (d < 0) d = 0; printf "%.3f", d }')"

	# 2. checkpoint
	ckflags=(--image "$img" --compress "$comp")
	((leave)) && ckflags+=(--leave-running)
	t_ck0=$(cr_ms)
	cr_sbx "$r1" checkpoint "${ckflags[@]}" "$id" >"$d/ck.out" 2>"$d/ck.err"
	rc=$?
	t_ck1=$(cr_ms)
	((stdin_block)) && exec 7>&-
	if ((rc != 0)); then
		st="$(cr_field "$r1" "$id" status) ($(cr_field "$r1" "$id" reason))"
		cr_fail "$label: sbx checkpoint --compress $comp exited $rc; the sandbox is $st"
		cr_show "checkpoint stderr" "$d/ck.err"
		cr_show "sandbox stderr" "$d/orig.err"
		continue
	fi
	[[ -s $img ]] || cr_fail "$label: no image at $img after a successful checkpoint"
	ls "$d" | grep -q '\.tmp\.' && cr_fail "$label: a .tmp. file was left: $(ls "$d")"
	size=$(stat -c %s "$img" 2>/dev/null || echo 0)
	orig_cmd=$(cr_field "$r1" "$id" command)
	st=$(cr_field "$r1" "$id" status)
	reason=$(cr_field "$r1" "$id" reason)
	if ((leave)); then
		# A program that does not wait for a signal may have finished already.
		[[ $st == running || ($st == stopped && -z $reason) ]] ||
			cr_fail "$label: after --leave-running the original is '$st' ($reason), not running"
	else
		[[ $st == stopped && $reason == checkpointed ]] ||
			cr_fail "$label: after checkpoint the original is '$st' ($reason), not stopped (checkpointed)"
		[[ -n $pid1 ]] && ! cr_wait_gone "$pid1" 10 &&
			cr_fail "$label: the original's process $pid1 is still alive after checkpoint"
	fi
	sleep "$gap"

	# 3. restore (twice with --twice)
	copies=(r)
	((twice)) && copies=(a b)
	for c in "${copies[@]}"; do
		rid=$id-$c
		target=(--name "$rid")
		if ((warm)); then
			target=(--into "$rid")
			(cr_clean_fds; cd /; exec "$SBX" --root "$r2" create --name "$rid" \
				</dev/null >"$d/$c.create.out" 2>"$d/$c.create.err") ||
				{ cr_fail "$label: sbx create $rid failed"; cr_show "create stderr" "$d/$c.create.err"; }
			st=$(cr_field "$r2" "$rid" status)
			[[ $st == created ]] || cr_fail "$label: a created sandbox is '$st', not 'created'"
		fi
		(
			cr_clean_fds
			cd /
			if [[ -n $restore_stdin ]]; then
				eval "$restore_stdin" | exec "$SBX" --root "$r2" restore -d "${rflags[@]}" \
					--image "$img" "${target[@]}" >"$d/$c.out" 2>"$d/$c.err"
			else
				exec "$SBX" --root "$r2" restore -d "${rflags[@]}" --image "$img" \
					"${target[@]}" </dev/null >"$d/$c.out" 2>"$d/$c.err"
			fi
		)
		rc=$?
		eval "t_rs_$c=$(cr_ms)"
		if ((rc != 0)); then
			cr_fail "$label: sbx restore -d ($where) exited $rc"
			cr_show "restore stderr" "$d/$c.err"
		fi
		# sbx list shows the command the image's sandbox was started with.
		cmd=$(cr_field "$r2" "$rid" command)
		[[ $rc != 0 || $cmd == "$orig_cmd" ]] ||
			cr_fail "$label: sbx list shows the restored copy's command as '$cmd', not '$orig_cmd'"
	done

	# 4. signal and wait
	if ((twice)); then
		# Independence: b waits while a is signalled and finishes.
		((signal)) && cr_sbx "$r2" kill "$id-a" USR1
		sbx_wait "$r2" "$id-a" "$d/a.wait"
		if ((signal)); then
			st=$(cr_field "$r2" "$id-b" status)
			[[ $st == running ]] ||
				cr_fail "$label: the second restored copy is '$st' after the first finished"
			[[ -s $d/b.out ]] &&
				cr_fail "$label: the second copy printed before it was signalled"
			cr_sbx "$r2" kill "$id-b" USR1
		fi
		sbx_wait "$r2" "$id-b" "$d/b.wait"
	else
		if ((signal)); then
			cr_sbx "$r2" kill "$id-r" USR1 || cr_fail "$label: sbx kill of the restored copy failed"
			((leave)) && { cr_sbx "$r1" kill "$id" USR1 ||
				cr_fail "$label: sbx kill of the original failed"; }
		fi
		sbx_wait "$r2" "$id-r" "$d/r.wait"
		t_done=$(cr_ms)
		((leave)) && sbx_wait "$r1" "$id" "$d/orig.wait"
	fi

	# 5. compare
	if [[ -n $check ]]; then
		bash -c "$check" >"$d/check" 2>&1
		if ! cmp -s "$CR_TMP/native/check" "$d/check"; then
			cr_fail "$label: '$check' differs from its output after the native run"
			diff -u --label native --label sbx "$CR_TMP/native/check" "$d/check" |
				head -n 20 | sed 's/^/  /' >&2
		fi
	fi
	for c in "${copies[@]}"; do
		wrc=$(cat "$d/$c.wait.rc")
		if [[ $wrc != "$nrc" ]]; then
			cr_fail "$label: restored copy $c exited $wrc, native $nrc"
			cr_show "sbx wait stderr" "$d/$c.wait.err"
		fi
		if ((leave)); then
			if ! cr_ends_with "$native" "$d/$c.out" || [[ ! -s $d/$c.out ]]; then
				cr_fail "$label: the restored copy $c's output is not a tail of the native output"
				diff -u --label native --label "restored $c" "$native" "$d/$c.out" |
					head -n 40 | sed 's/^/  /' >&2
			fi
		elif ! cmp -s "$native" <(cat "$d/orig.out" "$d/$c.out"); then
			cr_fail "$label: output before the checkpoint + after the restore differs from native"
			diff -u --label native --label "sbx (original + restored $c)" "$native" \
				<(cat "$d/orig.out" "$d/$c.out") | head -n 40 | sed 's/^/  /' >&2
		fi
		[[ $CR_FAILS != "$fails0" ]] && cr_show "restored $c stderr" "$d/$c.err"
	done
	if ((leave)); then
		wrc=$(cat "$d/orig.wait.rc")
		[[ $wrc == "$nrc" ]] || cr_fail "$label: the original (left running) exited $wrc, native $nrc"
		if ! cmp -s "$native" "$d/orig.out"; then
			cr_fail "$label: the original (left running) printed something else than native"
			diff -u --label native --label "sbx original" "$native" "$d/orig.out" |
				head -n 40 | sed 's/^/  /' >&2
		fi
	fi
	if [[ -n $sleep_ms && ${t_done:-} ]]; then
		# The sleep began at most 50 ms before the mark was seen; it was interrupted
		# between t_ck0 and t_ck1, so this much of it remained.
		rem_min=$((sleep_ms - (t_ck1 - t_ready) - 50))
		rem_max=$((sleep_ms - (t_ck0 - t_ready)))
		took=$((t_done - t_rs_r))
		echo "  $label: sleep of $sleep_ms ms had $rem_min..$rem_max ms left; the restored copy ran $took ms after its restore returned"
		# Wide margins: the check tells the remaining time from none of it and from
		# all of it again (the cases leave seconds between those), not the exact
		# time, which a loaded machine stretches both ways (the restore command may
		# return well after the restored sleep resumed, or start it late).
		((took >= rem_min - 1000)) ||
			cr_fail "$label: the restored sleep ended after $took ms; $rem_min..$rem_max ms were left"
		((took <= rem_max + 2500)) ||
			cr_fail "$label: the restored sleep took $took ms; only $rem_min..$rem_max ms were left"
	fi
	if [[ $CR_FAILS == "$fails0" ]]; then
		echo "PASS $label: image $size bytes, checkpoint $((t_ck1 - t_ck0)) ms, restored in the $where"
	else
		cr_show "original stderr" "$d/orig.err"
		cr_show "checkpoint stderr" "$d/ck.err"
	fi
	for r in "$r1" "$r2"; do
		for x in $(cr_ids "$r"); do
			cr_sbx "$r" delete "$x" >/dev/null 2>&1
		done
	done
	rm -f "$img"
done

((CR_FAILS == 0)) || exit 1
echo "PASS $NAME"
