/*
 * pidfds (after Linux's kernel/pid.c, kernel/fork.c's pidfd_poll and kernel/signal.c's
 * pidfd_send_signal): pidfd_open, CLONE_PIDFD's file, poll (readable once the process
 * has exited, and hung up once it is reaped), pidfd_send_signal, pidfd_getfd and the
 * pid behind waitid(P_PIDFD). See pidfd.h for what the file holds.
 *
 * PIDFD_THREAD (Linux 6.9): a pidfd for one thread, readable once that thread has
 * exited (hung up once it is gone), whose signals go to that thread unless a
 * PIDFD_SIGNAL_* flag says otherwise. Not offered: /proc fdinfo. pidfd_getfd's ptrace-mode check is simplified to Linux's
 * credential part: the caller's real ids match the target's, or the caller holds
 * CAP_SYS_PTRACE (outside the container set), and the target is dumpable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "kernel.h"
#include "mm/mm.h"
#include "task/pidfd.h"
#include "task/task.h"

#define PIDFD_SIGNAL_THREAD 1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4

static struct pidfd_file *PF(struct vfs_file *f)
{
	return container_of(f, struct pidfd_file, base);
}

bool file_is_pidfd(const struct vfs_file *f)
{
	return f->ops == &pidfd_ops;
}

struct thread_group *pidfd_tg(struct vfs_file *f)
{
	struct pidfd_file *pf = PF(f);
	struct thread_group *tg = kernel_find_tg(pf->k, pf->tgid);

	return tg && tg->start_ns == pf->start_ns ? tg : NULL;
}

/* The thread a PIDFD_THREAD pidfd names, exited or not, while it is in its group's
 * task list (an exited leader stays until the group is reaped); NULL once gone.
 * kernel->lock held. */
static struct task *pidfd_thread(struct vfs_file *f, struct thread_group *tg)
{
	struct task *o;

	tg_for_each_task(o, tg)
		if (o->tid == PF(f)->tid)
			return o;
	return NULL;
}

/* pidfd_poll: POLLIN once the whole group (a thread pidfd: the thread) has exited,
 * POLLHUP too once reaped (the thread gone). */
static short pidfd_poll(struct vfs_file *f, short events, struct waiter *w)
{
	struct kernel *k = PF(f)->k;
	struct thread_group *tg;
	struct task *thr;
	short re = 0;

	pthread_mutex_lock(&k->lock);
	tg = pidfd_tg(f);
	if (!tg)
		re = POLLIN | POLLRDNORM | POLLHUP;
	else if (tg->zombie)
		re = POLLIN | POLLRDNORM;
	else if (PF(f)->tid && !(thr = pidfd_thread(f, tg)))
		re = POLLIN | POLLRDNORM | POLLHUP;
	else if (PF(f)->tid && thr->exited)
		re = POLLIN | POLLRDNORM;
	re &= events | POLLERR | POLLHUP;
	if (!re && w)
		waitq_add(&tg->exit_wq, w, w->t);
	pthread_mutex_unlock(&k->lock);
	return re;
}

/* The group may be gone: tg_release unlinked the waiter then. */
static void pidfd_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	struct kernel *k = PF(f)->k;

	pthread_mutex_lock(&k->lock);
	waitq_del(w);
	st_list_init(&w->link);
	pthread_mutex_unlock(&k->lock);
}

