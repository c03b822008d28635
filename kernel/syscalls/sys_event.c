/*
 * Event-file syscalls: epoll (epoll_create, _create1, _ctl, _wait, _pwait, _pwait2),
 * eventfd, eventfd2, timerfd_create/settime/gettime, signalfd, signalfd4,
 * inotify_init/init1/add_watch/rm_watch. They decode arguments in the order Linux
 * checks them (so the first error is Linux's) and call kernel/ipc/epoll.c,
 * kernel/ipc/{eventfd,timerfd,signalfd}.c and kernel/vfs/inotify.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "ipc/epoll.h"
#include "ipc/evfd.h"
#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "time/ktime.h"
#include "vfs/inotify.h"

#define EP_MAX_EVENTS (0x7fffffff / (int)sizeof(struct l_epoll_event))
#define EP_BATCH 4096           /* events gathered per call at most */
#define TASK_SIZE 0x7ffffffff000ULL
#define L_CLOCK_REALTIME_ALARM 8
#define L_CLOCK_BOOTTIME_ALARM 9

/* Installs new file @f (consumed) in @t's table; the fd or -errno. */
static long install(struct task *t, struct vfs_file *f, u32 flags)
{
	long fd = fdt_alloc(t->fdt, f, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0,
			    t->rlim[RLIMIT_NOFILE].cur);

	vfs_file_put(f);
	return fd;
}

static long epoll_create_flags(struct task *t, u32 flags)
{
	struct vfs_file *f;
	int err;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	err = epoll_new(&f);
	return err ? err : install(t, f, flags);
}

SYS(epoll_create)
{
	if ((int)a[0] <= 0)
		return -EINVAL;
	return epoll_create_flags(t, 0);
}

SYS(epoll_create1) { return epoll_create_flags(t, a[0]); }

SYS(epoll_ctl)
{
	int op = a[1], fd = a[2];
	struct l_epoll_event ev;
	struct vfs_file *epf, *tf;
	long ret;

	if ((op == L_EPOLL_CTL_ADD || op == L_EPOLL_CTL_MOD) &&
	    mm_copy_in(t->mm, &ev, a[3], sizeof(ev)))
		return -EFAULT;
	epf = fdt_get(t->fdt, a[0]);
	if (!epf)
		return -EBADF;
	tf = fdt_get(t->fdt, fd);
	ret = -EBADF;
	if (tf) {
		ret = epoll_ctl_file(epf, op, fd, tf, &ev);
		vfs_file_put(tf);
	}
	vfs_file_put(epf);
	return ret;
}

/* The common wait: @deadline host-monotonic (-1 none, 0 no wait). */
static long do_epoll_wait(struct task *t, int epfd, u64 uevents, int max, s64 deadline)
{
	struct l_epoll_event *ev;
	struct vfs_file *f;
	long ret;

	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	if (uevents >= TASK_SIZE || TASK_SIZE - uevents < (u64)max * sizeof(*ev))
		return -EFAULT;
	f = fdt_get(t->fdt, epfd);
	if (!f)
		return -EBADF;
	ret = -EINVAL;
	if (!file_is_epoll(f))
		goto out_put;
	max = max < EP_BATCH ? max : EP_BATCH;
	ev = calloc(max, sizeof(*ev));
	ret = -ENOMEM;
	if (!ev)
		goto out_put;
	ret = epoll_wait_file(t, f, ev, max, deadline);
	if (ret > 0 && mm_copy_out(t->mm, uevents, ev, ret * sizeof(*ev)))
		ret = -EFAULT;
	free(ev);
out_put:
	vfs_file_put(f);
	return ret;
}

/*
 * The epoll_wait family, first or restarted, under the sigmask at @umask (of @size
 * bytes; 0: none) while it waits. Linux fails them with EINTR at any interruption; an
 * interruption the application never sees (a checkpoint, a signal without a handler)
 * restarts them here instead, through restart_syscall with the deadline on the
 * sandbox's clock (and the mask read again), so that a restored wait takes only what
 * was left of it.
 */
