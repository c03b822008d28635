/* Process-level syscalls of the sandbox core: exit, ids, set_tid_address,
 * set_robust_list, arch_prctl, resource limits, uname, getcwd, sysinfo, umask. */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/devpts/devpts.h"
#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/pidfd.h"
#include "task/task.h"
#include "time/ktime.h"
#include "time/ktimer.h"

SYS(exit_group)
{
	task_group_exit(t, (a[0] & 0xff) << 8);
	return 0;
}

/* The calling thread alone; the last one out ends the process with its status. */
SYS(exit)
{
	task_exit(t, (a[0] & 0xff) << 8);
	return 0;
}

SYS(getpid) { return t->tgid; }
SYS(gettid) { return t->tid; }

SYS(getppid)
{
	u32 ppid;

	pthread_mutex_lock(&t->k->lock);
	ppid = t->tg->parent ? t->tg->parent->tgid : 0;
	pthread_mutex_unlock(&t->k->lock);
	return ppid;
}
SYS(getuid) { return t->uid; }
SYS(geteuid) { return t->euid; }
SYS(getgid) { return t->gid; }
SYS(getegid) { return t->egid; }
SYS(getpgrp) { return t->tg->pgid; }

/* getpgid and getsid of @pid (0: the caller). */
static long tg_ids(struct task *t, s32 pid, bool sid)
{
	struct thread_group *tg;
	long ret = -ESRCH;

	if (pid < 0)
		return -ESRCH;
	pthread_mutex_lock(&t->k->lock);
	tg = pid ? kernel_find_tg(t->k, pid) : t->tg;
	if (tg)         /* a zombie's too, until it is reaped, as in Linux */
		ret = sid ? tg->sid : tg->pgid;
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

SYS(getpgid) { return tg_ids(t, a[0], false); }
SYS(getsid) { return tg_ids(t, a[0], true); }

/* setpgid (after Linux's kernel/sys.c): the caller or a child of it, in the same
 * session, into an existing group of that session or a new one named by its pid. */
SYS(setpgid)
{
	struct kernel *k = t->k;
	s32 pid = a[0], pgid = a[1];
	struct thread_group *tg;
	long ret = 0;

	if (pgid < 0)
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	tg = pid ? kernel_find_tg(k, pid) : t->tg;
	if (!tg || tg->zombie || (tg != t->tg && tg->parent != t->tg)) {
		ret = -ESRCH;
		goto out;
	}
	if (!pgid)
		pgid = tg->tgid;
	if (tg != t->tg && tg->sid != t->tg->sid) {
		ret = -EPERM;
		goto out;
	}
	if (tg->sid == tg->tgid) {      /* a session leader may not move */
		ret = -EPERM;
		goto out;
	}
	if ((u32)pgid != tg->tgid) {
		struct st_list *p;
		bool found = false;

		st_list_for_each(p, &k->tgs) {
			struct thread_group *o = container_of(p, struct thread_group, tglink);

			if (!o->zombie && o->pgid == (u32)pgid && o->sid == t->tg->sid)
				found = true;
		}
		if (!found) {
			ret = -EPERM;
			goto out;
		}
	}
	tg->pgid = pgid;
out:
	pthread_mutex_unlock(&k->lock);
	return ret;
}

SYS(setsid)
{
	struct kernel *k = t->k;
	struct st_list *p;
	long ret;

	pthread_mutex_lock(&k->lock);
	ret = t->tgid;
	st_list_for_each(p, &k->tgs) {
		struct thread_group *o = container_of(p, struct thread_group, tglink);

		if (o->pgid == t->tgid)
			ret = -EPERM; /* already a group leader (Linux: EPERM) */
	}
	if (ret > 0) {
		t->tg->pgid = t->tg->sid = t->tgid;
		tty_setsid(t->tg);      /* a new session has no terminal yet */
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}

SYS(execve) { return task_execve(t, AT_FDCWD, a[0], a[1], a[2], 0); }
SYS(execveat) { return task_execve(t, a[0], a[1], a[2], a[3], a[4]); }

SYS(fork)
{
	struct clone_args_k ca = { .exit_signal = SIGCHLD };

	return task_clone(t, &ca);
}

SYS(vfork)
{
	struct clone_args_k ca = { .flags = CLONE_VM | CLONE_VFORK, .exit_signal = SIGCHLD };

	return task_clone(t, &ca);
}

/* x86_64 argument order: flags, stack, parent_tid, child_tid, tls. */
SYS(clone)
{
	struct clone_args_k ca = {
		.flags = a[0] & ~0xffULL, .exit_signal = a[0] & 0xff, .stack = a[1],
		.parent_tid = a[2], .child_tid = a[3], .tls = a[4],
	};

	if (ca.flags & CLONE_PIDFD)
		ca.pidfd = a[2];
	return task_clone(t, &ca);
}

SYS(clone3)
{
	struct {
		u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
		u64 set_tid, set_tid_size, cgroup;
	} args = { 0 };
	struct clone_args_k ca;
	u64 size = a[1];

	if (size < 64 || size > 4096)
		return -EINVAL;
	if (mm_copy_in(t->mm, &args, a[0], MIN(size, sizeof(args))))
		return -EFAULT;
	if (size > sizeof(args)) {
		u8 rest[4096 - sizeof(args)];

		/* Unknown trailing fields must be zero (E2BIG otherwise), as Linux. */
		if (mm_copy_in(t->mm, rest, a[0] + sizeof(args), size - sizeof(args)))
			return -EFAULT;
		for (u64 i = 0; i < size - sizeof(args); i++)
			if (rest[i])
				return -E2BIG;
	}
	if ((args.flags & 0xff) || args.set_tid || args.set_tid_size ||
	    (!args.stack != !args.stack_size) || args.exit_signal > L_NSIG)
		return args.set_tid_size ? -EINVAL : -EINVAL;
	ca = (struct clone_args_k){
		.flags = args.flags, .pidfd = args.pidfd, .child_tid = args.child_tid,
		.parent_tid = args.parent_tid, .exit_signal = args.exit_signal,
		.stack = args.stack ? args.stack + args.stack_size : 0, .tls = args.tls,
	};
	return task_clone(t, &ca);
}

SYS(wait4)
{
	return task_wait(t, a[0], a[1], a[2], 0, a[3], false);
}

#define P_PIDFD_L 3

SYS(waitid)
{
	u64 which = a[0], options = a[3] & 0xffffffff;
	bool nonblock = false;
	s64 pid = (s32)a[1];

	if (which > P_PIDFD_L)
		return -EINVAL;
	if (which == P_PIDFD_L) {
		if (pid < 0)
			return -EINVAL;
		pid = pidfd_wait_pid(t, pid, &nonblock);
		if (pid < 0)
			return pid;
		which = P_PID;
	}
	/* A nonblocking pidfd's child that has not changed: EAGAIN, as Linux. */
	if (nonblock && !(options & WNOHANG))
		options |= WNOHANG | TASK_WAIT_EAGAIN;
	return task_wait(t, pid, 0, options | (which << 32), a[2], a[4], true);
}

SYS(pidfd_open) { return pidfd_open(t, a[0], a[1]); }
SYS(pidfd_getfd) { return pidfd_getfd(t, a[0], a[1], a[2]); }

static long put_res_ids(struct task *t, const u64 *a, u32 r, u32 e, u32 s)
{
	if (mm_copy_out(t->mm, a[0], &r, 4) || mm_copy_out(t->mm, a[1], &e, 4) ||
	    mm_copy_out(t->mm, a[2], &s, 4))
		return -EFAULT;
	return 0;
}

SYS(getresuid) { return put_res_ids(t, a, t->uid, t->euid, t->suid); }
SYS(getresgid) { return put_res_ids(t, a, t->gid, t->egid, t->sgid); }

SYS(setuid) { return task_setid(t, false, a[0]); }
SYS(setgid) { return task_setid(t, true, a[0]); }
SYS(setreuid) { return task_setreid(t, false, a[0], a[1]); }
SYS(setregid) { return task_setreid(t, true, a[0], a[1]); }
SYS(setresuid) { return task_setresid(t, false, a[0], a[1], a[2]); }
SYS(setresgid) { return task_setresid(t, true, a[0], a[1], a[2]); }

SYS(getgroups)
{
	s32 n = a[0];

	if (n < 0)
		return -EINVAL;
	if (!n)
		return t->ngroups;
	if ((u32)n < t->ngroups)
		return -EINVAL;
	if (mm_copy_out(t->mm, a[1], t->groups, t->ngroups * sizeof(u32)))
		return -EFAULT;
	return t->ngroups;
}

SYS(setgroups)
{
	u32 n = a[0], *list;
	long ret;

	if (!task_capable(t, CAP_SETGID))
		return -EPERM;
	if (n > NGROUPS_MAX)
		return -EINVAL;
	list = malloc(MAX(n, 1) * sizeof(u32));
	if (!list)
		return -ENOMEM;
	ret = mm_copy_in(t->mm, list, a[1], n * sizeof(u32)) ? -EFAULT
							      : task_setgroups(t, n, list);
	free(list);
	return ret;
}

SYS(capget) { return task_capget(t, a[0], a[1]); }
SYS(capset) { return task_capset(t, a[0], a[1]); }

/* personality(2): 0xffffffff queries; anything else is recorded, as Linux does
 * without checking the domain. The Sentry's loader does not randomise, so
 * ADDR_NO_RANDOMIZE and the other flags change nothing it does. */
SYS(personality)
{
	u32 old = t->personality;

	if ((u32)a[0] != 0xffffffff)
		t->personality = a[0];
	return old;
}

SYS(set_tid_address)
{
	t->clear_child_tid = a[0];
	return t->tid;
}

SYS(set_robust_list)
{
	if (a[1] != 24) /* sizeof(struct robust_list_head) */
		return -EINVAL;
	t->robust_list = a[0];
	t->robust_len = a[1];
	return 0;
}

SYS(arch_prctl)
{
	u64 addr = a[1];

	switch (a[0]) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= t->mm->max_addr)
			return -EPERM;
		if (a[0] == ARCH_SET_FS)
			t->regs.fs_base = addr;
		else
			t->regs.gs_base = addr;
		return 0;
	case ARCH_GET_FS:
		return mm_copy_out(t->mm, addr, &t->regs.fs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_GS:
		return mm_copy_out(t->mm, addr, &t->regs.gs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_CPUID:
		return 1;
	case ARCH_SET_CPUID:
		/* cpuid always traps to the Sentry; turning it off for the application
		 * would need a fault on each cpuid, which is not offered. */
		return a[1] ? 0 : -ENODEV;
	default:
		return -EINVAL;
	}
}

/*
 * Linux keeps resource limits per process (signal_struct): a change made by any thread
 * is seen by all of them. Each task holds a copy its own thread reads without a lock,
 * so a change is written into every task of @p's group; kernel->lock held.
 */
static long do_prlimit(struct task *t, struct task *p, u32 res, const struct l_rlimit *new,
		       struct l_rlimit *old)
{
	struct st_list *it;

	if (res >= L_RLIM_NLIMITS)
		return -EINVAL;
	if (old)
		*old = p->rlim[res];
	if (!new)
		return 0;
	if (new->cur > new->max)
		return -EINVAL;
	if (new->max > p->rlim[res].max && t->euid != 0)
		return -EPERM;
	if (res == RLIMIT_NOFILE && new->max > 1024 * 1024)
		return -EPERM; /* fs.nr_open */
	p->rlim[res] = *new;
	st_list_for_each(it, &p->tg->tasks)
		container_of(it, struct task, tglink)->rlim[res] = *new;
	if (res == RLIMIT_AS)
		mm_set_as_limit(p->mm, new->cur);
	return 0;
}

/* check_prlimit_permission: another process's limits need the caller's real ids to
 * be all of its ids, or privilege (root here, as do_prlimit's raise check). */
static bool prlimit_permitted(const struct task *t, const struct task *p)
{
	return t->tg == p->tg || t->euid == 0 ||
	       (t->uid == p->uid && t->uid == p->euid && t->uid == p->suid &&
		t->gid == p->gid && t->gid == p->egid && t->gid == p->sgid);
}

/* Limits of @pid (0: the caller), read or changed under kernel->lock. */
static long prlimit_pid(struct task *t, u32 pid, u32 res, const struct l_rlimit *new,
			struct l_rlimit *old)
{
	struct task *p = t;
	long err;

	pthread_mutex_lock(&t->k->lock);
	if (pid)
		p = kernel_find_task(t->k, pid);
	if (!p)
		err = -ESRCH;
	else if (!prlimit_permitted(t, p))
		err = -EPERM;
	else
		err = do_prlimit(t, p, res, new, old);
	pthread_mutex_unlock(&t->k->lock);
	return err;
}

SYS(prlimit64)
{
	struct l_rlimit new, old;
	long err;

	if (a[2] && mm_copy_in(t->mm, &new, a[2], sizeof(new)))
		return -EFAULT;
	err = prlimit_pid(t, a[0], a[1], a[2] ? &new : NULL, a[3] ? &old : NULL);
	if (!err && a[3] && mm_copy_out(t->mm, a[3], &old, sizeof(old)))
		return -EFAULT;
	return err;
}

SYS(getrlimit)
{
	struct l_rlimit old;
	long err = prlimit_pid(t, 0, a[0], NULL, &old);

	if (!err && mm_copy_out(t->mm, a[1], &old, sizeof(old)))
		return -EFAULT;
	return err;
}

SYS(setrlimit)
{
	struct l_rlimit new;

	if (mm_copy_in(t->mm, &new, a[1], sizeof(new)))
		return -EFAULT;
	return prlimit_pid(t, 0, a[0], &new, NULL);
}

SYS(uname)
{
	struct utsname u, host;

	memset(&u, 0, sizeof(u));
	uname(&host);
	strcpy(u.sysname, "Linux");
	snprintf(u.nodename, sizeof(u.nodename), "%s", t->k->hostname);
	memcpy(u.release, host.release, sizeof(u.release));
	memcpy(u.version, host.version, sizeof(u.version));
	strcpy(u.machine, "x86_64");
	strcpy(u.domainname, "(none)");
	return mm_copy_out(t->mm, a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

SYS(sysinfo)
{
	struct sysinfo si;
	u64 total, free;
	s64 boot = 0;

	/* The sandbox's memory, uptime, load averages and tasks. */
	memset(&si, 0, sizeof(si));
	kernel_meminfo(t->k, &total, &free);
	ktime_get(&t->k->time, CLOCK_BOOTTIME, &boot);
	si.uptime = boot / NSEC_PER_SEC;
	si.totalram = total;
	si.freeram = free;
	si.mem_unit = 1;
	pthread_mutex_lock(&t->k->lock);
	si.procs = MIN(t->k->ntasks, 0xffffu);
	for (int i = 0; i < 3; i++)     /* SI_LOAD_SHIFT (16) bits of fraction */
		si.loads[i] = t->k->avenrun[i] << (16 - LOADAVG_FSHIFT);
	pthread_mutex_unlock(&t->k->lock);
	return mm_copy_out(t->mm, a[0], &si, sizeof(si)) ? -EFAULT : 0;
}

SYS(umask)
{
	u32 old = t->umask;

	t->umask = a[0] & 0777;
	return old;
}
