/*
 * execve and execveat (after Linux's fs/exec.c): the new program is loaded into a
 * fresh address space while the old one still runs; only when loading succeeded does
 * the task end its group's other threads (and take the leader's tid, if it was not
 * the leader), switch to the new address space (the old stub, emptied, when no
 * other task shares it, else a new one made on this thread), close its
 * close-on-exec files, reset caught signals to their defaults and release
 * a vfork parent. A failed exec leaves the caller as it was, with the error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "kernel.h"
#include "loader/loader.h"
#include "mm/mm.h"
#include "platform.h"
#include "signal/signal.h"
#include "task/task.h"
#include "time/ktimer.h"
#include "task/waitq.h"
#include "time/ktime.h"
#include "vfs/locks.h"
#include "vfs/vfs.h"

#define ARG_MAX_BYTES (2 * 1024 * 1024)   /* a quarter of the 8 MiB stack limit */
#define MAX_ARG_STRLEN (32 * 4096)         /* Linux's limit on one string */

/* Copies a NULL-terminated array of strings from application memory. */
static int copy_strv(struct task *t, u64 uv, char ***out, size_t *total)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	for (; uv; n++) {
		u64 p;
		char buf[MAX_ARG_STRLEN];
		s64 len;

		if (mm_copy_in(t->mm, &p, uv + n * 8, sizeof(p))) {
			err = -EFAULT;
			break;
		}
		if (!p)
			break;
		len = mm_strncpy_in(t->mm, buf, p, sizeof(buf));
		if (len < 0) {
			err = len == -ENAMETOOLONG ? -E2BIG : (int)len;
			break;
		}
		*total += len + 1 + sizeof(char *);
		if (*total > ARG_MAX_BYTES) {
			err = -E2BIG;
			break;
		}
		if (n + 2 > cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[n] = strdup(buf);
		if (!v[n]) {
			err = -ENOMEM;
			break;
		}
	}
	if (!err && !v)
		v = calloc(1, sizeof(*v));
	if (v)
		v[n] = NULL;
	if (err || !v) {
		for (size_t i = 0; v && i < n; i++)
			free(v[i]);
		free(v);
		return err ? err : -ENOMEM;
	}
	*out = v;
	return 0;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Whether a task other than @t runs in @mm: a vfork parent or a CLONE_VM sibling
 * (de_thread has ended @t's own group's other threads). k->lock held. */
static bool mm_shared(struct task *t, struct mm *mm)
{
	struct st_list *p;
	struct task *o;

	st_list_for_each(p, &t->k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);

		tg_for_each_task(o, tg)
			if (o != t && o->mm == mm)
				return true;
	}
	return false;
}

/*
 * Makes @mm the task's address space, leaving @old. When nobody else runs in @old,
 * its platform address space and the task's context carry on into @mm (*kept, and
 * @old keeps pointing at them until mm_forget_as): a fork child's exec then costs
 * no new stub and no old one's teardown. Otherwise a new stub is made from this
 * thread, with a new context. The new program's FPU state is the initial one.
 */
static int switch_mm(struct task *t, struct mm *old, struct mm *mm, bool *kept)
{
	struct plat_ctx *ctx;
	bool shared;
	int err;

	pthread_mutex_lock(&t->k->lock);
	shared = mm_shared(t, old);
	pthread_mutex_unlock(&t->k->lock);
	/* No task can start to share @old now: only one running in it could clone. */
	*kept = !shared && !mm_take_as(mm, old, t->ctx);
	if (!*kept) {
		err = mm_ctx_new(mm, &ctx);
		if (err)
			return err;
		task_set_ctx(t, ctx);
	}
	/* Past the point of no return (@mm may run in the kept address space): a
	 * context that cannot take it is dead, which its next switch reports. A kept
	 * one has the initial FPU state already (plat_as_reuse). */
	if (!*kept) {
		sig_fp_init_state(t->fpstate, t->fpstate_len);
		plat_ctx_set_fpstate(t->k->plat, t->ctx, t->fpstate, t->fpstate_len);
	}
	return 0;
}

/*
 * Linux's de_thread: every other thread of the group is killed and waited for; then,
 * if the caller is not the leader, it becomes the leader, tid and all, and the old
 * leader's remains go. -EINTR if the caller is killed meanwhile.
 */
static int de_thread(struct task *t)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	struct task *o;
	struct waiter w;

	pthread_mutex_lock(&k->lock);
	tg_for_each_task(o, tg)
		if (o != t && !o->exiting)
			task_interrupt(o, TIF_KILL);
	for (;;) {
		/* Killable only: a pending signal waits for the new program. */
		bool sig = task_signal_pending(t), alone = true;

		/* Alone: every other thread has finished exiting (the leader's remains
		 * stay, and are ours to free, once its thread is done with them). */
		tg_for_each_task(o, tg)
			alone &= o == t || o->exited;
		if (alone)
			break;

		if (tg->group_exit || (__atomic_load_n(&t->interrupt, __ATOMIC_ACQUIRE) &
				       TIF_KILL)) {
			pthread_mutex_unlock(&k->lock);
			return -EINTR;
		}
		waitq_add(&tg->thread_wq, &w, t);
		pthread_mutex_unlock(&k->lock);
		task_block(t, sig ? ktime_host_mono_now() + 1000000 : -1);
		pthread_mutex_lock(&k->lock);
		waitq_del(&w);
	}
	if (t != tg->leader) {
		o = tg->leader;
		cputime_task_gone(o);
		task_usage_task_gone(o);
		st_list_del(&o->tglink);
		task_destroy(o);
		st_list_del(&t->tglink);
		st_list_add_tail(&t->tglink, tg->tasks.next);
		tg->leader = t;
		t->tid = tg->tgid;
		if (k->init == o)
			k->init = t;
	}
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static void reset_signals(struct task *t)
{
	pthread_mutex_lock(&t->sh->lock);
	for (int i = 0; i < L_NSIG; i++)
		if (t->sh->act[i].handler != L_SIG_IGN)
			t->sh->act[i] = (struct l_sigaction){ 0 };
	t->altstack = (struct l_stack){ .ss_flags = L_SS_DISABLE };
	pthread_mutex_unlock(&t->sh->lock);
}

