#!/usr/bin/env bash
# jail.sh: checks the Sentry's and the stubs' jails (cli/sandbox.c, platform/ptrace).
#
# From inside: `sbx run --selftest-escape=open|execve|socket` makes the locked-down
# Sentry try a call its seccomp filter denies: sbx must exit 125 with exactly one stderr
# line naming the syscall (openat, execve, socket). With --debug-filter the same run
# completes with the program's own exit status and logs a "debug-filter" line naming
# it; and a normal run with --debug-filter logs none (the Sentry never needs a call
# outside its allow-list).
#
# From outside, while a sandboxed busybox shell spins: the Sentry is in pid, mnt, net,
# uts and ipc namespaces other than this shell's (and its stubs in the Sentry's); its
# CapEff/CapPrm/CapAmb are 0, NoNewPrivs 1, Seccomp 2; its root and cwd are empty
# directories; the template stub and the stub each hold exactly one fd (the memory
# file), run with Seccomp 2, NoNewPrivs 1 and no capabilities, the stub is traced by a
# Sentry thread, and their maps hold only the stub page, memfd:sbx-memory mappings and
# [vsyscall].
#
# The gofer, from outside, while a sandbox whose --rootfs is a directory holding only
# busybox and a marker file spins: its mount, net, ipc and uts namespaces are not this
# shell's; NoNewPrivs 1, Seccomp 2, no ambient or inheritable capabilities and no
# effective, permitted or bounding ones beyond the five file capabilities it keeps
# (CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID: 0x1f); its root is the served
# directory (exactly its entries, no host /etc or /proc) and every path it holds open
# beyond its stdio (sbx run's) is beneath it.
#
# usage: jail.sh SBX CASE
#   CASE: escape_open escape_execve escape_socket debug_filter_open
#         debug_filter_execve debug_filter_socket debug_filter_clean namespaces
#         sentry_creds sentry_root stub_fds stub_creds stub_maps gofer_namespaces
#         gofer_creds gofer_root
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

if (($# != 2)); then
	echo "usage: jail.sh SBX CASE" >&2
	exit 2
fi
sbx=$1 case=$2
[[ -x $sbx ]] || { echo "FAIL jail/$case: no sbx binary at $sbx" >&2; exit 1; }
busybox=/bin/busybox
[[ -x $busybox ]] || { echo "FAIL jail/$case: $busybox is missing (busybox-static)" >&2; exit 1; }

# The ptrace platform's sysmsg (platform/README.md): 0 off, 1 every context from its
# start, 2 (the default) a context that makes syscalls often, once it has.
case ${SBX_PTRACE_SYSMSG:-} in
0) sysmsg=0 ;;
1) sysmsg=1 ;;
*) sysmsg=2 ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbx-jail.XXXXXX")
trap 'hs_stop_spinner; rm -rf "$tmp"' EXIT
ulimit -c 0
fails=0
fail() {
	echo "FAIL hostile/jail_$case: $*" >&2
	fails=$((fails + 1))
}

syscall_of() {
	case $1 in
	open) echo openat ;;	# glibc's open() is openat
	execve) echo execve ;;
	socket) echo socket ;;
	esac
}

# run_sbx RC_VAR ARGS...: runs sbx with a timeout; stdout/stderr to $tmp/out, $tmp/err.
run_sbx() {
	local -n _rc=$1
	shift
	set +e
	timeout -k 5 30 "$sbx" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	_rc=$?
	set -e
}

case $case in
escape_open | escape_execve | escape_socket)
	what=${case#escape_}
	name=$(syscall_of "$what")
	run_sbx rc run --selftest-escape="$what" "$busybox" true
	((rc == 125)) || fail "exit status $rc, want 125"
	lines=$(grep -c '' "$tmp/err" || true)
	((lines == 1)) || fail "$lines stderr lines, want exactly 1"
	grep -q -E "denied syscall $name( |$)" "$tmp/err" ||
		fail "stderr does not name the denied syscall $name"
	cat "$tmp/err"
	;;
debug_filter_open | debug_filter_execve | debug_filter_socket)
	what=${case#debug_filter_}
	name=$(syscall_of "$what")
	run_sbx rc run --debug-filter --selftest-escape="$what" "$busybox" sh -c 'echo ran; exit 7'
	((rc == 7)) || fail "exit status $rc, want the program's 7"
	[[ $(cat "$tmp/out") == ran ]] || fail "the program's stdout is not \"ran\""
	grep -q -E "debug-filter.* $name( |$)" "$tmp/err" ||
		fail "no debug-filter line naming $name on stderr"
	if grep -a -q -E "$HS_BAD_STDERR" "$tmp/err"; then
		fail "Sentry error on stderr"
	fi
	cat "$tmp/err"
	;;
debug_filter_clean)
	# Shell builtins only: no pipes or fork in the Sentry yet.
	run_sbx rc run --debug-filter "$busybox" sh -c \
		'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done; echo $i; read x; echo "${x:-eof}"'
	((rc == 0)) || fail "exit status $rc, want 0"
	if grep -q 'debug-filter' "$tmp/err"; then
		fail "the Sentry made a call its filter would deny:"
		grep 'debug-filter' "$tmp/err" | sort | uniq -c >&2
	fi
	;;
