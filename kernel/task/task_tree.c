/*
 * The process tree: thread groups, pid allocation, lookups, reparenting and reaping.
 * Everything here runs under kernel->lock. After Linux's kernel/pid.c and the tree
 * half of kernel/exit.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "fs/devpts/devpts.h"
#include "kernel.h"
#include "signal/sigqueue.h"
#include "task/task.h"
#include "time/ktimer.h"

#define PID_MAX 4194304         /* /proc/sys/kernel/pid_max on 64-bit */

bool kernel_pid_in_use(struct kernel *k, u32 tid)
{
	struct st_list *p;

	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);

		struct task *t;

		if (tg->tgid == tid || tg->pgid == tid || tg->sid == tid)
			return true;
		tg_for_each_task(t, tg)
			if (t->tid == tid)
				return true;
	}
	return false;
}

u32 kernel_alloc_tid(struct kernel *k)
{
	for (u32 tries = 0; tries < PID_MAX; tries++) {
		u32 tid = k->next_tid++;

		if (k->next_tid >= PID_MAX)
			k->next_tid = 300; /* Linux wraps to RESERVED_PIDS */
		if (!kernel_pid_in_use(k, tid))
			return tid;
	}
	return 0;
}

struct thread_group *kernel_find_tg(struct kernel *k, u32 tgid)
{
	struct st_list *p;

	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);

		if (tg->tgid == tgid)
			return tg;
	}
	return NULL;
}

int kernel_each_live_task(struct kernel *k, int (*fn)(struct task *t, void *arg), void *arg)
{
	struct st_list *p;

	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);
		struct task *t;
		int r;

		if (tg->zombie)
			continue;
		tg_for_each_task(t, tg) {
			if (t->exiting)
				continue;
			r = fn(t, arg);
			if (r)
				return r;
		}
	}
	return 0;
}

struct find_arg {
	u32 tid;
	struct task *found;
};

static int find_one(struct task *t, void *arg)
{
	struct find_arg *f = arg;

	if (t->tid != f->tid)
		return 0;
	f->found = t;
	return 1;
}

struct task *kernel_find_task(struct kernel *k, u32 tid)
{
	struct find_arg f = { tid, NULL };

	kernel_each_live_task(k, find_one, &f);
	return f.found;
}

int tg_new(struct kernel *k, struct task *leader, struct thread_group *parent,
	   struct thread_group **out)
{
	struct thread_group *tg = calloc(1, sizeof(*tg));

	if (!tg)
		return -ENOMEM;
	tg->k = k;
	tg->tgid = leader->tid;
	tg->leader = leader;
	tg->parent = parent;
	tg->exit_signal = SIGCHLD_NR;
	st_list_init(&tg->children);
	st_list_init(&tg->sibling);
	st_list_init(&tg->tasks);
	waitq_init(&tg->child_wq);
	waitq_init(&tg->thread_wq);
	waitq_init(&tg->exit_wq);
	st_list_add_tail(&leader->tglink, &tg->tasks);
	tg->nlive = 1;
	if (parent) {
		tg->pgid = parent->pgid;
		tg->sid = parent->sid;
		tty_fork(parent, tg);
		st_list_add_tail(&tg->sibling, &parent->children);
	} else {
		tg->pgid = tg->sid = tg->tgid;
	}
	st_list_add_tail(&tg->tglink, &k->tgs);
	leader->tg = tg;
	leader->tgid = tg->tgid;
	*out = tg;
	return 0;
}

/* Where orphans go: the nearest subreaper above @tg, else init. */
static struct thread_group *reaper_for(struct kernel *k, struct thread_group *tg)
{
	for (struct thread_group *p = tg->parent; p; p = p->parent)
		if (p->subreaper && !p->zombie)
			return p;
	return k->init ? k->init->tg : NULL;
}

void tg_reparent_children(struct kernel *k, struct thread_group *tg)
{
	struct thread_group *reaper = reaper_for(k, tg);

	while (!st_list_empty(&tg->children)) {
		struct thread_group *c = container_of(tg->children.next, struct thread_group,
						      sibling);

		st_list_del(&c->sibling);
		c->parent = reaper;
		if (reaper) {
			st_list_add_tail(&c->sibling, &reaper->children);
			/* A zombie orphan is news for its new parent's wait. */
			if (c->zombie)
				waitq_wake_all(&reaper->child_wq);
		}
	}
}

void tg_release(struct kernel *k, struct thread_group *tg)
{
	task_usage_release(k, tg);
	st_list_del(&tg->sibling);
	st_list_del(&tg->tglink);
	tg_reparent_children(k, tg);
	/* pidfd pollers hear it is gone and are let go: their cancel finds nothing */
	while (!st_list_empty(&tg->exit_wq.head)) {
		struct waiter *w = container_of(tg->exit_wq.head.next, struct waiter, link);

		waitq_del(w);
		st_list_init(&w->link);
		waiter_wake(w);
	}
	while (!st_list_empty(&tg->tasks)) {
		struct task *t = container_of(tg->tasks.next, struct task, tglink);

		st_list_del(&t->tglink);
		task_destroy(t);
	}
	sigq_free(&tg->sigq);
	tg_timers_release(tg);
	pty_put(tg->tty);       /* a group that never got to exit (fork failure) */
	free(tg);
}

int thread_group_after_load(void *o, void *ctx)
{
	struct thread_group *tg = o;

	waitq_init(&tg->child_wq);
	waitq_init(&tg->thread_wq);
	waitq_init(&tg->exit_wq);
	return 0;
}