/*
 * execveat's lookup: the program @path names from @dirfd (AT_EMPTY_PATH: the file
 * @dirfd is open on, O_PATH included; AT_SYMLINK_NOFOLLOW: ELOOP for a symlink),
 * and the name the program runs under: @path itself when absolute or from the cwd,
 * else /dev/fd/N or /dev/fd/N/path, as Linux's alloc_bprm. *cloexec: found
 * through a close-on-exec descriptor.
 */
static long exec_lookup(struct task *t, int dirfd, const char *path, int flags,
			struct vfs_path *p, char *name, size_t namelen, bool *cloexec)
{
	u32 lflags = flags & AT_SYMLINK_NOFOLLOW ? 0 : VFS_FOLLOW;
	long err;

	if (flags & AT_EMPTY_PATH)
		lflags |= VFS_EMPTY_PATH;
	err = vfs_resolve(t, dirfd, path, lflags, p);
	if (err)
		return err;
	*cloexec = false;
	if (path[0] == '/' || dirfd == AT_FDCWD) {
		snprintf(name, namelen, "%s", path);
	} else {
		int fdflags = fdt_get_flags(t->fdt, dirfd);

		*cloexec = fdflags > 0 && (fdflags & FD_CLOEXEC);
		if (path[0])
			snprintf(name, namelen, "/dev/fd/%d/%s", dirfd, path);
		else
			snprintf(name, namelen, "/dev/fd/%d", dirfd);
	}
	return 0;
}

static long do_execve(struct task *t, int dirfd, u64 upath, u64 uargv, u64 uenvp,
		      int flags)
{
	char path[PATH_MAX], name[PATH_MAX + 32], why[256];
	char **argv = NULL, **envp = NULL;
	struct mm *old = t->mm, *mm = NULL;
	struct plat_regs saved = t->regs;
	struct vfs_path p = { 0 };
	bool cloexec, kept = false;
	size_t total = 0;
	s64 len;
	long err;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	len = mm_strncpy_in(t->mm, path, upath, sizeof(path));
	if (len < 0)
		return len;
	/* Linux opens the program before it counts the arguments. */
	err = exec_lookup(t, dirfd, path, flags, &p, name, sizeof(name), &cloexec);
	if (err)
		return err;
	err = copy_strv(t, uargv, &argv, &total);
	if (!err)
		err = copy_strv(t, uenvp, &envp, &total);
	if (!err)
		err = mm_new(t->k->mf, t->k->plat, &mm);
	if (err) {
		pthread_mutex_lock(&vfs_lock);
		vfs_path_put(&p);
		pthread_mutex_unlock(&vfs_lock);
		goto out;
	}
	mm_set_as_limit(mm, t->rlim[RLIMIT_AS].cur);
	/* t->mm changes under k->lock: the OOM killer reads other tasks' mm. */
	pthread_mutex_lock(&t->k->lock);
	t->mm = mm;
	pthread_mutex_unlock(&t->k->lock);
	memset(&t->regs, 0, sizeof(t->regs));
	err = loader_exec_at(t, &p, name, cloexec, argv, envp, why, sizeof(why));
	if (!err)
		err = de_thread(t);
	if (!err)
		err = switch_mm(t, old, mm, &kept);
	if (err) {
		pthread_mutex_lock(&t->k->lock);
		t->mm = old;
		pthread_mutex_unlock(&t->k->lock);
		t->regs = saved;
		mm_put(mm);
		goto out;
	}
	task_usage_mm_leave(t->tg, old);
	cputime_exec(t, old);
	if (kept)
		mm_forget_as(old);
	mm_put(old);
	vfs_locks_fdt_close_posix(t->fdt, 0, UINT32_MAX, true, t->tgid);
	fdt_close_on_exec(t->fdt);
	reset_signals(t);
	t->tg->membarrier = 0;          /* registrations go with the address space */
	t->clear_child_tid = 0;
	t->robust_list = t->robust_len = 0;
	t->fp_valid = false;
	task_cred_exec(t);
	pthread_mutex_lock(&t->k->lock);
	task_vfork_release(t);
	pthread_mutex_unlock(&t->k->lock);
	err = 0;
out:
	free_strv(argv);
	free_strv(envp);
	return err;
}

long task_execve(struct task *t, int dirfd, u64 upath, u64 uargv, u64 uenvp, int flags)
{
	return do_execve(t, dirfd, upath, uargv, uenvp, flags);
}
