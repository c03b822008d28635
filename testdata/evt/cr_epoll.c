/*
 * cr_epoll (zdtm form, testdata/cr/cr.h): an epoll set over pipes with ready and idle
 * entries of each kind — level-triggered with data and without, edge-triggered
 * already reported and not yet reported, a one-shot that fired — and an epoll
 * watching it, set up before the ready mark; a thread blocks in epoll_wait on a
 * second set. After the checkpoint, restore and SIGUSR1, each entry must report as
 * it would have without the restore, new data must wake the entries, and the
 * blocked thread's wait must resume and get the event written after it.
 */
#include "../cr/cr.h"
#include "evt.h"

#include <pthread.h>
#include <sys/epoll.h>

static int ep, ep2, outer;
static int a[2], b[2], c[2], d[2], f[2], e[2];
static int thread_n = -2;
static unsigned long long thread_data;

static void show(const char *what, int fd)
{
	struct epoll_event ev[8];
	int n = epoll_wait(fd, ev, 8, 0);

	evt_sort(ev, n);
	cr_say("%s: %d", what, n);
	for (int i = 0; i < n; i++)
		cr_say(" [%llu %#x]", (unsigned long long)ev[i].data.u64, ev[i].events);
	cr_say("\n");
}

static void add(int epfd, int fd, unsigned int events, unsigned long long data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		perror("epoll_ctl");
		exit(2);
	}
}

static void *waiter(void *arg)
{
	struct epoll_event ev;

	(void)arg;
	thread_n = epoll_wait(ep2, &ev, 1, -1);
	thread_data = ev.data.u64;
	return NULL;
}

int main(void)
{
	pthread_t th;

	cr_arm();
	if (pipe(a) || pipe(b) || pipe(c) || pipe(d) || pipe(f) || pipe(e))
		return 2;
	ep = epoll_create1(0);
	ep2 = epoll_create1(0);
	outer = epoll_create1(0);
	add(ep, a[0], EPOLLIN, 1);
	add(ep, b[0], EPOLLIN, 2);
	add(ep, c[0], EPOLLIN | EPOLLET, 3);
	add(ep, d[0], EPOLLIN | EPOLLET, 4);
	add(ep, f[0], EPOLLIN | EPOLLONESHOT, 5);
	add(ep2, e[0], EPOLLIN, 6);
	add(outer, ep, EPOLLIN, 7);
	write(a[1], "a", 1);
	write(c[1], "c", 1);
	write(f[1], "f", 1);
	show("before (c and f reported)", ep);
	write(d[1], "d", 1);
	pthread_create(&th, NULL, waiter, NULL);
	cr_say("ready\n");
	cr_wait();
	show("outer", outer);
	show("after", ep);
	show("again", ep);
	write(b[1], "b", 1);
	write(c[1], "c", 1);
	show("b and c written", ep);
	usleep(50000);
	cr_say("thread still waiting: %d\n", thread_n == -2);
	write(e[1], "e", 1);
	pthread_join(th, NULL);
	cr_say("thread woke: %d data %llu\n", thread_n, thread_data);
	return 0;
}
