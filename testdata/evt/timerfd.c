/*
 * timerfd: the calls' errors (clocks, flags, timespecs, fds that are no timerfd), a
 * periodic timer read blocking and by poll, gettime of an armed and a disarmed
 * timer, an absolute expiry in the past (due at once), a timer re-armed (the count
 * restarts), and one disarmed. Expiry counts are compared with bounds, not values.
 */
#include "evt.h"

#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>

static struct itimerspec its(long vs, long vns, long is, long ins)
{
	return (struct itimerspec){ { is, ins }, { vs, vns } };
}

int main(void)
{
	struct itimerspec cur, t;
	struct timespec now;
	uint64_t v, total = 0;
	int fd, p[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	R(timerfd_create(77, 0));
	R(timerfd_create(CLOCK_MONOTONIC, 0x1));
	R(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	CHECK(fd >= 0);
	evt_show_link(fd);
	t = its(0, 1000000000, 0, 0);
	R(timerfd_settime(fd, 0, &t, NULL));
	t = its(0, -1, 0, 0);
	R(timerfd_settime(fd, 0, &t, NULL));
	t = its(1, 0, -1, 0);
	R(timerfd_settime(fd, 0, &t, NULL));
	t = its(1, 0, 0, 0);
	R(timerfd_settime(fd, 0x10, &t, NULL));
	R(timerfd_settime(fd, 0, NULL, NULL));
	R(timerfd_settime(999, 0, &t, NULL));
	pipe(p);
	R(timerfd_settime(p[0], 0, &t, NULL));
	R(timerfd_gettime(p[0], &cur));
	R(timerfd_gettime(999, &cur));
	R(timerfd_gettime(fd, NULL));
	R(read(fd, &v, 8));
	R(read(fd, &v, 4));

	/* periodic: 20 ms, read until 5 expiries */
	t = its(0, 20000000, 0, 20000000);
	R(timerfd_settime(fd, 0, &t, &cur));
	printf("old: %ld %ld\n", (long)cur.it_value.tv_sec, (long)cur.it_interval.tv_nsec);
	timerfd_gettime(fd, &cur);
	printf("armed: value in (0, 20ms] %d, interval %ld\n",
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
	       cur.it_value.tv_nsec <= 20000000, (long)cur.it_interval.tv_nsec);
	while (total < 5) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };

		CHECK(poll(&pf, 1, -1) == 1 && pf.revents == POLLIN);
		CHECK(read(fd, &v, 8) == 8 && v >= 1);
		total += v;
	}
	printf("five expiries by poll\n");
	/* now blocking */
	{
		int bfd = timerfd_create(CLOCK_BOOTTIME, 0);

		t = its(0, 10000000, 0, 10000000);
		timerfd_settime(bfd, 0, &t, NULL);
		for (total = 0; total < 5; total += v)
			CHECK(read(bfd, &v, 8) == 8 && v >= 1);
		printf("five expiries blocking (boottime)\n");
		close(bfd);
	}

	/* in an epoll: the timer thread's expiries wake a blocked epoll_wait */
	{
		int efd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
		int ep = epoll_create1(0);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 5 };

		epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
		t = its(0, 10000000, 0, 10000000);
		timerfd_settime(efd, 0, &t, NULL);
		for (int i = 0; i < 3; i++) {
			CHECK(epoll_wait(ep, &ev, 1, -1) == 1 && ev.data.u32 == 5);
			CHECK(read(efd, &v, 8) == 8 && v >= 1);
		}
		printf("three epoll wake-ups\n");
		close(ep);
		close(efd);
	}

	/* absolute, in the past: due at once */
	{
		int rfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);

		clock_gettime(CLOCK_REALTIME, &now);
		t = its(now.tv_sec - 1, now.tv_nsec, 0, 0);
		R(timerfd_settime(rfd, TFD_TIMER_ABSTIME, &t, NULL));
		CHECK(read(rfd, &v, 8) == 8);
		printf("past one-shot: %llu\n", (unsigned long long)v);
		R(read(rfd, &v, 8));
		timerfd_gettime(rfd, &cur);
		printf("spent one-shot: %ld %ld\n", (long)cur.it_value.tv_sec,
		       (long)cur.it_value.tv_nsec);
		/* periodic from 1 s ago every 100 ms: about 10 due now */
		t = its(now.tv_sec - 1, now.tv_nsec, 0, 100000000);
		timerfd_settime(rfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &t, NULL);
		CHECK(read(rfd, &v, 8) == 8);
		printf("past periodic: 10..12 %d\n", v >= 10 && v <= 12);
		close(rfd);
	}

	/* re-arm: the count restarts; disarm keeps the interval */
	t = its(0, 1000000, 0, 0);
	timerfd_settime(fd, 0, &t, NULL);
	usleep(10000);
	t = its(5, 0, 0, 0);
	timerfd_settime(fd, 0, &t, NULL);
	R(read(fd, &v, 8));
	t = its(0, 0, 3, 0);
	R(timerfd_settime(fd, 0, &t, &cur));
	printf("old value ~5s %d\n", cur.it_value.tv_sec == 4 || cur.it_value.tv_sec == 5);
	timerfd_gettime(fd, &cur);
	printf("disarmed: %ld %ld interval %ld\n", (long)cur.it_value.tv_sec,
	       (long)cur.it_value.tv_nsec, (long)cur.it_interval.tv_sec);
	R(read(fd, &v, 8));
	printf("done\n");
	return 0;
}
