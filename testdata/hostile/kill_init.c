/*
 * kill_init: signals that would reach other processes if the sandbox leaked any, sent
 * from the sandbox's init (pid 1, alone in its pid namespace). kill(-1, SIGKILL) and
 * kill(-1, SIGTERM) must fail with ESRCH (there is nobody but init, as on Linux);
 * kill(1, ...), kill(0, ...), tkill(1, ...) and tgkill(1, 1, ...) with SIGKILL,
 * SIGSTOP, SIGTERM and SIGSEGV must return 0 and be ignored (init's rule: a signal
 * from inside the namespace that init does not handle is dropped, SIGKILL and SIGSTOP
 * included), so the program carries on. kill, kill of the process group, tkill and
 * tgkill of host-looking pids (2.. up to beyond pid_max, INT_MAX, INT_MIN) must fail
 * with ESRCH; rt_sigqueueinfo and pidfd_open of them must fail (ESRCH, or ENOSYS until
 * the Sentry has them). Finally it checks the sandbox still works: it is still pid 1
 * and can map and touch fresh memory (the Sentry injects an mmap into the stub).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>

#include "hostile.h"

static const long host_pids[] = {
	2, 3, 4, 5, 10, 42, 100, 300, 1000, 4242, 12345, 32767, 32768, 65535, 99999,
	4194303, 4194304, INT_MAX, INT_MIN,
};

static const int self_sigs[] = { SIGKILL, SIGSTOP, SIGTERM, SIGSEGV, SIGINT, SIGHUP };

int main(void)
{
	char what[128];
	siginfo_t si;
	char *p;
	long r;

	hs_require_sandbox("kill_init");
	hs_must_fail_with("kill(-1, SIGKILL)", hs_sys2(SYS_kill, -1, SIGKILL), ESRCH);
	hs_must_fail_with("kill(-1, SIGTERM)", hs_sys2(SYS_kill, -1, SIGTERM), ESRCH);
	for (size_t i = 0; i < sizeof(self_sigs) / sizeof(self_sigs[0]); i++) {
		int sig = self_sigs[i];
		const char *name = sigabbrev_np(sig);

		snprintf(what, sizeof(what), "kill(1, SIG%s) [init ignores]", name);
		r = hs_sys2(SYS_kill, 1, sig);
		hs_report(what, r, r == 0);
		snprintf(what, sizeof(what), "kill(0, SIG%s) [init ignores]", name);
		r = hs_sys2(SYS_kill, 0, sig);
		hs_report(what, r, r == 0);
		snprintf(what, sizeof(what), "tkill(1, SIG%s) [init ignores]", name);
		r = hs_sys2(SYS_tkill, 1, sig);
		hs_report(what, r, r == 0);
		snprintf(what, sizeof(what), "tgkill(1, 1, SIG%s) [init ignores]", name);
		r = hs_sys3(SYS_tgkill, 1, 1, sig);
		hs_report(what, r, r == 0);
	}
	hs_printf("still alive after signalling itself\n");
	for (size_t i = 0; i < sizeof(host_pids) / sizeof(host_pids[0]); i++) {
		long pid = host_pids[i];

		snprintf(what, sizeof(what), "kill(%ld, 0)", pid);
		hs_must_fail_with(what, hs_sys2(SYS_kill, pid, 0), ESRCH);
		snprintf(what, sizeof(what), "kill(%ld, SIGKILL)", pid);
		hs_must_fail_with(what, hs_sys2(SYS_kill, pid, SIGKILL), ESRCH);
		if (pid != INT_MIN) {
			snprintf(what, sizeof(what), "kill(%ld, SIGKILL) [process group]", -pid);
			hs_must_fail_with(what, hs_sys2(SYS_kill, -pid, SIGKILL), ESRCH);
		}
		if (pid > 0) {
			snprintf(what, sizeof(what), "tkill(%ld, SIGKILL)", pid);
			hs_must_fail_with(what, hs_sys2(SYS_tkill, pid, SIGKILL), ESRCH);
			snprintf(what, sizeof(what), "tgkill(%ld, %ld, SIGKILL)", pid, pid);
			hs_must_fail_with(what, hs_sys3(SYS_tgkill, pid, pid, SIGKILL), ESRCH);
			memset(&si, 0, sizeof(si));
			si.si_signo = SIGKILL;
			si.si_code = SI_QUEUE;
			snprintf(what, sizeof(what), "rt_sigqueueinfo(%ld, SIGKILL)", pid);
			hs_must_fail(what, hs_sys3(SYS_rt_sigqueueinfo, pid, SIGKILL, &si));
			snprintf(what, sizeof(what), "pidfd_open(%ld, 0)", pid);
			r = hs_sys2(SYS_pidfd_open, pid, 0);
			hs_must_fail(what, r);
			if (!hs_failed(r))
				hs_sys1(SYS_close, r);
		}
	}
	r = hs_sys0(SYS_getpid);
	hs_report("getpid() after everything", r, r == 1);
	p = (char *)hs_sys(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hs_failed((long)p)) {
		hs_report("mmap(4096) after everything", (long)p, false);
	} else {
		p[0] = 'x';
		p[4095] = 'y';
		hs_report("mmap(4096) and touch after everything", p[0] == 'x' && p[4095] == 'y'
			  ? 0 : -EIO, p[0] == 'x');
	}
	return hs_done("done");
}