static long epoll_wait_until(struct task *t, int epfd, u64 uevents, int max, u64 umask,
			     u64 size, s64 deadline)
{
	s64 host = deadline > 0 ?
		MAX(ktime_to_host_mono(&t->k->time, CLOCK_MONOTONIC, deadline), 1) : deadline;
	u64 old = 0;
	long ret;

	ret = sys_sigmask_swap(t, umask, size, &old);
	if (ret)
		return ret;
	ret = do_epoll_wait(t, epfd, uevents, max, host);
	if (ret == -ERESTARTNOHAND) {
		t->restart = (struct restart_block){ .kind = RESTART_EPOLL, .clockid = epfd,
						     .deadline = deadline, .uaddr = uevents,
						     .val = max, .rmtp = umask, .bitset = size };
		ret = -ERESTART_RESTARTBLOCK;
	}
	sys_sigmask_restore(t, umask, ret, old);
	return ret;
}

long epoll_restart(struct task *t, const struct restart_block *rb)
{
	return epoll_wait_until(t, rb->clockid, rb->uaddr, rb->val, rb->rmtp, rb->bitset,
				rb->deadline);
}

/* A deadline on the sandbox's CLOCK_MONOTONIC @ms from now (-1: none, 0: no wait). */
static s64 ms_deadline(struct task *t, int ms)
{
	return ms < 0 ? -1 : ms ? ktime_mono(&t->k->time) + ms * 1000000LL : 0;
}

SYS(epoll_wait) { return epoll_wait_until(t, a[0], a[1], a[2], 0, 0, ms_deadline(t, a[3])); }

SYS(epoll_pwait)
{
	return epoll_wait_until(t, a[0], a[1], a[2], a[4], a[5], ms_deadline(t, a[3]));
}

