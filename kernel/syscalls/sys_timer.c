/* Timer and accounting syscalls: alarm, setitimer, getitimer, the POSIX timers
 * (timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete),
 * getrusage and times. The timers themselves are time/ktimer.c's. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "time/ktime.h"
#include "time/ktimer.h"

#define NSEC_PER_USEC 1000LL
#define MAX_SEC (INT64_MAX / NSEC_PER_SEC - 1)

static s64 tv_ns(s64 sec, s64 usec)
{
	return sec > MAX_SEC ? INT64_MAX : sec * NSEC_PER_SEC + usec * NSEC_PER_USEC;
}

static s64 ts_ns(s64 sec, s64 nsec)
{
	return sec > MAX_SEC ? INT64_MAX : sec * NSEC_PER_SEC + nsec;
}

/* Absolute expiry @rel from now on @kt's clock, saturating. */
static s64 expiry_in(struct thread_group *tg, struct ktimer *kt, s64 rel)
{
	s64 now = ktimer_now(tg, kt);

	if (now < 0)
		now = 0;        /* a gone thread's clock: the timer never fires */
	return rel > INT64_MAX - now ? INT64_MAX : now + rel;
}

static void itimer_get(struct thread_group *tg, int which, struct l_itimerval *out)
{
	struct ktimer *kt = &tg->timers->itimer[which];
	s64 left = ktimer_left(tg, kt);

	/* Linux rounds a remaining time up to whole microseconds. */
	left = (left + NSEC_PER_USEC - 1) / NSEC_PER_USEC;
	out->value_sec = left / 1000000;
	out->value_usec = left % 1000000;
	out->interval_sec = kt->interval / NSEC_PER_SEC;
	out->interval_usec = (kt->interval % NSEC_PER_SEC) / NSEC_PER_USEC;
}

static long do_setitimer(struct task *t, int which, const struct l_itimerval *nv,
			 struct l_itimerval *old)
{
	struct thread_group *tg = t->tg;
	struct tg_timers *tt;
	struct ktimer *kt;
	s64 value, interval;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	tt = tg_timers_get(tg);
	if (!tt) {
		pthread_mutex_unlock(&t->k->lock);
		return -ENOMEM;
	}
	kt = &tt->itimer[which];
	if (old)
		itimer_get(tg, which, old);
	if (nv) {
		value = tv_ns(nv->value_sec, nv->value_usec);
		interval = tv_ns(nv->interval_sec, nv->interval_usec);
		ktimer_set(tg, kt, value ? expiry_in(tg, kt, value) : 0, interval);
	}
	pthread_mutex_unlock(&t->k->lock);
	return 0;
}

static bool bad_tv(s64 sec, s64 usec)
{
	return sec < 0 || usec < 0 || usec >= 1000000;
}

SYS(setitimer)
{
	struct l_itimerval nv = { 0 }, old;
	long ret;

	if (a[1] && mm_copy_in(t->mm, &nv, a[1], sizeof(nv)))
		return -EFAULT;
	/* Linux takes a NULL new value as a disarm. */
	if (bad_tv(nv.value_sec, nv.value_usec) || bad_tv(nv.interval_sec, nv.interval_usec))
		return -EINVAL;
	ret = do_setitimer(t, a[0], &nv, &old);
	if (!ret && a[2] && mm_copy_out(t->mm, a[2], &old, sizeof(old)))
		return -EFAULT;
	return ret;
}

SYS(getitimer)
{
	struct l_itimerval cur;
	long ret = do_setitimer(t, a[0], NULL, &cur);

	if (!ret && mm_copy_out(t->mm, a[1], &cur, sizeof(cur)))
		return -EFAULT;
	return ret;
}

SYS(alarm)
{
	struct l_itimerval nv = { .value_sec = (u32)a[0] }, old = { 0 };
	s64 secs;

	do_setitimer(t, ITIMER_REAL, &nv, &old);
	secs = old.value_sec;
	/* Linux: never 0 for an armed alarm, and rounded to the nearest second. */
	if ((!secs && old.value_usec) || old.value_usec >= 500000)
		secs++;
	return secs;
}

/* POSIX timers. */

#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_VIRT 1

static bool in_group(struct task *t, u32 tid)
{
	struct task *p;
	bool ok;

	pthread_mutex_lock(&t->k->lock);
	p = kernel_find_task(t->k, tid);
	ok = p && p->tg == t->tg;
	pthread_mutex_unlock(&t->k->lock);
	return ok;
}

/* Which internal clock @clockid names for a timer of @t (and for a thread's CPU
 * clock, which thread: *@tid); -EINVAL if none. */
