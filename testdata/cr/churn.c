/* churn [ROUNDS] [SLEEP_MS]: memory churn for the property test. Keeps up to 24
 * anonymous regions and the heap and, each round, does a few PRNG-chosen operations:
 * mmap a new region (1 to 512 pages, filled from the PRNG), munmap one or cut its
 * tail, grow or shrink one with mremap, mprotect one read-only or back,
 * MADV_DONTNEED part of one, move the break up or down. Then prints the round's region
 * count, pages and a checksum of all the contents, and sleeps SLEEP_MS (default 30) ms.
 * ROUNDS defaults to 60. Deterministic; exits 0 (2 if a call fails). */
#include "cr.h"

#include <sys/mman.h>
#include <time.h>

#define PG 4096UL
#define NREG 24

struct reg {
	char *p;
	size_t pages;
	int ro;
	uint64_t tag;
};

static struct reg regs[NREG];
static uint64_t rng = 99;

static uint64_t rnd(uint64_t n) { return cr_splitmix(&rng) % n; }

static void fill(char *p, size_t pages, uint64_t tag)
{
	uint64_t s = tag;

	for (size_t i = 0; i < pages * PG / 8; i++)
		((uint64_t *)p)[i] = cr_splitmix(&s);
}

static void die2(const char *what)
{
	perror(what);
	exit(2);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 60;
	long ms = argc > 2 ? atol(argv[2]) : 30;
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };
	char *brk0 = sbrk(0);
	size_t brk_pages = 0;

	cr_say("ready churn: %d rounds\n", rounds);
	for (int r = 0; r < rounds; r++) {
		for (int op = 0; op < 6; op++) {
			struct reg *g = &regs[rnd(NREG)];

			switch (rnd(8)) {
			case 0: case 1:
				if (g->p)
					break;
				g->pages = 1 + rnd(512);
				g->tag = cr_splitmix(&rng);
				g->ro = 0;
				g->p = mmap(NULL, g->pages * PG, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (g->p == MAP_FAILED)
					die2("mmap");
				fill(g->p, g->pages, g->tag);
				break;
			case 2:
				if (g->p && munmap(g->p, g->pages * PG))
					die2("munmap");
				g->p = NULL;
				break;
			case 3:
				if (g->p && g->pages > 2) {
					size_t keep = 1 + rnd(g->pages - 1);

					if (munmap(g->p + keep * PG, (g->pages - keep) * PG))
						die2("munmap tail");
					g->pages = keep;
				}
				break;
			case 4:
				if (g->p && !g->ro) {
					size_t np = 1 + rnd(768);
					char *q = mremap(g->p, g->pages * PG, np * PG, MREMAP_MAYMOVE);

					if (q == MAP_FAILED)
						die2("mremap");
					if (np > g->pages)
						memset(q + g->pages * PG, (int)(np & 0xff),
						       (np - g->pages) * PG);
					g->p = q;
					g->pages = np;
				}
				break;
			case 5:
				if (g->p) {
					g->ro = !g->ro;
					if (mprotect(g->p, g->pages * PG,
						     g->ro ? PROT_READ : PROT_READ | PROT_WRITE))
						die2("mprotect");
				}
				break;
			case 6:
				if (g->p && !g->ro) {
					size_t off = rnd(g->pages), n = 1 + rnd(g->pages - off);

					if (madvise(g->p + off * PG, n * PG, MADV_DONTNEED))
						die2("madvise");
					g->p[off * PG] = (char)r;
				}
				break;
			case 7: {
				size_t np = rnd(256);

				if (brk(brk0 + np * PG))
					die2("brk");
				if (np > brk_pages)
					memset(brk0 + brk_pages * PG, (int)r, (np - brk_pages) * PG);
				brk_pages = np;
				break;
			}
			}
		}
		uint64_t h = 0x1234;
		size_t n = 0, pages = 0;

		for (int i = 0; i < NREG; i++) {
			if (!regs[i].p)
				continue;
			n++;
			pages += regs[i].pages;
			h = cr_hash(regs[i].p, regs[i].pages * PG, h);
		}
		h = cr_hash(brk0, brk_pages * PG, h);
		cr_say("round %d: %zu regions, %zu pages, heap %zu pages, checksum %016llx\n", r,
		       n, pages, brk_pages, (unsigned long long)h);
		nanosleep(&ts, NULL);
	}
	cr_say("done\n");
	return 0;
}
