/*
 * timerfd (after Linux's fs/timerfd.c): a wall-clock timer whose expiries are counted
 * for read(2) rather than signalled. The timer is a struct ktimer run by the
 * Sentry's timer thread (time/ktimer.c calls timerfd_scan), which wakes the file's
 * readers and pollers; read and poll also count what is due themselves.
 *
 * Missing: TFD_TIMER_CANCEL_ON_SET is accepted but never cancels (the sandbox's
 * CLOCK_REALTIME cannot be set from inside, and a restore's jump of the host clock
 * is not treated as a set); TFD_IOC_SET_TICKS is not offered (ENOTTY).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/evfd.h"
#include "kernel.h"
#include "task/task.h"
#include "time/ktime.h"

#define TFD(f) container_of(f, struct timerfd_file, base)

/* every timerfd, for the timer thread; under kernel->lock */
static struct st_list tfd_list = ST_LIST_INIT(tfd_list);

/* Counts what is due by now into ticks, waking readers. tf->lock held. */
static void tfd_update(struct timerfd_file *tf)
{
	s64 now = 0, n;

	if (!tf->kt.armed)
		return;
	ktime_get(&tf->k->time, tf->kt.clockid, &now);
	n = ktimer_expire(&tf->kt, now);
	if (!n)
		return;
	tf->ticks += n;
	waitq_wake_all(&tf->wq);
}

void timerfd_scan(struct kernel *k, s64 *next)
{
	struct st_list *p;

	st_list_for_each(p, &tfd_list) {
		struct timerfd_file *tf = container_of(p, struct timerfd_file, link);
		s64 when;

		if (tf->k != k)
			continue;
		pthread_mutex_lock(&tf->lock);
		tfd_update(tf);
		if (tf->kt.armed) {
			when = ktime_to_host_mono(&k->time, tf->kt.clockid, tf->kt.expires);
			if (*next < 0 || when < *next)
				*next = when;
		}
		pthread_mutex_unlock(&tf->lock);
	}
}

static s64 timerfd_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	struct timerfd_file *tf = TFD(f);
	s64 ret = 0;

	(void)pos;
	if (len < sizeof(u64))
		return -EINVAL;
	pthread_mutex_lock(&tf->lock);
	for (;;) {
		struct waiter w;

		tfd_update(tf);
		if (tf->ticks)
			break;
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		waitq_add(&tf->wq, &w, t);
		pthread_mutex_unlock(&tf->lock);
		ret = task_block(t, -1);
		pthread_mutex_lock(&tf->lock);
		waitq_del(&w);
		if (ret == -EINTR && !tf->ticks) {
			ret = -ERESTARTSYS;
			break;
		}
		ret = 0;
	}
	if (!ret) {
		memcpy(buf, &tf->ticks, sizeof(u64));
		tf->ticks = 0;
		ret = sizeof(u64);
	}
	pthread_mutex_unlock(&tf->lock);
	return ret;
}

static short timerfd_poll(struct vfs_file *f, short events, struct waiter *w)
{
	struct timerfd_file *tf = TFD(f);
	short re = 0;

	pthread_mutex_lock(&tf->lock);
	tfd_update(tf);
	if (tf->ticks)
		re = (POLLIN | POLLRDNORM) & events;
	if (!re && w)
		waitq_add(&tf->wq, w, w->t);
	pthread_mutex_unlock(&tf->lock);
	return re;
}

static void timerfd_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	struct timerfd_file *tf = TFD(f);

	pthread_mutex_lock(&tf->lock);
	waitq_del(w);
	pthread_mutex_unlock(&tf->lock);
}

static void timerfd_release(struct vfs_file *f)
{
	struct timerfd_file *tf = TFD(f);

	pthread_mutex_lock(&tf->k->lock);
	st_list_del(&tf->link);
	pthread_mutex_unlock(&tf->k->lock);
	pthread_mutex_destroy(&tf->lock);
	free(tf);
}

const struct vfs_file_ops timerfd_ops = {
	.type = "timerfd",
	.read = timerfd_read,
	.fstat = evfd_fstat,
	.poll = timerfd_poll,
	.poll_cancel = timerfd_poll_cancel,
	.release = timerfd_release,
};

int timerfd_new(struct kernel *k, int clockid, u32 flags, struct vfs_file **out)
{
	struct timerfd_file *tf = calloc(1, sizeof(*tf));

	if (!tf)
		return -ENOMEM;
	vfs_file_init(&tf->base, &timerfd_ops, O_RDWR | (flags & O_NONBLOCK));
	tf->k = k;
	tf->kt.clockid = clockid;
	waitq_init(&tf->wq);
	pthread_mutex_init(&tf->lock, NULL);
	pthread_mutex_lock(&k->lock);
	st_list_add_tail(&tf->link, &tfd_list);
	pthread_mutex_unlock(&k->lock);
	*out = &tf->base;
	return 0;
}

/* The setting as timerfd_gettime shows it. tf->lock held, after tfd_update. */
static void tfd_show(struct timerfd_file *tf, struct l_itimerspec *cur)
{
	s64 left = 0, now = 0;

	if (tf->kt.armed) {
		ktime_get(&tf->k->time, tf->kt.clockid, &now);
		left = tf->kt.expires - now;
		left = left > 0 ? left : 0;
	}
	cur->value_sec = left / NSEC_PER_SEC;
	cur->value_nsec = left % NSEC_PER_SEC;
	cur->interval_sec = tf->kt.interval / NSEC_PER_SEC;
	cur->interval_nsec = tf->kt.interval % NSEC_PER_SEC;
}

int timerfd_get(struct vfs_file *f, struct l_itimerspec *cur)
{
	struct timerfd_file *tf = TFD(f);

	if (f->ops != &timerfd_ops)
		return -EINVAL;
	pthread_mutex_lock(&tf->lock);
	tfd_update(tf);
	tfd_show(tf, cur);
	pthread_mutex_unlock(&tf->lock);
	return 0;
}

int timerfd_set(struct vfs_file *f, u32 flags, const struct l_itimerspec *val,
		struct l_itimerspec *old)
{
	struct timerfd_file *tf = TFD(f);
	s64 value = ts_to_ns(val->value_sec, val->value_nsec);
	s64 now = 0;

	if (f->ops != &timerfd_ops)
		return -EINVAL;
	pthread_mutex_lock(&tf->k->lock);
	pthread_mutex_lock(&tf->lock);
	tfd_update(tf);
	tfd_show(tf, old);
	ktime_get(&tf->k->time, tf->kt.clockid, &now);
	tf->ticks = 0;
	tf->kt.armed = value != 0;
	tf->kt.expires = flags & L_TFD_TIMER_ABSTIME ? value : now + value;
	/* Linux keeps the interval of a disarmed timer: gettime shows it */
	tf->kt.interval = ts_to_ns(val->interval_sec, val->interval_nsec);
	if (tf->kt.armed)
		ktimer_kick(tf->k);
	pthread_mutex_unlock(&tf->lock);
	pthread_mutex_unlock(&tf->k->lock);
	return 0;
}

int timerfd_file_after_load(void *o, void *ctx)
{
	struct timerfd_file *tf = o;

	(void)ctx;
	if (!tf->k || tf->kt.interval < 0)
		return -EINVAL;
	waitq_init(&tf->wq);
	pthread_mutex_init(&tf->lock, NULL);
	/* the restore is single-threaded; the timer thread starts with the first task */
	st_list_add_tail(&tf->link, &tfd_list);
	return 0;
}
