/*
 * vsyscall: calls into the legacy vsyscall page at 0xffffffffff600000, which the host
 * kernel emulates and which must not reach the host from the sandbox: under the
 * ptrace platform the stub's seccomp filter traps the emulated call (its rip is not in
 * the stub page) and the Sentry either serves it or the application gets a signal.
 * Calls gettimeofday (+0x000), time (+0x400) and getcpu (+0x800) with valid pointers,
 * gettimeofday with tv pointing at the stub page (0x7fffff100000: the Sentry must not
 * write there) and at a non-canonical address, a call to the misaligned +0x001, and a
 * data read of the page. SIGSEGV, SIGSYS, SIGBUS, SIGILL and SIGTRAP are caught with a
 * handler and reported; a return is reported with its value. Any of these outcomes is
 * accepted, as long as the program goes on; the stub page's first bytes, when
 * readable, must be unchanged afterwards.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "hostile.h"

#define VSYSCALL 0xffffffffff600000UL

typedef long (*vfn3)(void *, void *, void *);

static sigjmp_buf env;
static volatile int caught;

static void handler(int sig, siginfo_t *si, void *uc)
{
	caught = sig;
	siglongjmp(env, 1);
}

/* Calls @addr(a, b, c) and reports the return value or the signal. */
static void call(const char *what, unsigned long addr, void *a, void *b, void *c)
{
	volatile long r = 0;

	caught = 0;
	if (!sigsetjmp(env, 1))
		r = ((vfn3)addr)(a, b, c);
	if (caught)
		hs_printf("%s: signal SIG%s ok\n", what, sigabbrev_np(caught));
	else if (r >= 0 && r < 65536)
		hs_printf("%s: returned %ld ok\n", what, r);
	else if (r >= 65536)
		hs_printf("%s: returned a value >= 65536 ok\n", what);
	else
		hs_printf("%s: returned -%s ok\n", what, hs_errname(-r) ? hs_errname(-r) : "E?");
}

/* Copies up to 16 bytes at @addr into @out; false if reading faulted. */
static bool peek16(unsigned long addr, unsigned char *out)
{
	caught = 0;
	if (!sigsetjmp(env, 1))
		memcpy(out, (const void *)addr, 16);
	return !caught;
}

int main(void)
{
	static const int sigs[] = { SIGSEGV, SIGSYS, SIGBUS, SIGILL, SIGTRAP };
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };
	unsigned char before[16], after[16];
	struct timeval tv;
	unsigned cpu, node;
	time_t t;
	bool readable;

	hs_require_sandbox("vsyscall");
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);

	readable = peek16(HS_STUB_ADDR, before);
	hs_printf("read the stub page at %#lx: %s\n", HS_STUB_ADDR,
		  readable ? "readable" : "faults");
	call("vsyscall gettimeofday(&tv, NULL)", VSYSCALL, &tv, NULL, NULL);
	call("vsyscall time(&t)", VSYSCALL + 0x400, &t, NULL, NULL);
	call("vsyscall getcpu(&cpu, &node, NULL)", VSYSCALL + 0x800, &cpu, &node, NULL);
	call("vsyscall gettimeofday(stub page, NULL)", VSYSCALL, (void *)HS_STUB_ADDR, NULL,
	     NULL);
	call("vsyscall gettimeofday(non-canonical, NULL)", VSYSCALL,
	     (void *)0x8000000000000000UL, NULL, NULL);
	call("vsyscall time(stub page)", VSYSCALL + 0x400, (void *)(HS_STUB_ADDR + 64), NULL,
	     NULL);
	call("call vsyscall+1 (misaligned)", VSYSCALL + 1, NULL, NULL, NULL);
	caught = 0;
	if (!sigsetjmp(env, 1))
		(void)*(volatile unsigned char *)VSYSCALL;
	if (caught)
		hs_printf("read vsyscall page: signal SIG%s ok\n", sigabbrev_np(caught));
	else
		hs_printf("read vsyscall page: readable ok\n");
	if (readable) {
		bool same = peek16(HS_STUB_ADDR, after) && !memcmp(before, after, 16);

		hs_report("stub page unchanged", same ? 0 : -EIO, same);
	}
	/* The direct syscalls at the stub page, for comparison: EFAULT from the Sentry. */
	hs_must_fail_with("gettimeofday(stub page) syscall",
			  hs_sys2(SYS_gettimeofday, HS_STUB_ADDR, 0), EFAULT);
	hs_must_fail_with("clock_gettime(CLOCK_REALTIME, stub page) syscall",
			  hs_sys2(SYS_clock_gettime, CLOCK_REALTIME, HS_STUB_ADDR), EFAULT);
	return hs_done("done");
}
