/*
 * Scheduling syscalls (after Linux's kernel/sched/syscalls.c and kernel/sys.c):
 * sched_yield, affinity, policies and parameters, sched_getattr/setattr,
 * getpriority/setpriority, ioprio_get/ioprio_set. They decode and copy;
 * task/task_sched.c keeps the attributes and Linux's rules. The Sentry records them
 * and does not schedule by them (see task_sched.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "time/ktime.h"

#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_RECLAIM 0x02
#define SCHED_FLAG_DL_OVERRUN 0x04
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10
#define SCHED_FLAG_UTIL_CLAMP 0x60
#define SCHED_FLAG_ALL 0x7f
#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_RR_TIMESLICE_NS (100 * 1000 * 1000LL)   /* sched_rr_timeslice_ms */

struct l_sched_attr {
	u32 size, sched_policy;
	u64 sched_flags;
	s32 sched_nice;
	u32 sched_priority;
	u64 sched_runtime, sched_deadline, sched_period;
	u32 sched_util_min, sched_util_max;
};

SYS(sched_yield)
{
	sched_yield();
	return 0;
}

/* The mask's size in bytes: nr_cpu_ids bits in whole longs. */
static u64 cpumask_bytes(struct task *t)
{
	return ALIGN_UP((u64)(t->k->ncpu_ids + 7) / 8, 8);
}

SYS(sched_getaffinity)
{
	u64 need = cpumask_bytes(t), mask[16];
	struct task *p;

	if (a[1] * 8 < t->k->ncpu_ids || a[1] & 7)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	p = task_sched_target(t, a[0]);
	if (p)
		task_get_affinity(p, mask);
	pthread_mutex_unlock(&t->k->lock);
	if (!p)
		return -ESRCH;
	need = MIN(need, a[1]);
	return mm_copy_out(t->mm, a[2], mask, need) ? -EFAULT : (long)need;
}

