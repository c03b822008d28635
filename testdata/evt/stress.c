/*
 * epoll under concurrency: writer threads fill pipes while the main thread drains
 * them through an edge-triggered epoll (every byte must arrive, none twice), another
 * thread churns a second set's entries (ADD, MOD, DEL, close of watched fds) while a
 * thread waits on it, and eventfd increments from several threads are summed through
 * a level-triggered wait. Counts are printed; timing is not.
 */
#include "evt.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>

#define NPIPE 4
#define NWRITE 3000
#define NCHURN 2000

static int pipes[NPIPE][2];
static int efd;
static volatile int churn_done;

static void *writer(void *arg)
{
	int i = (int)(intptr_t)arg;

	for (int n = 0; n < NWRITE; n++) {
		char c = 'a' + i;

		while (write(pipes[i][1], &c, 1) != 1)
			;
	}
	return NULL;
}

static void *adder(void *arg)
{
	uint64_t one = 1;

	(void)arg;
	for (int n = 0; n < NWRITE; n++)
		write(efd, &one, 8);
	return NULL;
}

static void *churner(void *arg)
{
	int ep = (int)(intptr_t)arg;

	for (int n = 0; n < NCHURN; n++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = n };
		int p[2];

		if (pipe(p))
			break;
		epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
		if (n % 3 == 0)
			write(p[1], "x", 1);
		ev.events = EPOLLIN | EPOLLET;
		epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
		if (n % 2)
			epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
		close(p[0]);
		close(p[1]);
	}
	churn_done = 1;
	return NULL;
}

static void *churn_waiter(void *arg)
{
	struct epoll_event ev[16];
	int ep = (int)(intptr_t)arg;

	while (!churn_done)
		epoll_wait(ep, ev, 16, 5);
	return NULL;
}

int main(void)
{
	pthread_t w[NPIPE], a[3], ch, cw;
	long got[NPIPE] = { 0 }, total = 0;
	uint64_t sum = 0;
	int ep = epoll_create1(0), ep2 = epoll_create1(0), ep3 = epoll_create1(0);

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < NPIPE; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = i };

		CHECK(pipe2(pipes[i], O_NONBLOCK) == 0);
		CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, pipes[i][0], &ev) == 0);
	}
	efd = eventfd(0, EFD_NONBLOCK);
	{
		struct epoll_event ev = { .events = EPOLLIN };

		CHECK(epoll_ctl(ep3, EPOLL_CTL_ADD, efd, &ev) == 0);
	}
	pthread_create(&ch, NULL, churner, (void *)(intptr_t)ep2);
	pthread_create(&cw, NULL, churn_waiter, (void *)(intptr_t)ep2);
	for (int i = 0; i < NPIPE; i++)
		pthread_create(&w[i], NULL, writer, (void *)(intptr_t)i);
	for (int i = 0; i < 3; i++)
		pthread_create(&a[i], NULL, adder, NULL);
	while (total < NPIPE * NWRITE) {
		struct epoll_event ev[NPIPE];
		int n = epoll_wait(ep, ev, NPIPE, 10000);

		CHECK(n > 0);
		for (int k = 0; k < n; k++) {
			int i = ev[k].data.u32;
			char buf[512];
			ssize_t r;

			/* edge-triggered: drain to EAGAIN */
			while ((r = read(pipes[i][0], buf, sizeof(buf))) > 0) {
				for (ssize_t j = 0; j < r; j++)
					CHECK(buf[j] == 'a' + i);
				got[i] += r;
				total += r;
			}
			CHECK(r < 0 && errno == EAGAIN);
		}
	}
	for (int i = 0; i < NPIPE; i++) {
		pthread_join(w[i], NULL);
		printf("pipe %d: %ld\n", i, got[i]);
	}
	while (sum < 3 * NWRITE) {
		struct epoll_event ev;
		uint64_t v;

		CHECK(epoll_wait(ep3, &ev, 1, 10000) == 1);
		if (read(efd, &v, 8) == 8)
			sum += v;
	}
	for (int i = 0; i < 3; i++)
		pthread_join(a[i], NULL);
	printf("eventfd sum %llu\n", (unsigned long long)sum);
	pthread_join(ch, NULL);
	pthread_join(cw, NULL);
	{
		struct epoll_event ev[16];

		printf("churned set empty: %d\n", epoll_wait(ep2, ev, 16, 0));
	}
	printf("done\n");
	return 0;
}
