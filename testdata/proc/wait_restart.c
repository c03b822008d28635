/*
 * How the waits with a timeout come back from an interruption: poll, ppoll, select
 * and pselect6 (after Linux's fs/select.c), epoll_pwait, rt_sigtimedwait, semtimedop
 * and recv under SO_RCVTIMEO.
 * Interrupted by a signal that has a handler they fail with EINTR, SA_RESTART or
 * not, and ppoll and pselect6 have written the time that was left back
 * to their timeout (ppoll's is hidden by glibc: called raw here), which is what they
 * restart with after an interruption without a handler. poll restarts through
 * restart_syscall, keeping its deadline: stopped by SIGSTOP after 0.3 s of a 1.5 s
 * wait and continued 1 s later, it ends 1.5 s after it began, where a restart with
 * the whole timeout would end after 2.8 s (the check's line is at 2.2 s). The
 * others are not stopped here: Linux interrupts them and counts their time left from
 * the SIGCONT, sbx lets them wait through the stop (syscall table). Deterministic
 * output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 1500
#define STOP_AT_MS 300
#define STOPPED_MS 1000
#define FULL_RESTART_LINE_MS 2200

static int rfd;                 /* a pipe's read end nobody writes */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void on_alrm(int s) { (void)s; }

static long wait_once(const char *how, long ms, struct timespec *left)
{
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };
	struct timeval tv = { ms / 1000, ms % 1000 * 1000L };
	fd_set r;
	long ret;
	int st;

	FD_ZERO(&r);
	FD_SET(rfd, &r);
	if (!strcmp(how, "rt_sigtimedwait")) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		return sigtimedwait(&set, NULL, &ts);
	}
	if (!strcmp(how, "semtimedop")) {
		struct sembuf op = { 0, -1, 0 };
		int id = semget(IPC_PRIVATE, 1, 0600);
		long r = semtimedop(id, &op, 1, &ts);
		int e = errno;

		semctl(id, 0, IPC_RMID);
		errno = e;
		return r;
	}
	if (!strcmp(how, "epoll_pwait")) {
		struct epoll_event ev = { .events = EPOLLIN };
		int ep = epoll_create1(0);
		sigset_t mask;

		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR2);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, rfd, &ev))
			return -2;
		ret = epoll_pwait(ep, &ev, 1, ms, &mask);
		st = errno;
		close(ep);
		errno = st;
		return ret;
	}
	if (!strcmp(how, "recv SO_RCVTIMEO")) {
		int sv[2];
		char c;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
		    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
			return -2;
		ret = recv(sv[0], &c, 1, 0);
		st = errno;
		close(sv[0]);
		close(sv[1]);
		errno = st;
		return ret;
	}
	if (!strcmp(how, "poll"))
		ret = poll(&p, 1, ms);
	else if (!strcmp(how, "ppoll"))
		ret = syscall(SYS_ppoll, &p, 1, &ts, NULL, 8);
	else if (!strcmp(how, "select"))
		ret = select(rfd + 1, &r, NULL, NULL, &tv);
	else
		ret = syscall(SYS_pselect6, rfd + 1, &r, NULL, NULL, &ts, NULL);
	if (left)
		*left = ts;
	return ret;
}

/* Waits WAIT_MS while a child stops this process for STOPPED_MS. */
static void stopped(const char *how)
{
	pid_t me = getpid(), c;
	long long t0 = now_ms(), dt;
	long ret;
	int st;

	c = fork();
	if (c == 0) {
		usleep(STOP_AT_MS * 1000);
		kill(me, SIGSTOP);
		usleep(STOPPED_MS * 1000);
		kill(me, SIGCONT);
		_exit(0);
	}
	ret = wait_once(how, WAIT_MS, NULL);
	dt = now_ms() - t0;
	waitpid(c, &st, 0);
	printf("%s, stopped and continued: returned %ld%s%s, %s\n", how, ret,
	       ret < 0 ? " " : "", ret < 0 ? strerror(errno) : "",
	       dt < WAIT_MS - 50 ? "too early" :
	       dt < FULL_RESTART_LINE_MS ? "after the time that was left" :
	       "after more than that (restarted with the whole timeout)");
}

/* A signal with a handler (SA_RESTART set) arrives after 200 ms of a 1 s wait. */
static void handled(const char *how)
{
	struct itimerval it = { .it_value = { 0, 200000 } };
	struct timespec left;
	long ret;

	setitimer(ITIMER_REAL, &it, NULL);
	ret = wait_once(how, 1000, &left);
	printf("%s, signal handled: returned %ld%s%s", how, ret, ret < 0 ? " " : "",
	       ret < 0 ? strerror(errno) : "");
	if (!strcmp(how, "ppoll") || !strcmp(how, "pselect6")) {
		long long ms = left.tv_sec * 1000LL + left.tv_nsec / 1000000;

		printf(", timeout now %s", ms >= 1000 ? "unchanged" :
		       ms >= 500 ? "the time that was left" : "too short");
	}
	printf("\n");
}

int main(void)
{
	static const char *const hows[] = { "poll", "ppoll", "select", "pselect6",
					    "epoll_pwait", "rt_sigtimedwait", "semtimedop",
					    "recv SO_RCVTIMEO" };
	struct sigaction sa = { .sa_handler = on_alrm, .sa_flags = SA_RESTART };
	struct pollfd p;
	struct timespec zero = { 0, 0 };
	int fds[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(fds))
		return 1;
	rfd = fds[0];
	sigaction(SIGALRM, &sa, NULL);
	stopped("poll");
	for (int i = 0; i < 8; i++)
		handled(hows[i]);
	/* A zero timeout is not written back. */
	p = (struct pollfd){ .fd = rfd, .events = POLLIN };
	printf("ppoll, zero timeout: returned %ld, timeout %s\n",
	       (long)syscall(SYS_ppoll, &p, 1, &zero, NULL, 8),
	       zero.tv_sec || zero.tv_nsec ? "changed" : "still zero");
	return 0;
}
