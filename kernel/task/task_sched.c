/*
 * Scheduling attributes (after Linux's kernel/sched/syscalls.c and kernel/sys.c's
 * getpriority/setpriority): nice, policy and real-time priority, reset-on-fork and
 * the CPU affinity mask, per task, with Linux's validation and permission rules.
 *
 * They are recorded and reported, not obeyed: every task runs on a Sentry host
 * thread that the host schedules, and the Sentry does not schedule by policy,
 * priority or affinity (a task's thread keeps the CPU placement the platform gives
 * it). No task of the sandbox holds CAP_SYS_NICE (it is outside the container's
 * bounding set), so raising priority is governed by RLIMIT_NICE and RLIMIT_RTPRIO
 * alone, and SCHED_DEADLINE is refused with EPERM after validation.
 *
 * Another task's attributes are read and written under kernel->lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#include "kernel.h"
#include "task/task.h"

void task_sched_init(struct task *t)
{
	memcpy(t->affinity, t->k->cpumask, sizeof(t->affinity));
}

void task_sched_fork(struct task *t, struct task *c)
{
	c->personality = t->personality;
	c->nice = t->nice;
	c->policy = t->policy;
	c->rt_priority = t->rt_priority;
	c->ioprio = t->ioprio;
	memcpy(c->affinity, t->affinity, sizeof(c->affinity));
	if (t->reset_on_fork) {     /* the child drops back to SCHED_OTHER, nice >= 0 */
		if (c->policy == SCHED_FIFO || c->policy == SCHED_RR) {
			c->policy = SCHED_OTHER;
			c->rt_priority = 0;
			c->nice = 0;
		} else if (c->nice < 0) {
			c->nice = 0;
		}
	}
}

/* is_nice_reduction: @p's RLIMIT_NICE allows @nice. */
static bool nice_allowed(const struct task *p, int nice)
{
	return (u64)(20 - nice) <= p->rlim[RLIMIT_NICE].cur;
}

/* A task by tid (0: the caller); kernel->lock held. */
struct task *task_sched_target(struct task *t, s32 pid)
{
	return pid ? kernel_find_task(t->k, pid) : t;
}

struct prio_walk {
	struct task *t;
	int which;
	u32 who;
	int nice;               /* setpriority's value */
	bool set;
	long ret;               /* -ESRCH until a task matches */
};

static bool prio_match(struct prio_walk *w, struct task *p)
{
	switch (w->which) {
	case PRIO_PROCESS:
		return p->tid == w->who;
	case PRIO_PGRP:
		return p->tg->pgid == w->who;
	}
	return p->uid == w->who;
}

/* set_one_prio: each matching task either changes or records why it may not. */
static int prio_one(struct task *p, void *arg)
{
	struct prio_walk *w = arg;
	struct task *t = w->t;

	if (!prio_match(w, p))
		return 0;
	if (!w->set) {
		w->ret = MAX(w->ret, (long)(20 - p->nice));
		return 0;
	}
	if (p->uid != t->euid && p->euid != t->euid && !task_capable(t, CAP_SYS_NICE))
		w->ret = -EPERM;
	else if (w->nice < p->nice && !nice_allowed(p, w->nice) &&
		 !task_capable(t, CAP_SYS_NICE))
		w->ret = -EACCES;
	else {
		if (w->ret == -ESRCH)
			w->ret = 0;
		p->nice = w->nice;
	}
	return 0;
}

static long prio_walk(struct task *t, struct prio_walk *w)
{
	if (w->which < PRIO_PROCESS || w->which > PRIO_USER)
		return -EINVAL;
	if (!w->who)
		w->who = w->which == PRIO_PROCESS ? t->tid :
			 w->which == PRIO_PGRP ? t->tg->pgid : t->uid;
	w->ret = -ESRCH;
	pthread_mutex_lock(&t->k->lock);
	if (w->which == PRIO_PROCESS) {   /* a thread's own nice, even while exiting */
		struct task *p = kernel_find_task(t->k, w->who);

		if (p)
			prio_one(p, w);
	} else {
		kernel_each_live_task(t->k, prio_one, w);
	}
	pthread_mutex_unlock(&t->k->lock);
	return w->ret;
}

