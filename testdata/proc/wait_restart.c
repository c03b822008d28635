/*
 * How the waits with a timeout come back from an interruption: poll, ppoll, select
 * and pselect6 (after Linux's fs/select.c), epoll_pwait, rt_sigtimedwait, semtimedop
 * and recv under SO_RCVTIMEO.
 * Interrupted by a signal that has a handler they fail with EINTR, SA_RESTART or
 * not, and ppoll and pselect6 have written the time that was left back
 * to their timeout (ppoll's is hidden by glibc: called raw here), which is what they
 * restart with after an interruption without a handler.
 * Stopped by SIGSTOP after 1 s of a 1.5 s wait and continued 1 s later (each in a
 * child: the sandbox's pid 1, like a namespace's init, ignores SIGSTOP), as Linux:
 * poll restarts through restart_syscall with its deadline, which has passed, and
 * ends at the SIGCONT; ppoll, select and pselect6 restart with the time that was
 * left, which counts from the SIGCONT; epoll_pwait, rt_sigtimedwait, semtimedop and
 * recv under SO_RCVTIMEO fail with EINTR (signal(7): no handler needed); the same
 * in a thread of a process whose other thread took the SIGSTOP. Deterministic
 * output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
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
#define STOP_AT_MS 1000
#define STOPPED_MS 1000
/* Where a stopped wait ends: at the SIGCONT (2000 ms), after what was left of it
 * (2500), or after its whole timeout again (3500). */
#define LEFT_LINE_MS 2250
#define WHOLE_LINE_MS 3000

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

struct stopped_wait {
	const char *how;
	long long t0;
	long ret;
	int err;
};

static void *stopped_wait_thread(void *arg)
{
	struct stopped_wait *w = arg;

	w->ret = wait_once(w->how, WAIT_MS, NULL);
	w->err = errno;
	return NULL;
}

/* In a child: waits WAIT_MS (in a second thread if @threaded, the first one taking
 * the stop) and writes how it ended to @out. */
static void stopped_child(const char *how, bool threaded, int out)
{
	struct stopped_wait w = { .how = how, .t0 = now_ms() };
	char line[256];
	long long dt;
	pthread_t th;

	if (threaded) {
		if (pthread_create(&th, NULL, stopped_wait_thread, &w))
			_exit(1);
		pthread_join(th, NULL);
	} else {
		stopped_wait_thread(&w);
	}
	dt = now_ms() - w.t0;
	snprintf(line, sizeof(line), "%s%s, stopped and continued: returned %ld%s%s, %s\n",
		 how, threaded ? " in a thread" : "", w.ret, w.ret < 0 ? " " : "",
		 w.ret < 0 ? strerror(w.err) : "",
		 dt < STOP_AT_MS - 100 ? "too early" :
		 dt < LEFT_LINE_MS ? "when continued" :
		 dt < WHOLE_LINE_MS ? "the time that was left after the SIGCONT" :
		 "its whole timeout again after the SIGCONT");
	if (write(out, line, strlen(line)) < 0)
		_exit(1);
	_exit(0);
}

/* Every wait at once, each in a child this process stops and continues. */
static void stopped_all(const char *const hows[], int n)
{
	pid_t pid[2 * n];
	int out[2 * n], fds[2], st;
	char line[256];

	for (int i = 0; i < 2 * n; i++) {
		bool threaded = i >= n;

		if (threaded && strcmp(hows[i - n], "ppoll") &&
		    strcmp(hows[i - n], "rt_sigtimedwait")) {
			pid[i] = -1;
			continue;
		}
		if (pipe(fds))
			return;
		pid[i] = fork();
		if (pid[i] == 0) {
			close(fds[0]);
			stopped_child(hows[threaded ? i - n : i], threaded, fds[1]);
		}
		close(fds[1]);
		out[i] = fds[0];
	}
	usleep(STOP_AT_MS * 1000);
	for (int i = 0; i < 2 * n; i++)
		if (pid[i] > 0)
			kill(pid[i], SIGSTOP);
	for (int i = 0; i < 2 * n; i++)
		if (pid[i] > 0 && (waitpid(pid[i], &st, WUNTRACED) != pid[i] || !WIFSTOPPED(st)))
			printf("child %d did not stop\n", i);
	usleep(STOPPED_MS * 1000);
	for (int i = 0; i < 2 * n; i++)
		if (pid[i] > 0)
			kill(pid[i], SIGCONT);
	for (int i = 0; i < 2 * n; i++) {
		ssize_t got;

		if (pid[i] <= 0)
			continue;
		got = read(out[i], line, sizeof(line) - 1);
		line[got > 0 ? got : 0] = 0;
		printf("%s", got > 0 ? line : "a child said nothing\n");
		close(out[i]);
		waitpid(pid[i], &st, 0);
	}
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
	stopped_all(hows, 8);
	for (int i = 0; i < 8; i++)
		handled(hows[i]);
	/* A zero timeout is not written back. */
	p = (struct pollfd){ .fd = rfd, .events = POLLIN };
	printf("ppoll, zero timeout: returned %ld, timeout %s\n",
	       (long)syscall(SYS_ppoll, &p, 1, &zero, NULL, 8),
	       zero.tv_sec || zero.tv_nsec ? "changed" : "still zero");
	return 0;
}
