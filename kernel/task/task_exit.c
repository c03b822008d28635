/*
 * A task's end (after Linux's kernel/exit.c): it releases its robust futexes and
 * clears its clear_child_tid word (waking the pthread_join waiting on it), gives up
 * its fd table and address space, and leaves its thread group. The group's last task
 * hands the children to a reaper, makes the group a zombie and tells the parent with
 * its exit signal, unless the parent does not want to hear (SIGCHLD ignored or
 * SA_NOCLDWAIT), which reaps it at once. When init's group ends, the sandbox ends.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "ipc/futex.h"
#include "ipc/sem.h"
#include "fs/devpts/devpts.h"
#include "kernel.h"
#include "mm/mm.h"
#include "task/task.h"
#include "time/ktimer.h"
#include "vfs/locks.h"
#include "vfs/vfs.h"

/* The siginfo a parent gets for a child's exit (CLD_EXITED, CLD_KILLED, CLD_DUMPED). */
static void exit_info(struct thread_group *tg, struct l_siginfo *info)
{
	int st = tg->exit_status;

	*info = (struct l_siginfo){ .signo = tg->exit_signal };
	info->chld.pid = tg->tgid;
	info->chld.uid = tg->leader ? tg->leader->uid : 0;
	if (WIFEXITED(st)) {
		info->code = CLD_EXITED;
		info->chld.status = WEXITSTATUS(st);
	} else {
		info->code = WCOREDUMP(st) ? CLD_DUMPED : CLD_KILLED;
		info->chld.status = WTERMSIG(st);
	}
}

/* Does @parent reap its children itself at their death? sig_lock not needed: the
 * answer is read once, as Linux does under siglock. */
static bool parent_autoreaps(struct thread_group *parent)
{
	struct l_sigaction *act = &parent->leader->sh->act[SIGCHLD - 1];

	return act->handler == L_SIG_IGN || (act->flags & L_SA_NOCLDWAIT);
}

void task_group_exit(struct task *t, int status)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	struct task *o;

	pthread_mutex_lock(&k->lock);
	if (!tg->group_exit) {
		tg->group_exit = true;
		tg->group_exit_status = status;
	}
	tg_for_each_task(o, tg)
		if (o != t && !o->exiting)
			task_interrupt(o, TIF_KILL);
	pthread_mutex_unlock(&k->lock);
	task_exit(t, status);
}

/* The thread's last words to its memory: robust futexes, then clear_child_tid. */
static void exit_mm_release(struct task *t)
{
	u32 zero = 0;

	futex_exit_robust_list(t);
	if (t->clear_child_tid &&
	    !mm_copy_out(t->mm, t->clear_child_tid, &zero, sizeof(zero)))
		futex_wake(t->k, t->mm, t->clear_child_tid, 1, ~0U, false);
	t->clear_child_tid = 0;
}

/* PR_SET_PDEATHSIG: each child thread that asked hears of its parent's end (here
 * the whole parent process's: threads are not parents of their own). k->lock held. */
static void send_pdeathsigs(struct thread_group *tg)
{
	struct st_list *p;

	st_list_for_each(p, &tg->children) {
		struct thread_group *c = container_of(p, struct thread_group, sibling);
		struct task *o;

		if (c->zombie)
			continue;
		tg_for_each_task(o, c) {
			struct l_siginfo info = { .signo = o->pdeathsig, .code = L_SI_USER };

			if (o->exiting || !o->pdeathsig)
				continue;
			info.kill.pid = tg->tgid;
			sig_send(o, &info, false, false);
		}
	}
}

/* Has every task of @tg finished task_do_exit? k->lock held. */
static bool tg_all_exited(struct thread_group *tg)
{
	struct task *o;

	tg_for_each_task(o, tg)
		if (!o->exited)
			return false;
	return true;
}

