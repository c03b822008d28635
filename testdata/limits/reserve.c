/*
 * reserve (sbx only, under `sbx run --memory 64m`): address space reserved PROT_NONE
 * is not memory. A JVM reserves its heap and code cache, V8 its pointer cage, Go its
 * arenas, far beyond a container's memory limit, and commits pieces as they are
 * used; Linux counts a private mapping only once it may be written (here: once it
 * may be accessed at all), so the reservations succeed and the limit holds the
 * commits. Also: sysinfo and /proc/meminfo show the limit as the machine's memory,
 * which runtimes size their heaps from.
 *
 * usage: tl_reserve [cr]   (cr: a reservation with a committed piece is made, then
 *                           the ready mark; after SIGUSR1 the same checks go on
 *                           from the restored state)
 * Prints one line per check and "done"; exits 1 if a check failed.
 */
#include "../cr/cr.h"

#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define MiB (1024UL * 1024)
#define LIMIT (64 * MiB)

static int bad;

static void check(const char *what, int ok)
{
	cr_say("%s: %s\n", what, ok ? "ok" : "FAILED");
	bad |= !ok;
}

static void *reserve(size_t len)
{
	return mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}

static unsigned long long free_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si))
		return 0;
	return (unsigned long long)si.freeram * si.mem_unit;
}

static unsigned long long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long v = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			sscanf(line + strlen(key), ": %llu", &v);
	if (f)
		fclose(f);
	return v;
}

/* Makes [p, p+len) writable and writes it; whether both worked. */
static int commit(unsigned char *p, size_t len)
{
	if (mprotect(p, len, PROT_READ | PROT_WRITE))
		return 0;
	memset(p, 0x5a, len);
	return 1;
}

int main(int argc, char **argv)
{
	int cr = argc > 1 && !strcmp(argv[1], "cr");
	unsigned long long before, after;
	unsigned char *r, *g;
	struct utsname u;
	struct sysinfo si;
	void *big[4];
	pid_t pid;
	int st;

	if (uname(&u) || strcmp(u.nodename, "sbx") || getpid() != 1) {
		fprintf(stderr, "reserve: only inside sbx --memory 64m\n");
		return 2;
	}
	check("sysinfo's total memory is the limit",
	      !sysinfo(&si) && (unsigned long long)si.totalram * si.mem_unit == LIMIT);
	check("/proc/meminfo's MemTotal is the limit", meminfo("MemTotal") == LIMIT / 1024);

	before = free_bytes();
	r = reserve(1024 * MiB);
	check("a 1 GiB PROT_NONE reservation", r != MAP_FAILED);
	for (int i = 0; i < 4; i++)
		big[i] = reserve(2048 * MiB);
	check("four more of 2 GiB", big[0] != MAP_FAILED && big[1] != MAP_FAILED &&
				    big[2] != MAP_FAILED && big[3] != MAP_FAILED);
	check("the reservations take no memory", free_bytes() + MiB >= before);
	check("16 MiB of it committed and written", commit(r, 16 * MiB));
	if (cr) {
		cr_arm();
		cr_say("ready\n");
		cr_wait();
	}
	after = free_bytes();
	check("free memory fell by the 16 MiB", after + 16 * MiB <= before + MiB &&
						 after + 17 * MiB >= before);
	check("the committed memory holds its bytes", r[0] == 0x5a && r[16 * MiB - 1] == 0x5a);
	errno = 0;
	check("committing 128 MiB more is ENOMEM",
	      mprotect(r + 16 * MiB, 128 * MiB, PROT_READ | PROT_WRITE) && errno == ENOMEM);
	errno = 0;
	check("read access to 128 MiB counts too: ENOMEM",
	      mprotect(r + 16 * MiB, 128 * MiB, PROT_READ) && errno == ENOMEM);
	check("a plain 128 MiB mapping is still ENOMEM",
	      mmap(NULL, 128 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0) == MAP_FAILED && errno == ENOMEM);
	check("8 MiB more committed, in the middle", commit(r + 512 * MiB, 8 * MiB));
	check("a hole unmapped inside the reservation", !munmap(r + 256 * MiB, 64 * MiB));
	check("unmapping the 8 MiB gives them back",
	      !munmap(r + 512 * MiB, 8 * MiB) && free_bytes() + 17 * MiB >= before);

	g = reserve(MiB);
	g = g == MAP_FAILED ? g : mremap(g, MiB, 1024 * MiB, MREMAP_MAYMOVE);
	check("a reservation grown to 1 GiB by mremap", g != MAP_FAILED &&
		free_bytes() + 17 * MiB >= before);
	check("whose last 4 MiB can be committed", g != MAP_FAILED &&
		commit(g + 1020 * MiB, 4 * MiB));

	pid = fork();
	if (pid == 0)
		_exit(commit(big[0], 8 * MiB) && !commit(big[1], 128 * MiB) ? 0 : 1);
	check("a child commits a piece of an inherited reservation, not more",
	      waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st));

	munmap(g, 1024 * MiB);
	munmap(r, 1024 * MiB);
	for (int i = 0; i < 4; i++)
		munmap(big[i], 2048 * MiB);
	check("everything unmapped: the memory is back", free_bytes() + MiB >= before);
	cr_say("done\n");
	return bad;
}
