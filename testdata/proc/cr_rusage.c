/*
 * cr_rusage: resource usage across a checkpoint (zdtm form; tests/integration/proc
 * runs it through cr/case.sh --signal). Before the ready mark the process touches
 * 32 MiB, sleeps, and reaps a child that touched 64 MiB and slept. After the
 * restore no count may have gone back (peak size, faults, switches, its own and its
 * children's), and they keep counting: more sleeps add voluntary switches, more
 * touched memory raises the peak.
 */
#include "../cr/cr.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MIB (1024 * 1024)

static struct rusage ru(int who)
{
	struct rusage r;

	memset(&r, 0, sizeof(r));
	getrusage(who, &r);
	return r;
}

static void touch(size_t bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	for (size_t i = 0; i < bytes; i += 4096)
		p[i] = 1;
}

static void naps(int n)
{
	for (int i = 0; i < n; i++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
}

int main(void)
{
	struct rusage s, c, s2, c2;
	pid_t pid;

	cr_arm();
	pid = fork();
	if (pid == 0) {
		touch(64 * MIB);
		naps(2);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	touch(32 * MIB);
	naps(3);
	s = ru(RUSAGE_SELF);
	c = ru(RUSAGE_CHILDREN);
	cr_say("before: maxrss >= 28 MiB: %d, children's >= 60 MiB: %d, nvcsw >= 3: %d\n",
	       s.ru_maxrss >= 28 * 1024, c.ru_maxrss >= 60 * 1024, s.ru_nvcsw >= 3);
	cr_say("ready\n");
	cr_wait();
	s2 = ru(RUSAGE_SELF);
	c2 = ru(RUSAGE_CHILDREN);
	cr_say("after: kept: maxrss %d minflt %d nvcsw %d\n", s2.ru_maxrss >= s.ru_maxrss,
	       s2.ru_minflt >= s.ru_minflt, s2.ru_nvcsw >= s.ru_nvcsw);
	cr_say("after: children's kept: maxrss %d minflt %d nvcsw %d\n",
	       c2.ru_maxrss == c.ru_maxrss, c2.ru_minflt == c.ru_minflt,
	       c2.ru_nvcsw == c.ru_nvcsw);
	naps(3);
	touch(s2.ru_maxrss * 1024 + 16 * MIB);
	s = ru(RUSAGE_SELF);
	cr_say("after: counting on: nvcsw +3 %d, maxrss grew %d\n",
	       s.ru_nvcsw >= s2.ru_nvcsw + 3, s.ru_maxrss > s2.ru_maxrss);
	return 0;
}
