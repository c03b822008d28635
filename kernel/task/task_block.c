/*
 * Blocking waits in the Sentry. A task blocks only in ppoll over the host fd it waits
 * for and its interrupt eventfd, so an interrupt raised at any moment (before or
 * during the wait) ends it: task_interrupt() sets the bits, then writes the eventfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "task/task.h"
#include "task/waitq.h"
#include "time/ktime.h"

bool task_signal_pending(struct task *t)
{
	u32 tif = __atomic_load_n(&t->interrupt, __ATOMIC_ACQUIRE);

	if (tif & (TIF_KILL | TIF_STOP | TIF_JOBSTOP))
		return true;
	return (task_pending(t) & ~t->sigmask) != 0;
}

bool task_wait_signalled(struct task *t, u64 taken)
{
	u32 tif = __atomic_load_n(&t->interrupt, __ATOMIC_ACQUIRE);

	if (tif & (TIF_KILL | TIF_JOBSTOP))
		return true;
	return (task_pending(t) & ~t->sigmask & ~taken) != 0;
}

static s64 host_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_to_ns(ts.tv_sec, ts.tv_nsec);
}

/* The ppoll timeout until host-monotonic @deadline (-1: none, NULL returned). False
 * when the deadline has passed. */
static bool timeout_until(s64 deadline, struct timespec *ts, struct timespec **tsp)
{
	s64 left;

	*tsp = NULL;
	if (deadline < 0)
		return true;
	left = deadline - host_mono_now();
	if (left <= 0)
		return false;
	ts->tv_sec = left / NSEC_PER_SEC;
	ts->tv_nsec = left % NSEC_PER_SEC;
	*tsp = ts;
	return true;
}

int task_ppoll(struct task *t, struct pollfd *p, unsigned long n, const struct timespec *ts)
{
	int r;

	__atomic_store_n(&t->sleeping, true, __ATOMIC_RELAXED);
	r = ppoll(p, n, ts, NULL);
	__atomic_store_n(&t->sleeping, false, __ATOMIC_RELAXED);
	return r;
}

int task_wait_fd(struct task *t, int fd, short events, s64 deadline)
{
	struct pollfd p[2] = {
		{ .fd = t->evfd, .events = POLLIN },
		{ .fd = fd, .events = events },
	};
	bool counted = false;

	for (;;) {
		struct timespec ts, *tsp;
		int n;

		if (task_signal_pending(t))
			return -EINTR;
		/* A wait is a voluntary switch, even one whose deadline passed
		 * before it began: the task gave way to wait for it. */
		if (!counted)
			task_usage_inc(t, nvcsw);
		counted = true;
		if (!timeout_until(deadline, &ts, &tsp))
			return 0;
		n = task_ppoll(t, p, fd >= 0 ? 2 : 1, tsp);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && p[1].revents)
			return 1;
		if (n > 0 && p[0].revents) {
			u64 v;

			/* Drain, then re-check the reason: a stale wake-up is not an
			 * interrupt. */
			if (read(t->evfd, &v, sizeof(v)) < 0) {
				/* already drained */
			}
		}
	}
}

int task_sleep_until(struct task *t, s64 deadline)
{
	return task_wait_fd(t, -1, 0, deadline);
}

void task_wake(struct task *t)
{
	u64 one = 1;

	if (write(t->evfd, &one, sizeof(one)) < 0) {
		/* saturated: the task is awake already */
	}
}

void waiter_wake(struct waiter *w)
{
	if (w->t)
		task_wake(w->t);
	else
		w->func(w);
}

void waitq_wake_all(struct waitq *wq)
{
	struct st_list *p;

	st_list_for_each(p, &wq->head)
		waiter_wake(container_of(p, struct waiter, link));
}

void waitq_collect(struct waitq *wq, struct wake_list *wl)
{
	struct st_list *p;

	st_list_for_each(p, &wq->head) {
		struct waiter *w = container_of(p, struct waiter, link);
		struct task *t = w->t;
		unsigned int i;

		if (!t) {
			w->func(w);     /* a callback does not sleep: run it now */
			continue;
		}

		for (i = 0; i < wl->n && wl->t[i] != t; i++)
			;
		if (i < wl->n)
			continue;
		if (wl->n == WAKE_LIST_MAX) {
			task_wake(t);
			continue;
		}
		__atomic_add_fetch(&t->wake_pins, 1, __ATOMIC_ACQUIRE);
		wl->t[wl->n++] = t;
	}
}

void wake_list_run(struct wake_list *wl)
{
	for (unsigned int i = 0; i < wl->n; i++) {
		task_wake(wl->t[i]);
		__atomic_sub_fetch(&wl->t[i]->wake_pins, 1, __ATOMIC_RELEASE);
	}
	wl->n = 0;
}

int task_block(struct task *t, s64 deadline)
{
	struct pollfd p = { .fd = t->evfd, .events = POLLIN };
	struct timespec ts, *tsp;
	u64 v;
	int n;

	if (task_signal_pending(t))
		return -EINTR;
	task_usage_inc(t, nvcsw);
	if (!timeout_until(deadline, &ts, &tsp))
		return 0;
	n = task_ppoll(t, &p, 1, tsp);
	if (n > 0 && read(t->evfd, &v, sizeof(v)) < 0) {
		/* drained by a racing read: fine */
	}
	return task_signal_pending(t) ? -EINTR : 0;
}
