#!/bin/sh
# Generates the syscall name table from the x86_64 uapi header: the guest ABI's
# numbers are the host header's on x86_64. Usage: gen_names.sh OUT
hdr=$(echo '#include <asm/unistd_64.h>' | ${CC:-cc} -E -H -x c - 2>&1 >/dev/null |
      grep 'unistd_64.h' | head -n1 | sed 's/^\.* //')
[ -f "$hdr" ] || { echo "gen_names.sh: asm/unistd_64.h not found" >&2; exit 1; }
{
	echo "/* Generated from $hdr by kernel/syscalls/gen_names.sh. */"
	sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$/[\2] = "\1",/p' "$hdr"
} > "$1.tmp" && mv "$1.tmp" "$1"
