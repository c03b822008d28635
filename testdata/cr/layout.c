/* layout: records its own address-space layout, and after SIGUSR1 (after restore)
 * checks it is identical: sbrk(0) after growing the heap, mmap results (read-write,
 * read-only, MAP_FIXED_NOREPLACE at a chosen address, a region grown by mremap, and
 * one with its middle page unmapped), a stack address, a global, main, environ and
 * AT_RANDOM. Also that the contents survived, the read-only page still faults on write,
 * the hole still faults with SEGV_MAPERR, and the heap and mmap still work afterwards
 * without overlapping anything. Addresses go to stderr; stdout only says what differs.
 * Exits 0 when all is the same. */
#include "cr.h"

#include <setjmp.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#define PG 4096UL
#define FIXED_ADDR ((void *)0x100000000000UL)

extern char **environ;
static int global_var = 42;
int main(void);
static sigjmp_buf env;
static volatile int got_code;
static void *volatile got_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_code = si->si_code;
	got_addr = si->si_addr;
	siglongjmp(env, 1);
}

/* 1 if touching addr (write or read) faults with code. */
static int faults(volatile char *addr, int write, int code)
{
	got_code = 0;
	got_addr = NULL;
	if (!sigsetjmp(env, 1)) {
		if (write)
			*addr = 1;
		else
			(void)*addr;
		return 0;
	}
	return got_code == code && got_addr == (void *)addr;
}

enum { A_BRK, A_RW, A_RO, A_FIXED, A_REMAP, A_HOLEY, A_STACK, A_GLOBAL, A_MAIN, A_ENVIRON,
       A_RANDOM, A_N };
static const char *names[A_N] = { "sbrk(0)", "mmap rw", "mmap ro", "mmap fixed",
	"mremap", "mmap with hole", "stack", "global", "main", "environ", "AT_RANDOM" };

__attribute__((noinline)) static void record(void **a, char *rw, char *ro, char *fixed, char *remap, char *holey)
{
	volatile char on_stack = 0;

	a[A_BRK] = sbrk(0);
	a[A_RW] = rw;
	a[A_RO] = ro;
	a[A_FIXED] = fixed;
	a[A_REMAP] = remap;
	a[A_HOLEY] = holey;
	a[A_STACK] = (void *)&on_stack;
	a[A_GLOBAL] = &global_var;
	a[A_MAIN] = (void *)main;
	a[A_ENVIRON] = environ;
	a[A_RANDOM] = (void *)getauxval(AT_RANDOM);
}

static uint64_t sum(const char *p, size_t n, uint64_t seed)
{
	return cr_hash(p, n, seed);
}

