/*
 * sched: personality, nice, scheduling policies and parameters, sched_getattr/setattr
 * and CPU affinity: values set, read back, inherited by fork and threads' own, kept
 * across execve, and Linux's errors (EINVAL for bad arguments, ESRCH, EPERM and
 * EACCES once the process has given up root with setuid). As root it only does what
 * needs no CAP_SYS_NICE, so a native root run and the sandbox's container root agree.
 * Compared with a native run by the harness.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define P(expr) do { errno = 0; long r_ = (expr); \
	printf("%-64s -> %ld%s%s\n", #expr, r_, r_ < 0 ? " " : "", \
	       r_ < 0 ? strerrorname_np(errno) : ""); } while (0)

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static long getattr(pid_t pid, struct attr *at, unsigned size)
{
	memset(at, 0xee, sizeof(*at));
	return syscall(SYS_sched_getattr, pid, at, size, 0);
}

static long setattr(pid_t pid, struct attr *at)
{
	return syscall(SYS_sched_setattr, pid, at, 0);
}

static void show_self(const char *who)
{
	struct sched_param sp = { 0 };
	struct attr at;

	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);

	sched_getparam(0, &sp);
	getattr(0, &at, sizeof(at));
	printf("%s: personality %#x nice %d errno %d policy %d prio %d attr size %u "
	       "policy %u flags %llu nice %d prio %u\n", who, personality(0xffffffff), nice,
	       errno, sched_getscheduler(0), sp.sched_priority, at.size, at.policy,
	       (unsigned long long)at.flags, at.nice, at.priority);
}

static pid_t thread_tid;
static pthread_barrier_t bar;

static void *thread_fn(void *arg)
{
	(void)arg;
	thread_tid = gettid();
	setpriority(PRIO_PROCESS, 0, 9);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	return NULL;
}

/* /proc/self/status's Cpus_allowed lines show the one CPU left, as a list and as a
 * mask (comma-separated 32-bit hex words, the last holding CPUs 0-31). */
static void status_cpus(int cpu)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256], want[64];
	int list = 0, mask = 0;

	snprintf(want, sizeof(want), "Cpus_allowed_list:\t%d\n", cpu);
	while (f && fgets(line, sizeof(line), f)) {
		const char *word = strrchr(line, ',');

		list |= !strcmp(line, want);
		if (strncmp(line, "Cpus_allowed:\t", 14))
			continue;
		word = word ? word + 1 : line + 14;
		mask = cpu < 32 && strtoul(word, NULL, 16) == 1UL << cpu;
	}
	if (f)
		fclose(f);
	printf("status: Cpus_allowed_list %d, Cpus_allowed %d\n", list, mask);
}

static void affinity(void)
{
	cpu_set_t s, one;
	int first = -1;
	long r;

	CPU_ZERO(&s);
	r = syscall(SYS_sched_getaffinity, 0, sizeof(s), &s);
	printf("getaffinity: positive multiple of 8: %d, cpus >= 1: %d\n",
	       r > 0 && r % 8 == 0, CPU_COUNT(&s) >= 1);
	for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
		if (CPU_ISSET(i, &s))
			first = i;
	P(syscall(SYS_sched_getaffinity, 0, 4, &s));
	P(syscall(SYS_sched_getaffinity, 0, 12, &s));
	P(syscall(SYS_sched_getaffinity, 999999, sizeof(s), &s));
	P(syscall(SYS_sched_getaffinity, 0, sizeof(s), (void *)8));
	CPU_ZERO(&one);
	P(sched_setaffinity(0, sizeof(one), &one));
	CPU_SET(CPU_SETSIZE - 1, &one);
	P(sched_setaffinity(0, sizeof(one), &one));
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	P(sched_setaffinity(0, sizeof(one), &one));
	P(sched_setaffinity(999999, sizeof(one), &one));
	CPU_ZERO(&s);
	sched_getaffinity(0, sizeof(s), &s);
	printf("after set: count %d first set %d\n", CPU_COUNT(&s), CPU_ISSET(first, &s));
	status_cpus(first);
	if (fork() == 0) {
		CPU_ZERO(&s);
		sched_getaffinity(0, sizeof(s), &s);
		printf("child: count %d first set %d\n", CPU_COUNT(&s), CPU_ISSET(first, &s));
		exit(0);
	}
	wait(NULL);
}

