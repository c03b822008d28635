/*
 * thread_block: threads blocked in the calls cr/threads does not cover, at the
 * checkpoint (issue #7): waitpid for a child that waits itself, a pipe read, poll on a
 * pipe, a raw FUTEX_WAIT_BITSET with an absolute deadline far away, sigwaitinfo for a
 * signal blocked by every thread (the process is pid 1). Main releases them after
 * SIGUSR1; each reports what its call returned.
 *
 * Not here: a FUTEX_WAIT requeued to another word before the checkpoint. Every wait
 * is interrupted by the checkpoint and restarts with its syscall's arguments, so the
 * waiter comes back on its first word (CRIU's restarted syscalls do the same).
 */
#include "cr.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define NT 5

static int child_go[2], rd_pipe[2], poll_pipe[2];
static pid_t child;
static atomic_uint fword;
static atomic_int started;
static char report[NT][96];

static long fx(atomic_uint *u, int op, unsigned v, const struct timespec *ts,
	       atomic_uint *u2, unsigned v3)
{
	return syscall(SYS_futex, u, op, v, ts, u2, v3);
}

static void *t_waitpid(void *arg)
{
	int st = 0;
	pid_t r;

	(void)arg;
	atomic_fetch_add(&started, 1);
	r = waitpid(child, &st, 0);
	snprintf(report[0], sizeof(report[0]), "waitpid: child reaped %d, exit %d",
		 r == child, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return NULL;
}

static void *t_read(void *arg)
{
	char buf[32] = "";
	ssize_t n;

	(void)arg;
	atomic_fetch_add(&started, 1);
	n = read(rd_pipe[0], buf, sizeof(buf) - 1);
	snprintf(report[1], sizeof(report[1]), "read: %zd bytes \"%s\"", n, n > 0 ? buf : "");
	return NULL;
}

static void *t_poll(void *arg)
{
	struct pollfd p = { .fd = poll_pipe[0], .events = POLLIN };
	int n;

	(void)arg;
	atomic_fetch_add(&started, 1);
	n = poll(&p, 1, -1);
	snprintf(report[2], sizeof(report[2]), "poll: %d, revents POLLIN %d", n,
		 !!(p.revents & POLLIN));
	return NULL;
}

static void *t_futex_deadline(void *arg)
{
	struct timespec ts;
	long r;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 3600;
	atomic_fetch_add(&started, 1);
	do
		r = fx(&fword, FUTEX_WAIT_BITSET_PRIVATE, 0, &ts, NULL, FUTEX_BITSET_MATCH_ANY);
	while (r < 0 && errno == EINTR);
	/* Woken, or it saw the new value if it was between two calls: both fine. */
	snprintf(report[3], sizeof(report[3]), "futex with deadline: ended before it %d",
		 r == 0 || errno == EAGAIN);
	return NULL;
}

static void *t_sigwait(void *arg)
{
	sigset_t s;
	siginfo_t si;
	int r;

	(void)arg;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	atomic_fetch_add(&started, 1);
	do
		r = sigwaitinfo(&s, &si);
	while (r < 0 && errno == EINTR);
	snprintf(report[4], sizeof(report[4]), "sigwaitinfo: %s, from us %d",
		 r == SIGUSR2 ? "SIGUSR2" : "?", si.si_pid == getpid());
	return NULL;
}

int main(void)
{
	void *(*fns[NT])(void *) = { t_waitpid, t_read, t_poll, t_futex_deadline, t_sigwait };
	pthread_t th[NT];
	sigset_t s;

	cr_arm();
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	if (pipe(child_go) || pipe(rd_pipe) || pipe(poll_pipe))
		return 2;
	child = fork();
	if (child == 0) {
		char c;

		close(child_go[1]);
		while (read(child_go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(9);
	}
	close(child_go[0]);
	for (int i = 0; i < NT; i++)
		if (pthread_create(&th[i], NULL, fns[i], NULL))
			return 2;
	while (atomic_load(&started) < NT)
		usleep(1000);
	cr_say("ready: %d threads blocked\n", NT);
	cr_wait();

	close(child_go[1]);
	if (write(rd_pipe[1], "data", 4) != 4 || write(poll_pipe[1], "p", 1) != 1)
		return 2;
	atomic_store(&fword, 1);
	/* The deadline thread may be between calls: EAGAIN then, and no waiter. */
	fx(&fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	kill(getpid(), SIGUSR2);
	for (int i = 0; i < NT; i++) {
		pthread_join(th[i], NULL);
		cr_say("%s\n", report[i]);
	}
	return 0;
}
