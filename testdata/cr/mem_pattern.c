/* mem_pattern [MB] [SEED]: fills MB MiB (default 256) of anonymous memory with a
 * mix of pages, chosen per page by a hash of its index: half random (splitmix64 seeded
 * by SEED and the page index: incompressible), a quarter zero (half of them never
 * touched, half written and then cleared), a quarter text (a repeated line naming the
 * page). Also 1 MiB from sbrk with random pages, and a read-only copy of the first 64
 * pages (mprotect). Hashes all of it, prints the ready mark with the hash, waits for
 * SIGUSR1 (cr.h), then hashes again and checks every page against its generator; exits
 * 0 when everything matches, 1 listing the first differing pages otherwise. The
 * benchmark in tests/bench/cr/ uses it with 64, 256 and 1024 MB. */
#include "cr.h"

#include <sys/mman.h>

#define PG 4096UL

enum kind { K_RANDOM, K_ZERO_UNTOUCHED, K_ZERO_CLEARED, K_TEXT };

static enum kind kind_of(uint64_t i)
{
	uint64_t s = i * 0x2545f4914f6cdd1dull;
	unsigned k = (s >> 40) & 7;

	/* 4 of 8 random, 1 untouched zero, 1 cleared zero, 2 text */
	return k < 4 ? K_RANDOM : k == 4 ? K_ZERO_UNTOUCHED : k == 5 ? K_ZERO_CLEARED : K_TEXT;
}

static void fill_random(uint64_t *w, uint64_t seed, uint64_t i)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull ^ (i + 1) * 0xd1b54a32d192ed03ull;

	for (size_t j = 0; j < PG / 8; j++)
		w[j] = cr_splitmix(&s);
}

static void fill_text(char *p, uint64_t i)
{
	char line[96];
	int n = snprintf(line, sizeof(line),
			 "page %llu: the quick brown fox jumps over the lazy dog.\n",
			 (unsigned long long)i);
	size_t off = 0;

	while (off < PG) {
		size_t c = PG - off < (size_t)n ? PG - off : (size_t)n;
		memcpy(p + off, line, c);
		off += c;
	}
}

/* Expected contents of page i into buf. */
static void expect(char *buf, uint64_t seed, uint64_t i)
{
	switch (kind_of(i)) {
	case K_RANDOM: fill_random((uint64_t *)buf, seed, i); break;
	case K_TEXT: fill_text(buf, i); break;
	default: memset(buf, 0, PG); break;
	}
}

int main(int argc, char **argv)
{
	unsigned long mb = argc > 1 ? strtoul(argv[1], NULL, 0) : 256;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	size_t len = mb << 20, npages = len / PG, counts[4] = { 0 };
	size_t heap_len = 1UL << 20, ro_len = 64 * PG;
	char *mem, *heap, *ro, buf[PG] __attribute__((aligned(8)));
	uint64_t h0, h1;
	size_t bad = 0;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	heap = sbrk(heap_len);
	ro = mmap(NULL, ro_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || heap == (void *)-1 || ro == MAP_FAILED) {
		perror("mem_pattern: allocation");
		return 2;
	}
	for (size_t i = 0; i < npages; i++) {
		char *p = mem + i * PG;
		enum kind k = kind_of(i);

		counts[k]++;
		if (k == K_ZERO_CLEARED) {
			fill_random((uint64_t *)p, seed, i);
			memset(p, 0, PG);
		} else if (k != K_ZERO_UNTOUCHED) {
			expect(p, seed, i);
		}
	}
	for (size_t i = 0; i < heap_len / PG; i++)
		fill_random((uint64_t *)(heap + i * PG), seed + 1, i);
	memcpy(ro, mem, ro_len);
	mprotect(ro, ro_len, PROT_READ);

	h0 = cr_hash(mem, len, seed);
	h0 = cr_hash(heap, heap_len, h0);
	h0 = cr_hash(ro, ro_len, h0);
	cr_arm();
	fprintf(stderr, "mem_pattern: mem %p heap %p ro %p\n", (void *)mem, (void *)heap,
		(void *)ro);
	cr_say("ready mem_pattern %lu MB: %zu random, %zu zero, %zu text pages, hash %016llx\n",
	       mb, counts[K_RANDOM], counts[K_ZERO_UNTOUCHED] + counts[K_ZERO_CLEARED],
	       counts[K_TEXT], (unsigned long long)h0);
	cr_wait();

	h1 = cr_hash(mem, len, seed);
	h1 = cr_hash(heap, heap_len, h1);
	h1 = cr_hash(ro, ro_len, h1);
	for (size_t i = 0; i < npages; i++) {
		expect(buf, seed, i);
		if (memcmp(buf, mem + i * PG, PG)) {
			if (bad++ < 10)
				cr_say("page %zu (kind %d) differs\n", i, kind_of(i));
		}
	}
	for (size_t i = 0; i < heap_len / PG; i++) {
		fill_random((uint64_t *)buf, seed + 1, i);
		if (memcmp(buf, heap + i * PG, PG) && bad++ < 10)
			cr_say("heap page %zu differs\n", i);
	}
	if (memcmp(ro, mem, ro_len) && bad++ < 10)
		cr_say("read-only copy differs\n");
	cr_say("hash after %016llx\n", (unsigned long long)h1);
	if (h0 != h1 || bad) {
		cr_say("FAIL: hash %s, %zu pages differ\n", h0 == h1 ? "same" : "changed", bad);
		return 1;
	}
	cr_say("ok\n");
	return 0;
}
