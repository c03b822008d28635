/*
 * signal_host: signals the host processes that make up sandboxes, by their host pids:
 * the harness passes NAME=PID arguments (another sandbox's Sentry and stub, sbx run,
 * the harness shell) and then writes this sandbox's own Sentry, template stub and
 * stub as NAME=PID words on stdin, ending with EOF (it can only know them once this
 * program runs). For each: kill(pid, 0), kill(pid, SIGKILL), kill(pid, SIGSTOP),
 * kill(-pid, SIGKILL), tkill(pid, SIGKILL) and tgkill(pid, pid, SIGKILL) must fail with
 * ESRCH: no host pid is reachable from inside. rt_sigqueueinfo, pidfd_open, ptrace
 * attach and process_vm_readv of them must fail (any error). A pid of 1 is skipped
 * (that is the sandbox's own init). The last lines check the sandbox still works.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "hostile.h"

static void attack(const char *name, long pid)
{
	char what[160], buf[8];
	struct iovec local = { buf, sizeof(buf) }, remote = { (void *)0x400000, sizeof(buf) };
	siginfo_t si;
	long r;

	if (pid <= 1) {
		hs_printf("%s=%ld: skipped (not a host pid)\n", name, pid);
		return;
	}
	snprintf(what, sizeof(what), "%s: kill(%ld, 0)", name, pid);
	hs_must_fail_with(what, hs_sys2(SYS_kill, pid, 0), ESRCH);
	snprintf(what, sizeof(what), "%s: kill(%ld, SIGKILL)", name, pid);
	hs_must_fail_with(what, hs_sys2(SYS_kill, pid, SIGKILL), ESRCH);
	snprintf(what, sizeof(what), "%s: kill(%ld, SIGSTOP)", name, pid);
	hs_must_fail_with(what, hs_sys2(SYS_kill, pid, SIGSTOP), ESRCH);
	snprintf(what, sizeof(what), "%s: kill(%ld, SIGKILL)", name, -pid);
	hs_must_fail_with(what, hs_sys2(SYS_kill, -pid, SIGKILL), ESRCH);
	snprintf(what, sizeof(what), "%s: tkill(%ld, SIGKILL)", name, pid);
	hs_must_fail_with(what, hs_sys2(SYS_tkill, pid, SIGKILL), ESRCH);
	snprintf(what, sizeof(what), "%s: tgkill(%ld, %ld, SIGKILL)", name, pid, pid);
	hs_must_fail_with(what, hs_sys3(SYS_tgkill, pid, pid, SIGKILL), ESRCH);
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGKILL;
	si.si_code = SI_QUEUE;
	snprintf(what, sizeof(what), "%s: rt_sigqueueinfo(%ld, SIGKILL)", name, pid);
	hs_must_fail(what, hs_sys3(SYS_rt_sigqueueinfo, pid, SIGKILL, &si));
	snprintf(what, sizeof(what), "%s: pidfd_open(%ld)", name, pid);
	r = hs_sys2(SYS_pidfd_open, pid, 0);
	hs_must_fail(what, r);
	if (!hs_failed(r))
		hs_sys1(SYS_close, r);
	snprintf(what, sizeof(what), "%s: ptrace(PTRACE_ATTACH, %ld)", name, pid);
	hs_must_fail(what, hs_sys4(SYS_ptrace, PTRACE_ATTACH, pid, 0, 0));
	snprintf(what, sizeof(what), "%s: process_vm_readv(%ld)", name, pid);
	hs_must_fail(what, hs_sys(SYS_process_vm_readv, pid, (long)&local, 1, (long)&remote,
				  1, 0));
}

/* "NAME=PID" or "PID". */
static void attack_word(char *w)
{
	char *eq = strchr(w, '=');

	if (eq) {
		*eq = 0;
		attack(w, strtol(eq + 1, NULL, 10));
	} else {
		attack("pid", strtol(w, NULL, 10));
	}
}

int main(int argc, char **argv)
{
	char in[4096], word[128];
	size_t n = 0, wl = 0;
	long r;

	hs_require_sandbox("signal_host");
	for (int i = 1; i < argc; i++)
		attack_word(argv[i]);
	/* Reads all of stdin first: the harness closes it once it has written. */
	while (n < sizeof(in) - 1) {
		r = hs_sys3(SYS_read, 0, in + n, sizeof(in) - 1 - n);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	in[n] = 0;
	for (size_t i = 0; i <= n; i++) {
		char c = in[i];

		if (c && c != ' ' && c != '\n' && c != '\t') {
			if (wl < sizeof(word) - 1)
				word[wl++] = c;
			continue;
		}
		if (wl) {
			word[wl] = 0;
			attack_word(word);
			wl = 0;
		}
	}
	r = hs_sys0(SYS_getpid);
	hs_report("getpid() after everything", r, r == 1);
	hs_mmap_after_everything();
	return hs_done("done");
}
