/*
 * Stop-the-world, for pause, checkpoint and (later) migration. A stop request sets
 * TIF_STOP on every task; each parks on its own thread at the top of its run loop,
 * where an interrupted syscall has already been rewound to restart (or turned into a
 * restart_syscall with its restart block), and fetches its FP state first, since only
 * the task's own thread may talk to its platform context.
 *
 * A task a clone makes while the world stops is stopped too (task_clone.c). A world
 * that still has not stopped after KERNEL_STOP_TIMEOUT_S is a bug somewhere; as
 * Linux's freezer does (freeze_timeout_msecs, 20 s), the stop is given up and the
 * sandbox goes on, its pause or checkpoint failed, rather than hang.
 */
#define _GNU_SOURCE             /* pthread_cond_clockwait */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "base/log.h"
#include "kernel.h"
#include "task/task.h"

void task_park(struct task *t)
{
	struct kernel *k = t->k;

	task_fetch_fp(t);
	pthread_mutex_lock(&k->lock);
	__atomic_and_fetch(&t->interrupt, ~TIF_STOP, __ATOMIC_ACQ_REL);
	if (k->stopping) {
		k->nparked++;
		t->parked = true;
		pthread_cond_broadcast(&k->cond);
		while (k->stopping)
			pthread_cond_wait(&k->cond, &k->lock);
		t->parked = false;
		k->nparked--;
	}
	pthread_mutex_unlock(&k->lock);
}

static int interrupt_stop(struct task *t, void *arg)
{
	task_interrupt(t, TIF_STOP);
	return 0;
}

/* One line naming a task that did not park, and where it is. */
static int report_unparked(struct task *t, void *arg)
{
	int *left = arg;

	if (t->parked || t->exiting || !*left)
		return 0;
	--*left;
	if (t->in_syscall || t->sleeping)
		warn("stop: task %u did not park, in syscall %llu%s", t->tid,
		     (unsigned long long)t->regs.orig_rax, t->sleeping ? ", waiting" : "");
	else
		warn("stop: task %u did not park", t->tid);
	return 0;
}

int kernel_stop_world(struct kernel *k)
{
	struct timespec deadline;
	int err = 0, left = 8;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += KERNEL_STOP_TIMEOUT_S;
	pthread_mutex_lock(&k->lock);
	k->stopping = true;
	if (!k->done)
		kernel_each_live_task(k, interrupt_stop, NULL);
	/* 0 or ETIMEDOUT; after a timeout the count is looked at once more */
	while (k->nparked < k->nrunning &&
	       !pthread_cond_clockwait(&k->cond, &k->lock, CLOCK_MONOTONIC, &deadline))
		;
	if (k->nparked < k->nrunning) {
		warn("stop: %u of %u tasks parked after %d s; the sandbox goes on", k->nparked,
		     k->nrunning, KERNEL_STOP_TIMEOUT_S);
		kernel_each_live_task(k, report_unparked, &left);
		k->stopping = false;
		pthread_cond_broadcast(&k->cond);
		err = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}

void kernel_resume_world(struct kernel *k)
{
	pthread_mutex_lock(&k->lock);
	k->stopping = false;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

int kernel_signal_init(struct kernel *k, int sig)
{
	struct l_siginfo info = { .signo = sig, .code = L_SI_USER };

	if (sig < 1 || sig > L_NSIG)
		return -EINVAL;
	int err = -ESRCH;

	pthread_mutex_lock(&k->lock);
	if (k->init && !k->done)
		err = sig_send_group(k->init->tg, &info, true);
	pthread_mutex_unlock(&k->lock);
	return err;
}

int kernel_signal_foreground(struct kernel *k, int sig)
{
	struct l_siginfo info = { .signo = sig, .code = L_SI_KERNEL };
	struct st_list *p;
	int err = -ESRCH;

	if (sig < 1 || sig > L_NSIG)
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	if (k->init && !k->done) {
		u32 pgid = k->init->tg->pgid;

		st_list_for_each(p, &k->tgs) {
			struct thread_group *tg = container_of(p, struct thread_group, tglink);

			if (tg->pgid == pgid && !tg->zombie && !sig_send_group(tg, &info, true))
				err = 0;
		}
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}
