#!/usr/bin/env bash
# Installs what sbx needs to build and test on Debian 12 (as root), then configures and
# builds into build/. Idempotent: packages already present are not reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config clang libseccomp-dev libmsgpack-dev libzstd-dev
      liblz4-dev check busybox-static python3 sqlite3 util-linux
      git xz-utils bzip2 zstd perl patch file bc procps python3-venv mawk golang-go
      redis-server nginx-light curl postgresql tmux)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	if [ "$(id -u)" != 0 ]; then
		echo "sbx setup: missing packages (${missing[*]}); run as root to install them" >&2
		exit 1
	fi
	echo "sbx setup: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build=${BUILD_DIR:-build}
werror=OFF
[ -n "${CI:-}" ] && werror=ON
cmake -S . -B "$build" -DSBX_WERROR=$werror ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"
