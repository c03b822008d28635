/* segv_recover: a SIGSEGV handler (SA_SIGINFO) that recovers with siglongjmp. Faults
 * five different ways: load from NULL+16, store to an unmapped page (munmap'd just
 * before), store to a PROT_READ page, load from a PROT_NONE page, and execute from a
 * non-executable page. For each it checks si_signo, si_code (SEGV_MAPERR vs
 * SEGV_ACCERR) and si_addr (the faulting address, or the jump target for the exec
 * case), and that SIGSEGV is unblocked again after siglongjmp restored the mask. Also
 * checks the handler saw SIGSEGV blocked while running (no SA_NODEFER). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int got_signo, got_code, blocked_in_handler;
static void *volatile got_addr;
/* Through a volatile pointer, so the compiler neither warns nor folds the access. */
static volatile int *volatile null16 = (volatile int *)16;

static void handler(int sig, siginfo_t *si, void *uc)
{
	sigset_t cur;

	got_signo = si->si_signo;
	got_code = si->si_code;
	got_addr = si->si_addr;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	blocked_in_handler = sigismember(&cur, SIGSEGV);
	siglongjmp(env, 1);
}

static const char *code_name(int c)
{
	switch (c) {
	case SEGV_MAPERR: return "SEGV_MAPERR";
	case SEGV_ACCERR: return "SEGV_ACCERR";
	case SI_KERNEL: return "SI_KERNEL";
	default: return "other";
	}
}

static void report(const char *what, void *expect)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("%s: signo %s, code %s, addr %s, blocked in handler %s, unblocked after %s\n",
	       what, got_signo == SIGSEGV ? "SIGSEGV" : "wrong",
	       code_name(got_code), got_addr == expect ? "ok" : "wrong",
	       blocked_in_handler ? "yes" : "no", sigismember(&cur, SIGSEGV) ? "no" : "yes");
	got_signo = got_code = 0;
	got_addr = NULL;
}

int main(void)
{
	struct sigaction sa;
	long pg = sysconf(_SC_PAGESIZE);
	char *m;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL)) {
		perror("sigaction");
		return 1;
	}

	m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(m, 0xc3, 4 * pg);	/* ret, for the exec case */
	munmap(m + pg, pg);
	mprotect(m + 2 * pg, pg, PROT_READ);
	mprotect(m + 3 * pg, pg, PROT_NONE);

	if (!sigsetjmp(env, 1))
		(void)*null16;
	report("load NULL+16", (void *)16);

	if (!sigsetjmp(env, 1))
		*(volatile char *)(m + pg + 8) = 1;
	report("store unmapped", m + pg + 8);

	if (!sigsetjmp(env, 1))
		*(volatile char *)(m + 2 * pg + 16) = 1;
	report("store read-only", m + 2 * pg + 16);

	if (!sigsetjmp(env, 1))
		(void)*(volatile char *)(m + 3 * pg + 24);
	report("load PROT_NONE", m + 3 * pg + 24);

	/* m is PROT_READ|PROT_WRITE, not executable: the fetch faults at the target. */
	if (!sigsetjmp(env, 1))
		((void (*)(void))(m + 32))();
	report("exec non-exec", m + 32);

	/* The page is intact after all that. */
	printf("page contents intact: %s\n", (unsigned char)m[2 * pg] == 0xc3 ? "yes" : "no");
	return 0;
}
