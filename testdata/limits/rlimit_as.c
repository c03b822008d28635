/*
 * rlimit_as: RLIMIT_AS on mmap, brk, mremap and PROT_NONE reservations, compared
 * with Linux (may_expand_vm: every mapping counts, whatever its protection; an
 * mmap over mapped pages counts only what it adds).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define MiB (1024UL * 1024)

static void show(const char *what, void *p)
{
	printf("%-48s %s\n", what, p == MAP_FAILED ? strerrorname_np(errno) : "ok");
}

static void *map(size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
	struct rlimit rl = { 64 * MiB, RLIM_INFINITY };
	void *a, *b, *p;
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("setrlimit(AS, 64 MiB): %s\n", setrlimit(RLIMIT_AS, &rl) ? "failed" : "ok");
	show("mmap 128 MiB", map(128 * MiB, PROT_READ | PROT_WRITE));
	show("mmap 128 MiB PROT_NONE", map(128 * MiB, PROT_NONE));
	show("mmap 128 MiB MAP_NORESERVE",
	     mmap(NULL, 128 * MiB, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
	show("mmap 16 MiB", a = map(16 * MiB, PROT_READ | PROT_WRITE));
	memset(a, 1, 16 * MiB);
	show("mmap MAP_FIXED over those 16 MiB", mmap(a, 16 * MiB, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	show("mmap 16 MiB more", b = map(16 * MiB, PROT_READ | PROT_WRITE));
	show("mremap 16 -> 64 MiB, may move", mremap(b, 16 * MiB, 64 * MiB, MREMAP_MAYMOVE));
	show("mremap 16 -> 20 MiB, may move", p = mremap(b, 16 * MiB, 20 * MiB, MREMAP_MAYMOVE));
	if (p != MAP_FAILED)
		b = p;
	show("sbrk 64 MiB", sbrk(64 * MiB) == (void *)-1 ? MAP_FAILED : NULL);
	/* Fill to the limit in 1 MiB steps: how many fit depends on what the program
	 * itself maps (its image, stack, vdso), so only a range is printed. */
	for (n = 0; n < 1000 && map(MiB, PROT_READ | PROT_WRITE) != MAP_FAILED; n++)
		;
	printf("1 MiB mmaps until %s: %s\n", strerrorname_np(errno),
	       n >= 16 && n < 32 ? "between 16 and 31" : "out of range");
	fprintf(stderr, "1 MiB mmaps: %d\n", n);
	show("mmap 1 MiB at the limit", map(MiB, PROT_READ | PROT_WRITE));
	munmap(a, 16 * MiB);
	show("mmap 8 MiB after munmap of 16", map(8 * MiB, PROT_READ | PROT_WRITE));
	/* Lowering the limit below what is mapped is allowed; growth then fails. */
	rl.rlim_cur = 1 * MiB;
	printf("setrlimit(AS, 1 MiB) while above it: %s\n",
	       setrlimit(RLIMIT_AS, &rl) ? strerrorname_np(errno) : "ok");
	show("mmap 4 KiB above the limit", map(4096, PROT_READ));
	rl.rlim_cur = RLIM_INFINITY;
	setrlimit(RLIMIT_AS, &rl);
	show("mmap 128 MiB without a limit", map(128 * MiB, PROT_READ | PROT_WRITE));
	return 0;
}
