/* Process-level syscalls of the sandbox core: exit, ids, set_tid_address,
 * set_robust_list, arch_prctl, resource limits, uname, scheduling queries, getcwd,
 * sysinfo, umask. */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"

SYS(exit_group)
{
	task_exit(t, (a[0] & 0xff) << 8);
	return 0;
}

/* With one thread per process, exit is exit_group (threads: processes issue). */
SYS(exit)
{
	task_exit(t, (a[0] & 0xff) << 8);
	return 0;
}

SYS(getpid) { return t->tgid; }
SYS(gettid) { return t->tid; }
SYS(getppid) { return t->ppid; }
SYS(getuid) { return t->uid; }
SYS(geteuid) { return t->euid; }
SYS(getgid) { return t->gid; }
SYS(getegid) { return t->egid; }
SYS(getpgrp) { return t->pgid; }

SYS(getpgid)
{
	if (a[0] && a[0] != t->tgid)
		return -ESRCH;
	return t->pgid;
}

SYS(getsid)
{
	if (a[0] && a[0] != t->tgid)
		return -ESRCH;
	return t->sid;
}

static long put_res_ids(struct task *t, const u64 *a, u32 r, u32 e, u32 s)
{
	if (mm_copy_out(t->mm, a[0], &r, 4) || mm_copy_out(t->mm, a[1], &e, 4) ||
	    mm_copy_out(t->mm, a[2], &s, 4))
		return -EFAULT;
	return 0;
}

SYS(getresuid) { return put_res_ids(t, a, t->uid, t->euid, t->suid); }
SYS(getresgid) { return put_res_ids(t, a, t->gid, t->egid, t->sgid); }

SYS(getgroups)
{
	if ((s32)a[0] < 0)
		return -EINVAL;
	return 0;
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

static long do_prlimit(struct task *t, u32 res, const struct l_rlimit *new,
		       struct l_rlimit *old)
{
	if (res >= L_RLIM_NLIMITS)
		return -EINVAL;
	if (old)
		*old = t->rlim[res];
	if (!new)
		return 0;
	if (new->cur > new->max)
		return -EINVAL;
	if (new->max > t->rlim[res].max && t->euid != 0)
		return -EPERM;
	if (res == RLIMIT_NOFILE && new->max > 1024 * 1024)
		return -EPERM; /* fs.nr_open */
	t->rlim[res] = *new;
	return 0;
}

SYS(prlimit64)
{
	struct l_rlimit new, old;
	long err;

	if (a[0] && a[0] != t->tgid)
		return -ESRCH;
	if (a[2] && mm_copy_in(t->mm, &new, a[2], sizeof(new)))
		return -EFAULT;
	err = do_prlimit(t, a[1], a[2] ? &new : NULL, a[3] ? &old : NULL);
	if (!err && a[3] && mm_copy_out(t->mm, a[3], &old, sizeof(old)))
		return -EFAULT;
	return err;
}

SYS(getrlimit)
{
	struct l_rlimit old;
	long err = do_prlimit(t, a[0], NULL, &old);

	if (!err && mm_copy_out(t->mm, a[1], &old, sizeof(old)))
		return -EFAULT;
	return err;
}

SYS(setrlimit)
{
	struct l_rlimit new;

	if (mm_copy_in(t->mm, &new, a[1], sizeof(new)))
		return -EFAULT;
	return do_prlimit(t, a[0], &new, NULL);
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

SYS(sched_yield)
{
	sched_yield();
	return 0;
}

/* The CPUs the Sentry may run on; the mask is nr_cpu_ids bits in whole longs. */
SYS(sched_getaffinity)
{
	u64 need = ALIGN_UP((u64)(t->k->ncpu_ids + 7) / 8, 8);

	if (a[0] && a[0] != t->tgid)
		return -ESRCH;
	if (a[1] < need || a[1] & 7)
		return -EINVAL;
	if (mm_copy_out(t->mm, a[2], t->k->cpumask, need))
		return -EFAULT;
	return need;
}

SYS(getcwd)
{
	if (a[1] < 2)
		return -ERANGE;
	return mm_copy_out(t->mm, a[0], "/", 2) ? -EFAULT : 2;
}

SYS(sysinfo)
{
	struct sysinfo si;

	sysinfo(&si);
	si.procs = 1;
	return mm_copy_out(t->mm, a[0], &si, sizeof(si)) ? -EFAULT : 0;
}

SYS(umask)
{
	u32 old = t->umask;

	t->umask = a[0] & 0777;
	return old;
}
