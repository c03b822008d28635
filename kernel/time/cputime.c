/*
 * CPU-time accounting of thread groups (ktimer.h): what the host charged for running
 * the address space a group runs in, counted from when the group started to run in
 * it, plus what it used before (an earlier exec, before a restore). A vfork child
 * counts the shared address space while its parent waits, so the two do not mix.
 * A thread's time is its share of its group's, by the time each task spent
 * switched into the application.
 */
#include <pthread.h>

#include "kernel.h"
#include "mm/mm.h"
#include "platform.h"
#include "task/task.h"
#include "time/ktime.h"
#include "time/ktimer.h"

static void as_time(struct mm *mm, u64 *user, u64 *sys)
{
	uint64_t u = 0, s = 0;

	if (mm && mm->as && plat_as_cpu_time(mm->plat, mm->as, &u, &s))
		u = s = 0;
	*user = u;
	*sys = s;
}

/* Folds the counted address space's time into the base and counts on from now. */
static void rebase(struct tg_timers *tt)
{
	u64 u, s;

	if (!tt->mm)
		return;
	as_time(tt->mm, &u, &s);
	tt->base_user += u > tt->start_user ? u - tt->start_user : 0;
	tt->base_sys += s > tt->start_sys ? s - tt->start_sys : 0;
	tt->start_user = u;
	tt->start_sys = s;
}

static void attach(struct tg_timers *tt, struct mm *mm)
{
	if (!tt->mm_counted)
		mm_get(mm);
	tt->mm_counted = false;
	tt->mm = mm;
	as_time(mm, &tt->start_user, &tt->start_sys);
}

/* Has @tt an armed timer, on any clock? k->lock held. */
static bool timers_armed(const struct tg_timers *tt)
{
	for (int i = 0; i < 3; i++)
		if (tt->itimer[i].armed)
			return true;
	for (const struct posix_timer *p = tt->posix; p; p = p->next)
		if (p->kt.armed)
			return true;
	return false;
}

u32 cputime_holds(struct thread_group *tg, struct mm *mm)
{
	return tg->timers && tg->timers->mm == mm;
}

void cputime_attach(struct task *t)
{
	struct kernel *k = t->k;
	struct tg_timers *tt;

	pthread_mutex_lock(&k->lock);
	tt = tg_timers_get(t->tg);
	if (tt && !tt->mm && !tt->final && t->mm) {
		attach(tt, t->mm);
		/* After a restore, the group's armed timers wait for this. A new
		 * process has none (fork does not inherit them): no wake-up of the
		 * timer thread, which would cost two switches of every fork. */
		if (timers_armed(tt))
			ktimer_kick(k);
	}
	pthread_mutex_unlock(&k->lock);
}

void cputime_exec(struct task *t, struct mm *old)
{
	struct kernel *k = t->k;
	struct tg_timers *tt;
	struct mm *drop = NULL;

	pthread_mutex_lock(&k->lock);
	posix_timers_delete_all(t->tg);      /* exec deletes POSIX timers, not itimers */
	tt = t->tg->timers;
	if (tt && tt->mm == old) {
		rebase(tt);
		drop = tt->mm;
		tt->mm = NULL;
		tt->mm_counted = false; /* set by a checkpoint that left it running */
		if (t->mm)
			attach(tt, t->mm);
	}
	pthread_mutex_unlock(&k->lock);
	if (drop)
		mm_put(drop);
}

void cputime_exit(struct thread_group *tg)
{
	struct kernel *k = tg->k;
	struct tg_timers *tt;
	struct mm *drop = NULL;

	pthread_mutex_lock(&k->lock);
	tt = tg->timers;
	if (tt) {
		rebase(tt);
		drop = tt->mm;
		tt->mm = NULL;
		tt->mm_counted = false;
		tt->final = true;
		for (int i = 0; i < 3; i++)
			tt->itimer[i].armed = false;
		posix_timers_delete_all(tg);
	}
	pthread_mutex_unlock(&k->lock);
	if (drop)
		mm_put(drop);
}

