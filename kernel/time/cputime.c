/*
 * CPU-time accounting of thread groups (ktimer.h): what the host charged for running
 * the address space a group runs in, counted from when the group started to run in
 * it, plus what it used before (an earlier exec, before a restore). A vfork child
 * counts the shared address space while its parent waits, so the two do not mix.
 */
#include <pthread.h>

#include "kernel.h"
#include "mm/mm.h"
#include "platform.h"
#include "task/task.h"
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
	mm_get(mm);
	tt->mm = mm;
	as_time(mm, &tt->start_user, &tt->start_sys);
}

void cputime_attach(struct task *t)
{
	struct kernel *k = t->k;
	struct tg_timers *tt;

	pthread_mutex_lock(&k->lock);
	tt = tg_timers_get(t->tg);
	if (tt && !tt->mm && !tt->final && t->mm) {
		attach(tt, t->mm);
		/* After a restore, the group's timers wait for this. */
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