static int timer_clock(struct task *t, s32 clockid, u32 *tid)
{
	*tid = t->tid;
	switch (clockid) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
		return clockid;
	case CLOCK_PROCESS_CPUTIME_ID:
		return KT_CLOCK_CPU_TOTAL;
	case CLOCK_THREAD_CPUTIME_ID:
		return KT_CLOCK_THREAD_TOTAL;
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		return -EPERM;  /* CAP_WAKE_ALARM */
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;
	}
	if (clockid < 0) {
		u32 pid = ~(u32)clockid >> 3;
		bool thread = clockid & CPUCLOCK_PERTHREAD;

		bool virt = (clockid & 3) == CPUCLOCK_VIRT;

		if ((clockid & 3) == 3)
			return -EINVAL;
		if (thread) {
			/* Any thread of this process (Linux's lookup_task). */
			if (pid && !in_group(t, pid))
				return -EINVAL;
			if (pid)
				*tid = pid;
			return virt ? KT_CLOCK_THREAD_USER : KT_CLOCK_THREAD_TOTAL;
		}
		/* This process's clocks (another's: not offered). */
		if (pid && pid != t->tgid)
			return -EINVAL;
		return virt ? KT_CLOCK_CPU_USER : KT_CLOCK_CPU_TOTAL;
	}
	return -EINVAL;
}

static struct posix_timer *find_timer(struct thread_group *tg, s32 id)
{
	if (!tg->timers)
		return NULL;
	for (struct posix_timer *pt = tg->timers->posix; pt; pt = pt->next)
		if (pt->id == id)
			return pt;
	return NULL;
}

SYS(timer_create)
{
	struct l_sigevent ev = { .signo = SIGALRM, .notify = L_SIGEV_SIGNAL };
	struct kernel *k = t->k;
	struct posix_timer *pt;
	struct tg_timers *tt;
	bool have_ev = a[1] != 0;
	u32 clock_tid;
	int clock = timer_clock(t, a[0], &clock_tid), n = 0;
	s32 id;

	if (clock < 0)
		return clock;
	if (have_ev && mm_copy_in(t->mm, &ev, a[1], sizeof(ev)))
		return -EFAULT;
	switch (ev.notify) {
	case L_SIGEV_SIGNAL: case L_SIGEV_THREAD: case L_SIGEV_THREAD_ID:
		if (ev.signo <= 0 || ev.signo > L_NSIG)
			return -EINVAL;
		break;
	case L_SIGEV_NONE:
		break;
	default:
		return -EINVAL;
	}
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pthread_mutex_lock(&k->lock);
	tt = tg_timers_get(t->tg);
	if (ev.notify == L_SIGEV_THREAD_ID) {
		struct task *to = kernel_find_task(k, ev.tid);

		if (!to || to->tg != t->tg)
			goto fail_inval;
	}
	if (!tt)
		goto fail_nomem;
	for (struct posix_timer *o = tt->posix; o; o = o->next)
		n++;
	if ((u64)n >= t->rlim[RLIMIT_SIGPENDING].cur)
		goto fail_again;
	do {
		id = tt->next_id;
		tt->next_id = tt->next_id == INT32_MAX ? 0 : tt->next_id + 1;
	} while (find_timer(t->tg, id));
	pt->id = id;
	pt->notify = ev.notify == L_SIGEV_THREAD ? L_SIGEV_SIGNAL : ev.notify;
	pt->signo = ev.signo;
	pt->tid = ev.tid;
	pt->value = have_ev ? ev.value : (u64)id;
	pt->kt.clockid = clock;
	pt->kt.tid = clock_tid;
	if (mm_copy_out(t->mm, a[2], &id, sizeof(id))) {
		pthread_mutex_unlock(&k->lock);
		free(pt);
		return -EFAULT;
	}
	pthread_mutex_lock(&t->sh->lock);
	pt->next = tt->posix;
	tt->posix = pt;
	pthread_mutex_unlock(&t->sh->lock);
	pthread_mutex_unlock(&k->lock);
	return 0;

fail_inval:
	pthread_mutex_unlock(&k->lock);
	free(pt);
	return -EINVAL;
fail_nomem:
	pthread_mutex_unlock(&k->lock);
	free(pt);
	return -ENOMEM;
fail_again:
	pthread_mutex_unlock(&k->lock);
	free(pt);
	return -EAGAIN;
}

/* timer_gettime's view; a SIGEV_NONE timer is never run by the timer thread, so its
 * expiries are worked out here. k->lock held. */
static void timer_get(struct thread_group *tg, struct posix_timer *pt, struct l_itimerspec *o)
{
	struct ktimer *kt = &pt->kt;
	s64 left;

	if (pt->notify == L_SIGEV_NONE && kt->armed) {
		s64 now = ktimer_now(tg, kt);

		if (now >= kt->expires) {
			if (kt->interval > 0)
				kt->expires += (1 + (now - kt->expires) / kt->interval) *
					       kt->interval;
			else
				kt->armed = false;
		}
	}
	left = ktimer_left(tg, kt);
	o->value_sec = left / NSEC_PER_SEC;
	o->value_nsec = left % NSEC_PER_SEC;
	o->interval_sec = kt->interval / NSEC_PER_SEC;
	o->interval_nsec = kt->interval % NSEC_PER_SEC;
}

static bool bad_ts(s64 sec, s64 nsec)
{
	return sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC;
}

