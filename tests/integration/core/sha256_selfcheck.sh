#!/usr/bin/env bash
# sha256_selfcheck.sh: checks the testdata sha256 program against coreutils sha256sum on
# the same generated data, natively only, so a bug in the program's own SHA-256 cannot
# hide behind "native and sandbox agree".
# usage: sha256_selfcheck.sh GEN PROGRAM
set -euo pipefail
gen=$1 prog=$2
for spec in 1:0 2:1 3:55 4:56 5:64 6:1000 7:1M; do
	want=$("$gen" "${spec%%:*}" "${spec#*:}" | sha256sum | cut -d' ' -f1)
	got=$("$gen" "${spec%%:*}" "${spec#*:}" | "$prog" | head -n1 | cut -d' ' -f1)
	if [[ $want != "$got" ]]; then
		echo "FAIL sha256 of generated $spec: sha256sum $want, $prog $got" >&2
		exit 1
	fi
done
echo "PASS sha256_selfcheck"
