#!/usr/bin/env bash
# badinput.sh: checkpoint and restore given something they cannot use must fail
# cleanly: exactly one line on stderr, starting with "sbx: ", nothing on stdout, a
# non-zero exit status that is not 128+N (no crash), within the timeout. A failed
# checkpoint leaves no file under the image's name and no ".tmp." sibling, and the
# sandbox keeps running: it still makes progress and a later checkpoint of it succeeds
# (and restores). A failed restore leaves no running sandbox.
#
# usage: badinput.sh SBX TESTDATA_DIR CASE
#   CASE  ckpt_missing | ckpt_stopped | ckpt_missing_dir | ckpt_full_disk |
#         restore_missing | restore_missing_dir | restore_corrupt | restore_truncated |
#         restore_bitflip | restore_version | restore_empty | restore_lazy_truncated |
#         restore_lazy_bitflip (the last two with sbx restore --lazy)
# Exit status 77 (a skip) when the case needs something absent (mounting a tmpfs).
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"

SBX=$1 td=$2 case=$3
NAME=cr/bad_$case
cr_init
CR_SBX_TIMEOUT=${BADINPUT_TIMEOUT:-60}
cr_newroot
root=$CR_ROOT
d=$CR_TMP

# expect_clean_fail LABEL RC OUT ERR: the clean-failure rules for one command.
expect_clean_fail() {
	local label=$1 rc=$2 out=$3 err=$4 lines
	if ((rc == 0)); then
		cr_fail "$label: succeeded"
	elif ((rc == 124 || rc == 137)); then
		cr_fail "$label: timed out"
	elif ((rc > 128)); then
		cr_fail "$label: died with signal $((rc - 128))"
	fi
	lines=$(wc -l <"$err")
	if [[ $(tail -c1 "$err" | od -An -c | tr -d ' ') != '\n' && -s $err ]]; then
		cr_fail "$label: stderr does not end with a newline: '$(cat "$err")'"
	elif ((lines != 1)) || ! head -n1 "$err" | grep -q '^sbx: .'; then
		cr_fail "$label: stderr is not exactly one 'sbx: ...' line:"
		sed 's/^/  | /' "$err" >&2
	fi
	[[ -s $out ]] && cr_fail "$label: printed on stdout: $(head -c 200 "$out")"
	((CR_FAILS)) || echo "  $label: exit $rc: $(cat "$err")"
}

# start ID OUT PROG ARGS...: `sbx run -d` in $root with stdout to OUT.
start() {
	local id=$1 out=$2
	shift 2
	(
		cr_clean_fds
		cd /
		exec "${CR_ENV[@]}" "$SBX" --root "$root" run -d --name "$id" -- "$@" </dev/null \
			>"$out" 2>"$out.err"
	) || { cr_fail "sbx run -d $* failed: $(cat "$out.err")"; exit 1; }
	cr_wait_mark "$out" 60 || { cr_fail "no ready mark from $*"; exit 1; }
}

# try LABEL ARGS...: runs sbx ARGS (in $root) and checks a clean failure.
try() {
	local label=$1 rc
	shift
	cr_sbx "$root" "$@" </dev/null >"$d/try.out" 2>"$d/try.err"
	rc=$?
	expect_clean_fail "$label" "$rc" "$d/try.out" "$d/try.err"
}

