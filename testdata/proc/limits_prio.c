/*
 * Per-process attributes that real programs read and change for each other:
 * resource limits (prlimit(1) and ionice(1) work on another pid) and I/O priorities.
 *
 * Limits: prlimit64 on another process of the sandbox reads and changes its limits
 * (it was ESRCH), an unknown pid is ESRCH; a limit set by one thread is the whole
 * process's (Linux keeps them in signal_struct), seen by a thread that already
 * exists. I/O priorities (ioprio_get/ioprio_set, which were ENOSYS): the classes'
 * validation, the value as stored (hint bits kept, 16 bits), fork's inheritance,
 * exec keeping it, IOPRIO_WHO_PROCESS on another pid, IOPRIO_WHO_PGRP over a group
 * (the best value, NONE counting as best-effort level 4), IOPRIO_WHO_USER of a uid
 * without processes (one with processes would reach the host's natively), bad
 * "which" values. The real-time class is left out: it
 * needs CAP_SYS_NICE, which a native root has and the sandbox's does not.
 * With "cr" (tests/integration/cr/case.sh --signal): a parent and a child with I/O
 * priorities and a lowered limit set, then checked after the restore.
 */
#include "../cr/cr.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define BE(l) (2 << 13 | (l))
#define IDLE (3 << 13)

static long ioget(int which, int who)
{
	long r = syscall(SYS_ioprio_get, which, who);

	return r < 0 ? -errno : r;
}

static long ioset(int which, int who, int prio)
{
	long r = syscall(SYS_ioprio_set, which, who, prio);

	return r < 0 ? -errno : r;
}

static long plim(pid_t pid, int res, const struct rlimit *n, struct rlimit *o)
{
	return prlimit(pid, res, n, o) ? -errno : 0;
}

/* A child that waits for a byte on @fd, then execs itself with "exec" or exits. */
static pid_t child(int fd, bool exec_after, const char *self)
{
	pid_t c = fork();
	char b;

	if (c)
		return c;
	if (read(fd, &b, 1) != 1)
		_exit(3);
	if (exec_after && b == 'e')
		execl(self, self, "exec", (char *)NULL);
	_exit(0);
}

static void *thread_reads_nofile(void *arg)
{
	struct rlimit r;
	int *gate = arg;

	while (!__atomic_load_n(gate, __ATOMIC_ACQUIRE))
		usleep(1000);
	getrlimit(RLIMIT_NOFILE, &r);
	printf("thread sees nofile %llu/%llu\n", (unsigned long long)r.rlim_cur,
	       (unsigned long long)r.rlim_max);
	return NULL;
}

static void limits(void)
{
	struct rlimit r = { 64, 128 }, o;
	int p[2], gate = 0;
	pthread_t th;
	pid_t c;

	if (pipe(p))
		exit(2);
	c = child(p[0], false, NULL);
	printf("prlimit other: get %ld", plim(c, RLIMIT_NOFILE, NULL, &o));
	printf(", set %ld", plim(c, RLIMIT_NOFILE, &r, NULL));
	printf(", back %ld", plim(c, RLIMIT_NOFILE, NULL, &o));
	printf(" %llu/%llu\n", (unsigned long long)o.rlim_cur, (unsigned long long)o.rlim_max);
	r.rlim_cur = 256;
	printf("prlimit other cur > max: %ld\n", plim(c, RLIMIT_NOFILE, &r, NULL));
	printf("prlimit unknown pid: %ld\n", plim(99999, RLIMIT_NOFILE, NULL, &o));
	printf("prlimit bad resource: %ld\n", plim(c, 99, NULL, &o));
	if (write(p[1], "x", 1) != 1)
		exit(2);
	waitpid(c, NULL, 0);

	pthread_create(&th, NULL, thread_reads_nofile, &gate);
	r = (struct rlimit){ 100, 200 };
	printf("setrlimit in main: %d\n", setrlimit(RLIMIT_NOFILE, &r));
	fflush(stdout);
	__atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	close(p[0]);
	close(p[1]);
}

