/*
 * epoll over pipes: the calls' error cases in Linux's order; level-triggered,
 * edge-triggered and one-shot entries; MOD re-arming a one-shot; an entry that goes
 * with its file's last close but stays while a dup is open; epoll of epoll and the
 * loops refused; epoll_pwait's mask; a blocking wait woken by another thread and
 * one ended by a signal (EINTR).
 */
#include "evt.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>

static int ep_n(int ep, int timeout)
{
	struct epoll_event ev[8];

	return epoll_wait(ep, ev, 8, timeout);
}

/* Waits with timeout 0 and prints what was reported, sorted by data. */
static void show(const char *what, int ep)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, 8, 0);

	printf("%s: %d", what, n);
	evt_sort(ev, n);
	for (int i = 0; i < n; i++)
		printf(" [%llu %#x]", (unsigned long long)ev[i].data.u64, ev[i].events);
	printf("\n");
	fflush(stdout);
}

static void errors(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[1];
	int p[2], ep, ep2, fd;

	printf("-- errors\n");
	CHECK(pipe(p) == 0);
	R(epoll_create(0));
	R(epoll_create(-1));
	R(epoll_create1(1));
	R(epoll_create1(EPOLL_CLOEXEC | 2));
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0);
	printf("cloexec %d\n", fcntl(ep, F_GETFD) & FD_CLOEXEC);
	evt_show_link(ep);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
	R(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
	R(epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev));
	R(epoll_ctl(ep, 17, p[0], &ev));
	R(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	R(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)8));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	R(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	R(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
	ev.events = EPOLLOUT | EPOLLEXCLUSIVE;
	R(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
	R(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
	R(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	ep2 = epoll_create1(0);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev));
	ev.events = EPOLLIN;
	R(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev));
	R(epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev));
	fd = open("/proc/self/status", O_RDONLY);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	close(fd);
	fd = open("/", O_RDONLY | O_DIRECTORY);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	close(fd);
	ev.events = EPOLLIN;
	R(epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev));      /* the harness's stdin: /dev/null */
	fd = open("/dev/urandom", O_RDONLY);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	close(fd);
	R(epoll_wait(ep, out, 0, 0));
	R(syscall(SYS_epoll_wait, ep, out, -1, 0));
	R(syscall(SYS_epoll_wait, ep, NULL, 1, 0));
	R(epoll_wait(999, out, 1, 0));
	R(epoll_wait(p[0], out, 1, 0));
	R(epoll_pwait(ep, out, 1, 0, NULL));
	R(syscall(SYS_epoll_pwait, ep, out, 1, 0, &(sigset_t){ 0 }, 4));
	R(syscall(SYS_epoll_pwait2, ep, out, 1, &(struct timespec){ 0, -1 }, NULL, 8));
	R(syscall(SYS_epoll_pwait2, ep, out, 1, &(struct timespec){ 0, 0 }, NULL, 8));
	close(ep2);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void modes(void)
{
	struct epoll_event ev;
	int a[2], b[2], c[2], ep;
	char buf[16];

	printf("-- modes\n");
	CHECK(pipe(a) == 0 && pipe(b) == 0 && pipe(c) == 0);
	ep = epoll_create1(0);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 1 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, a[0], &ev) == 0);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u64 = 2 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev) == 0);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 3 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c[0], &ev) == 0);
	show("empty", ep);
	write(a[1], "x", 1);
	write(b[1], "x", 1);
	write(c[1], "x", 1);
	show("all written", ep);
	show("again (LT stays)", ep);
	write(b[1], "y", 1);
	write(c[1], "y", 1);
	show("more data (ET fires again, ONESHOT disabled)", ep);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 3 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, c[0], &ev) == 0);
	show("oneshot re-armed", ep);
	read(a[0], buf, sizeof(buf));
	read(b[0], buf, sizeof(buf));
	read(c[0], buf, sizeof(buf));
	show("drained", ep);
	ev = (struct epoll_event){ .events = EPOLLOUT, .data.u64 = 4 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, a[1], &ev) == 0);
	show("write end", ep);
	close(a[0]);
	show("reader closed (EPOLLERR)", ep);
	close(b[1]);
	show("writer closed (ET HUP once)", ep);
	show("again", ep);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP, .data.u64 = 5 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c[0], &ev) == -1);
	printf("re-add existing: %s\n", evt_err(errno));
	close(ep);
	close(a[1]);
	close(b[0]);
	close(c[0]);
	close(c[1]);
}

static void lifetime(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 };
	int p[2], ep, d;

	printf("-- lifetime\n");
	CHECK(pipe(p) == 0);
	ep = epoll_create1(0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	write(p[1], "x", 1);
	d = dup(p[0]);
	close(p[0]);
	show("fd closed, dup open: entry stays", ep);
	R(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	R(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL));
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev) == 0);
	close(d);
	show("last close: entry gone", ep);
	close(p[1]);
	close(ep);
}

static void nested(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 9 };
	int p[2], inner, outer, eps[7];

	printf("-- nested\n");
	CHECK(pipe(p) == 0);
	inner = epoll_create1(0);
	outer = epoll_create1(0);
	CHECK(epoll_ctl(inner, EPOLL_CTL_ADD, p[0], &ev) == 0);
	ev.data.u64 = 10;
	CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev) == 0);
	show("outer idle", outer);
	write(p[1], "x", 1);
	show("outer sees inner", outer);
	show("inner", inner);
	struct pollfd pf = { .fd = inner, .events = POLLIN };
	int pn = poll(&pf, 1, 0);

	printf("poll on epoll: %d %#x\n", pn, pf.revents);
	close(inner);
	show("inner closed", outer);
	close(outer);
	for (int i = 0; i < 7; i++)
		eps[i] = epoll_create1(0);
	for (int i = 0; i < 6; i++) {
		errno = 0;
		int r = epoll_ctl(eps[i], EPOLL_CTL_ADD, eps[i + 1], &ev);
		printf("chain %d: %d %s\n", i, r, r ? evt_err(errno) : "");
	}
	for (int i = 0; i < 7; i++)
		close(eps[i]);
	close(p[0]);
	close(p[1]);
}

static int wake_fd;

static void *writer(void *arg)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	write(wake_fd, "w", 1);
	return NULL;
}

static void on_alrm(int sig)
{
	(void)sig;
}

static void blocking(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 11 }, out[2];
	struct sigaction sa = { .sa_handler = on_alrm };
	sigset_t m, old;
	pthread_t th;
	int p[2], ep, n;

	printf("-- blocking\n");
	CHECK(pipe(p) == 0);
	ep = epoll_create1(0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	wake_fd = p[1];
	pthread_create(&th, NULL, writer, NULL);
	n = epoll_wait(ep, out, 2, -1);
	printf("woken by a thread: %d data %llu\n", n, (unsigned long long)out[0].data.u64);
	pthread_join(th, NULL);
	read(p[0], out, 1);
	printf("timeout: %d\n", ep_n(ep, 30));
	sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&m);
	sigaddset(&m, SIGALRM);
	sigprocmask(SIG_BLOCK, &m, &old);
	alarm(1);
	errno = 0;
	sigemptyset(&m);
	n = epoll_pwait(ep, out, 2, -1, &m);
	printf("pwait unblocking SIGALRM: %d %s\n", n, evt_err(errno));
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(ep);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	errors();
	modes();
	lifetime();
	nested();
	blocking();
	printf("done\n");
	return 0;
}