static int pidfd_fstat(struct vfs_file *f, struct stat *st)
{
	(void)f;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0600;  /* pidfs */
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

static void pidfd_release(struct vfs_file *f)
{
	free(PF(f));
}

const struct vfs_file_ops pidfd_ops = {
	.type = "pidfd",
	.fstat = pidfd_fstat,
	.poll = pidfd_poll,
	.poll_cancel = pidfd_poll_cancel,
	.release = pidfd_release,
};

int pidfd_new(struct thread_group *tg, struct task *thread, u32 flags,
	      struct vfs_file **out)
{
	struct pidfd_file *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return -ENOMEM;
	vfs_file_init(&pf->base, &pidfd_ops,
		      O_RDWR | (flags & (O_NONBLOCK | (thread ? PIDFD_THREAD : 0))));
	pf->k = tg->k;
	pf->tgid = tg->tgid;
	pf->start_ns = tg->start_ns;
	pf->tid = thread ? thread->tid : 0;
	*out = &pf->base;
	return 0;
}

/* Installs @f (consumed) close-on-exec at the lowest free fd of @t's table. */
static int install(struct task *t, struct vfs_file *f)
{
	int fd = fdt_alloc(t->fdt, f, 0, FD_CLOEXEC, t->rlim[RLIMIT_NOFILE].cur);

	vfs_file_put(f);
	return fd;
}

int pidfd_install(struct task *t, struct thread_group *tg, struct task *thread, u32 flags)
{
	struct vfs_file *f;
	int err;

	pthread_mutex_lock(&t->k->lock);
	err = pidfd_new(tg, thread, flags, &f);
	pthread_mutex_unlock(&t->k->lock);
	return err ? err : install(t, f);
}

long pidfd_open(struct task *t, s32 pid, u32 flags)
{
	struct thread_group *tg;
	struct vfs_file *f = NULL;
	struct task *thr;
	long ret;

	if (flags & ~(O_NONBLOCK | PIDFD_THREAD))
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	if (flags & PIDFD_THREAD) {
		thr = kernel_find_task(t->k, pid);
		ret = thr ? pidfd_new(thr->tg, thr, flags, &f) : -ESRCH;
	} else {
		tg = kernel_find_tg(t->k, pid);
		if (tg)
			ret = pidfd_new(tg, NULL, flags, &f);
		else    /* a thread's tid names no process: ENOENT */
			ret = kernel_find_task(t->k, pid) ? -ENOENT : -ESRCH;
	}
	pthread_mutex_unlock(&t->k->lock);
	return ret ? ret : install(t, f);
}

/* The pidfd at @fd (a reference), -EBADF for none or another kind of file. */
static int get_pidfd(struct task *t, int fd, struct vfs_file **out)
{
	struct vfs_file *f = fd >= 0 ? fdt_get(t->fdt, fd) : NULL;

	if (!f)
		return -EBADF;
	if (!file_is_pidfd(f)) {
		vfs_file_put(f);
		return -EBADF;
	}
	*out = f;
	return 0;
}

/* A live task of @tg for its credentials, tables and signals; NULL for a zombie. */
static struct task *tg_live_task(struct thread_group *tg)
{
	struct task *p;

	if (tg->zombie)
		return NULL;
	tg_for_each_task(p, tg)
		if (!p->exited)
			return p;
	return NULL;
}

/* Sends to every process of group @pgid the caller may signal (__kill_pgrp_info). */
static long send_pgrp(struct task *t, u32 pgid, const struct l_siginfo *info)
{
	struct st_list *p;
	long ret = -ESRCH;
	bool ok = false;

	st_list_for_each(p, &t->k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);
		struct task *to;

		if (tg->pgid != pgid || tg->zombie || !(to = tg_live_task(tg)))
			continue;
		if (!sig_may_kill(t, to, info->signo)) {
			ret = -EPERM;
			continue;
		}
		if (!info->signo || !sig_send_group(tg, info, false))
			ok = true;
	}
	return ok ? 0 : ret;
}

