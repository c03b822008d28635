/*
 * The timer thread and timer arithmetic (ktimer.h). One host thread per sandbox,
 * started by the first armed timer, holds kernel->lock while it looks at timers and
 * sleeps on a condition variable over it until the earliest wall-clock expiry (or
 * 10 ms while a CPU-clock timer is armed, or while the world is stopped: a stopped
 * sandbox's timers wait for it to resume, and a checkpoint sees them still). Signals
 * go out as Linux sends them: ITIMER_* as SI_KERNEL to the process, POSIX timers as
 * SI_TIMER to the process or, for SIGEV_THREAD_ID, the thread; a POSIX timer has at
 * most one signal pending, and expiries meanwhile are counted as its overrun.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "base/log.h"
#include "ipc/evfd.h"
#include "kernel.h"
#include "signal/sigqueue.h"
#include "task/task.h"
#include "time/ktime.h"
#include "time/ktimer.h"

#define CPU_SAMPLE_NS (10 * 1000 * 1000LL)
#define DELAYTIMER_MAX 0x7fffffff

struct ktimer_svc {
	pthread_t thread;
	pthread_cond_t cond;    /* over kernel->lock, on CLOCK_MONOTONIC */
};

static bool is_cpu_clock(int clockid)
{
	return clockid == KT_CLOCK_CPU_TOTAL || clockid == KT_CLOCK_CPU_USER ||
	       clockid == KT_CLOCK_THREAD_TOTAL || clockid == KT_CLOCK_THREAD_USER;
}

s64 ktimer_now(struct thread_group *tg, const struct ktimer *kt)
{
	int clockid = kt->clockid;
	u64 user, sys;
	s64 ns = 0;

	if (!is_cpu_clock(clockid)) {
		ktime_get(&tg->k->time, clockid, &ns);
		return ns;
	}
	if (clockid == KT_CLOCK_THREAD_TOTAL || clockid == KT_CLOCK_THREAD_USER) {
		struct task *t = kernel_find_task(tg->k, kt->tid);

		if (!t || t->tg != tg || t->exited)
			return -1;
		cputime_task(t, &user, &sys);
		return clockid == KT_CLOCK_THREAD_USER ? (s64)user : (s64)(user + sys);
	}
	cputime_group(tg, &user, &sys);
	return clockid == KT_CLOCK_CPU_USER ? (s64)user : (s64)(user + sys);
}

void ktimer_set(struct thread_group *tg, struct ktimer *kt, s64 expires, s64 interval)
{
	kt->armed = expires != 0;
	kt->expires = expires;
	kt->interval = kt->armed ? interval : 0;
	if (kt->armed)
		ktimer_kick(tg->k);
}

s64 ktimer_left(struct thread_group *tg, struct ktimer *kt)
{
	s64 left;

	if (!kt->armed)
		return 0;
	left = kt->expires - ktimer_now(tg, kt);
	/* Due but not yet handled: Linux reports a little rather than disarmed. */
	return left > 0 ? left : 1000;
}

s64 ktimer_expire(struct ktimer *kt, s64 now)
{
	s64 n;

	if (!kt->armed || now < kt->expires)
		return 0;
	if (kt->interval <= 0) {
		kt->armed = false;
		return 1;
	}
	n = 1 + (now - kt->expires) / kt->interval;
	kt->expires += n * kt->interval;
	return n;
}

/* Expirations of @kt by now, moving it to its next expiry; the host-monotonic time
 * to look again goes into *next. */
static s64 ktimer_check(struct thread_group *tg, struct ktimer *kt, s64 *next)
{
	s64 now, n, when;

	if (!kt->armed)
		return 0;
	now = ktimer_now(tg, kt);
	if (now < 0) {
		/* Its thread is gone: as Linux's posix_cpu_timers_exit, it never fires. */
		kt->armed = false;
		return 0;
	}
	n = ktimer_expire(kt, now);
	if (!kt->armed)
		return n;
	if (is_cpu_clock(kt->clockid))
		when = ktime_host_mono_now() + CPU_SAMPLE_NS;
	else
		when = ktime_to_host_mono(&tg->k->time, kt->clockid, kt->expires);
	if (*next < 0 || when < *next)
		*next = when;
	return n;
}

static void fire_itimer(struct thread_group *tg, int which)
{
	static const int sig[3] = { SIGALRM, SIGVTALRM, SIGPROF };
	struct l_siginfo info = { .signo = sig[which], .code = L_SI_KERNEL };

	sig_send_group(tg, &info, false);
}

static void fire_posix(struct thread_group *tg, struct posix_timer *pt, s64 n)
{
	struct l_siginfo info = { .signo = pt->signo, .code = L_SI_TIMER };
	struct kernel *k = tg->k;
	struct task *to = NULL;

	if (pt->notify == L_SIGEV_NONE)
		return;
	pthread_mutex_lock(&tg->leader->sh->lock);
	if (pt->queued) {
		pt->overrun = n > DELAYTIMER_MAX - pt->overrun ? DELAYTIMER_MAX
							       : pt->overrun + (s32)n;
		pthread_mutex_unlock(&tg->leader->sh->lock);
		return;
	}
	pt->overrun = n - 1 > DELAYTIMER_MAX ? DELAYTIMER_MAX : (s32)(n - 1);
	pt->queued = true;      /* before it can be dequeued; note_queued checks it */
	pthread_mutex_unlock(&tg->leader->sh->lock);
	info.timer.tid = pt->id;
	info.timer.value = pt->value;
	if (pt->notify == L_SIGEV_THREAD_ID) {
		to = kernel_find_task(k, pt->tid);
		if (!to || to->tg != tg || to->exiting)
			return;
		sig_send(to, &info, false, false);
	} else {
		sig_send_group(tg, &info, false);
	}
}

