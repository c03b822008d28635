/*
 * rusage: getrusage and wait4's rusage beyond the times, by properties that hold on
 * Linux whatever the machine: the peak resident size grows by about what a process
 * touches and a child's shows in its parent's RUSAGE_CHILDREN; minor faults grow
 * when new pages are touched; voluntary switches grow with sleeps; nothing is read
 * from or written to a block device. Also the arguments' errors.
 *
 * With "cr", across a checkpoint (zdtm form; cr/case.sh --signal): before the
 * ready mark the process touches 32 MiB, sleeps, and reaps a child that touched
 * 64 MiB and slept. After the restore no count may have gone back (peak size,
 * faults, switches, its own and its children's), and they keep counting: more
 * sleeps add voluntary switches, more touched memory raises the peak.
 */
#include "../cr/cr.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

static long thread_nvcsw_grew;

static void *thread_main(void *arg)
{
	struct rusage a = ru(RUSAGE_THREAD), b;

	(void)arg;
	naps(3);
	b = ru(RUSAGE_THREAD);
	thread_nvcsw_grew = b.ru_nvcsw - a.ru_nvcsw >= 3;
	return NULL;
}

/* The "cr" mode. */
static int cr_main(void)
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

int main(int argc, char **argv)
{
	struct rusage a, b, w, c;
	pthread_t th;
	int st;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "cr"))
		return cr_main();

	a = ru(RUSAGE_SELF);
	touch(32 * MIB);
	b = ru(RUSAGE_SELF);
	printf("self: maxrss grew >= 28 MiB: %d\n", b.ru_maxrss - a.ru_maxrss >= 28 * 1024);
	printf("self: minflt grew: %d\n", b.ru_minflt > a.ru_minflt);
	/* Not the values: a native run's start may have read its binary from disk. */
	printf("self: no major faults or block I/O from anonymous memory: %d\n",
	       b.ru_majflt == a.ru_majflt && b.ru_inblock == a.ru_inblock &&
	       b.ru_oublock == a.ru_oublock);
	a = b;
	naps(4);
	b = ru(RUSAGE_SELF);
	printf("self: nvcsw grew >= 4 after 4 sleeps: %d\n", b.ru_nvcsw - a.ru_nvcsw >= 4);
	printf("self: maxrss kept: %d\n", b.ru_maxrss >= a.ru_maxrss);

	pthread_create(&th, NULL, thread_main, NULL);
	pthread_join(th, NULL);
	printf("thread: nvcsw grew after sleeps: %ld\n", thread_nvcsw_grew);
	a = ru(RUSAGE_THREAD);
	b = ru(RUSAGE_SELF);
	printf("thread: maxrss is the process's: %d\n", a.ru_maxrss == b.ru_maxrss);
	printf("process counts the gone thread: %d\n", b.ru_nvcsw >= a.ru_nvcsw + 3);

	/* A child touching 64 MiB: its peak comes back through wait4 and then in
	 * RUSAGE_CHILDREN; its sleeps too. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		touch(64 * MIB);
		naps(2);
		_exit(0);
	}
	memset(&w, 0, sizeof(w));
	wait4(pid, &st, 0, &w);
	c = ru(RUSAGE_CHILDREN);
	printf("wait4: maxrss >= 60 MiB: %d, > own peak: %d\n", w.ru_maxrss >= 60 * 1024,
	       w.ru_maxrss > b.ru_maxrss);
	printf("wait4: nvcsw >= 2: %d, minflt > 0: %d\n", w.ru_nvcsw >= 2, w.ru_minflt > 0);
	/* Within one switch: Linux adds a child's counts to its parent's children when
	 * it reaps it, and the dying child's own last switch (into its death) may come
	 * after that yet still show in what wait4 reports (a native run printed 0). */
	printf("children: maxrss >= the child's: %d, nvcsw >= its: %d, minflt >= its: %d\n",
	       c.ru_maxrss >= w.ru_maxrss, c.ru_nvcsw + 1 >= w.ru_nvcsw,
	       c.ru_minflt >= w.ru_minflt);

	/* A grandchild's peak reaches the grandparent through the child. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			touch(96 * MIB);
			_exit(0);
		}
		wait(NULL);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	c = ru(RUSAGE_CHILDREN);
	printf("children: a grandchild's 96 MiB: %d\n", c.ru_maxrss >= 92 * 1024);

	errno = 0;
	st = getrusage(7, &a);
	printf("who 7: %d %s\n", st, strerrorname_np(errno));
	errno = 0;
	st = syscall(SYS_getrusage, RUSAGE_SELF, (void *)8);
	printf("bad pointer: %d %s\n", st, strerrorname_np(errno));
	return 0;
}
