/*
 * fork, vfork, clone and clone3 (after Linux's kernel/fork.c). A child gets the
 * address space (CLONE_VM) or a copy-on-write copy of it, the fd table (CLONE_FILES)
 * or a copy, the signal handlers (CLONE_SIGHAND) or a copy, the parent's registers
 * with rax = 0, and a Sentry thread of its own, which makes its platform context. A
 * thread (CLONE_THREAD) joins the caller's thread group; anything else is a new
 * process. A vfork parent waits until its child execs or exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ipc/sem.h"
#include "kernel.h"
#include "mm/mm.h"
#include "task/pidfd.h"
#include "task/task.h"
#include "time/ktimer.h"
#include "vfs/vfs.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#define CLONE_NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
			CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

static int check_flags(u64 f)
{
	if ((f & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
		return -EINVAL;
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return -EINVAL;
	if ((f & CLONE_PIDFD) && (f & CLONE_DETACHED))
		return -EINVAL;
	if ((f & CLONE_CLEAR_SIGHAND) && (f & CLONE_SIGHAND))
		return -EINVAL;
	if (f & CLONE_NS_FLAGS)
		return -EPERM; /* no namespaces inside the sandbox (as without CAP_SYS_ADMIN) */
	if (f & CLONE_INTO_CGROUP)
		return -ENOSYS;
	return 0;
}

/* sh->lock held. */
static struct sighand *sighand_copy(struct sighand *sh, bool clear)
{
	struct sighand *n = sighand_new();

	if (!n)
		return NULL;
	memcpy(n->act, sh->act, sizeof(n->act));
	if (clear)
		for (int i = 0; i < L_NSIG; i++)
			if (n->act[i].handler != L_SIG_IGN)
				n->act[i] = (struct l_sigaction){ 0 };
	return n;
}