# no_image PATH: nothing under PATH nor a PATH.tmp.* sibling.
no_image() {
	[[ -e $1 ]] && cr_fail "a file was left under the image name $1"
	compgen -G "$1.tmp.*" >/dev/null && cr_fail "a temporary file was left: $(compgen -G "$1.tmp.*")"
	compgen -G "$(dirname "$1")/*.tmp.*" >/dev/null &&
		cr_fail "a temporary file was left in $(dirname "$1"): $(compgen -G "$(dirname "$1")/*.tmp.*")"
	return 0
}

# still_alive ID OUT WHAT: after a failed checkpoint the sandbox is running, and a
# checkpoint of it (--leave-running) now succeeds. WHAT=progress: OUT must grow;
# WHAT=signal: the program (mem_pattern) then gets SIGUSR1 and must finish with "ok"
# and exit 0, and so must a copy restored from the good image.
still_alive() {
	local id=$1 out=$2 what=$3 st s0 img=$d/good.sbximg rc
	st=$(cr_field "$root" "$id" status)
	[[ $st == running ]] || { cr_fail "after the failed checkpoint the sandbox is '$st'"; return; }
	if [[ $what == progress ]]; then
		s0=$(stat -c %s "$out")
		sleep 1
		(($(stat -c %s "$out") > s0)) || cr_fail "the sandbox made no progress after the failed checkpoint"
	fi
	cr_sbx "$root" checkpoint --leave-running --compress lz4 --image "$img" "$id" \
		>/dev/null 2>"$d/good.err" ||
		{ cr_fail "a checkpoint after the failed one did not succeed: $(cat "$d/good.err")"; return; }
	[[ -s $img ]] || cr_fail "the later checkpoint left no image"
	if [[ $what == signal ]]; then
		cr_newroot
		(cr_clean_fds; exec "$SBX" --root "$CR_ROOT" restore -d --image "$img" --name copy \
			</dev/null >"$d/copy.out" 2>"$d/copy.err") ||
			cr_fail "restoring the later image failed: $(cat "$d/copy.err")"
		cr_sbx "$root" kill "$id" USR1
		cr_sbx "$CR_ROOT" kill copy USR1
		st=$(cr_wait_status "$root" "$id" 2>/dev/null)
		[[ $st == 0 && $(tail -n1 "$out") == ok ]] ||
			cr_fail "the sandbox did not finish well after the failed checkpoint (exit $st, last line '$(tail -n1 "$out")')"
		st=$(cr_wait_status "$CR_ROOT" copy 2>/dev/null)
		[[ $st == 0 && $(tail -n1 "$d/copy.out") == ok ]] ||
			cr_fail "the copy restored from the later image did not finish well (exit $st, last line '$(tail -n1 "$d/copy.out")')"
	fi
}

# good_image PATH COMP: checkpoints a small waiting program into PATH.
good_image() {
	start img-src "$d/src.out" "$td/td_cr_segv_handler"
	cr_sbx "$root" checkpoint --compress "$2" --image "$1" img-src >/dev/null 2>"$d/src.ck.err" ||
		{ cr_fail "cannot make a good image: $(cat "$d/src.ck.err")"; exit 1; }
}

# bytes SEED N: N reproducible pseudo-random bytes.
bytes() {
	openssl enc -aes-128-ctr -nosalt -pass "pass:$1" -pbkdf2 </dev/zero 2>/dev/null | head -c "$2"
}

# flip FILE OFFSET: inverts the low bit of the byte at OFFSET.
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# restore_fails LABEL IMAGE: restore of IMAGE fails cleanly and leaves nothing running.
# RFLAGS: more options for sbx restore.
n_restore=0
RFLAGS=()
restore_fails() {
	local id=bad-$n_restore st
	n_restore=$((n_restore + 1))
	try "$1" restore "${RFLAGS[@]}" --image "$2" --name "$id"
	st=$(cr_field "$root" "$id" status)
	[[ $st == running ]] && cr_fail "$1: a sandbox '$id' is running after the failed restore"
	# -d as well: the failure must come back to the caller, not only to a monitor.
	try "$1 (-d)" restore -d "${RFLAGS[@]}" --image "$2" --name "$id-d"
	st=$(cr_field "$root" "$id-d" status)
	[[ $st == running ]] && cr_fail "$1 (-d): a sandbox '$id-d' is running after the failed restore"
}

case $case in
ckpt_missing)
	try "checkpoint of a missing sandbox" checkpoint --image "$d/x.sbximg" no-such-sandbox
	no_image "$d/x.sbximg"
	;;
ckpt_stopped)
	start done "$d/done.out" "$td/td_cr_sleeper" 0
	cr_wait_status "$root" done >/dev/null 2>&1
	[[ $(cr_field "$root" done status) == stopped ]] || cr_fail "the sandbox did not stop"
	try "checkpoint of a stopped sandbox" checkpoint --image "$d/x.sbximg" done
	no_image "$d/x.sbximg"
	;;
ckpt_missing_dir)
	start prog "$d/prog.out" "$td/td_cr_compute" 100000 20
	try "checkpoint into a missing directory" checkpoint --image "$d/no/such/dir/x.sbximg" prog
	[[ -e $d/no ]] && cr_fail "the missing directory was created"
	still_alive prog "$d/prog.out" progress
	;;
ckpt_full_disk)
	mkdir "$d/small"
	if ! mount -t tmpfs -o size=1m tmpfs "$d/small" 2>"$d/mount.err"; then
		echo "SKIP $NAME: cannot mount a tmpfs: $(cat "$d/mount.err")"
		exit 77
	fi
	trap 'umount "$d/small" 2>/dev/null; cr_cleanup' EXIT
	start big "$d/big.out" "$td/td_cr_mem_pattern" 64
	for comp in none zstd; do
		try "checkpoint of 64 MB into a 1 MB tmpfs ($comp)" checkpoint --compress "$comp" \
			--image "$d/small/x.sbximg" big
		no_image "$d/small/x.sbximg"
		[[ -n $(ls -A "$d/small") ]] && cr_fail "files left in the full tmpfs: $(ls -A "$d/small")"
	done
	still_alive big "$d/big.out" signal
	;;
restore_missing)
	restore_fails "restore of a missing image" "$d/no-such-image.sbximg"
	;;
restore_missing_dir)
	restore_fails "restore from a missing directory" "$d/no/such/dir/x.sbximg"
	;;
restore_empty)
	: >"$d/empty.sbximg"
	restore_fails "restore of an empty file" "$d/empty.sbximg"
	;;
restore_corrupt)
	bytes 42 65536 >"$d/random.sbximg"
	restore_fails "restore of 64 KiB of random bytes" "$d/random.sbximg"
	# Random bytes behind a valid magic.
	{ printf 'SBXIMAGE'; bytes 43 65536; } >"$d/magic.sbximg"
	restore_fails "restore of random bytes after the magic" "$d/magic.sbximg"
	;;
restore_truncated)
	good_image "$d/good.sbximg" zstd
	size=$(stat -c %s "$d/good.sbximg")
	for cut in 4 100 128 200 1000 $((size / 3)) $((size / 2)) $((size - 100)) $((size - 41)) \
		$((size - 1)); do
		head -c "$cut" "$d/good.sbximg" >"$d/cut.sbximg"
		restore_fails "restore of the image cut at $cut of $size bytes" "$d/cut.sbximg"
	done
	;;
restore_bitflip)
	for comp in none zstd; do
		good_image "$d/good-$comp.sbximg" "$comp"
		cr_sbx "$root" delete img-src >/dev/null 2>&1
		size=$(stat -c %s "$d/good-$comp.sbximg")
		for off in 9 20 60 130 300 2000 $((size / 3)) $((size / 2)) $((size * 3 / 4)) \
			$((size - 30)); do
			cp "$d/good-$comp.sbximg" "$d/flip.sbximg"
			flip "$d/flip.sbximg" "$off"
			restore_fails "restore with a bit flipped at $off of $size bytes ($comp)" "$d/flip.sbximg"
		done
	done
	;;
restore_lazy_truncated)
	# Lazy restore indexes every chunk header and wants the end section before the
	# application runs, so a cut anywhere is still refused up front.
	RFLAGS=(--lazy)
	for comp in none zstd; do
		good_image "$d/good-$comp.sbximg" "$comp"
		cr_sbx "$root" delete img-src >/dev/null 2>&1
		size=$(stat -c %s "$d/good-$comp.sbximg")
		for cut in 100 1000 $((size / 3)) $((size / 2)) $((size - 4096)) $((size - 41)) \
			$((size - 1)); do
			head -c "$cut" "$d/good-$comp.sbximg" >"$d/cut.sbximg"
			restore_fails "lazy restore of the image cut at $cut of $size bytes ($comp)" \
				"$d/cut.sbximg"
		done
	done
	;;
restore_lazy_bitflip)
	# A flipped bit in a header is refused up front; one in the pages may only show
	# once the application runs: then the sandbox must end with sbx's error status
	# (125) and a reason, never run on with wrong memory.
	RFLAGS=(--lazy)
	for comp in none zstd; do
		good_image "$d/good-$comp.sbximg" "$comp"
		cr_sbx "$root" delete img-src >/dev/null 2>&1
		size=$(stat -c %s "$d/good-$comp.sbximg")
		for off in 20 130 2000 $((size / 3)) $((size / 2)) $((size * 3 / 4)) $((size - 30)); do
			cp "$d/good-$comp.sbximg" "$d/flip.sbximg"
			flip "$d/flip.sbximg" "$off"
			id=lazyflip-$comp-$off
			cr_sbx "$root" restore -d --lazy --image "$d/flip.sbximg" --name "$id" \
				</dev/null >"$d/lf.out" 2>"$d/lf.err"
			rc=$?
			if ((rc != 0)); then
				expect_clean_fail "lazy restore with a bit flipped at $off ($comp)" "$rc" \
					/dev/null "$d/lf.err"
				continue
			fi
			cr_sbx "$root" kill "$id" USR1 >/dev/null 2>&1
			cr_wait_status "$root" "$id" >/dev/null 2>&1
			st=$?
			reason=$(cr_field "$root" "$id" reason)
			if [[ $st != 125 || $reason != *corrupt* ]]; then
				cr_fail "lazy restore with a bit flipped at $off ($comp): the sandbox ended with status '$st', reason '$reason'"
			else
				echo "  lazy restore with a bit flipped at $off ($comp): ended later: $reason"
			fi
		done
	done
	;;
restore_version)
	good_image "$d/good.sbximg" zstd
	# struct disk_hdr (state/img_file.c): magic[8], then major and minor, u16 LE each.
	cp "$d/good.sbximg" "$d/v2.sbximg"
	printf '\002\000\000\000' | dd of="$d/v2.sbximg" bs=1 seek=8 conv=notrunc status=none
	restore_fails "restore of a format 2.0 image" "$d/v2.sbximg"
	grep -q '2\.0' "$d/try.err" || cr_fail "the message does not name the image's version: $(cat "$d/try.err")"
	cp "$d/good.sbximg" "$d/v0.sbximg"
	printf '\000\000' | dd of="$d/v0.sbximg" bs=1 seek=8 conv=notrunc status=none
	restore_fails "restore of a format 0.x image" "$d/v0.sbximg"
	;;
*)
	echo "badinput.sh: unknown case $case" >&2
	exit 2
	;;
esac

if ((CR_FAILS)); then
	echo "FAIL $NAME: $CR_FAILS failure(s)" >&2
	exit 1
fi
echo "PASS $NAME"