bool task_do_exit(struct task *t, int *status)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg, *parent;
	struct wake_list wl = WAKE_LIST_INIT;
	struct l_siginfo info;
	bool notify = false, reap = false, last, leader;

	pthread_mutex_lock(&k->lock);
	last = --tg->nlive == 0;
	if (last && tg == k->init->tg) {
		/* The sandbox ends with init: its state stays as it was for the end. */
		*status = tg->group_exit ? tg->group_exit_status : t->exit_status;
		pthread_mutex_unlock(&k->lock);
		return true;
	}
	k->ntasks--;
	pthread_mutex_unlock(&k->lock);
	if (last && t->mm)
		task_usage_mm_leave(tg, t->mm);  /* its peak resident size */
	if (last)
		cputime_exit(tg);       /* its CPU time is final; its timers stop */

	/* The last words to memory while the thread still has its context: a write
	 * that breaks copy-on-write remaps the page through the caller's own stub
	 * thread, and without one it would fail (clear_child_tid lost, pthread_join
	 * waiting for ever). */
	if (t->mm)
		exit_mm_release(t);
	/* Resources first, outside the tree lock: closing pipes wakes their readers. */
	task_set_ctx(t, NULL);
	if (t->mm) {
		struct mm *mm = t->mm;

		/* Unpublished under the lock: the OOM killer reads other tasks' mm. */
		pthread_mutex_lock(&k->lock);
		t->mm = NULL;
		pthread_mutex_unlock(&k->lock);
		mm_put(mm);
	}
	/* SEM_UNDO adjustments, applied by the last task sharing them. */
	sem_undo_exit(t);
	if (t->fdt) {
		struct fdtable *fdt = t->fdt;

		/* The process's POSIX locks go with it (all its fds close). */
		if (last)
			vfs_locks_fdt_close_posix(fdt, 0, UINT32_MAX, false, tg->tgid);
		/* Unpublished under the lock: pidfd_getfd reads other tasks' tables. */
		pthread_mutex_lock(&k->lock);
		t->fdt = NULL;
		pthread_mutex_unlock(&k->lock);
		fdt_put(fdt);
	}
	/* Its terminal, after its files as in Linux's do_exit; a session leader's
	 * foreground group is hung up. */
	if (last)
		tty_group_exit(k, tg);
	if (t->fs) {
		vfs_fs_put(t->fs);
		t->fs = NULL;
	}

	pthread_mutex_lock(&k->lock);
	task_vfork_release(t);
	t->exited = true;
	waitq_wake_all(&tg->thread_wq);
	waitq_wake_all(&tg->exit_wq);   /* PIDFD_THREAD pollers of this thread */
	/* Decided now: an exec in another thread may free a leader's remains as soon
	 * as the lock is dropped. */
	leader = t == tg->leader;
	if (!leader) {
		cputime_task_gone(t);
		task_usage_task_gone(t);
		st_list_del(&t->tglink);
	}
	/* The group becomes a zombie once every thread's own thread is done with it
	 * (a reaper frees what is left): not the last to stop living but the last to
	 * get here does it. */
	if (tg->nlive || tg->zombie || !tg_all_exited(tg)) {
		/* Others live on (a vfork waiter heard of this thread's end above). */
		pthread_mutex_unlock(&k->lock);
		if (!leader)
			task_destroy(t);
		return false;
	}
	tg->zombie = true;
	waitq_wake_all(&tg->exit_wq);
	/* as Linux: the leader's status unless the whole group was told to exit */
	tg->exit_status = tg->group_exit ? tg->group_exit_status : tg->leader->exit_status;
	send_pdeathsigs(tg);
	tg_reparent_children(k, tg);
	parent = tg->parent;
	if (parent && !parent->zombie) {
		if (tg->exit_signal == SIGCHLD && parent_autoreaps(parent)) {
			reap = true;
		} else {
			notify = tg->exit_signal != 0;
			exit_info(tg, &info);
		}
		/* Woken once k->lock is dropped: the waiter's thread may share our CPU. */
		waitq_collect(&parent->child_wq, &wl);
	}
	if (notify)
		sig_send_group(parent, &info, false);
	if (!leader)
		task_destroy(t);
	if (reap)
		tg_release(k, tg);
	pthread_mutex_unlock(&k->lock);
	wake_list_run(&wl);
	return false;
}
