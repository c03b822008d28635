/*
 * Resource usage beyond CPU times (after Linux's kernel/sys.c getrusage and the
 * accounting in kernel/exit.c): faults, context switches and the peak resident
 * size, of a task, its process and its reaped children.
 *
 * What is counted, and what cannot be:
 * - ru_minflt: faults the Sentry served for the task (copy-on-write copies, file
 *   pages, stack growth). The host serves an anonymous page's first touch without
 *   the Sentry seeing it, so a process also counts, as minor faults, the pages it
 *   is seen to have newly populated whenever its resident size is looked at
 *   (getrusage, exit, exec): one per page, as Linux without fault-around; pages
 *   populated and freed between two looks are missed.
 * - ru_majflt: 0. No fault waits for a disk: files come from the gofer or memory.
 * - ru_nvcsw: each time the task blocked in a Sentry wait (task_block.c).
 * - ru_nivcsw: each switch into the application that an interrupt ended (a signal,
 *   a stop); the host's preemptions of the application are invisible.
 * - ru_maxrss: the largest resident size seen (mm_rss_pages: populated anonymous
 *   and private memory, no file mappings), as Linux's hiwater_rss; looked at in
 *   getrusage and as the process leaves an address space, so a peak freed before
 *   then is missed. RUSAGE_CHILDREN's is the largest of any reaped descendant's.
 * - ru_inblock, ru_oublock: 0, as on tmpfs: no block device is read or written.
 */
#define _GNU_SOURCE
#include <sys/resource.h>

#include "kernel.h"
#include "mm/mm.h"
#include "task/task.h"
#include "time/ktimer.h"

static void add(struct task_usage *to, const struct task_usage *u)
{
	to->minflt += u->minflt;
	to->majflt += u->majflt;
	to->nvcsw += u->nvcsw;
	to->nivcsw += u->nivcsw;
}

static void load(struct task_usage *to, const struct task *t)
{
	to->minflt = __atomic_load_n(&t->usage.minflt, __ATOMIC_RELAXED);
	to->majflt = __atomic_load_n(&t->usage.majflt, __ATOMIC_RELAXED);
	to->nvcsw = __atomic_load_n(&t->usage.nvcsw, __ATOMIC_RELAXED);
	to->nivcsw = __atomic_load_n(&t->usage.nivcsw, __ATOMIC_RELAXED);
}

/* The group's own usage: its live tasks', its gone tasks'. k->lock held. */
static void group_usage(struct thread_group *tg, struct task_usage *u)
{
	struct task *o;

	*u = tg->usage_gone;
	tg_for_each_task(o, tg) {
		struct task_usage tu;

		load(&tu, o);
		add(u, &tu);
	}
}

/* A resident size of @rss pages was seen: the peak, and the pages new since the
 * last look as first-touch faults. k->lock held. */
static void note_rss(struct thread_group *tg, u64 rss)
{
	if (rss > tg->maxrss)
		tg->maxrss = rss;
	if (rss > tg->rss_seen)
		tg->usage_gone.minflt += rss - tg->rss_seen;
	tg->rss_seen = rss;
}

static void fill(struct l_rusage *ru, const struct task_usage *u, u64 maxrss)
{
	ru->maxrss = maxrss * (PAGE_SIZE / 1024);
	ru->minflt = u->minflt;
	ru->majflt = u->majflt;
	ru->nvcsw = u->nvcsw;
	ru->nivcsw = u->nivcsw;
	ru->inblock = ru->oublock = 0;
}

void task_usage_get(struct task *t, int who, struct l_rusage *ru)
{
	struct kernel *k = t->k;
	struct task_usage u;
	struct mm *mm = NULL;
	u64 rss = 0;

	if (who != RUSAGE_CHILDREN) {
		pthread_mutex_lock(&k->lock);
		mm = t->mm;
		if (mm)
			mm_get(mm);
		pthread_mutex_unlock(&k->lock);
		if (mm)
			rss = mm_rss_pages(mm);
	}
	pthread_mutex_lock(&k->lock);
	if (mm)
		note_rss(t->tg, rss);
	switch (who) {
	case RUSAGE_CHILDREN:
		fill(ru, &t->tg->usage_children, t->tg->cmaxrss);
		break;
	case RUSAGE_THREAD:
		/* Linux gives a thread its process's peak. */
		load(&u, t);
		fill(ru, &u, t->tg->maxrss);
		break;
	default:
		group_usage(t->tg, &u);
		fill(ru, &u, t->tg->maxrss);
		break;
	}
	pthread_mutex_unlock(&k->lock);
	if (mm)
		mm_put(mm);
}

void task_usage_child(struct thread_group *c, struct l_rusage *ru)
{
	struct task_usage u;

	group_usage(c, &u);
	add(&u, &c->usage_children);
	fill(ru, &u, MAX(c->maxrss, c->cmaxrss));
}

void task_usage_mm_leave(struct thread_group *tg, struct mm *mm)
{
	u64 rss = mm_rss_pages(mm);

	pthread_mutex_lock(&tg->k->lock);
	note_rss(tg, rss);
	/* The next address space starts empty. */
	tg->rss_seen = 0;
	pthread_mutex_unlock(&tg->k->lock);
}

void task_usage_fork(struct thread_group *parent, struct thread_group *c)
{
	/* The child's address space starts as a copy of the parent's, resident pages
	 * and peak (Linux's dup_mm copies hiwater_rss), with no faults of its own. */
	c->maxrss = parent->maxrss;
	c->rss_seen = parent->rss_seen;
}

void task_usage_task_gone(struct task *t)
{
	struct task_usage u;

	load(&u, t);
	add(&t->tg->usage_gone, &u);
}

void task_usage_release(struct kernel *k, struct thread_group *tg)
{
	struct task_usage u;
	u64 user, sys;

	group_usage(tg, &u);
	k->gone_switches += u.nvcsw + u.nivcsw;
	cputime_group(tg, &user, &sys);
	k->gone_user += user;
	k->gone_sys += sys;
}

u64 task_usage_switches(struct kernel *k)
{
	u64 n = k->gone_switches;
	struct st_list *p;

	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);
		struct task_usage u;

		group_usage(tg, &u);
		n += u.nvcsw + u.nivcsw;
	}
	return n;
}

void task_usage_reap(struct thread_group *parent, struct thread_group *c)
{
	struct task_usage u;

	group_usage(c, &u);
	add(&parent->usage_children, &u);
	add(&parent->usage_children, &c->usage_children);
	parent->cmaxrss = MAX(parent->cmaxrss, MAX(c->maxrss, c->cmaxrss));
}
