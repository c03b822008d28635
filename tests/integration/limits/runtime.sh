#!/usr/bin/env bash
# runtime.sh: a language runtime under `sbx run --memory MEM` against a native run
# (core/compare.sh). JVMs and V8 reserve address space far past a container's
# memory limit at start; the sandbox must let them, as Linux does. Skipped (77)
# when the runtime is not installed.
#
# usage: runtime.sh SBX NAME MEM PROGRAM [ARGS...]
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
sbx=$1 name=$2 mem=$3 prog=$4
shift 4
if ! command -v "$prog" >/dev/null; then
	echo "SKIP $name: $prog is not installed"
	exit 77
fi
SBX_RUN_FLAGS="--memory $mem" exec bash "$here/../core/compare.sh" --sbx "$sbx" \
	--name "$name" --timeout 150 -- "$(command -v "$prog")" "$@"
