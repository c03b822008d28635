/* malloc_churn: allocates and frees 100 MB in total through glibc malloc, with sizes
 * from 16 bytes to 1 MB drawn from a fixed-seed generator, so both brk growth/shrink
 * and mmap/munmap (above the mmap threshold) are exercised, along with realloc and
 * calloc. Every block is filled with a pattern derived from its sequence number and
 * checked when freed; a checksum of everything read back is printed, so any page that
 * loses its contents (bad copy-on-write, a wrongly zeroed or reused page) shows. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512
#define TOTAL (100UL << 20)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct slot {
	unsigned char *p;
	size_t n;
	uint32_t seq;
};

static struct slot slots[SLOTS];
static uint64_t sum;
static unsigned long bad;

static void fill(struct slot *s)
{
	for (size_t i = 0; i < s->n; i += 61)
		s->p[i] = (unsigned char)(s->seq * 31 + i);
	if (s->n)
		s->p[s->n - 1] = (unsigned char)s->seq;
}

/* Checks the first `upto` bytes of a block filled by fill() when it was s->n long. */
static void check(const struct slot *s, size_t upto)
{
	for (size_t i = 0; i < upto; i += 61) {
		if (i == s->n - 1)
			continue;
		if (s->p[i] != (unsigned char)(s->seq * 31 + i))
			bad++;
		sum = sum * 1099511628211ULL + s->p[i];
	}
	if (upto == s->n && s->p[s->n - 1] != (unsigned char)s->seq)
		bad++;
}

static size_t pick_size(void)
{
	uint64_t r = next();
	switch (r % 8) {
	case 0: return 128 * 1024 + r % (896 * 1024);	/* mmap'd by malloc */
	case 1: case 2: return 4096 + r % 60000;
	default: return 16 + r % 2000;
	}
}

int main(void)
{
	unsigned long allocated = 0, nalloc = 0, nrealloc = 0, ncalloc = 0;
	uint32_t seq = 0;

	while (allocated < TOTAL) {
		struct slot *s = &slots[next() % SLOTS];
		uint64_t op = next() % 16;

		if (s->p) {
			check(s, s->n);
			if (op == 0) {
				/* realloc keeps the common prefix. */
				size_t n = pick_size(), keep = n < s->n ? n : s->n;
				unsigned char *q = realloc(s->p, n);
				if (!q) {
					printf("realloc failed\n");
					return 1;
				}
				s->p = q;
				check(s, keep);
				s->n = n;
				fill(s);
				allocated += n;
				nrealloc++;
				continue;
			}
			free(s->p);
			s->p = NULL;
		}
		s->n = pick_size();
		s->seq = ++seq;
		if (op == 1) {
			s->p = calloc(1, s->n);
			ncalloc++;
			if (s->p)
				for (size_t i = 0; i < s->n; i += 509)
					if (s->p[i])
						bad++;
		} else {
			s->p = malloc(s->n);
		}
		if (!s->p) {
			printf("allocation of %zu failed\n", s->n);
			return 1;
		}
		fill(s);
		allocated += s->n;
		nalloc++;
	}
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].p) {
			check(&slots[i], slots[i].n);
			free(slots[i].p);
		}
	printf("allocated %lu bytes in %lu mallocs (%lu calloc), %lu reallocs\n", allocated,
	       nalloc, ncalloc, nrealloc);
	printf("checksum %016llx\n", (unsigned long long)sum);
	printf("corrupt bytes %lu\n", bad);
	return bad ? 1 : 0;
}