SYS(sched_setaffinity)
{
	u64 len = MIN(a[1], cpumask_bytes(t)), mask[16] = { 0 };
	struct task *p;
	long ret = -ESRCH;

	if (mm_copy_in(t->mm, mask, a[2], len))
		return -EFAULT;
	pthread_mutex_lock(&t->k->lock);
	p = task_sched_target(t, a[0]);
	if (p)
		ret = task_set_affinity(t, p, mask);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

/* sched_setscheduler (@policy given) and sched_setparam (@policy -1). */
static long set_param(struct task *t, s32 pid, s32 policy, u64 uparam)
{
	struct task *p;
	s32 prio;
	long ret = -ESRCH;

	if (!uparam || pid < 0)
		return -EINVAL;
	if (mm_copy_in(t->mm, &prio, uparam, sizeof(prio)))
		return -EFAULT;
	pthread_mutex_lock(&t->k->lock);
	p = task_sched_target(t, pid);
	if (p)
		ret = task_sched_set(t, p, policy < 0 ? -1 : policy & ~SCHED_RESET_ON_FORK,
				     policy >= 0 && (policy & SCHED_RESET_ON_FORK), prio,
				     false, 0);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

SYS(sched_setscheduler)
{
	if ((s32)a[1] < 0)
		return -EINVAL;
	return set_param(t, a[0], a[1], a[2]);
}

SYS(sched_setparam) { return set_param(t, a[0], -1, a[1]); }

/* The attributes of @pid (@pid < 0 was refused by the caller). */
static long get_attr(struct task *t, s32 pid, struct l_sched_attr *at)
{
	struct task *p;

	if (pid < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	p = task_sched_target(t, pid);
	if (p)
		*at = (struct l_sched_attr){
			.size = sizeof(*at), .sched_policy = p->policy,
			.sched_flags = p->reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0,
			.sched_nice = p->policy == SCHED_FIFO || p->policy == SCHED_RR
				      ? 0 : p->nice,
			.sched_priority = p->rt_priority,
		};
	pthread_mutex_unlock(&t->k->lock);
	return p ? 0 : -ESRCH;
}

SYS(sched_getscheduler)
{
	struct l_sched_attr at;
	long ret = get_attr(t, a[0], &at);

	if (ret)
		return ret;
	return at.sched_policy | (at.sched_flags & SCHED_FLAG_RESET_ON_FORK ?
				  SCHED_RESET_ON_FORK : 0);
}

SYS(sched_getparam)
{
	struct l_sched_attr at;
	long ret;

	if (!a[1])
		return -EINVAL;
	ret = get_attr(t, a[0], &at);
	if (ret)
		return ret;
	return mm_copy_out(t->mm, a[1], &at.sched_priority, sizeof(s32)) ? -EFAULT : 0;
}

SYS(sched_get_priority_max)
{
	switch ((s32)a[0]) {
	case SCHED_FIFO: case SCHED_RR: return 99;
	case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: case SCHED_DEADLINE: return 0;
	}
	return -EINVAL;
}

SYS(sched_get_priority_min)
{
	switch ((s32)a[0]) {
	case SCHED_FIFO: case SCHED_RR: return 1;
	case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: case SCHED_DEADLINE: return 0;
	}
	return -EINVAL;
}

/* RR's time slice is Linux's default; the others report 0, as FIFO does (Linux
 * reports the fair class's current slice, which depends on the load). */
SYS(sched_rr_get_interval)
{
	struct l_sched_attr at;
	struct l_timespec ts = { 0 };
	long ret = get_attr(t, a[0], &at);

	if (ret)
		return ret;
	if (at.sched_policy == SCHED_RR)
		ts.tv_nsec = SCHED_RR_TIMESLICE_NS;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts)) ? -EFAULT : 0;
}

SYS(sched_getattr)
{
	struct l_sched_attr at;
	u32 usize = a[2];
	long ret;

	if (!a[1] || usize > 4096 || usize < SCHED_ATTR_SIZE_VER0 || a[3])
		return -EINVAL;
	ret = get_attr(t, a[0], &at);
	if (ret)
		return ret;
	at.size = MIN(usize, (u32)sizeof(at));
	return mm_copy_out(t->mm, a[1], &at, at.size) ? -EFAULT : 0;
}

/* sched_copy_attr: a size Linux does not know is E2BIG, with its own size written
 * back; bytes beyond its struct must be zero. */
static long copy_attr(struct task *t, u64 uattr, struct l_sched_attr *at)
{
	u32 size, ksize = sizeof(*at);
	u8 extra[64];

	memset(at, 0, sizeof(*at));
	if (mm_copy_in(t->mm, &size, uattr, sizeof(size)))
		return -EFAULT;
	if (!size)
		size = SCHED_ATTR_SIZE_VER0;
	if (size < SCHED_ATTR_SIZE_VER0 || size > 4096)
		goto e2big;
	if (mm_copy_in(t->mm, at, uattr, MIN(size, ksize)))
		return -EFAULT;
	for (u32 off = ksize; off < size; off += sizeof(extra)) {
		u32 n = MIN((u32)sizeof(extra), size - off);

		if (mm_copy_in(t->mm, extra, uattr + off, n))
			return -EFAULT;
		for (u32 i = 0; i < n; i++)
			if (extra[i])
				goto e2big;
	}
	if ((at->sched_flags & SCHED_FLAG_UTIL_CLAMP) && size < sizeof(*at))
		return -EINVAL;
	at->sched_nice = MIN(MAX(at->sched_nice, -20), 19);
	return 0;
e2big:
	return mm_copy_out(t->mm, uattr, &ksize, sizeof(ksize)) ? -EFAULT : -E2BIG;
}

SYS(sched_setattr)
{
	struct l_sched_attr at;
	struct task *p;
	s32 policy;
	long ret;

	if (!a[1] || (s32)a[0] < 0 || a[2])
		return -EINVAL;
	ret = copy_attr(t, a[1], &at);
	if (ret)
		return ret;
	if ((s32)at.sched_policy < 0 || at.sched_flags & ~(u64)SCHED_FLAG_ALL)
		return -EINVAL;
	if (at.sched_flags & SCHED_FLAG_UTIL_CLAMP)
		return -EOPNOTSUPP;     /* as a kernel without CONFIG_UCLAMP_TASK */
	policy = at.sched_flags & SCHED_FLAG_KEEP_POLICY ? -1 : (s32)at.sched_policy;
	pthread_mutex_lock(&t->k->lock);
	p = task_sched_target(t, a[0]);
	ret = -ESRCH;
	if (p && (at.sched_flags & SCHED_FLAG_KEEP_PARAMS))
		at.sched_priority = p->rt_priority;
	if (p)
		ret = task_sched_set(t, p, policy,
				     at.sched_flags & SCHED_FLAG_RESET_ON_FORK,
				     at.sched_priority,
				     !(at.sched_flags & SCHED_FLAG_KEEP_PARAMS),
				     at.sched_nice);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

SYS(getpriority) { return task_getpriority(t, a[0], a[1]); }
SYS(setpriority) { return task_setpriority(t, a[0], a[1], a[2]); }
SYS(ioprio_get) { return task_ioprio_get(t, a[0], a[1]); }
SYS(ioprio_set) { return task_ioprio_set(t, a[0], a[1], a[2]); }