static void errors(void)
{
	struct sched_param sp = { 0 };
	struct attr at;

	P(sched_get_priority_max(SCHED_FIFO));
	P(sched_get_priority_min(SCHED_FIFO));
	P(sched_get_priority_max(SCHED_RR));
	P(sched_get_priority_min(SCHED_OTHER));
	P(sched_get_priority_max(SCHED_BATCH));
	P(sched_get_priority_max(SCHED_IDLE));
	P(sched_get_priority_max(42));
	P(sched_get_priority_min(-1));
	P(sched_getscheduler(-1));
	P(sched_getscheduler(999999));
	P(sched_getparam(0, NULL));
	P(sched_getparam(999999, &sp));
	P(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL));
	P(sched_setscheduler(0, 42, &sp));
	P(sched_setscheduler(-1, SCHED_OTHER, &sp));
	P(sched_setscheduler(999999, SCHED_OTHER, &sp));
	sp.sched_priority = 5;
	P(sched_setscheduler(0, SCHED_OTHER, &sp));
	P(sched_setparam(0, &sp));
	sp.sched_priority = 0;
	P(sched_setscheduler(0, SCHED_FIFO, &sp));
	sp.sched_priority = 100;
	P(sched_setscheduler(0, SCHED_RR, &sp));
	P(getattr(0, &at, 47));
	P(getattr(0, &at, 8192));
	P(syscall(SYS_sched_getattr, 0, &at, sizeof(at), 1));
	P(getattr(-1, &at, sizeof(at)));
	P(getattr(999999, &at, sizeof(at)));
	P(getattr(0, &at, 48));
	printf("VER0 size %u\n", at.size);
	memset(&at, 0, sizeof(at));
	at.size = 47;
	P(setattr(0, &at));
	printf("size written back %u\n", at.size);
	at.size = sizeof(at);
	at.flags = 0x100;
	P(setattr(0, &at));
	at.flags = 0;
	at.policy = 42;
	P(setattr(0, &at));
	P(syscall(SYS_sched_setattr, 0, &at, 1));
	P(syscall(SYS_sched_setattr, 0, NULL, 0));
	P(getpriority(42, 0));
	P(setpriority(-1, 0, 0));
	P(getpriority(PRIO_PROCESS, 999999));
	P(setpriority(PRIO_PROCESS, 999999, 1));
	P(sched_rr_get_interval(999999, NULL));
}

int main(int argc, char **argv)
{
	struct sched_param sp = { 0 };
	struct timespec ts;
	struct attr at;
	pthread_t th;
	int st;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1) {         /* after execve */
		show_self("exec'd");
		return 0;
	}
	show_self("start");
	P(sched_yield());
	P(personality(0xffffffff));
	P(personality(PER_LINUX | ADDR_NO_RANDOMIZE));
	P(personality(0xffffffff));
	errors();
	affinity();

	/* Only towards lower priority as root: nothing here needs CAP_SYS_NICE. */
	P(setpriority(PRIO_PROCESS, 0, 3));
	P(getpriority(PRIO_PROCESS, 0));
	P(setpriority(PRIO_PROCESS, 0, 4));
	P(getpriority(PRIO_PROCESS, getpid()));
	P(sched_setscheduler(0, SCHED_BATCH, &sp));
	P(sched_getscheduler(0));
	P(sched_rr_get_interval(0, &ts));
	show_self("parent");
	if (fork() == 0) {
		show_self("child");
		/* Setting reset-on-fork is free; clearing it needs CAP_SYS_NICE. */
		P(sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp));
		P(sched_getscheduler(0));
		if (fork() == 0) {
			show_self("grandchild");
			exit(0);
		}
		wait(NULL);
		P(setpriority(PRIO_PROCESS, 0, 50));    /* clamped to 19 */
		P(getpriority(PRIO_PROCESS, 0));
		exit(0);
	}
	wait(&st);
	/* Groups and users of our own, so the host's other processes are not in them. */
	if (fork() == 0) {
		P(setpgid(0, 0));
		P(setpriority(PRIO_PGRP, 0, 13));
		P(getpriority(PRIO_PGRP, 0));
		P(getpriority(PRIO_PGRP, getpgrp()));
		P(setresuid(54321, 54321, 54321));
		P(setpriority(PRIO_USER, 0, 14));
		P(getpriority(PRIO_USER, 0));
		P(getpriority(PRIO_USER, 54321));
		P(getpriority(PRIO_USER, 54322));
		exit(0);
	}
	wait(&st);
	P(sched_setscheduler(0, SCHED_OTHER, &sp));
	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.policy = SCHED_BATCH;
	at.nice = 6;
	P(setattr(0, &at));
	show_self("setattr");
	at.flags = 0x08 | 0x10;         /* KEEP_POLICY | KEEP_PARAMS */
	at.nice = 8;
	at.policy = SCHED_IDLE;
	P(setattr(0, &at));
	show_self("keep policy");

	/* nice is per thread */
	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&th, NULL, thread_fn, NULL);
	pthread_barrier_wait(&bar);
	P(getpriority(PRIO_PROCESS, thread_tid));
	P(getpriority(PRIO_PROCESS, 0));
	P(setpriority(PRIO_PROCESS, thread_tid, 10));
	P(getpriority(PRIO_PROCESS, thread_tid));
	pthread_barrier_wait(&bar);
	pthread_join(th, NULL);

	if (fork() == 0) {
		execl(argv[0], argv[0], "exec", (char *)NULL);
		_exit(127);
	}
	wait(&st);

	/* Without root: lowering nice is EACCES, real-time policies EPERM. */
	P(setresuid(65534, 65534, 65534));
	P(setpriority(PRIO_PROCESS, 0, 2));
	P(setpriority(PRIO_PROCESS, 0, 12));
	P(getpriority(PRIO_PROCESS, 0));
	P(setpriority(PRIO_PROCESS, 0, 11));
	sp.sched_priority = 10;
	P(sched_setscheduler(0, SCHED_FIFO, &sp));
	sp.sched_priority = 0;
	P(sched_setscheduler(0, SCHED_OTHER, &sp));
	P(sched_setscheduler(0, SCHED_IDLE, &sp));
	P(sched_setscheduler(0, SCHED_OTHER, &sp));
	P(sched_getscheduler(0));
	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.policy = SCHED_IDLE;
	at.nice = -5;
	P(setattr(0, &at));
	show_self("nobody");
	return 0;
}
