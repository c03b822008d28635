#!/usr/bin/env bash
# Installs what is missing, builds, and runs the demo: programs from testdata and
# Debian's busybox inside the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
b=${BUILD_DIR:-build}
run() { echo "\$ sbx run $*"; "$b/sbx" run "$@"; echo "[exit status $?]"; echo; }
set +e
run "$b/testdata/core/td_hello"
run /bin/busybox sh -c 'echo "pid $$ in the sandbox"; i=0; while [ $i -lt 1000 ]; do i=$((i+1)); done; echo "counted to $i"'
echo "\$ head -c 10000000 /dev/zero | sbx run busybox sha256sum"
head -c 10000000 /dev/zero | "$b/sbx" run /bin/busybox sha256sum
echo "\$ sbx run --strace busybox true"
"$b/sbx" run --strace /bin/busybox true
