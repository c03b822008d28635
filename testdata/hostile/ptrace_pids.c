/*
 * ptrace_pids: tries to trace or read the memory of pids 1..N (default 64; first
 * argument) and of any further pids given as arguments (host pids the harness found:
 * the Sentry, the stubs, itself). For each pid: ptrace PTRACE_ATTACH, PTRACE_SEIZE,
 * PTRACE_INTERRUPT and PTRACE_PEEKDATA, and, for pids other than its own (1),
 * process_vm_readv and process_vm_writev of 8 bytes. Every call must fail (ENOSYS
 * today; EPERM for itself and ESRCH for others on Linux). process_vm_writev would only
 * ever write 8 zero bytes at 0x400000, and only to a process that must not exist.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "hostile.h"

static void probe(long pid)
{
	char what[128], buf[8] = { 0 };
	struct iovec local = { buf, sizeof(buf) }, remote = { (void *)0x400000, sizeof(buf) };
	long word;

	snprintf(what, sizeof(what), "ptrace(PTRACE_ATTACH, %ld)", pid);
	hs_must_fail(what, hs_sys4(SYS_ptrace, PTRACE_ATTACH, pid, 0, 0));
	snprintf(what, sizeof(what), "ptrace(PTRACE_SEIZE, %ld)", pid);
	hs_must_fail(what, hs_sys4(SYS_ptrace, PTRACE_SEIZE, pid, 0, 0));
	snprintf(what, sizeof(what), "ptrace(PTRACE_INTERRUPT, %ld)", pid);
	hs_must_fail(what, hs_sys4(SYS_ptrace, PTRACE_INTERRUPT, pid, 0, 0));
	snprintf(what, sizeof(what), "ptrace(PTRACE_PEEKDATA, %ld, 0x400000)", pid);
	hs_must_fail(what, hs_sys4(SYS_ptrace, PTRACE_PEEKDATA, pid, 0x400000, &word));
	if (pid == 1)
		return;
	snprintf(what, sizeof(what), "process_vm_readv(%ld, 8 bytes at 0x400000)", pid);
	hs_must_fail(what, hs_sys(SYS_process_vm_readv, pid, (long)&local, 1, (long)&remote,
				  1, 0));
	snprintf(what, sizeof(what), "process_vm_writev(%ld, 8 bytes at 0x400000)", pid);
	hs_must_fail(what, hs_sys(SYS_process_vm_writev, pid, (long)&local, 1,
				  (long)&remote, 1, 0));
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 64;

	hs_require_sandbox("ptrace_pids");
	for (long pid = 1; pid <= n; pid++)
		probe(pid);
	for (int i = 2; i < argc; i++)
		probe(strtol(argv[i], NULL, 10));
	return hs_done("done");
}
