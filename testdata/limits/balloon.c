/*
 * balloon: fills memory until the limit says no, then shows it can breathe again.
 * Under sbx it runs with `sbx run --memory 64m` (the harness passes it); natively it
 * sets RLIMIT_AS to 64 MiB itself, which refuses the same calls with the same errno
 * (ENOMEM) at nearly the same size, the difference being what each counts besides
 * the balloon (the vdso, stack reservations), so sizes are printed as ranges.
 *
 * Three ways in: mmap + touch in 1 MiB steps, malloc (brk, then glibc's mmap
 * fallback), and one mremap growth; after each, everything is freed and a 16 MiB
 * mapping must fit again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MiB (1024UL * 1024)
#define LIMIT (64 * MiB)
#define MAXCHUNKS 4096

static void *chunks[MAXCHUNKS];

static const char *range(int n)
{
	return n >= 48 && n < 64 ? "between 48 and 63 MiB" : "out of range";
}

static void *map(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void breathe(void)
{
	void *p = map(16 * MiB);

	printf("after freeing, a 16 MiB mapping: %s\n", p == MAP_FAILED ? "refused" : "fits");
	if (p != MAP_FAILED) {
		memset(p, 7, 16 * MiB);
		munmap(p, 16 * MiB);
	}
}

int main(void)
{
	struct utsname u;
	int n, err;
	void *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (uname(&u) || strcmp(u.nodename, "sbx")) {
		struct rlimit rl = { LIMIT, RLIM_INFINITY };

		if (setrlimit(RLIMIT_AS, &rl)) {
			perror("setrlimit");
			return 1;
		}
	}

	for (n = 0; n < MAXCHUNKS && (chunks[n] = map(MiB)) != MAP_FAILED; n++)
		memset(chunks[n], n, MiB);
	err = errno;
	printf("mmap+touch: stopped by %s after %s\n", n < MAXCHUNKS ? strerrorname_np(err) :
	       "nothing", range(n));
	fprintf(stderr, "mmap+touch: %d MiB\n", n);
	for (int i = 0; i < n; i++)
		if (((unsigned char *)chunks[i])[MiB - 1] != (unsigned char)i)
			printf("chunk %d lost its contents\n", i);
	while (n--)
		munmap(chunks[n], MiB);
	breathe();

	for (n = 0; n < MAXCHUNKS && (chunks[n] = malloc(MiB - 64)); n++)
		memset(chunks[n], 1, MiB - 64);
	err = errno;
	printf("malloc: NULL with %s after %s\n", strerrorname_np(err), range(n));
	fprintf(stderr, "malloc: %d MiB\n", n);
	while (n--)
		free(chunks[n]);
	malloc_trim(0);
	breathe();

	p = map(8 * MiB);
	memset(p, 3, 8 * MiB);
	printf("mremap 8 -> 128 MiB: %s\n", mremap(p, 8 * MiB, 128 * MiB, MREMAP_MAYMOVE) ==
	       MAP_FAILED ? strerrorname_np(errno) : "ok");
	printf("the 8 MiB are still there: %s\n",
	       ((unsigned char *)p)[8 * MiB - 1] == 3 ? "yes" : "no");
	munmap(p, 8 * MiB);
	breathe();
	return 0;
}
