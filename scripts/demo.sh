#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: programs in the sandbox,
# then a running sandbox checkpointed into an image and restored from it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
b=$PWD/${BUILD_DIR:-build}
root=$(mktemp -d)
img=$b/demo.sbximg
trap 'rm -rf "$root" "$img"' EXIT
sbx() { "$b/sbx" --root "$root" "$@"; }

echo "\$ sbx run /bin/sh -c 'echo hello from \$\$ in \$(uname -n); ls /usr | head -3'"
sbx run /bin/sh -c 'echo hello from $$ in $(uname -n); ls /usr | head -3'
echo
echo "\$ sbx run python3 -c 'import hashlib, sqlite3; ...'"
sbx run python3 -c 'import hashlib, sqlite3
db = sqlite3.connect(":memory:"); db.execute("create table t(x)")
db.executemany("insert into t values (?)", [(i,) for i in range(1000)])
print("sum", db.execute("select sum(x) from t").fetchone()[0],
      "sha256", hashlib.sha256(b"sbx").hexdigest()[:16])'
echo
echo "\$ sbx run -d --name counter /bin/sh -c 'i=0; while ...; echo tick \$i; sleep 0.2; ...'"
sbx run -d --name counter /bin/sh -c \
	'i=0; while [ $i -lt 15 ]; do echo "tick $i (pid $$)"; i=$((i+1)); sleep 0.2; done; exit 7'
sleep 1.2
echo "\$ sbx list"
sbx list
echo "\$ sbx checkpoint --image $img counter"
sbx checkpoint --image "$img" counter
echo "\$ sbx image inspect $img"
sbx image inspect "$img" | head -12
echo "\$ sbx restore --image $img     # continues where it was"
set +e
sbx restore --image "$img"
echo "[restored sandbox exited with status $?]"
