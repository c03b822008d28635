/*
 * cr_evfd (zdtm form, testdata/cr/cr.h): an eventfd holding a count and a semaphore
 * one, an armed periodic MONOTONIC timerfd, a far-off REALTIME one-shot, and a
 * signalfd with a standard and a queued real-time signal pending, all watched by an
 * epoll. After the checkpoint, restore and SIGUSR1: the counts are there, the
 * periodic timer keeps expiring without a burst for the downtime (MONOTONIC does not
 * count it), the one-shot still has its time to go, the signals are read with their
 * values, and the epoll reports what is ready.
 */
#include "../cr/cr.h"

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#define PERIOD_NS 50000000LL

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
	struct itimerspec per = { { 0, PERIOD_NS }, { 0, PERIOD_NS } };
	struct itimerspec far = { { 0, 0 }, { 100, 0 } }, cur;
	struct signalfd_siginfo si[4];
	struct epoll_event ev[8];
	int efd, sem, tfd, rfd, sfd, ep, n;
	int64_t t0, t1;
	uint64_t v;
	sigset_t m;

	cr_arm();
	efd = eventfd(12, EFD_NONBLOCK);
	sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, 0);
	rfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	sigaddset(&m, SIGRTMIN + 2);
	sigprocmask(SIG_BLOCK, &m, NULL);
	sfd = signalfd(-1, &m, SFD_NONBLOCK);
	ep = epoll_create1(0);
	if (efd < 0 || sem < 0 || tfd < 0 || rfd < 0 || sfd < 0 || ep < 0)
		return 2;
	timerfd_settime(tfd, 0, &per, NULL);
	timerfd_settime(rfd, 0, &far, NULL);
	kill(getpid(), SIGUSR2);
	sigqueue(getpid(), SIGRTMIN + 2, (union sigval){ .sival_int = 77 });
	for (int i = 0; i < 4; i++) {
		int fds[4] = { efd, sem, rfd, sfd };
		struct epoll_event e = { .events = EPOLLIN, .data.u64 = i };

		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
	}
	read(tfd, &v, 8);       /* running */
	t0 = mono_ns();
	cr_say("ready\n");
	cr_wait();
	n = epoll_wait(ep, ev, 8, 0);
	{
		unsigned int seen = 0;

		for (int i = 0; i < n; i++)
			seen |= 1u << ev[i].data.u64;
		cr_say("epoll: %d ready, mask %#x\n", n, seen);
	}
	read(efd, &v, 8);
	cr_say("eventfd %llu\n", (unsigned long long)v);
	for (int i = 0; i < 4; i++) {
		errno = 0;
		n = read(sem, &v, 8);
		cr_say("sem read %d %s\n", n, n < 0 ? "EAGAIN" : "");
	}
	read(tfd, &v, 8);
	t1 = mono_ns();
	cr_say("periodic: expired %d, no burst %d\n", v >= 1,
	       v <= (uint64_t)((t1 - t0) / PERIOD_NS + 2));
	if (v > (uint64_t)((t1 - t0) / PERIOD_NS + 2))
		fprintf(stderr, "ticks %llu over %lld ns\n", (unsigned long long)v,
			(long long)(t1 - t0));
	timerfd_gettime(rfd, &cur);
	cr_say("one-shot: still armed %d\n", cur.it_value.tv_sec > 0 && cur.it_value.tv_sec < 100);
	n = read(sfd, si, sizeof(si));
	cr_say("signalfd %d:", n);
	for (int i = 0; i < n / (int)sizeof(si[0]); i++)
		cr_say(" [%u %d]", si[i].ssi_signo, si[i].ssi_int);
	cr_say("\n");
	return 0;
}