SYS(timer_settime)
{
	struct l_itimerspec nv, old;
	struct posix_timer *pt;
	s64 value, interval, expires = 0;
	long ret = 0;

	if (mm_copy_in(t->mm, &nv, a[2], sizeof(nv)))
		return -EFAULT;
	if (bad_ts(nv.value_sec, nv.value_nsec) || bad_ts(nv.interval_sec, nv.interval_nsec))
		return -EINVAL;
	value = ts_ns(nv.value_sec, nv.value_nsec);
	interval = ts_ns(nv.interval_sec, nv.interval_nsec);
	pthread_mutex_lock(&t->k->lock);
	pt = find_timer(t->tg, a[0]);
	if (!pt) {
		ret = -EINVAL;
		goto out;
	}
	timer_get(t->tg, pt, &old);
	if (value)
		expires = (a[1] & TIMER_ABSTIME) ? MAX(value, 1) : expiry_in(t->tg, &pt->kt, value);
	pthread_mutex_lock(&t->sh->lock);
	pt->overrun = 0;
	pt->overrun_last = 0;
	pthread_mutex_unlock(&t->sh->lock);
	ktimer_set(t->tg, &pt->kt, expires, interval);
out:
	pthread_mutex_unlock(&t->k->lock);
	if (!ret && a[3] && mm_copy_out(t->mm, a[3], &old, sizeof(old)))
		return -EFAULT;
	return ret;
}

SYS(timer_gettime)
{
	struct l_itimerspec cur;
	struct posix_timer *pt;
	long ret = 0;

	pthread_mutex_lock(&t->k->lock);
	pt = find_timer(t->tg, a[0]);
	if (pt)
		timer_get(t->tg, pt, &cur);
	else
		ret = -EINVAL;
	pthread_mutex_unlock(&t->k->lock);
	if (!ret && mm_copy_out(t->mm, a[1], &cur, sizeof(cur)))
		return -EFAULT;
	return ret;
}

SYS(timer_getoverrun)
{
	struct posix_timer *pt;
	long ret;

	pthread_mutex_lock(&t->k->lock);
	pt = find_timer(t->tg, a[0]);
	ret = pt ? pt->overrun_last : -EINVAL;
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

SYS(timer_delete)
{
	struct posix_timer **pp, *pt = NULL;

	pthread_mutex_lock(&t->k->lock);
	pthread_mutex_lock(&t->sh->lock);
	for (pp = t->tg->timers ? &t->tg->timers->posix : NULL; pp && *pp; pp = &(*pp)->next) {
		if ((*pp)->id == (s32)a[0]) {
			pt = *pp;
			*pp = pt->next;
			break;
		}
	}
	/* A signal of it still pending is delivered without an overrun count. */
	pthread_mutex_unlock(&t->sh->lock);
	pthread_mutex_unlock(&t->k->lock);
	if (!pt)
		return -EINVAL;
	free(pt);
	return 0;
}

/* Accounting. */

static void put_tv(s64 *sec, s64 *usec, u64 ns)
{
	*sec = ns / NSEC_PER_SEC;
	*usec = (ns % NSEC_PER_SEC) / NSEC_PER_USEC;
}

SYS(getrusage)
{
	struct l_rusage ru = { 0 };
	s32 who = a[0];
	u64 u, s;

	pthread_mutex_lock(&t->k->lock);
	switch (who) {
	case RUSAGE_SELF:
		cputime_group(t->tg, &u, &s);
		break;
	case RUSAGE_THREAD:
		cputime_task(t, &u, &s);
		break;
	case RUSAGE_CHILDREN:
		cputime_children(t->tg, &u, &s);
		break;
	default:
		pthread_mutex_unlock(&t->k->lock);
		return -EINVAL;
	}
	pthread_mutex_unlock(&t->k->lock);
	task_usage_get(t, who, &ru);
	put_tv(&ru.utime_sec, &ru.utime_usec, u);
	put_tv(&ru.stime_sec, &ru.stime_usec, s);
	return mm_copy_out(t->mm, a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}

SYS(times)
{
	struct l_tms tms;
	u64 u, s, cu, cs;
	s64 boot;

	pthread_mutex_lock(&t->k->lock);
	cputime_group(t->tg, &u, &s);
	cputime_children(t->tg, &cu, &cs);
	pthread_mutex_unlock(&t->k->lock);
	tms = (struct l_tms){ u / (NSEC_PER_SEC / L_USER_HZ), s / (NSEC_PER_SEC / L_USER_HZ),
			      cu / (NSEC_PER_SEC / L_USER_HZ), cs / (NSEC_PER_SEC / L_USER_HZ) };
	if (a[0] && mm_copy_out(t->mm, a[0], &tms, sizeof(tms)))
		return -EFAULT;
	/* Clock ticks since an arbitrary point: Linux's jiffies start 5 minutes before
	 * boot; the sandbox's boot time serves. */
	ktime_get(&t->k->time, CLOCK_BOOTTIME, &boot);
	return boot / (NSEC_PER_SEC / L_USER_HZ);
}