/* Everything the child takes from the parent but its thread-group links. */
static int copy_task(struct task *t, struct task *c, const struct clone_args_k *ca)
{
	u32 held;
	int err;

	err = task_cred_copy(t, c);
	if (err)
		return err;
	task_sched_fork(t, c);
	c->umask = t->umask;
	memcpy(c->comm, t->comm, sizeof(c->comm));
	c->no_new_privs = t->no_new_privs;      /* pdeathsig is not inherited */
	c->dumpable = t->dumpable;
	memcpy(c->rlim, t->rlim, sizeof(c->rlim));
	c->regs = t->regs;
	c->regs.rax = 0;
	if (ca->stack)
		c->regs.rsp = ca->stack;
	if (ca->flags & CLONE_SETTLS)
		c->regs.fs_base = ca->tls;
	err = task_fetch_fp(t);
	if (err)
		return err;
	memcpy(c->fpstate, t->fpstate, t->fpstate_len);
	c->fp_valid = c->fp_load = true;
	c->sigmask = t->sigmask;
	/* Linux's copy_process: a child sharing the memory (a thread) starts without
	 * the alternate signal stack, which is the creator's; a vfork child keeps it. */
	if ((ca->flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM)
		c->altstack = (struct l_stack){ .ss_flags = L_SS_DISABLE };
	else
		c->altstack = t->altstack;
	c->clear_child_tid = ca->flags & CLONE_CHILD_CLEARTID ? ca->child_tid : 0;

	if (ca->flags & CLONE_VM) {
		err = mm_share_as(t->mm, t->ctx);
		if (err)
			return err == -ENOMEM ? -ENOMEM : -EAGAIN;
		mm_get(t->mm);
		c->mm = t->mm;
	} else {
		pthread_mutex_lock(&t->k->lock);
		held = cputime_holds(t->tg, t->mm);
		pthread_mutex_unlock(&t->k->lock);
		err = mm_fork(t->mm, held, &c->mm);
		if (err)
			return err;
	}
	if (ca->flags & CLONE_FILES) {
		ref_get(&t->fdt->ref);
		c->fdt = t->fdt;
	} else {
		err = fdt_fork(t->fdt, &c->fdt);
		if (err)
			return err;
	}
	if (t->fs && (ca->flags & CLONE_FS)) {
		ref_get(&t->fs->ref);
		c->fs = t->fs;
	} else if (t->fs) {
		err = vfs_fs_copy(t->fs, &c->fs);
		if (err)
			return err;
	}
	err = sem_undo_clone(t, c, ca->flags & CLONE_SYSVSEM);
	if (err)
		return err;
	if (ca->flags & CLONE_SIGHAND) {
		ref_get(&t->sh->ref);
		c->sh = t->sh;
		return 0;
	}
	pthread_mutex_lock(&t->sh->lock);
	c->sh = sighand_copy(t->sh, ca->flags & CLONE_CLEAR_SIGHAND);
	pthread_mutex_unlock(&t->sh->lock);
	return c->sh ? 0 : -ENOMEM;
}

/* CLONE_PIDFD: a pidfd for the child (a thread pidfd for a CLONE_THREAD child, as
 * Linux 6.9), its number written where the caller said. */
static int clone_pidfd(struct task *t, struct thread_group *tg, struct task *thread,
		       u64 uaddr, int *fd)
{
	int n = pidfd_install(t, tg, thread, thread ? PIDFD_THREAD : 0);

	if (n < 0)
		return n;
	*fd = n;
	return mm_copy_out(t->mm, uaddr, &n, sizeof(n)) ? -EFAULT : 0;
}

long task_clone(struct task *t, const struct clone_args_k *ca)
{
	struct kernel *k = t->k;
	struct thread_group *parent, *tg;
	struct task *c;
	int pidfd = -1;
	long err;
	u32 tid;

	err = check_flags(ca->flags);
	if (err)
		return err;
	/* Legacy clone writes both through one pointer. */
	if ((ca->flags & CLONE_PIDFD) && (ca->flags & CLONE_PARENT_SETTID) &&
	    ca->pidfd == ca->parent_tid)
		return -EINVAL;
	if (ca->exit_signal > L_NSIG)
		return -EINVAL;
	err = task_new(k, &c);
	if (err)
		return err;
	err = copy_task(t, c, ca);
	if (err)
		goto out_destroy;

	pthread_mutex_lock(&k->lock);
	if (k->ntasks >= k->max_tasks || k->ntasks >= t->rlim[RLIMIT_NPROC].cur) {
		err = -EAGAIN;
		goto out_unlock;
	}
	tid = kernel_alloc_tid(k);
	if (!tid) {
		err = -EAGAIN;
		goto out_unlock;
	}
	c->tid = tid;
	/* Linux: a fatal signal is pending. An exit_group or an exec's de_thread told
	 * us to die (TIF_KILL, under kernel->lock): what we made now would outlive the
	 * kill, and a thread would keep the exec waiting for it. */
	if (t->tg->group_exit || (__atomic_load_n(&t->interrupt, __ATOMIC_ACQUIRE) & TIF_KILL)) {
		err = -ERESTARTNOINTR;
		goto out_unlock;
	}
	if (ca->flags & CLONE_THREAD) {
		tg = t->tg;
		c->tg = tg;
		c->tgid = tg->tgid;
		st_list_add_tail(&c->tglink, &tg->tasks);
		tg->nlive++;
	} else {
		/*
		 * A signal sent to our process group, session or everyone while we
		 * cloned (under kernel->lock, as this is) did not find the child. As on
		 * Linux, signals that come before the fork are the parent's alone: take
		 * it first and fork again after it, so that a group killed mid-fork
		 * leaves no child behind.
		 */
		u64 pend;

		pthread_mutex_lock(&t->sh->lock);
		pend = task_pending(t) & ~t->sigmask;
		pthread_mutex_unlock(&t->sh->lock);
		if (pend) {
			err = -ERESTARTNOINTR;
			goto out_unlock;
		}
		parent = (ca->flags & CLONE_PARENT) && t->tg->parent ? t->tg->parent : t->tg;
		err = tg_new(k, c, parent, &tg);
		if (err)
			goto out_unlock;
		tg->exit_signal = ca->exit_signal;
		tg->start_ns = ktime_mono(&k->time);
		task_usage_fork(t->tg, tg);
		tg->membarrier = t->tg->membarrier;
		tg->oom_score_adj = t->tg->oom_score_adj;
		tg->oom_score_adj_min = t->tg->oom_score_adj_min;
	}
	k->ntasks++;
	k->nforks++;
	/*
	 * A stop of the world that began during this clone did not see @c: stop it too.
	 * Left running, it would never park, and it may wait for us (a semaphore we
	 * post, a pipe we write) while we are parked: the stop would never end.
	 */
	if (k->stopping)
		__atomic_or_fetch(&c->interrupt, TIF_STOP, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&k->lock);

	/* The tids the caller asked for, in the child's and the parent's memory. */
	if (ca->flags & CLONE_CHILD_SETTID) {
		/* A bad pointer is the child's problem, silently, as on Linux. */
		mm_copy_out(c->mm, ca->child_tid, &tid, sizeof(tid));
	}
	if ((ca->flags & CLONE_PARENT_SETTID) && mm_copy_out(t->mm, ca->parent_tid, &tid,
							     sizeof(tid))) {
		/* Linux's put_user fails silently here too */
	}
	if (ca->flags & CLONE_VFORK)
		t->vfork_wait = tid;
	err = ca->flags & CLONE_PIDFD ? clone_pidfd(t, tg, ca->flags & CLONE_THREAD ? c : NULL,
						     ca->pidfd, &pidfd) : 0;
	if (!err)
		err = kernel_start_task(k, c);
	if (err) {
		if (pidfd >= 0)
			fdt_close(t->fdt, pidfd);
		pthread_mutex_lock(&k->lock);
		k->ntasks--;
		c->exiting = true;
		if (ca->flags & CLONE_THREAD) {
			tg->nlive--;
			st_list_del(&c->tglink);
			task_destroy(c);
		} else {
			tg->zombie = true;
			tg_release(k, tg);
		}
		pthread_mutex_unlock(&k->lock);
		t->vfork_wait = 0;
		return err;
	}
	return tid;

out_unlock:
	pthread_mutex_unlock(&k->lock);
out_destroy:
	task_destroy(c);
	return err;
}

void task_vfork_release(struct task *t)
{
	struct task *w = t->vfork_waiter ? kernel_find_task(t->k, t->vfork_waiter) : NULL;

	t->vfork_released = true;
	t->vfork_waiter = 0;
	/* Its own check decides (task_vfork_wait): a wake-up too many is harmless. */
	if (w)
		waitq_wake_all(&w->tg->child_wq);
}

int task_vfork_wait(struct task *t)
{
	struct kernel *k = t->k;
	struct task *c;
	struct waiter w;
	int err = 0;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		c = kernel_find_task(k, t->vfork_wait);
		if (!c || c->vfork_released) {
			t->vfork_wait = 0;
			break;
		}
		/* The child wakes us, wherever its parent is (CLONE_PARENT). */
		c->vfork_waiter = t->tid;
		waitq_add(&t->tg->child_wq, &w, t);
		pthread_mutex_unlock(&k->lock);
		err = task_block(t, -1);
		pthread_mutex_lock(&k->lock);
		waitq_del(&w);
		if (err)
			break; /* a signal or a stop: handle it, then wait again */
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}