namespaces | sentry_creds | sentry_root | stub_fds | stub_creds | stub_maps)
	hs_start_spinner "$sbx" "$tmp"
	S=$SPIN_SENTRY T=$SPIN_TEMPLATE U=$SPIN_STUB
	echo "sbx run $SPIN_RUN, Sentry $S, template stub $T, stub $U"
	case $case in
	namespaces)
		for ns in pid mnt net uts ipc; do
			mine=$(readlink /proc/$$/ns/$ns)
			theirs=$(readlink /proc/"$S"/ns/$ns)
			echo "$ns: shell $mine, Sentry $theirs"
			[[ $mine != "$theirs" ]] || fail "the Sentry shares the $ns namespace"
			for p in "$T" "$U"; do
				[[ $(readlink /proc/"$p"/ns/$ns) == "$theirs" ]] ||
					fail "stub $p is not in the Sentry's $ns namespace"
			done
		done
		# As root sbx keeps the user namespace (it creates one only for non-root).
		echo "user: shell $(readlink /proc/$$/ns/user), Sentry $(readlink /proc/"$S"/ns/user)"
		;;
	sentry_creds)
		for f in CapEff CapPrm CapAmb CapInh NoNewPrivs Seccomp CapBnd; do
			echo "$f: $(hs_status_field "$S" $f)"
		done
		[[ $(hs_status_field "$S" CapEff) == 0000000000000000 ]] || fail "CapEff is not 0"
		[[ $(hs_status_field "$S" CapPrm) == 0000000000000000 ]] || fail "CapPrm is not 0"
		[[ $(hs_status_field "$S" CapAmb) == 0000000000000000 ]] || fail "CapAmb is not 0"
		[[ $(hs_status_field "$S" NoNewPrivs) == 1 ]] || fail "NoNewPrivs is not 1"
		[[ $(hs_status_field "$S" Seccomp) == 2 ]] || fail "Seccomp is not 2 (filter)"
		# Every Sentry thread shares the filter (TSYNC or inherited at creation).
		for task in /proc/"$S"/task/*; do
			[[ $(awk '$1 == "Seccomp:" { print $2 }' "$task/status") == 2 ]] ||
				fail "Sentry thread ${task##*/} is not under the filter"
		done
		;;
	sentry_root)
		listing=$(ls -A /proc/"$S"/root/)
		echo "ls -A /proc/$S/root/: '${listing}'"
		[[ -z $listing ]] || fail "the Sentry's root is not empty: $listing"
		[[ -z $(ls -A /proc/"$S"/cwd/) ]] || fail "the Sentry's cwd is not empty"
		# Its root is not the host's: the host's /etc is not under it.
		[[ ! -e /proc/$S/root/etc ]] || fail "the Sentry's root has /etc"
		;;
	stub_fds)
		# The memory file, as 3; with sysmsg also the slots' file, as 4, and in an
		# address space's stub (not the template) ready for it, its reply pipe, 0
		# and 5 (by default only once one of its contexts has moved there).
		for p in "$T" "$U"; do
			fds=($(ls /proc/"$p"/fd))
			ready=0
			if [[ $p == "$U" ]] && ((sysmsg == 1 || (sysmsg == 2 && ${#fds[@]} == 4))); then
				ready=1
			fi
			want=1
			((!sysmsg)) || want=2
			((!ready)) || want=4
			echo "process $p fds: ${fds[*]}"
			((${#fds[@]} == want)) || fail "process $p holds ${#fds[@]} fds, want $want"
			[[ $(readlink /proc/"$p"/fd/3) == /memfd:sbx-memory* ]] ||
				fail "process $p's fd 3 is not the memory file"
			((!sysmsg)) || [[ $(readlink /proc/"$p"/fd/4) == /memfd:sbx-sysmsg* ]] ||
				fail "process $p's fd 4 is not the sysmsg file"
			if ((ready)); then
				[[ $(readlink /proc/"$p"/fd/5) == pipe:* &&
				   $(readlink /proc/"$p"/fd/0) == "$(readlink /proc/"$p"/fd/5)" ]] ||
					fail "process $p's fds 0 and 5 are not its reply pipe"
			fi
		done
		;;
	stub_creds)
		# Every stub: the application's and those waiting in the platform's pool.
		stubs=($(hs_children "$T"))
		for p in "$T" "${stubs[@]}"; do
			echo "process $p: Seccomp $(hs_status_field "$p" Seccomp)," \
				"NoNewPrivs $(hs_status_field "$p" NoNewPrivs)," \
				"CapEff $(hs_status_field "$p" CapEff)," \
				"CapPrm $(hs_status_field "$p" CapPrm)," \
				"TracerPid $(hs_status_field "$p" TracerPid)"
			[[ $(hs_status_field "$p" Seccomp) == 2 ]] || fail "process $p: Seccomp is not 2"
			[[ $(hs_status_field "$p" NoNewPrivs) == 1 ]] || fail "process $p: NoNewPrivs is not 1"
			[[ $(hs_status_field "$p" CapEff) == 0000000000000000 ]] || fail "process $p: CapEff is not 0"
			[[ $(hs_status_field "$p" CapPrm) == 0000000000000000 ]] || fail "process $p: CapPrm is not 0"
		done
		# A stub thread either runs a task, traced by a Sentry thread (the stub's
		# first thread runs the first until another is coming), or waits untraced
		# in stub_park with every signal blocked: the spawner of each stub, a
		# pooled stub's first thread, a first thread whose task ended. A task's thread in sysmsg runs
		# untraced, under a second filter of its own, every signal blocked but the
		# seven its handler takes (SIGILL TRAP BUS FPE SEGV STKFLT SYS).
		n=0
		for p in "${stubs[@]}"; do
			for task in /proc/"$p"/task/*; do
				tid=${task##*/}
				tracer=$(awk '$1 == "TracerPid:" {print $2}' "$task"/status)
				blocked=$(awk '$1 == "SigBlk:" {print $2}' "$task"/status)
				filters=$(awk '$1 == "Seccomp_filters:" {print $2}' "$task"/status)
				echo "stub $p thread $tid: TracerPid $tracer SigBlk $blocked filters $filters"
				if ((sysmsg)) && [[ $tracer == 0 && $filters == 2 ]]; then
					[[ $blocked == ffffffffbffb7a27 ]] ||
						fail "sysmsg thread $tid's mask is $blocked"
					n=$((n + 1))
					continue
				fi
				if [[ $tracer == 0 ]]; then
					# All but SIGKILL and SIGSTOP (unblockable) and SIGTRAP (each
					# injection's int3 unblocks it, as any forced signal).
					((((0x$blocked | 0x40110)) == -1)) ||
						fail "untraced stub thread $tid does not block every signal ($blocked)"
					continue
				fi
				[[ -d /proc/$S/task/$tracer ]] ||
					fail "stub thread $tid's tracer ($tracer) is not a Sentry thread"
				n=$((n + 1))
			done
		done
		((n >= 1)) || fail "no stub thread runs the application"
		;;
	stub_maps)
		for p in "$T" "$U"; do
			echo "--- /proc/$p/maps"
			cat /proc/"$p"/maps
			while read -r range perms off dev inode path; do
				case $path in
				/memfd:sbx-memory*) continue ;;
				"[vsyscall]") continue ;;
				esac
				# The stub page: one anonymous r-x page at 0x7fffff100000.
				if [[ $range == 7fffff100000-7fffff101000 && $perms == r-xp && -z $path ]]; then
					continue
				fi
				# sysmsg mode: a context's slot, the request (read-only) and
				# reply pages; shared, never executable.
				if ((sysmsg)) && [[ $path == /memfd:sbx-sysmsg* &&
				      ($perms == rw-s || $perms == r--s) && $range == 7fffff[3-9a-f]* ]]; then
					continue
				fi
				# The host's own vDSO and its read-only data, moved to the
				# megabyte from 0x7fffff200000 (what every native process has).
				if [[ $range == 7fffff2[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-7fffff[23]* &&
				      $path =~ ^\[(vdso|vvar|vvar_vclock)\]$ && $perms != *w* ]]; then
					continue
				fi
				fail "process $p maps something else: $range $perms $path"
			done </proc/"$p"/maps
		done
		;;
	esac
	kill -0 "$U" 2>/dev/null || fail "the stub died during the checks"
	hs_stop_spinner
	;;
gofer_namespaces | gofer_creds | gofer_root)
	mkdir -p "$tmp/root"
	cp "$busybox" "$tmp/root/busybox"
	echo marker >"$tmp/root/marker"
	"$sbx" --root "$tmp/sbx-root" run --rootfs "$tmp/root" /busybox sh -c 'while :; do :; done' </dev/null \
		>"$tmp/spin.out" 2>"$tmp/spin.err" &
	SPIN_RUN=$!
	hs_find_chain "$SPIN_RUN" 10 || { cat "$tmp/spin.err" >&2; fail "the sandbox did not start"; }
	SPIN_SENTRY=$SENTRY
	G=
	for k in $(hs_children "$SPIN_RUN"); do
		[[ "$(tr '\0' ' ' < /proc/"$k"/cmdline 2>/dev/null)" == "sbx gofer "* ]] && G=$k
	done
	[[ -n $G ]] || { fail "no gofer process beside the Sentry"; exit 1; }
	echo "sbx run $SPIN_RUN, gofer $G: $(tr '\0' ' ' < /proc/"$G"/cmdline)"
	case $case in
	gofer_namespaces)
		for ns in mnt net uts ipc; do
			mine=$(readlink /proc/$$/ns/$ns)
			theirs=$(readlink /proc/"$G"/ns/$ns)
			echo "$ns: shell $mine, gofer $theirs"
			[[ $mine != "$theirs" ]] || fail "the gofer shares the $ns namespace"
		done
		;;
	gofer_creds)
		for f in CapEff CapPrm CapBnd CapAmb CapInh NoNewPrivs Seccomp; do
			echo "$f: $(hs_status_field "$G" $f)"
		done
		for f in CapEff CapPrm CapBnd; do
			v=$((16#$(hs_status_field "$G" $f)))
			((v & ~0x1f)) && fail "$f holds more than the file capabilities (0x1f)"
		done
		[[ $(hs_status_field "$G" CapAmb) == 0000000000000000 ]] || fail "CapAmb is not 0"
		[[ $(hs_status_field "$G" CapInh) == 0000000000000000 ]] || fail "CapInh is not 0"
		[[ $(hs_status_field "$G" NoNewPrivs) == 1 ]] || fail "NoNewPrivs is not 1"
		[[ $(hs_status_field "$G" Seccomp) == 2 ]] || fail "Seccomp is not 2 (filter)"
		;;
	gofer_root)
		listing=$(ls -A /proc/"$G"/root/ | tr '\n' ' ')
		echo "ls -A /proc/$G/root/: $listing"
		[[ $listing == "busybox marker " ]] || fail "the gofer's root is not the served directory: $listing"
		[[ $(readlink /proc/"$G"/root) == / ]] || fail "the gofer's root is not its /"
		[[ ! -e /proc/$G/root/etc && ! -e /proc/$G/root/proc ]] ||
			fail "the gofer's root has the host's /etc or /proc"
		[[ $(cat /proc/"$G"/root/marker) == marker ]] || fail "the marker is not under its root"
		# Paths it holds are seen from its own root: all must be beneath the served
		# directory, i.e. exist under /proc/G/root. Its stdio is sbx run's (for its
		# error messages); sockets and pipes are not paths.
		for fd in /proc/"$G"/fd/*; do
			((${fd##*/} > 2)) || continue
			t=$(readlink "$fd" 2>/dev/null) || continue
			case $t in
			socket:* | pipe:* | anon_inode:* | /dev/null) continue ;;
			esac
			echo "fd ${fd##*/} -> $t"
			[[ -e /proc/$G/root$t ]] || fail "fd ${fd##*/} is $t, not beneath the served directory"
		done
		;;
	esac
	kill -0 "$G" 2>/dev/null || fail "the gofer died during the checks"
	hs_stop_spinner
	;;
*)
	echo "jail.sh: unknown case $case" >&2
	exit 2
	;;
esac
if ((fails)); then
	exit 1
fi
echo "PASS hostile/jail_$case"