long task_getpriority(struct task *t, int which, int who)
{
	struct prio_walk w = { .t = t, .which = which, .who = who };

	return prio_walk(t, &w);
}

long task_setpriority(struct task *t, int which, int who, int nice)
{
	struct prio_walk w = { .t = t, .which = which, .who = who, .set = true,
			       .nice = MIN(MAX(nice, -20), 19) };

	return prio_walk(t, &w);
}

static bool rt_policy(u32 policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

/* The policies a nice value applies to (SCHED_IDLE runs below every nice). */
static bool fair_policy(u32 policy)
{
	return policy == SCHED_OTHER || policy == SCHED_BATCH;
}

/*
 * __sched_setscheduler's checks and effect on @p (kernel->lock held). @policy
 * -1 keeps the policy (sched_setparam); @nice applies to the fair policies when
 * @set_nice (sched_setattr).
 */
long task_sched_set(struct task *t, struct task *p, s32 policy, bool reset, u32 prio,
		    bool set_nice, int nice)
{
	bool cap = task_capable(t, CAP_SYS_NICE);

	if (policy < 0) {
		policy = p->policy;
		reset = p->reset_on_fork;
	}
	if (policy != SCHED_OTHER && policy != SCHED_FIFO && policy != SCHED_RR &&
	    policy != SCHED_BATCH && policy != SCHED_IDLE && policy != SCHED_DEADLINE)
		return -EINVAL;
	if (prio > 99 || policy == SCHED_DEADLINE || rt_policy(policy) != (prio != 0))
		return -EINVAL;    /* a deadline needs sched_setattr's parameters */
	if (!set_nice || !fair_policy(policy))
		nice = p->nice;
	if (!cap) {
		if (nice < p->nice && !nice_allowed(p, nice))
			return -EPERM;
		if (rt_policy(policy)) {
			u64 lim = p->rlim[RLIMIT_RTPRIO].cur;

			if ((u32)policy != p->policy && !lim)
				return -EPERM;
			if (prio > p->rt_priority && prio > lim)
				return -EPERM;
		}
		if (p->policy == SCHED_IDLE && policy != SCHED_IDLE &&
		    !nice_allowed(p, p->nice))
			return -EPERM;
		if (!task_same_owner(t, p))
			return -EPERM;
		if (p->reset_on_fork && !reset)
			return -EPERM;
	}
	p->policy = policy;
	p->rt_priority = prio;
	p->reset_on_fork = reset;
	p->nice = nice;
	return 0;
}

/* sched_setaffinity: @mask (Sentry memory, whole) limited to the sandbox's CPUs. */
long task_set_affinity(struct task *t, struct task *p, const u64 *mask)
{
	u64 m[ARRAY_SIZE(p->affinity)];
	bool any = false;

	if (!task_same_owner(t, p) && !task_capable(t, CAP_SYS_NICE))
		return -EPERM;
	for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
		m[i] = mask[i] & t->k->cpumask[i];
		any |= m[i] != 0;
	}
	if (!any)
		return -EINVAL;
	memcpy(p->affinity, m, sizeof(m));
	return 0;
}

/* sched_getaffinity: the task's mask as it stands on this host's CPUs (a restore
 * on a host without them reports all the sandbox's CPUs). */
void task_get_affinity(struct task *p, u64 *mask)
{
	bool any = false;

	for (size_t i = 0; i < ARRAY_SIZE(p->affinity); i++) {
		mask[i] = p->affinity[i] & p->k->cpumask[i];
		any |= mask[i] != 0;
	}
	if (!any)
		memcpy(mask, p->k->cpumask, sizeof(p->affinity));
}

