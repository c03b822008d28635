/*
 * procinfo: get_robust_list and getcpu. get_robust_list reads the list head glibc
 * registered, of the caller (pid 0 or its own tid), of another thread, and of a
 * child (glibc registers it again in a fork child), refuses an unprivileged caller
 * a root process's (EPERM) and a nonexistent pid (ESRCH), and faults on bad
 * pointers. getcpu gives a CPU the process may run on and node 0. Addresses differ
 * between runs, so only comparisons are printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long grl(long pid, void **head, size_t *len)
{
	errno = 0;
	return syscall(SYS_get_robust_list, pid, head, len) ? -errno : 0;
}

static void *self_head(void)
{
	void *h = NULL;
	size_t len = 0;

	grl(0, &h, &len);
	return h;
}

static pid_t thread_tid;
static void *thread_head;
static pthread_barrier_t bar;

static void *thread_main(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	thread_head = self_head();
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	return NULL;
}

/* A child waiting for @fd to close, as uid @uid (0: root), dumpable or not. */
static pid_t child(int fd, int rfd, uid_t uid, int dumpable)
{
	pid_t pid = fork();
	char c;

	if (pid == 0) {
		if (uid && (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
			_exit(9);
		/* a change of euid made it not dumpable; say again what it is */
		prctl(PR_SET_DUMPABLE, dumpable);
		close(fd);
		read(rfd, &c, 1);
		_exit(0);
	}
	return pid;
}

int main(void)
{
	void *h0 = NULL, *h1 = NULL, *hc;
	size_t len = 0;
	pthread_t th;
	unsigned cpu = ~0u, node = ~0u;
	cpu_set_t set;
	int p[2];
	pid_t root_kid, user_kid, undump_kid;
	long r;

	r = grl(0, &h0, &len);
	printf("self 0: %ld len %zu head set %d\n", r, len, h0 != NULL);
	r = grl(getpid(), &h1, &len);
	printf("self tid: %ld same %d\n", r, h1 == h0);
	printf("nonexistent: %ld\n", grl(99999, &h1, &len));
	printf("negative: %ld\n", grl(-1, &h1, &len));
	printf("bad head ptr: %ld\n", grl(0, (void **)8, &len));
	printf("bad len ptr: %ld\n", grl(0, &h1, (size_t *)8));

	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&th, NULL, thread_main, NULL);
	pthread_barrier_wait(&bar);
	r = grl(thread_tid, &h1, &len);
	printf("thread: %ld same-as-its-own %d differs-from-main %d\n", r,
	       h1 == thread_head, h1 != h0);
	pthread_barrier_wait(&bar);
	pthread_join(th, NULL);

	/* A child's head: glibc re-registers its own in the child, at the same
	 * address as the parent's (the same memory layout). */
	pipe(p);
	fflush(stdout);
	root_kid = child(p[1], p[0], 0, 1);
	user_kid = child(p[1], p[0], 1000, 1);
	undump_kid = child(p[1], p[0], 1000, 0);
	usleep(100000);
	hc = NULL;
	r = grl(root_kid, &hc, &len);
	printf("root child: %ld same %d\n", r, hc == h0);
	/* Root reading the uid-1000 children needs CAP_SYS_PTRACE, which the
	 * sandbox's root (a container's) does not hold: not compared. */
	/* An unprivileged process of uid 1000 may read its own and the dumpable
	 * uid-1000 child's, not the undumpable one's, nor root's. */
	fflush(stdout);
	if (fork() == 0) {
		if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
			_exit(9);
		printf("as 1000: own %ld dumpable %d\n", grl(0, &hc, &len),
		       prctl(PR_GET_DUMPABLE));
		printf("as 1000: user child %ld\n", grl(user_kid, &hc, &len));
		printf("as 1000: undumpable child %ld\n", grl(undump_kid, &hc, &len));
		printf("as 1000: root parent %ld\n", grl(getppid(), &hc, &len));
		printf("as 1000: root child %ld\n", grl(root_kid, &hc, &len));
		fflush(stdout);
		_exit(0);
	}
	wait(NULL);
	close(p[1]);
	while (wait(NULL) > 0)
		;

	/* getcpu */
	errno = 0;
	printf("getcpu: %ld\n", syscall(SYS_getcpu, &cpu, &node, NULL) ? -errno : 0L);
	sched_getaffinity(0, sizeof(set), &set);
	printf("cpu allowed: %d node %u\n", cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set), node);
	printf("getcpu NULLs: %ld\n", syscall(SYS_getcpu, NULL, NULL, NULL));
	errno = 0;
	printf("getcpu bad: %ld\n", syscall(SYS_getcpu, (void *)8, NULL, NULL) ? -errno : 0L);
	printf("sched_getcpu agrees: %d\n", sched_getcpu() >= 0);
	return 0;
}
