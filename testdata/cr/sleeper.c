/* sleeper [MS [HOW]]: prints the ready mark, waits MS milliseconds (default 2000) in one
 * call, and exits 0. HOW is the call: nanosleep (the default); poll, ppoll, select,
 * pselect6, epoll_wait or epoll_pwait (under a sigmask) on a pipe nobody writes; futex (FUTEX_WAIT with a relative
 * timeout) on a word nobody wakes; rt_sigtimedwait for a signal nobody sends;
 * semtimedop on a semaphore nobody raises; so_rcvtimeo: recv under SO_RCVTIMEO on a
 * socket nobody writes. A checkpoint interrupts the wait; after restore it must
 * restart with the remaining time (the harness times that; under SO_RCVTIMEO, the
 * socket's, sbx starts over with the whole timeout), time out as it would have (not
 * EINTR) and find that CLOCK_MONOTONIC advanced by at least MS. */
#include "cr.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int wait_ms(const char *how, long ms)
{
	struct timespec req = { ms / 1000, ms % 1000 * 1000000L }, rem = { 0, 0 };
	struct timeval tv = { ms / 1000, ms % 1000 * 1000L };
	struct epoll_event ev = { .events = EPOLLIN };
	struct pollfd p;
	int fds[2], ep;
	fd_set r;

	if (!strcmp(how, "nanosleep"))
		return nanosleep(&req, &rem);
	if (!strcmp(how, "rt_sigtimedwait")) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		sigprocmask(SIG_BLOCK, &set, NULL);
		return sigtimedwait(&set, NULL, &req) < 0 && errno == EAGAIN ? 0 : -1;
	}
	if (!strcmp(how, "futex")) {
		static int word;

		return syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &req, NULL, 0) < 0 &&
		       errno == ETIMEDOUT ? 0 : -1;
	}
	if (!strcmp(how, "so_rcvtimeo")) {
		int sv[2];
		char c;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
		    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
			return -1;
		return recv(sv[0], &c, 1, 0) < 0 && errno == EAGAIN ? 0 : -1;
	}
	if (!strcmp(how, "semtimedop")) {
		struct sembuf op = { 0, -1, 0 };
		int id = semget(IPC_PRIVATE, 1, 0600), r;

		r = semtimedop(id, &op, 1, &req) < 0 && errno == EAGAIN ? 0 : -1;
		semctl(id, 0, IPC_RMID);
		return r;
	}
	if (pipe(fds))
		return -1;
	p = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	if (!strcmp(how, "poll"))
		return poll(&p, 1, ms);
	if (!strcmp(how, "ppoll"))
		return ppoll(&p, 1, &req, NULL);
	if (!strcmp(how, "select"))
		return select(fds[0] + 1, &r, NULL, NULL, &tv);
	if (!strcmp(how, "pselect6"))
		return pselect(fds[0] + 1, &r, NULL, NULL, &req, NULL);
	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev))
		return -1;
	if (!strcmp(how, "epoll_pwait")) {
		sigset_t mask;

		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR2);
		return epoll_pwait(ep, &ev, 1, ms, &mask);
	}
	return epoll_wait(ep, &ev, 1, ms);
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 0) : 2000;
	const char *how = argc > 2 ? argv[2] : "nanosleep";
	long long t0, dt;
	int rc;

	t0 = now_ms();
	cr_say("ready sleeper: %s for %ld ms\n", how, ms);
	rc = wait_ms(how, ms);
	dt = now_ms() - t0;
	fprintf(stderr, "sleeper: %lld ms by CLOCK_MONOTONIC\n", dt);
	cr_say("%s returned %d%s\n", how, rc, rc ? (errno == EINTR ? " (EINTR)" : " (error)") : "");
	cr_say("CLOCK_MONOTONIC advanced by at least %ld ms: %s\n", ms, dt >= ms ? "yes" : "no");
	return rc == 0 && dt >= ms ? 0 : 1;
}