long pidfd_send_signal(struct task *t, int fd, int sig, u64 uinfo, u32 flags)
{
	struct thread_group *tg;
	struct l_siginfo info;
	struct vfs_file *f;
	struct task *to, *thr;
	long ret;

	if (flags & ~(PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP |
		      PIDFD_SIGNAL_PROCESS_GROUP) || __builtin_popcount(flags) > 1)
		return -EINVAL;
	ret = get_pidfd(t, fd, &f);
	if (ret)
		return ret;
	if (uinfo) {
		if (mm_copy_in(t->mm, &info, uinfo, sizeof(info))) {
			ret = -EFAULT;
			goto out;
		}
		if (info.signo != sig) {
			ret = -EINVAL;
			goto out;
		}
		/* Only a process signalling itself (its leader thread, process-wide,
		 * or the thread a thread pidfd names) may claim a kernel origin or
		 * tkill's. */
		if ((t->tid != (PF(f)->tid ? PF(f)->tid : PF(f)->tgid) ||
		     (flags & PIDFD_SIGNAL_PROCESS_GROUP)) &&
		    (info.code >= 0 || info.code == L_SI_TKILL)) {
			ret = -EPERM;
			goto out;
		}
	} else {
		info = (struct l_siginfo){ .signo = sig };
		info.code = flags & PIDFD_SIGNAL_THREAD ? L_SI_TKILL : L_SI_USER;
		if (!flags && PF(f)->tid)
			info.code = L_SI_TKILL; /* a thread pidfd's own scope */
		info.kill.pid = t->tgid;
		info.kill.uid = t->uid;
	}
	pthread_mutex_lock(&t->k->lock);
	tg = pidfd_tg(f);
	if (!tg) {
		ret = -ESRCH;
	} else if (sig < 0 || sig > L_NSIG) {
		ret = -EINVAL;
	} else if (flags & PIDFD_SIGNAL_PROCESS_GROUP) {
		ret = send_pgrp(t, tg->pgid, &info);
	} else if (!(to = tg_live_task(tg))) {
		ret = 0;        /* a zombie is there to be found; the signal is dropped */
	} else if (!sig_may_kill(t, to, sig)) {
		ret = -EPERM;
	} else if ((flags & PIDFD_SIGNAL_THREAD) || (!flags && PF(f)->tid)) {
		/* To one thread: the leader, or the thread a thread pidfd names
		 * (ESRCH once it is gone, as Linux). */
		thr = PF(f)->tid ? pidfd_thread(f, tg) : tg->leader;
		if (!thr)
			ret = -ESRCH;
		else if (sig && !thr->exited)
			ret = sig_send(thr, &info, false, false);
	} else if (sig) {
		ret = sig_send_group(tg, &info, false);
	}
	pthread_mutex_unlock(&t->k->lock);
out:
	vfs_file_put(f);
	return ret;
}

long pidfd_getfd(struct task *t, int fd, int target, u32 flags)
{
	struct fdtable *fdt = NULL;
	struct thread_group *tg;
	struct vfs_file *f, *tf;
	struct task *p;
	long ret;

	if (flags)
		return -EINVAL;
	ret = get_pidfd(t, fd, &f);
	if (ret)
		return ret;
	pthread_mutex_lock(&t->k->lock);
	tg = pidfd_tg(f);
	p = tg ? tg_live_task(tg) : NULL;
	if (!p || !p->fdt) {
		ret = -ESRCH;
	} else if (!task_ptrace_may_access(t, p)) {
		ret = -EPERM;
	} else {
		fdt = p->fdt;
		ref_get(&fdt->ref);
	}
	pthread_mutex_unlock(&t->k->lock);
	vfs_file_put(f);
	if (!fdt)
		return ret;
	tf = target >= 0 ? fdt_get(fdt, target) : NULL;
	fdt_put(fdt);
	return tf ? install(t, tf) : -EBADF;
}

long pidfd_wait_pid(struct task *t, int fd, bool *nonblock)
{
	struct thread_group *tg;
	struct vfs_file *f;
	long ret = get_pidfd(t, fd, &f);

	if (ret)
		return ret;
	*nonblock = f->flags & O_NONBLOCK;
	pthread_mutex_lock(&t->k->lock);
	tg = pidfd_tg(f);
	ret = tg ? (long)tg->tgid : -ECHILD;    /* reaped: no child has its pid */
	pthread_mutex_unlock(&t->k->lock);
	vfs_file_put(f);
	return ret;
}