/* After a send: the signal may have been discarded (ignored, or its target gone), or
 * already taken; the timer is queued only if its signal is pending somewhere. */
static void note_queued(struct thread_group *tg, struct posix_timer *pt)
{
	struct l_siginfo *pi;
	struct task *t;
	bool found = false;

	pthread_mutex_lock(&tg->leader->sh->lock);
	pi = &tg->pinfo[pt->signo - 1];
	if ((tg->pending & sigbit(pt->signo)) && pi->code == L_SI_TIMER && pi->timer.tid == pt->id)
		found = true;
	tg_for_each_task(t, tg) {
		pi = &t->pinfo[pt->signo - 1];
		if ((t->pending & sigbit(pt->signo)) && pi->code == L_SI_TIMER &&
		    pi->timer.tid == pt->id)
			found = true;
	}
	for (struct sigqueue *q = tg->sigq; q && !found; q = q->next)
		found = q->info.code == L_SI_TIMER && q->info.timer.tid == pt->id;
	tg_for_each_task(t, tg)
		for (struct sigqueue *q = t->sigq; q && !found; q = q->next)
			found = q->info.code == L_SI_TIMER && q->info.timer.tid == pt->id;
	pt->queued = pt->queued && found;
	pthread_mutex_unlock(&tg->leader->sh->lock);
}

static void scan_group(struct thread_group *tg, s64 *next)
{
	struct tg_timers *tt = tg->timers;
	s64 n;

	for (int i = 0; i < 3; i++)
		if ((n = ktimer_check(tg, &tt->itimer[i], next)))
			fire_itimer(tg, i);
	for (struct posix_timer *pt = tt->posix; pt; pt = pt->next) {
		if (pt->notify == L_SIGEV_NONE)
			continue;       /* never signals: timer_gettime works it out */
		if ((n = ktimer_check(tg, &pt->kt, next))) {
			fire_posix(tg, pt, n);
			note_queued(tg, pt);
		}
	}
}

/* Sends what is due; returns the host-monotonic time to look again, or -1. */
static s64 scan(struct kernel *k)
{
	struct st_list *p;
	s64 next = -1;

	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);

		if (!tg->zombie && tg->timers && tg->leader && !tg->group_exit)
			scan_group(tg, &next);
	}
	timerfd_scan(k, &next);
	loadavg_sample(k, &next);
	return next;
}

static void *ktimer_main(void *arg)
{
	struct kernel *k = arg;
	struct ktimer_svc *svc = k->timers;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		s64 next;

		if (k->done)
			break;
		if (k->stopping)
			next = ktime_host_mono_now() + CPU_SAMPLE_NS;
		else
			next = scan(k);
		if (next < 0) {
			pthread_cond_wait(&svc->cond, &k->lock);
		} else {
			struct timespec ts = { next / NSEC_PER_SEC, next % NSEC_PER_SEC };

			pthread_cond_timedwait(&svc->cond, &k->lock, &ts);
		}
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

void ktimer_kick(struct kernel *k)
{
	struct ktimer_svc *svc = k->timers;

	if (!svc) {
		pthread_condattr_t ca;
		pthread_attr_t attr;

		svc = calloc(1, sizeof(*svc));
		if (!svc) {
			warn("timers: out of memory for the timer thread");
			return;
		}
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&svc->cond, &ca);
		pthread_condattr_destroy(&ca);
		k->timers = svc;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&svc->thread, &attr, ktimer_main, k)) {
			warn("timers: cannot start the timer thread");
			k->timers = NULL;
			free(svc);
		}
		pthread_attr_destroy(&attr);
		return;
	}
	pthread_cond_signal(&svc->cond);
}

struct tg_timers *tg_timers_get(struct thread_group *tg)
{
	if (!tg->timers) {
		tg->timers = calloc(1, sizeof(*tg->timers));
		if (!tg->timers)
			return NULL;
		tg->timers->itimer[0].clockid = CLOCK_MONOTONIC;
		tg->timers->itimer[1].clockid = KT_CLOCK_CPU_USER;
		tg->timers->itimer[2].clockid = KT_CLOCK_CPU_TOTAL;
	}
	return tg->timers;
}

void posix_timers_delete_all(struct thread_group *tg)
{
	struct tg_timers *tt = tg->timers;

	struct posix_timer *list;

	if (!tt || !tt->posix)
		return;
	pthread_mutex_lock(&tg->leader->sh->lock);
	list = tt->posix;
	tt->posix = NULL;
	pthread_mutex_unlock(&tg->leader->sh->lock);
	while (list) {
		struct posix_timer *pt = list;

		list = pt->next;
		free(pt);
	}
}

void tg_timers_release(struct thread_group *tg)
{
	struct tg_timers *tt = tg->timers;

	if (!tt)
		return;
	posix_timers_delete_all(tg);
	if (tt->mm)
		warn("timers: group %u released while counting an address space", tg->tgid);
	free(tt);
	tg->timers = NULL;
}

void posix_timer_dequeued(struct thread_group *tg, struct l_siginfo *info, bool deliver)
{
	struct tg_timers *tt = tg->timers;

	if (!tt)
		return;
	for (struct posix_timer *pt = tt->posix; pt; pt = pt->next) {
		if (pt->id != info->timer.tid || !pt->queued)
			continue;
		pt->queued = false;
		if (deliver) {
			info->timer.overrun = pt->overrun;
			pt->overrun_last = pt->overrun;
		}
		pt->overrun = 0;
		return;
	}
}
