/* guard_page: a PROT_NONE guard page between two read-write pages, hit by a store. The
 * SIGSEGV handler checks si_code is SEGV_ACCERR and si_addr is the faulting address,
 * then mprotects the guard page read-write and returns, so the faulting instruction is
 * restarted and completes; the stored value must then be there and the old contents
 * kept. Repeats ten times, re-protecting the guard each time, to count hits, then makes
 * the guard PROT_READ: loads pass, a store faults once (SEGV_ACCERR again). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *guard;
static long pg;
static volatile int hits, wrong;

static void handler(int sig, siginfo_t *si, void *uc)
{
	char *a = si->si_addr;

	if (sig != SIGSEGV || si->si_code != SEGV_ACCERR || a < guard || a >= guard + pg)
		wrong++;
	hits++;
	if (mprotect(guard, pg, PROT_READ | PROT_WRITE))
		wrong++;
}

int main(void)
{
	struct sigaction sa;
	char *m;

	pg = sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);

	m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	guard = m + pg;
	memset(m, 'a', 3 * pg);
	if (mprotect(guard, pg, PROT_NONE)) {
		perror("mprotect");
		return 1;
	}
	m[0] = 'x';
	m[2 * pg] = 'y';
	printf("neighbours writable: yes, hits so far %d\n", hits);

	*(volatile char *)(guard + 100) = 'g';
	printf("after store: hits %d, wrong %d, value %c, guard old contents %c\n", hits, wrong,
	       guard[100], guard[0]);

	for (int i = 0; i < 10; i++) {
		mprotect(guard, pg, PROT_NONE);
		*(volatile char *)(guard + i * 8) = (char)('0' + i);
	}
	printf("after 10 more: hits %d, wrong %d, values", hits, wrong);
	for (int i = 0; i < 10; i++)
		printf(" %c", guard[i * 8]);
	printf("\n");

	/* Read-only guard: loads succeed, stores fault. */
	mprotect(guard, pg, PROT_READ);
	printf("read through PROT_READ guard: %c, hits %d\n", guard[200], hits);
	*(volatile char *)(guard + 200) = 'w';
	printf("store to PROT_READ guard: hits %d, wrong %d, value %c\n", hits, wrong,
	       guard[200]);
	return wrong ? 1 : 0;
}