/*
 * I/O priorities (block/ioprio.c): a class and a level per task, recorded and
 * reported; the host schedules the gofer's and the Sentry's I/O. The value is kept
 * as Linux keeps it, in 16 bits with the hint bits.
 */
#define IOPRIO_CLASS(p) (((p) >> 13) & 7)
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP 2
#define IOPRIO_WHO_USER 3

/* ioprio_check_cap */
static long ioprio_check(struct task *t, int ioprio)
{
	switch (IOPRIO_CLASS(ioprio)) {
	case 1:                 /* RT */
		if (!task_capable(t, CAP_SYS_NICE) && !task_capable(t, CAP_SYS_ADMIN))
			return -EPERM;
		return 0;
	case 2:                 /* BE: every level (the low 3 bits) is valid */
	case 3:                 /* IDLE */
		return 0;
	case 0:                 /* NONE: no level */
		return ioprio & 7 ? -EINVAL : 0;
	}
	return -EINVAL;
}

struct ioprio_walk {
	struct task *t;
	int which;
	u32 who;
	int ioprio;             /* ioprio_set's value */
	bool set;
	long ret;               /* -ESRCH until a task matches */
};

/* ioprio_best: a class of NONE counts as BE at the normal level (4). */
static int ioprio_best(int a, int b)
{
	if (!IOPRIO_CLASS(a))
		a = 2 << 13 | 4;
	if (!IOPRIO_CLASS(b))
		b = 2 << 13 | 4;
	return MIN(a, b);
}

/* set_task_ioprio / get_task_ioprio on one matching task. */
static int ioprio_one(struct task *p, void *arg)
{
	struct ioprio_walk *w = arg;
	struct task *t = w->t;

	if (w->which == IOPRIO_WHO_PGRP ? p->tg->pgid != w->who : p->uid != w->who)
		return 0;
	if (!w->set) {
		w->ret = w->ret == -ESRCH ? p->ioprio : ioprio_best(w->ret, p->ioprio);
		return 0;
	}
	if (p->uid != t->euid && p->uid != t->uid && !task_capable(t, CAP_SYS_NICE)) {
		w->ret = -EPERM;
		return 1;       /* Linux stops at the first refusal */
	}
	p->ioprio = w->ioprio;
	w->ret = 0;
	return 0;
}

static long ioprio_walk(struct task *t, struct ioprio_walk *w)
{
	struct task *p;

	if (w->which < IOPRIO_WHO_PROCESS || w->which > IOPRIO_WHO_USER)
		return -EINVAL;
	if (w->set) {
		long err = ioprio_check(t, w->ioprio);

		if (err)
			return err;
	}
	w->ret = -ESRCH;
	pthread_mutex_lock(&t->k->lock);
	switch (w->which) {
	case IOPRIO_WHO_PROCESS:
		p = w->who ? kernel_find_task(t->k, w->who) : t;
		if (p && w->set) {
			w->which = IOPRIO_WHO_USER;     /* match by its own uid */
			w->who = p->uid;
			ioprio_one(p, w);
		} else if (p) {
			w->ret = p->ioprio;
		}
		break;
	case IOPRIO_WHO_PGRP:
		if (!w->who)
			w->who = t->tg->pgid;
		kernel_each_live_task(t->k, ioprio_one, w);
		break;
	default:
		if (!w->who)
			w->who = t->uid;
		kernel_each_live_task(t->k, ioprio_one, w);
	}
	pthread_mutex_unlock(&t->k->lock);
	return w->ret;
}

long task_ioprio_get(struct task *t, int which, int who)
{
	struct ioprio_walk w = { .t = t, .which = which, .who = who };

	return ioprio_walk(t, &w);
}

long task_ioprio_set(struct task *t, int which, int who, int ioprio)
{
	struct ioprio_walk w = { .t = t, .which = which, .who = who, .set = true,
				 .ioprio = (u16)ioprio };

	return ioprio_walk(t, &w);
}
