/*
 * select and pselect6 over pipes (make's jobserver waits in pselect): readiness of
 * each end, EOF and a closed reader, timeouts of zero and a short one (the remaining
 * time written back), EBADF for a closed fd in a set, n limiting what is looked at,
 * and pselect6's signal mask letting one signal in. Deterministic output.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int s) { (void)s; got++; }

static void sel(const char *what, int n, int rfd, int wfd, long usec)
{
	fd_set r, w;
	struct timeval tv = { 0, usec };
	int ret;

	FD_ZERO(&r);
	FD_ZERO(&w);
	if (rfd >= 0)
		FD_SET(rfd, &r);
	if (wfd >= 0)
		FD_SET(wfd, &w);
	ret = select(n, &r, &w, NULL, &tv);
	printf("%s: %d%s%s%s%s\n", what, ret, ret < 0 ? " " : "", ret < 0 ? strerror(errno) : "",
	       rfd >= 0 && ret >= 0 && FD_ISSET(rfd, &r) ? " readable" : "",
	       wfd >= 0 && ret >= 0 && FD_ISSET(wfd, &w) ? " writable" : "");
	if (usec && ret == 0)
		printf("%s: timeout left %ld.%06ld\n", what, (long)tv.tv_sec, (long)tv.tv_usec);
}

int main(void)
{
	int p[2], q[2];
	static char big[70000];
	sigset_t block, empty;
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct timespec ts = { 5, 0 };
	fd_set r;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(p) || pipe(q))
		return 1;
	sel("empty pipe, both ends", p[1] + 1, p[0], p[1], 0);
	sel("empty pipe, 20ms", p[1] + 1, p[0], -1, 20000);
	write(p[1], "x", 1);
	sel("one byte", p[1] + 1, p[0], p[1], 0);
	sel("n below the fds", p[0], p[0], -1, 0);
	close(p[1]);
	read(p[0], big, 1);
	sel("writer closed", p[0] + 1, p[0], -1, 0);
	close(p[0]);
	sel("closed fd", p[0] + 1, p[0], -1, 0);
	fcntl(q[1], F_SETFL, O_NONBLOCK);
	while (write(q[1], big, sizeof(big)) > 0)
		;
	sel("full pipe", q[1] + 1, -1, q[1], 0);
	close(q[0]);
	sel("reader closed", q[1] + 1, -1, q[1], 0);

	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	if (pipe(p))
		return 1;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ret = pselect(p[0] + 1, &r, NULL, NULL, &(struct timespec){ 0, 0 }, &block);
	printf("pselect, signal kept blocked, no timeout: %d, got %d\n", ret, got);
	sigemptyset(&empty);
	FD_SET(p[0], &r);
	errno = 0;
	ret = pselect(p[0] + 1, &r, NULL, NULL, &ts, &empty);
	printf("pselect, signal let in: %d %s, got %d\n", ret, strerror(errno), got);
	return 0;
}
