#!/usr/bin/env bash
# badinput.sh: `sbx run` given something it cannot run must fail cleanly: exactly one
# line on stderr starting with "sbx:", nothing on stdout, a non-zero exit status that is
# not 128+N (no crash, no signal), all within the timeout.
# usage: badinput.sh SBX CASE HELLO GEN
#   CASE  missing | nonexec | directory | truncated_header | truncated_segments |
#         corrupt | corrupt_elf | dynamic (missing interpreter) | bogus_flag | no_program |
#         no_program_dashdash
#   HELLO a good static program (td_hello), from which the broken ones are made
#   GEN   core_gen_data, for garbage bytes
# Environment: SBX_RUN_FLAGS as for compare.sh; BADINPUT_TIMEOUT (default 30 s).
set -euo pipefail

sbx=$1 case=$2 hello=$3 gen=$4
timeout_s=${BADINPUT_TIMEOUT:-30}
read -r -a run_flags <<<"${SBX_RUN_FLAGS:-}"
[[ -x $sbx ]] || { echo "FAIL badinput/$case: sbx binary '$sbx' not found" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbx-badinput.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
size=$(stat -c %s "$hello")
want_word=

case $case in
missing) args=(run "${run_flags[@]}" -- "$tmp/no-such-program") ;;
nonexec)
	cp "$hello" "$tmp/prog"
	chmod 0644 "$tmp/prog"
	args=(run "${run_flags[@]}" -- "$tmp/prog") ;;
directory) args=(run "${run_flags[@]}" -- "$tmp") ;;
truncated_header)
	head -c 100 "$hello" >"$tmp/prog"	# ELF header whole, program headers cut
	chmod 0755 "$tmp/prog"
	args=(run "${run_flags[@]}" -- "$tmp/prog") ;;
truncated_segments)
	head -c $((size / 2)) "$hello" >"$tmp/prog"	# headers whole, segments past EOF
	chmod 0755 "$tmp/prog"
	args=(run "${run_flags[@]}" -- "$tmp/prog") ;;
corrupt)
	"$gen" 42 8K >"$tmp/prog"
	chmod 0755 "$tmp/prog"
	args=(run "${run_flags[@]}" -- "$tmp/prog") ;;
corrupt_elf)
	# A valid ELF identification followed by garbage headers.
	{ head -c 16 "$hello"; "$gen" 43 8K; } >"$tmp/prog"
	chmod 0755 "$tmp/prog"
	args=(run "${run_flags[@]}" -- "$tmp/prog") ;;
dynamic)
	# A dynamic program whose interpreter does not exist. It lives beside HELLO:
	# the sandbox's /tmp is a tmpfs of its own, where $tmp is not visible.
	want_word=interpreter
	prog=$(dirname "$hello")/badinput_badinterp
	python3 -c 'import sys; d = open("/bin/true", "rb").read()
open(sys.argv[1], "wb").write(d.replace(b"ld-linux-x86-64.so.2", b"ld-linux-x86-64.so.9"))' \
		"$prog"
	chmod 0755 "$prog"
	args=(run "${run_flags[@]}" -- "$prog") ;;
bogus_flag) args=(run --bogus -- "$hello") ;;
no_program) args=(run "${run_flags[@]}") ;;
no_program_dashdash) args=(run "${run_flags[@]}" --) ;;
*) echo "badinput.sh: unknown case $case" >&2; exit 2 ;;
esac

set +e
(
	for fd in $(ls /proc/$BASHPID/fd); do
		((fd > 2)) && eval "exec $fd>&-"
	done
	exec timeout -k 5 "$timeout_s" "$sbx" "${args[@]}" </dev/null >"$tmp/out" 2>"$tmp/err"
)
rc=$?
set -e

why=()
lines=$(wc -l <"$tmp/err")
((rc != 0)) || why+=("exit status 0")
((rc == 124 || rc == 137)) && why+=("timed out after ${timeout_s}s (exit $rc)")
((rc >= 128 && rc != 137)) && why+=("exit status $rc looks like death by signal $((rc - 128))")
[[ $lines == 1 ]] || why+=("$lines lines on stderr, want 1")
[[ $(head -c 4 "$tmp/err") == "sbx:" ]] || why+=("stderr does not start with 'sbx:'")
[[ -s $tmp/out ]] && why+=("unexpected output on stdout")
if [[ -n $want_word ]] && ! grep -qi "$want_word" "$tmp/err"; then
	why+=("message does not mention '$want_word'")
fi

if ((${#why[@]} == 0)); then
	echo "PASS badinput/$case: exit $rc: $(cat "$tmp/err")"
	exit 0
fi
{
	echo "FAIL badinput/$case: $(IFS=';'; echo "${why[*]}")"
	echo "  command: sbx ${args[*]}"
	echo "  exit status: $rc"
	echo "  --- stderr (first 20 lines) ---"
	head -n 20 "$tmp/err" | sed 's/^/  /'
	if [[ -s $tmp/out ]]; then
		echo "  --- stdout (first 10 lines) ---"
		head -n 10 "$tmp/out" | sed 's/^/  /'
	fi
} >&2
exit 1