static void ioprio(const char *self)
{
	static const struct { const char *what; int prio; } vals[] = {
		{ "none", 0 }, { "be 3", BE(3) }, { "be 7", BE(7) }, { "be hint", BE(2) | 5 << 3 },
		{ "be 16 bits", 0x10000 | BE(1) }, { "idle", IDLE }, { "idle 9", IDLE | 9 },
		{ "none level 1", 1 }, { "none hint", 8 }, { "class 4", 4 << 13 },
		{ "class 7", 7 << 13 }, { "-1", -1 },
	};
	int p[2], st;
	pid_t c;

	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		long r = ioset(1, 0, vals[i].prio);
		long g = ioget(1, 0);

		printf("ioprio set %-12s %ld, get %#lx\n", vals[i].what, r, g);
	}
	printf("bad which: set %ld", ioset(0, 0, 0));
	printf(", get %ld, 4: %ld\n", ioget(0, 0), ioget(4, 0));
	printf("unknown pid: set %ld", ioset(1, 99999, 0));
	printf(", get %ld\n", ioget(1, 99999));

	setpgid(0, 0);
	ioset(1, 0, 0);
	if (pipe(p))
		exit(2);
	c = child(p[0], true, self);
	printf("pgrp, both none: %#lx\n", ioget(2, 0));
	/* one call a statement: printf's arguments are evaluated in any order */
	printf("set child idle: %ld", ioset(1, c, IDLE));
	printf(", child %#lx", ioget(1, c));
	printf(", pgrp %#lx\n", ioget(2, 0));
	ioset(1, 0, BE(6));
	printf("self be 6: pgrp %#lx\n", ioget(2, 0));
	printf("set pgrp be 5: %ld", ioset(2, 0, BE(5)));
	printf(", child %#lx", ioget(1, c));
	printf(", self %#lx\n", ioget(1, 0));
	/* a uid with processes would be every root process natively: only an empty one */
	printf("set user 54321: %ld\n", ioset(3, 54321, BE(1)));
	printf("unknown pgrp: set %ld", ioset(2, 99999, 0));
	printf(", get %ld\n", ioget(2, 99999));
	ioset(1, c, BE(2));
	fflush(stdout);
	if (write(p[1], "e", 1) != 1)
		exit(2);
	waitpid(c, &st, 0);
	printf("child after exec exited %d\n", WEXITSTATUS(st));
	ioset(1, 0, IDLE | 3);
	c = fork();
	if (!c) {
		printf("fork child inherits %#lx\n", ioget(1, 0));
		_exit(0);
	}
	waitpid(c, NULL, 0);
}

static int cr_mode(void)
{
	struct rlimit r = { 77, 99 }, o;
	int p[2], bad = 0;
	long got;
	pid_t c;

	cr_arm();
	if (pipe(p))
		return 2;
	ioset(1, 0, BE(3));
	setrlimit(RLIMIT_NOFILE, &r);
	c = child(p[0], false, NULL);
	ioset(1, c, IDLE | 2);
	cr_say("ready\n");
	cr_wait();
	cr_say("resumed\n");
	if ((got = ioget(1, 0)) != BE(3)) {
		cr_say("self ioprio %#lx\n", got);
		bad = 1;
	}
	if ((got = ioget(1, c)) != (IDLE | 2)) {
		cr_say("child ioprio %#lx\n", got);
		bad = 1;
	}
	if (plim(c, RLIMIT_NOFILE, NULL, &o) || o.rlim_cur != 77 || o.rlim_max != 99) {
		cr_say("child nofile %llu/%llu\n", (unsigned long long)o.rlim_cur,
		       (unsigned long long)o.rlim_max);
		bad = 1;
	}
	if (write(p[1], "x", 1) != 1)
		bad = 1;
	waitpid(c, NULL, 0);
	cr_say(bad ? "differs\n" : "same\n");
	return bad;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		printf("after exec: ioprio %#lx\n", ioget(1, 0));
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "cr"))
		return cr_mode();
	setvbuf(stdout, NULL, _IOLBF, 0);
	limits();
	ioprio(argv[0]);
	return 0;
}
