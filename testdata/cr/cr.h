/* cr.h (include it first: it defines _GNU_SOURCE): shared by the testdata/cr programs (zdtm form). A program sets up its state,
 * prints a line starting with "ready", and waits for SIGUSR1 (cr_wait); the harness
 * checkpoints, restores and signals it; the program then prints "resumed", verifies its
 * state and exits 0, or prints what differs and exits 1. Everything printed must be the
 * same natively and under sbx, so addresses and times go to stderr only.
 *
 * SIGUSR1 is blocked before its handler is installed and only unblocked inside
 * the wait (ppoll with a signal mask), so a signal sent right after the ready mark is never lost (a pid 1
 * ignores signals without a handler). */
#ifndef SBX_TD_CR_H
#define SBX_TD_CR_H

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t cr_got_usr1;

static inline void cr_on_usr1(int sig)
{
	(void)sig;
	cr_got_usr1 = 1;
}

/* Blocks SIGUSR1 and installs its handler; call before the ready mark. */
static inline void cr_arm(void)
{
	struct sigaction sa;
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &s, NULL)) {
		perror("sigprocmask");
		exit(2);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cr_on_usr1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL)) {
		perror("sigaction");
		exit(2);
	}
}

/* printf to stdout and flush: the harness watches the file. */
__attribute__((format(printf, 1, 2))) static inline void cr_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* Waits until SIGUSR1 came: in ppoll with no fds, no timeout and SIGUSR1 unblocked
 * only there (sigsuspend's job; the Sentry has no sigsuspend or pause yet). Should ppoll
 * be missing too, polls the flag with SIGUSR1 unblocked between 20 ms sleeps. */
static inline void cr_wait(void)
{
	sigset_t m;

	sigprocmask(SIG_BLOCK, NULL, &m);
	sigdelset(&m, SIGUSR1);
	while (!cr_got_usr1) {
		if (ppoll(NULL, 0, NULL, &m) < 0 && errno == ENOSYS) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			sigprocmask(SIG_SETMASK, &m, NULL);
			while (!cr_got_usr1)
				nanosleep(&ts, NULL);
			sigaddset(&m, SIGUSR1);
			sigprocmask(SIG_SETMASK, &m, NULL);
		}
	}
	cr_say("resumed\n");
}

static inline uint64_t cr_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A 64-bit hash of n bytes (n a multiple of 8), seeded. */
static inline uint64_t cr_hash(const void *p, size_t n, uint64_t h)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < n / 8; i++) {
		h ^= w[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

#endif
