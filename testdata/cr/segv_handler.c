/* segv_handler: installs a SIGSEGV handler (SA_SIGINFO, on an alternate stack) and maps
 * a PROT_NONE page and a read-only page before the ready mark; after SIGUSR1 (so after
 * restore) it faults on each and recovers with siglongjmp, checking si_code and
 * si_addr, that the handler ran on the alternate stack, and that SIGSEGV is unblocked
 * again afterwards. Exits 0 when all of that holds. */
#include "cr.h"

#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile int got_code, on_altstack;
static void *volatile got_addr;
static char *altstack;
static size_t altstack_len = 64 * 1024;

static void handler(int sig, siginfo_t *si, void *uc)
{
	char here;

	(void)sig;
	(void)uc;
	got_code = si->si_code;
	got_addr = si->si_addr;
	on_altstack = &here >= altstack && &here < altstack + altstack_len;
	siglongjmp(env, 1);
}

static int fault(const char *what, volatile char *addr, int write, int want_code)
{
	sigset_t cur;
	int ok;

	got_code = 0;
	got_addr = NULL;
	on_altstack = 0;
	if (!sigsetjmp(env, 1)) {
		if (write)
			*addr = 1;
		else
			(void)*addr;
		cr_say("%s: no fault\n", what);
		return 0;
	}
	sigprocmask(SIG_BLOCK, NULL, &cur);
	ok = got_code == want_code && got_addr == (void *)addr && on_altstack &&
	     !sigismember(&cur, SIGSEGV);
	cr_say("%s: code %s, addr %s, on alternate stack %s, unblocked after %s\n", what,
	       got_code == want_code ? "ok" : "wrong", got_addr == (void *)addr ? "ok" : "wrong",
	       on_altstack ? "yes" : "no", sigismember(&cur, SIGSEGV) ? "no" : "yes");
	return ok;
}

int main(void)
{
	struct sigaction sa;
	stack_t ss;
	char *none, *ro;
	int ok = 1;

	altstack = mmap(NULL, altstack_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (altstack == MAP_FAILED || none == MAP_FAILED || ro == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	ss.ss_sp = altstack;
	ss.ss_size = altstack_len;
	ss.ss_flags = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaltstack(&ss, NULL) || sigaction(SIGSEGV, &sa, NULL)) {
		perror("sigaltstack/sigaction");
		return 2;
	}
	cr_arm();
	cr_say("ready segv_handler\n");
	cr_wait();
	ok &= fault("read PROT_NONE", none + 100, 0, SEGV_ACCERR);
	ok &= fault("write PROT_READ", ro + 200, 1, SEGV_ACCERR);
	ok &= fault("write PROT_NONE again", none + 300, 1, SEGV_ACCERR);
	cr_say("%s\n", ok ? "ok" : "FAIL");
	return !ok;
}