int main(void)
{
	void *before[A_N], *after[A_N];
	char *rw, *ro, *fixed, *remap, *holey, *heap, *fresh;
	uint64_t seed = 7, h0, h1;
	struct sigaction sa;
	int diffs = 0, ok;

	heap = sbrk(3 * PG + 123);
	rw = mmap(NULL, 256 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fixed = mmap(FIXED_ADDR, 8 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	remap = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	holey = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (heap == (void *)-1 || rw == MAP_FAILED || ro == MAP_FAILED || fixed != FIXED_ADDR ||
	    remap == MAP_FAILED || holey == MAP_FAILED) {
		perror("layout: setup");
		return 2;
	}
	memset(remap, 0x5c, PG);
	remap = mremap(remap, PG, 16 * PG, MREMAP_MAYMOVE);
	if (remap == MAP_FAILED) {
		perror("mremap");
		return 2;
	}
	for (size_t i = 0; i < 256 * PG / 8; i++)
		((uint64_t *)rw)[i] = cr_splitmix(&seed);
	memset(ro, 0xa5, 16 * PG);
	mprotect(ro, 16 * PG, PROT_READ);
	memset(fixed, 0x3c, 8 * PG);
	memset(heap, 0x77, 3 * PG + 123);
	memset(holey, 0x11, 3 * PG);
	munmap(holey + PG, PG);
	h0 = sum(rw, 256 * PG, 0);
	h0 = sum(ro, 16 * PG, h0);
	h0 = sum(fixed, 8 * PG, h0);
	h0 = sum(remap, 16 * PG, h0);
	h0 = sum(heap, 3 * PG, h0);
	h0 = sum(holey, PG, h0);
	h0 = sum(holey + 2 * PG, PG, h0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	cr_arm();
	record(before, rw, ro, fixed, remap, holey);
	for (int i = 0; i < A_N; i++)
		fprintf(stderr, "layout: %-15s %p\n", names[i], before[i]);
	cr_say("ready layout: %d addresses recorded\n", A_N);
	cr_wait();
	record(after, rw, ro, fixed, remap, holey);

	for (int i = 0; i < A_N; i++) {
		if (before[i] != after[i]) {
			cr_say("%s differs\n", names[i]);
			fprintf(stderr, "layout: %s was %p, now %p\n", names[i], before[i], after[i]);
			diffs++;
		}
	}
	cr_say("addresses: %d of %d differ\n", diffs, A_N);
	h1 = sum(rw, 256 * PG, 0);
	h1 = sum(ro, 16 * PG, h1);
	h1 = sum(fixed, 8 * PG, h1);
	h1 = sum(remap, 16 * PG, h1);
	h1 = sum(heap, 3 * PG, h1);
	h1 = sum(holey, PG, h1);
	h1 = sum(holey + 2 * PG, PG, h1);
	cr_say("contents: %s\n", h0 == h1 ? "equal" : "differ");
	ok = !diffs && h0 == h1;

	{
		int a = faults(ro + 5 * PG, 1, SEGV_ACCERR);
		int b = faults(holey + PG + 8, 0, SEGV_MAPERR);
		int c = !faults(holey + 2 * PG, 1, 0) && !faults(remap + 15 * PG, 1, 0);

		holey[2 * PG] = 0x11;	/* undo the test writes for the hash below */
		remap[15 * PG] = 0;
		cr_say("read-only page faults on write: %s\n", a ? "yes" : "no");
		cr_say("hole faults with SEGV_MAPERR: %s\n", b ? "yes" : "no");
		cr_say("neighbours of the hole and the mremap tail writable: %s\n", c ? "yes" : "no");
		ok &= a && b && c;
	}
	{
		char *more = sbrk(16 * PG);
		int grew = more == after[A_BRK] && sbrk(0) == (char *)after[A_BRK] + 16 * PG;

		if (more != (void *)-1)
			memset(more, 1, 16 * PG);
		cr_say("heap grows from the same break: %s\n", grew ? "yes" : "no");
		ok &= grew;
	}
	fresh = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	{
		char *starts[] = { rw, ro, fixed, remap, holey };
		size_t lens[] = { 256 * PG, 16 * PG, 8 * PG, 16 * PG, 3 * PG };
		int overlap = fresh == MAP_FAILED;

		for (int i = 0; i < 5 && !overlap; i++)
			overlap = fresh < starts[i] + lens[i] && fresh + 64 * PG > starts[i];
		if (!overlap)
			memset(fresh, 2, 64 * PG);
		cr_say("new mmap works without overlap: %s\n", overlap ? "no" : "yes");
		ok &= !overlap;
	}
	/* The old mappings were not disturbed by the new ones. */
	h1 = sum(rw, 256 * PG, 0);
	h1 = sum(ro, 16 * PG, h1);
	h1 = sum(fixed, 8 * PG, h1);
	h1 = sum(remap, 16 * PG, h1);
	h1 = sum(heap, 3 * PG, h1);
	h1 = sum(holey, PG, h1);
	h1 = sum(holey + 2 * PG, PG, h1);
	ok &= h0 == h1;
	cr_say("%s\n", ok ? "ok" : "FAIL");
	return !ok;
}
