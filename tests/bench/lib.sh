# lib.sh: shared by the tests/bench/*/run.sh scripts (source it).

# median: the median of the numbers on stdin, one per line ("-" if none).
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# find_runsc RUNSC PROG: sets the array runsc_cmd to the `runsc ... do` invocation that
# runs PROG here (as root without --rootless, else rootless), or to () if none does.
find_runsc() {
	local runsc=$1 prog=$2 try flags
	runsc_cmd=()
	command -v "$runsc" >/dev/null || return 0
	for try in "--network=none --platform=ptrace" "--rootless --network=none --platform=ptrace"; do
		read -r -a flags <<<"$try"
		if timeout 60 "$runsc" "${flags[@]}" do "$prog" >/dev/null 2>&1; then
			runsc_cmd=("$runsc" "${flags[@]}" do)
			return 0
		fi
	done
}