SYS(epoll_pwait2)
{
	struct l_timespec ts;
	s64 deadline = -1;

	if (a[3]) {
		if (mm_copy_in(t->mm, &ts, a[3], sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		deadline = ts.tv_sec || ts.tv_nsec ?
			ktime_mono(&t->k->time) + ts_to_ns(ts.tv_sec, ts.tv_nsec) : 0;
	}
	return epoll_wait_until(t, a[0], a[1], a[2], a[4], a[5], deadline);
}

SYS(eventfd2)
{
	struct vfs_file *f;
	u32 flags = a[1];
	int err;

	if (flags & ~(L_EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	err = eventfd_new((u32)a[0], flags, &f);
	return err ? err : install(t, f, flags);
}

SYS(eventfd) { return sys_eventfd2(t, (const u64[]){ a[0], 0 }); }

SYS(timerfd_create)
{
	int clockid = a[0];
	u32 flags = a[1];
	struct vfs_file *f;
	int err;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (clockid != CLOCK_MONOTONIC && clockid != CLOCK_REALTIME &&
	    clockid != L_CLOCK_REALTIME_ALARM && clockid != CLOCK_BOOTTIME &&
	    clockid != L_CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	if (clockid == L_CLOCK_REALTIME_ALARM || clockid == L_CLOCK_BOOTTIME_ALARM) {
		if (!task_capable(t, CAP_WAKE_ALARM))
			return -EPERM;
		/* nothing suspends the sandbox: an alarm clock is its plain clock */
		clockid = clockid == L_CLOCK_REALTIME_ALARM ? CLOCK_REALTIME : CLOCK_BOOTTIME;
	}
	err = timerfd_new(t->k, clockid, flags, &f);
	return err ? err : install(t, f, flags);
}

static bool ts_valid(s64 sec, s64 nsec)
{
	return sec >= 0 && nsec >= 0 && nsec < NSEC_PER_SEC;
}

SYS(timerfd_settime)
{
	struct l_itimerspec val, old;
	struct vfs_file *f;
	u32 flags = a[1];
	long ret;

	if (mm_copy_in(t->mm, &val, a[2], sizeof(val)))
		return -EFAULT;
	if ((flags & ~(L_TFD_TIMER_ABSTIME | L_TFD_TIMER_CANCEL_ON_SET)) ||
	    !ts_valid(val.value_sec, val.value_nsec) ||
	    !ts_valid(val.interval_sec, val.interval_nsec))
		return -EINVAL;
	f = fdt_get(t->fdt, a[0]);
	if (!f)
		return -EBADF;
	ret = timerfd_set(f, flags, &val, &old);
	vfs_file_put(f);
	if (!ret && a[3] && mm_copy_out(t->mm, a[3], &old, sizeof(old)))
		ret = -EFAULT;
	return ret;
}

SYS(timerfd_gettime)
{
	struct l_itimerspec cur;
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	long ret;

	if (!f)
		return -EBADF;
	ret = timerfd_get(f, &cur);
	vfs_file_put(f);
	if (!ret && mm_copy_out(t->mm, a[1], &cur, sizeof(cur)))
		ret = -EFAULT;
	return ret;
}

SYS(signalfd4)
{
	int fd = a[0];
	u32 flags = a[3];
	struct vfs_file *f;
	u64 mask;
	long ret;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (a[2] != L_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_in(t->mm, &mask, a[1], sizeof(mask)))
		return -EFAULT;
	mask &= ~(sigbit(SIGKILL) | sigbit(SIGSTOP));
	if (fd == -1) {
		ret = signalfd_new(mask, flags, &f);
		return ret ? ret : install(t, f, flags);
	}
	f = fdt_get(t->fdt, fd);
	if (!f)
		return -EBADF;
	ret = signalfd_set_mask(f, mask);
	vfs_file_put(f);
	return ret ? ret : fd;
}

SYS(signalfd) { return sys_signalfd4(t, (const u64[]){ a[0], a[1], a[2], 0 }); }

/* inotify (kernel/vfs/inotify.c), its checks in Linux's order. */
#define ALL_INOTIFY_BITS (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | \
			  IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_ADD | \
			  IN_MASK_CREATE | IN_ISDIR | IN_ONESHOT)

SYS(inotify_init1)
{
	u32 flags = a[0];
	struct vfs_file *f;
	int err;

	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
		return -EINVAL;
	err = inotify_new(t->euid, flags, &f);
	return err ? err : install(t, f, flags);
}

SYS(inotify_init) { return sys_inotify_init1(t, (const u64[]){ 0 }); }

SYS(inotify_add_watch)
{
	u32 mask = a[2];
	u32 lf = (mask & IN_DONT_FOLLOW ? 0 : VFS_FOLLOW) | (mask & IN_ONLYDIR ? VFS_DIRECTORY : 0);
	struct vfs_file *f;
	struct vfs_path p;
	char *path;
	long ret;

	if (!(mask & ALL_INOTIFY_BITS))
		return -EINVAL;
	f = fdt_get(t->fdt, a[0]);
	if (!f)
		return -EBADF;
	ret = -EINVAL;
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		goto out;
	if (!inotify_is(f))
		goto out;
	ret = -ENOMEM;
	path = malloc(PATH_MAX);
	if (!path)
		goto out;
	ret = vfs_path_in(t, a[1], path, false);
	if (!ret)
		ret = vfs_resolve(t, AT_FDCWD, path, lf, &p);
	free(path);
	if (ret)
		goto out;
	/* Watching needs read permission on the inode (inotify_find_inode). */
	pthread_mutex_lock(&vfs_lock);
	ret = vfs_permission(t, p.d->inode, 4);
	pthread_mutex_unlock(&vfs_lock);
	if (!ret)
		ret = inotify_add(f, &p, mask);
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(&p);
	pthread_mutex_unlock(&vfs_lock);
out:
	vfs_file_put(f);
	return ret;
}

SYS(inotify_rm_watch)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	long ret;

	if (!f)
		return -EBADF;
	ret = inotify_rm(f, a[1]);
	vfs_file_put(f);
	return ret;
}
