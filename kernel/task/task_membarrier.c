/*
 * membarrier (after Linux's kernel/sched/membarrier.c): when the call returns,
 * every other thread it concerns has passed a full memory barrier since it began.
 *
 * A thread in the Sentry has: it left the application through the host kernel (a
 * ptrace stop or a VM exit), and it goes back the same way. A thread running in
 * the application is interrupted, as Linux sends an IPI: task_interrupt makes its
 * switch end (a signal to the stub thread, or a vCPU kick), and the caller waits
 * until the thread's count of exits from the application has moved. The host
 * kernel's entry on that CPU is the barrier; the thread goes straight back in.
 *
 * Offered: QUERY, GLOBAL (every thread in the sandbox, as synchronize_rcu covers
 * every CPU), GLOBAL_EXPEDITED and its registration (the threads of registered
 * processes), PRIVATE_EXPEDITED and its registration (the threads sharing the
 * caller's address space), GET_REGISTRATIONS. Not offered, so EINVAL as on an
 * architecture without them: the SYNC_CORE commands (the host's return into the
 * application after an interrupt is not guaranteed to be core serialising) and the
 * RSEQ ones (the sandbox has no rseq). Registrations belong to the process, are
 * inherited by fork and cleared by exec.
 */
#include <errno.h>
#include <stdlib.h>

#include "kernel.h"
#include "task/task.h"
#include "time/ktime.h"

#define MB_QUERY 0
#define MB_GLOBAL (1 << 0)
#define MB_GLOBAL_EXPEDITED (1 << 1)
#define MB_REGISTER_GLOBAL_EXPEDITED (1 << 2)
#define MB_PRIVATE_EXPEDITED (1 << 3)
#define MB_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#define MB_GET_REGISTRATIONS (1 << 9)
#define MB_OFFERED (MB_GLOBAL | MB_GLOBAL_EXPEDITED | MB_REGISTER_GLOBAL_EXPEDITED | \
		    MB_PRIVATE_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED | \
		    MB_GET_REGISTRATIONS)

#define MB_POLL_NS (1000 * 1000)        /* a look even without a wake-up */

enum mb_scope { MB_ALL, MB_REGISTERED_GLOBAL, MB_SAME_MM };

/* A task that must pass a barrier, and its exit count when it was asked to. */
struct mb_target {
	u32 tid;
	u64 exits;
};

struct mb_walk {
	struct task *t;
	enum mb_scope scope;
	struct mb_target *v;
	u32 n, cap;
	int err;
};

static bool concerned(struct mb_walk *w, struct task *p)
{
	if (p == w->t)
		return false;
	switch (w->scope) {
	case MB_SAME_MM:
		return p->mm == w->t->mm;
	case MB_REGISTERED_GLOBAL:
		return p->tg->membarrier & MB_REGISTER_GLOBAL_EXPEDITED;
	default:
		return true;
	}
}

/* Interrupts each concerned task that is in the application, and notes it. */
static int collect(struct task *p, void *arg)
{
	struct mb_walk *w = arg;

	if (!concerned(w, p) || !__atomic_load_n(&p->app_since, __ATOMIC_SEQ_CST))
		return 0;
	if (w->n == w->cap) {
		u32 cap = w->cap ? 2 * w->cap : 16;
		struct mb_target *v = realloc(w->v, cap * sizeof(*v));

		if (!v) {
			w->err = -ENOMEM;
			return 1;
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = (struct mb_target){ p->tid,
					   __atomic_load_n(&p->app_exits, __ATOMIC_ACQUIRE) };
	__atomic_store_n(&p->mb_waiter, w->t, __ATOMIC_RELEASE);
	task_interrupt(p, 0);
	return 0;
}

/* Whether every noted task has left the application since (or is gone). */
static bool all_passed(struct kernel *k, struct mb_walk *w)
{
	for (u32 i = 0; i < w->n; i++) {
		struct task *p = kernel_find_task(k, w->v[i].tid);

		if (p && !p->exiting &&
		    __atomic_load_n(&p->app_exits, __ATOMIC_ACQUIRE) == w->v[i].exits)
			return false;
	}
	return true;
}

static long barrier(struct task *t, enum mb_scope scope)
{
	struct mb_walk w = { .t = t, .scope = scope };
	struct kernel *k = t->k;
	bool done;

	/* What the caller wrote is visible before any thread is looked at. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_lock(&k->lock);
	kernel_each_live_task(k, collect, &w);
	pthread_mutex_unlock(&k->lock);
	for (;;) {
		pthread_mutex_lock(&k->lock);
		done = w.err || all_passed(k, &w);
		pthread_mutex_unlock(&k->lock);
		if (done)
			break;
		/* Not interruptible, as Linux's IPIs are not: each thread is on
		 * its way out of the application already. */
		task_block(t, ktime_host_mono_now() + MB_POLL_NS);
	}
	/* No task may wake this one after the call: it may be gone by then. */
	pthread_mutex_lock(&k->lock);
	for (u32 i = 0; i < w.n; i++) {
		struct task *p = kernel_find_task(k, w.v[i].tid);
		struct task *mine = t;

		if (p)
			__atomic_compare_exchange_n(&p->mb_waiter, &mine, NULL, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&k->lock);
	free(w.v);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return w.err;
}

void task_membarrier_left(struct task *t)
{
	struct task *w;

	__atomic_add_fetch(&t->app_exits, 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&t->mb_waiter, __ATOMIC_RELAXED)) {
		/* Under the lock: the waiter stays in the call while it holds a
		 * target of its own in this task, which it looks at under the lock. */
		pthread_mutex_lock(&t->k->lock);
		w = __atomic_exchange_n(&t->mb_waiter, NULL, __ATOMIC_ACQ_REL);
		if (w)
			task_wake(w);
		pthread_mutex_unlock(&t->k->lock);
	}
}

long task_membarrier(struct task *t, int cmd, u32 flags, int cpu_id)
{
	struct kernel *k = t->k;
	u32 reg;

	(void)cpu_id;           /* MEMBARRIER_CMD_FLAG_CPU is for the RSEQ command only */
	if (flags)
		return -EINVAL;
	switch (cmd) {
	case MB_QUERY:
		return MB_OFFERED;
	case MB_GLOBAL:
		return barrier(t, MB_ALL);
	case MB_GLOBAL_EXPEDITED:
		return barrier(t, MB_REGISTERED_GLOBAL);
	case MB_PRIVATE_EXPEDITED:
		if (!(__atomic_load_n(&t->tg->membarrier, __ATOMIC_ACQUIRE) &
		      MB_REGISTER_PRIVATE_EXPEDITED))
			return -EPERM;
		return barrier(t, MB_SAME_MM);
	case MB_REGISTER_GLOBAL_EXPEDITED:
	case MB_REGISTER_PRIVATE_EXPEDITED:
		pthread_mutex_lock(&k->lock);
		__atomic_or_fetch(&t->tg->membarrier, (u32)cmd, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&k->lock);
		return 0;
	case MB_GET_REGISTRATIONS:
		reg = __atomic_load_n(&t->tg->membarrier, __ATOMIC_ACQUIRE);
		return reg & (MB_REGISTER_GLOBAL_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED);
	default:
		return -EINVAL;
	}
}
