/*
 * A task's end (after Linux's kernel/exit.c): it gives up its fd table and address
 * space (its stub goes with its Sentry thread), hands its children to a reaper,
 * becomes a zombie and tells its parent with its exit signal, unless the parent does
 * not want to hear (SIGCHLD ignored or SA_NOCLDWAIT), which reaps it at once.
 * When init ends, the sandbox ends.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "kernel.h"
#include "mm/mm.h"
#include "task/task.h"
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

void task_do_exit(struct task *t)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg, *parent;
	struct l_siginfo info;
	bool notify = false, reap = false;

	/* Resources first, outside the tree lock: closing pipes wakes their readers. */
	if (t->fdt) {
		fdt_put(t->fdt);
		t->fdt = NULL;
	}
	if (t->fs) {
		vfs_fs_put(t->fs);
		t->fs = NULL;
	}
	if (t->ctx) {
		plat_ctx_destroy(k->plat, t->ctx);
		t->ctx = NULL;
	}
	if (t->mm) {
		struct mm *mm = t->mm;

		/* Unpublished under the lock: the OOM killer reads other tasks' mm. */
		pthread_mutex_lock(&k->lock);
		t->mm = NULL;
		pthread_mutex_unlock(&k->lock);
		mm_destroy(mm);
	}

	pthread_mutex_lock(&k->lock);
	t->vfork_released = true;
	k->ntasks--;
	tg->zombie = true;
	tg->exit_status = t->exit_status;
	tg_reparent_children(k, tg);
	parent = tg->parent;
	if (parent && !parent->zombie) {
		if (tg->exit_signal == SIGCHLD && parent_autoreaps(parent)) {
			reap = true;
		} else {
			notify = tg->exit_signal != 0;
			exit_info(tg, &info);
		}
		waitq_wake_all(&parent->child_wq);
	}
	if (notify)
		sig_send(parent->leader, &info, false, false);
	if (reap)
		tg_release(k, tg);
	pthread_mutex_unlock(&k->lock);
}
