/*
 * Event-file round trips between two processes, timed inside (the sandbox's start
 * does not count): "epoll", a one-byte pipe ping-pong where each side waits in
 * epoll_wait before it reads (an event loop's pattern); "eventfd", a ping-pong over
 * two eventfds with blocking reads; "pipe", the same over pipes without epoll, for
 * reference. Prints "<mode>_us_per_op X" to stderr. A measurement, never a test.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* One side: @n times, wait for a byte on @in (through epoll @ep if >= 0), answer on
 * @out; @first sends before it waits. */
static void side(int in, int out, int ep, long n, int first, int evfd)
{
	uint64_t v = 1;
	char c = 0;

	for (long i = 0; i < n; i++) {
		if (first && (evfd ? write(out, &v, 8) != 8 : write(out, &c, 1) != 1))
			exit(1);
		if (ep >= 0) {
			struct epoll_event ev;

			if (epoll_wait(ep, &ev, 1, -1) != 1)
				exit(1);
		}
		if (evfd ? read(in, &v, 8) != 8 : read(in, &c, 1) != 1)
			exit(1);
		if (!first && (evfd ? write(out, &v, 8) != 8 : write(out, &c, 1) != 1))
			exit(1);
	}
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0;
	const char *mode = argc > 1 ? argv[1] : "";
	int evfd = !strcmp(mode, "eventfd"), use_ep = !strcmp(mode, "epoll");
	int ab[2], ba[2], st;
	double t0, t1;
	pid_t pid;

	if (n <= 0 || (!evfd && !use_ep && strcmp(mode, "pipe"))) {
		fprintf(stderr, "usage: bench_evt epoll|eventfd|pipe N\n");
		return 2;
	}
	if (evfd) {
		ab[0] = ab[1] = eventfd(0, 0);
		ba[0] = ba[1] = eventfd(0, 0);
	} else if (pipe(ab) || pipe(ba)) {
		return 1;
	}
	t0 = now_us();
	pid = fork();
	if (pid == 0) {
		int ep = -1;

		if (use_ep) {
			struct epoll_event ev = { .events = EPOLLIN };

			ep = epoll_create1(0);
			epoll_ctl(ep, EPOLL_CTL_ADD, ab[0], &ev);
		}
		side(ab[0], ba[1], ep, n, 0, evfd);
		_exit(0);
	}
	{
		int ep = -1;

		if (use_ep) {
			struct epoll_event ev = { .events = EPOLLIN };

			ep = epoll_create1(0);
			epoll_ctl(ep, EPOLL_CTL_ADD, ba[0], &ev);
		}
		side(ba[0], ab[1], ep, n, 1, evfd);
	}
	waitpid(pid, &st, 0);
	t1 = now_us();
	fprintf(stderr, "%s_us_per_op %.2f\n", mode, (t1 - t0) / n);
	return st != 0;
}
