/*
 * cr_mem_limit (zdtm form, for tests/integration/cr/case.sh): the sandbox memory
 * limit survives checkpoint and restore. Under sbx it runs with --memory 64m;
 * natively RLIMIT_AS at 64 MiB stands in for it. Before the checkpoint it fills
 * 24 MiB with a pattern; after the restore a 64 MiB mapping must be refused, the
 * rest must fill up to the limit and no further, and the pattern must be intact.
 */
#include "../cr/cr.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#define MiB (1024UL * 1024)

static void *map(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
	struct utsname u;
	unsigned char *keep;
	int n, bad = 0;
	void *p;

	if (uname(&u) || strcmp(u.nodename, "sbx")) {
		struct rlimit rl = { 64 * MiB, RLIM_INFINITY };

		if (setrlimit(RLIMIT_AS, &rl)) {
			perror("setrlimit");
			return 2;
		}
	}
	cr_arm();
	keep = map(24 * MiB);
	if (keep == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	for (size_t i = 0; i < 24 * MiB; i += 4096)
		keep[i] = (unsigned char)(i >> 12);
	cr_say("before: 64 MiB mapping %s\n", map(64 * MiB) == MAP_FAILED ?
	       strerrorname_np(errno) : "fits");
	cr_say("ready\n");
	cr_wait();

	p = map(64 * MiB);
	cr_say("after: 64 MiB mapping %s\n", p == MAP_FAILED ? strerrorname_np(errno) : "fits");
	for (n = 0; n < 1000 && (p = map(MiB)) != MAP_FAILED; n++)
		memset(p, 5, MiB);
	fprintf(stderr, "after: %d MiB more fit\n", n);
	cr_say("after: filled until %s, %s\n", strerrorname_np(errno),
	       n >= 28 && n <= 40 ? "28 to 40 MiB more" : "out of range");
	for (size_t i = 0; i < 24 * MiB; i += 4096)
		bad |= keep[i] != (unsigned char)(i >> 12);
	cr_say("pattern intact: %s\n", bad ? "no" : "yes");
	return bad;
}