void cputime_group(struct thread_group *tg, u64 *user, u64 *sys)
{
	struct tg_timers *tt = tg->timers;
	u64 u, s;

	*user = *sys = 0;
	if (!tt)
		return;
	*user = tt->base_user;
	*sys = tt->base_sys;
	if (!tt->mm)
		return;
	as_time(tt->mm, &u, &s);
	*user += u > tt->start_user ? u - tt->start_user : 0;
	*sys += s > tt->start_sys ? s - tt->start_sys : 0;
}

void cputime_total(struct kernel *k, u64 *user, u64 *sys)
{
	struct st_list *p;

	*user = k->gone_user;
	*sys = k->gone_sys;
	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);
		u64 u, s;

		cputime_group(tg, &u, &s);
		*user += u;
		*sys += s;
	}
}

void cputime_children(struct thread_group *tg, u64 *user, u64 *sys)
{
	*user = tg->timers ? tg->timers->child_user : 0;
	*sys = tg->timers ? tg->timers->child_sys : 0;
}

void cputime_reap(struct thread_group *parent, struct thread_group *child)
{
	struct tg_timers *pt = tg_timers_get(parent);
	u64 u, s, cu, cs;

	if (!pt)
		return;
	cputime_group(child, &u, &s);
	cputime_children(child, &cu, &cs);
	pt->child_user += u + cu;
	pt->child_sys += s + cs;
}

void cputime_enter(struct task *t)
{
	__atomic_store_n(&t->app_since, ktime_host_mono_now(), __ATOMIC_RELAXED);
}

void cputime_leave(struct task *t)
{
	s64 since = t->app_since, now = ktime_host_mono_now();

	/* app_ns is read by other threads (their clock reads), without tearing */
	if (since && now > since)
		__atomic_store_n(&t->app_ns, t->app_ns + (now - since), __ATOMIC_RELAXED);
	__atomic_store_n(&t->app_since, 0, __ATOMIC_RELAXED);
}

/* Task @t's application time up to now, the current switch included. */
static u64 app_now(struct task *t, s64 now)
{
	u64 ns = __atomic_load_n(&t->app_ns, __ATOMIC_RELAXED);
	s64 since = __atomic_load_n(&t->app_since, __ATOMIC_RELAXED);

	return ns + (since && now > since ? (u64)(now - since) : 0);
}

void cputime_task_gone(struct task *t)
{
	t->tg->app_ns_gone += app_now(t, ktime_host_mono_now());
}

void cputime_task(struct task *t, u64 *user, u64 *sys)
{
	struct thread_group *tg = t->tg;
	s64 now = ktime_host_mono_now();
	u64 gu, gs, mine = 0, all = tg->app_ns_gone, total, u, s;
	struct task *o;

	cputime_group(tg, &gu, &gs);
	tg_for_each_task(o, tg) {
		u64 ns = app_now(o, now);

		all += ns;
		if (o == t)
			mine = ns;
	}
	total = all ? (u64)((unsigned __int128)(gu + gs) * mine / all) : 0;
	/*
	 * Shares move as other threads run: a thread's clock still never goes back.
	 * As Linux's cputime_adjust: the total is kept monotonic, then split in the
	 * group's current proportion with each part kept monotonic too, the two always
	 * adding up to the total. (Clamping each part alone let a thread's sum pass
	 * its group's when the tick-sampled split moved from user to system.)
	 */
	total = MAX(total, t->cpu_seen_user + t->cpu_seen_sys);
	s = gu + gs ? (u64)((unsigned __int128)total * gs / (gu + gs)) : 0;
	s = MAX(s, t->cpu_seen_sys);
	u = total - s;
	if (u < t->cpu_seen_user) {
		u = t->cpu_seen_user;
		s = total - u;
	}
	*user = t->cpu_seen_user = u;
	*sys = t->cpu_seen_sys = s;
}
