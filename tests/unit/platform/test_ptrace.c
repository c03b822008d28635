/*
 * The ptrace platform's unit-test runner: the shared platform tests (test_events.c,
 * test_as.c) on plat_open("ptrace"), then the stub tests of test_ptrace_stub.c. Tests
 * drive the real platform: stub processes, injected mmaps, PTRACE_SYSEMU. Exits 77
 * (CTest skip) where ptrace is unavailable, e.g. under a seccomp profile or Yama that
 * forbids it.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform_test.h"
#include "ptrace_platform.h"

bool env_cpuid_faults(const struct env *e)
{
	return ptrace_as_cpuid_faulting(e->as);
}

static bool ptrace_usable(void)
{
	pid_t pid = fork();
	bool ok;
	int st;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	ok = ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0;
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	return ok;
}

int main(void)
{
	if (!ptrace_usable())
		return 77;
	return env_main("ptrace", "platform", stub_tcase());
}
