/* sigaltstack: a SIGUSR1 handler installed with SA_ONSTACK runs on the alternate signal
 * stack: the address of a local variable in the handler lies inside the registered
 * range, and sigaltstack(NULL, &old) in the handler reports SS_ONSTACK. Without
 * SA_ONSTACK the same handler runs on the normal stack. The alternate stack is reported
 * back unchanged by sigaltstack outside handlers (flags 0, same sp and size), can't be
 * changed while on it (EPERM), and SS_DISABLE turns it off. Finally an infinite
 * recursion overflows the main stack; the SIGSEGV handler, on the alternate stack,
 * recovers with siglongjmp. raise() sends the signals to self (pid 1): init ignores
 * unhandled signals, but these are handled, so they must be delivered. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile int on_alt, flags_onstack, change_errno, calls;
static sigjmp_buf env;

static void usr1(int sig)
{
	volatile char local;
	stack_t old, ss;
	uintptr_t a = (uintptr_t)&local;

	calls++;
	on_alt = a >= (uintptr_t)alt && a < (uintptr_t)alt + ALT_SIZE;
	sigaltstack(NULL, &old);
	flags_onstack = (old.ss_flags & SS_ONSTACK) != 0;
	memset(&ss, 0, sizeof(ss));
	ss.ss_flags = SS_DISABLE;
	change_errno = sigaltstack(&ss, NULL) ? errno : 0;
}

static void segv(int sig, siginfo_t *si, void *uc)
{
	volatile char local;
	uintptr_t a = (uintptr_t)&local;

	on_alt = a >= (uintptr_t)alt && a < (uintptr_t)alt + ALT_SIZE;
	siglongjmp(env, 1);
}

static volatile unsigned long depth;

static unsigned long recurse(unsigned long n)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	depth = n;
	if (n == ~0UL)	/* never: keeps the compiler from calling this infinite */
		return 0;
	return recurse(n + 1) + pad[0];
}

int main(void)
{
	struct sigaction sa;
	stack_t ss, old;

	alt = malloc(ALT_SIZE);
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL)) {
		perror("sigaltstack");
		return 1;
	}
	sigaltstack(NULL, &old);
	printf("registered: flags %d, sp matches %s, size matches %s\n", old.ss_flags,
	       old.ss_sp == alt ? "yes" : "no", old.ss_size == ALT_SIZE ? "yes" : "no");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = usr1;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("SA_ONSTACK: calls %d, on alt stack %s, SS_ONSTACK seen %s, change while on "
	       "it: %s\n", calls, on_alt ? "yes" : "no", flags_onstack ? "yes" : "no",
	       change_errno == EPERM ? "EPERM" : change_errno ? strerror(change_errno) : "allowed");

	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("no SA_ONSTACK: calls %d, on alt stack %s, SS_ONSTACK seen %s\n", calls,
	       on_alt ? "yes" : "no", flags_onstack ? "yes" : "no");

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	on_alt = 0;
	if (!sigsetjmp(env, 1))
		recurse(0);
	printf("stack overflow caught: yes, handler on alt stack %s, depth > 1000 %s\n",
	       on_alt ? "yes" : "no", depth > 1000 ? "yes" : "no");

	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	sigaltstack(NULL, &old);
	printf("after SS_DISABLE: flags %s\n", old.ss_flags == SS_DISABLE ? "SS_DISABLE" : "other");
	return 0;
}
