/*
 * File-descriptor syscalls over the vfs: read/write and their vector and positional
 * forms, lseek, close, dup family, fcntl, ioctl, fstat/newfstatat, poll/ppoll.
 * Handlers decode arguments and call vfs/; copy-in/out goes through mm/.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc/pipe.h"
#include "ipc/unix.h"
#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "task/waitq.h"
#include "time/ktime.h"
#include "vfs/inotify.h"
#include "vfs/locks.h"
#include "vfs/vfs.h"

#define MAX_RW_COUNT (INT_MAX & PAGE_MASK)   /* Linux caps one read/write at this */
#define IO_CHUNK (256 * 1024)
#define L_UIO_MAXIOV 1024

static u64 nofile_limit(struct task *t)
{
	return t->rlim[RLIMIT_NOFILE].cur;
}

static bool can_read(struct vfs_file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool can_write(struct vfs_file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

/* A read whose destination is not writable at all: Linux returns what the read
 * would have returned had there been no data to copy (0 at end of file or from
 * /dev/null), else EFAULT, without consuming input. */
static s64 read_into_fault(struct vfs_file *f, s64 *pos)
{
	struct stat st;
	s64 cur;

	if (file_is_pipe(f))
		return pipe_at_eof(f) ? 0 : -EFAULT;
	if (!f->ops->fstat || f->ops->fstat(f, &st))
		return -EFAULT;
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
		return 0; /* /dev/null */
	if (!S_ISREG(st.st_mode))
		return -EFAULT;
	cur = pos ? *pos : f->ops->lseek ? f->ops->lseek(f, 0, SEEK_CUR) : -1;
	return cur >= st.st_size ? 0 : -EFAULT;
}

/* Reads into application memory at @buf in bounded chunks. */
static s64 do_read(struct task *t, struct vfs_file *f, u64 buf, u64 len, s64 *pos)
{
	u8 *tmp;
	s64 done = 0;

	if (!can_read(f) || !f->ops->read)
		return -EBADF;
	if (!l_access_ok(buf, len))
		return -EFAULT;
	len = MIN(len, MAX_RW_COUNT);
	if (len) {
		len = mm_access_len(t->mm, buf, len, true);
		if (!len)
			return read_into_fault(f, pos);
	} else if (f->ops->read_zero) {
		return f->ops->read(t, f, NULL, 0, pos);
	}
	tmp = malloc(MIN(len, IO_CHUNK) + 1);
	if (!tmp)
		return -ENOMEM;
	while ((u64)done < len) {
		size_t want = MIN(len - done, IO_CHUNK);
		s64 n;

		n = f->ops->read(t, f, tmp, want, pos);
		if (n < 0) {
			if (!done)
				done = n;
			break;
		}
		if (n && mm_copy_out(t->mm, buf + done, tmp, n)) {
			if (!done)
				done = -EFAULT;
			break;
		}
		done += n;
		if (pos)
			*pos += n;
		/* Stop at a short read; a pipe or terminal has given what it had. */
		if ((size_t)n < want)
			break;
		if (!pos && f->ops->poll_fd && f->ops->poll_fd(f) >= 0) {
			struct pollfd p = { .fd = f->ops->poll_fd(f), .events = POLLIN };

			if (poll(&p, 1, 0) <= 0)
				break;
		}
		/* A stream the Sentry serves that gave a whole chunk (an inotify
		 * queue): a second read would wait for more. */
		if (!pos && f->ops->poll && !(f->ops->poll(f, POLLIN, NULL) & POLLIN))
			break;
	}
	free(tmp);
	if (done > 0)
		inotify_file_event(f, IN_ACCESS);
	return done;
}

static s64 do_write(struct task *t, struct vfs_file *f, u64 buf, u64 len, s64 *pos)
{
	u8 *tmp;
	s64 done = 0;

	if (!can_write(f) || !f->ops->write)
		return -EBADF;
	if (!l_access_ok(buf, len))
		return -EFAULT;
	len = MIN(len, MAX_RW_COUNT);
	/* A socket sends a zero-length write: an empty datagram or record. */
	if (!len && (file_is_unix(f) || f->ops->write_empty))
		return f->ops->write(t, f, "", 0, pos);
	tmp = malloc(MIN(len, IO_CHUNK) + 1);
	if (!tmp)
		return -ENOMEM;
	while ((u64)done < len) {
		size_t want = MIN(len - done, IO_CHUNK);
		s64 n;

		if (mm_copy_in(t->mm, tmp, buf + done, want)) {
			if (!done)
				done = -EFAULT;
			break;
		}
		n = f->ops->write(t, f, tmp, want, pos);
		if (n < 0) {
			if (!done)
				done = n;
			break;
		}
		done += n;
		if (pos)
			*pos += n;
		if ((size_t)n < want)
			break;
	}
	free(tmp);
	if (done > 0)
		inotify_file_event(f, IN_MODIFY);
	return done;
}

SYS(read)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	s64 ret;

	if (!f)
		return -EBADF;
	ret = do_read(t, f, a[1], a[2], NULL);
	vfs_file_put(f);
	return ret;
}

SYS(write)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	s64 ret;

	if (!f)
		return -EBADF;
	ret = do_write(t, f, a[1], a[2], NULL);
	vfs_file_put(f);
	return ret;
}

static s64 positional(struct task *t, const u64 *a, bool write)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	s64 pos = a[3], ret;

	if (!f)
		return -EBADF;
	if ((s64)a[3] < 0)
		ret = -EINVAL;
	else if (write ? !can_write(f) : !can_read(f))
		ret = -EBADF;
	else
		ret = write ? do_write(t, f, a[1], a[2], &pos) : do_read(t, f, a[1], a[2], &pos);
	vfs_file_put(f);
	return ret;
}

SYS(pread64) { return positional(t, a, false); }
SYS(pwrite64) { return positional(t, a, true); }

/* preadv2/pwritev2 flags (RWF_*): HIPRI, DSYNC, SYNC, NOWAIT, APPEND, NOAPPEND are
 * accepted (all I/O here completes at once, and synchronously); ATOMIC and
 * DONTCACHE are EOPNOTSUPP, as on tmpfs. */
#define L_RWF_APPEND 0x10
#define L_RWF_NOAPPEND 0x20
#define L_RWF_OK 0x3f

/* readv/writev and the positional forms: @pos is NULL for the file offset. With
 * RWF_APPEND a write goes to the end of the file. */
static s64 vectored_at(struct task *t, int fd, u64 uiov, u64 cnt, s64 *pos, u32 rwf,
		       bool write)
{
	struct vfs_file *f;
	struct iovec *iov;
	u64 total = 0;	/* total stays <= MAX_RW_COUNT */
	s64 done = 0, end;

	if (cnt > L_UIO_MAXIOV)
		return -EINVAL;
	f = fdt_get(t->fdt, fd);
	if (!f)
		return -EBADF;
	if (write ? !can_write(f) : !can_read(f)) {
		vfs_file_put(f);
		return -EBADF;
	}
	if (rwf & ~L_RWF_OK) {
		vfs_file_put(f);
		return -EOPNOTSUPP;
	}
	if ((rwf & L_RWF_APPEND) && (rwf & L_RWF_NOAPPEND)) {
		vfs_file_put(f);
		return -EINVAL;
	}
	if (write && (rwf & L_RWF_APPEND) && f->ops->lseek) {
		if (pos) {
			struct stat st;

			if (f->ops->fstat && !f->ops->fstat(f, &st))
				*pos = st.st_size;
		} else if ((end = f->ops->lseek(f, 0, SEEK_END)) < 0) {
			vfs_file_put(f);
			return end;
		}
	}
	iov = malloc(cnt * sizeof(*iov) + 1);
	if (!iov) {
		vfs_file_put(f);
		return -ENOMEM;
	}
	if (mm_copy_in(t->mm, iov, uiov, cnt * sizeof(*iov))) {
		done = -EFAULT;
		goto out;
	}
	for (u64 i = 0; i < cnt; i++) {
		if ((s64)iov[i].iov_len < 0) {
			done = -EINVAL;
			goto out;
		}
		if (!l_access_ok((u64)iov[i].iov_base, iov[i].iov_len)) {
			done = -EFAULT;
			goto out;
		}
		/* Like Linux, trim the total to MAX_RW_COUNT rather than fail. */
		iov[i].iov_len = MIN(iov[i].iov_len, MAX_RW_COUNT - total);
		total += iov[i].iov_len;
	}
	for (u64 i = 0; i < cnt; i++) {
		s64 n;

		if (!iov[i].iov_len)
			continue;
		n = write ? do_write(t, f, (u64)iov[i].iov_base, iov[i].iov_len, pos)
			  : do_read(t, f, (u64)iov[i].iov_base, iov[i].iov_len, pos);
		if (n < 0) {
			if (!done)
				done = n;
			break;
		}
		done += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
out:
	free(iov);
	vfs_file_put(f);
	return done;
}

SYS(readv) { return vectored_at(t, a[0], a[1], a[2], NULL, 0, false); }
SYS(writev) { return vectored_at(t, a[0], a[1], a[2], NULL, 0, true); }

/* x86_64 passes the whole offset in pos_l (a[3]); pos_h is ignored as Linux's
 * pos_from_hilo does on 64-bit. */
static s64 vectored_pos(struct task *t, const u64 *a, u32 rwf, bool v2, bool write)
{
	s64 pos = a[3];

	if (v2 && pos == -1)
		return vectored_at(t, a[0], a[1], a[2], NULL, rwf, write);
	if (pos < 0)
		return -EINVAL;
	return vectored_at(t, a[0], a[1], a[2], &pos, rwf, write);
}

SYS(preadv) { return vectored_pos(t, a, 0, false, false); }
SYS(pwritev) { return vectored_pos(t, a, 0, false, true); }
SYS(preadv2) { return vectored_pos(t, a, a[5], true, false); }
SYS(pwritev2) { return vectored_pos(t, a, a[5], true, true); }

#ifndef O_NOTIFICATION_PIPE
#define O_NOTIFICATION_PIPE O_EXCL   /* linux/watch_queue.h */
#endif

static long do_pipe2(struct task *t, u64 ufds, u64 flags)
{
	struct vfs_file *rd, *wr;
	int fds[2], err;
	u32 fdflags = flags & O_CLOEXEC ? FD_CLOEXEC : 0;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE))
		return -EINVAL;
	if (flags & O_NOTIFICATION_PIPE)
		return -ENOPKG; /* watch queues are not offered; Linux without them says so */
	err = pipe_create(t->k->mf, flags, t->euid, t->egid, &rd, &wr);
	if (err)
		return err;
	fds[0] = fdt_alloc(t->fdt, rd, 0, fdflags, nofile_limit(t));
	fds[1] = fds[0] < 0 ? fds[0] : fdt_alloc(t->fdt, wr, 0, fdflags, nofile_limit(t));
	vfs_file_put(rd);
	vfs_file_put(wr);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fdt_close(t->fdt, fds[0]);
		return fds[1];
	}
	if (mm_copy_out(t->mm, ufds, fds, sizeof(fds))) {
		fdt_close(t->fdt, fds[0]);
		fdt_close(t->fdt, fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYS(pipe) { return do_pipe2(t, a[0], 0); }
SYS(pipe2) { return do_pipe2(t, a[0], a[1]); }

SYS(lseek)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	s64 ret;

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH)
		ret = -EBADF;
	else if (a[2] > SEEK_HOLE)
		ret = -EINVAL;
	else
		ret = f->ops->lseek ? f->ops->lseek(f, a[1], a[2]) : -ESPIPE;
	vfs_file_put(f);
	return ret;
}

SYS(close)
{
	/* Closing any fd on an inode drops the process's POSIX locks there. */
	vfs_locks_fdt_close_posix(t->fdt, a[0], a[0], false, t->tgid);
	return fdt_close(t->fdt, a[0]);
}

SYS(dup)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	int fd;

	if (!f)
		return -EBADF;
	fd = fdt_alloc(t->fdt, f, 0, 0, nofile_limit(t));
	vfs_file_put(f);
	return fd;
}

static long do_dup3(struct task *t, u64 oldfd, u64 newfd, u64 flags)
{
	struct vfs_file *f;
	int ret;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	if ((s64)newfd < 0 || newfd >= nofile_limit(t))
		return -EBADF;
	f = fdt_get(t->fdt, oldfd);
	if (!f)
		return -EBADF;
	/* newfd's file, if any, is closed: as close(), POSIX locks go */
	vfs_locks_fdt_close_posix(t->fdt, newfd, newfd, false, t->tgid);
	ret = fdt_install(t->fdt, newfd, f, flags & O_CLOEXEC ? FD_CLOEXEC : 0,
			  nofile_limit(t));
	vfs_file_put(f);
	return ret;
}

SYS(dup2)
{
	if (a[0] == a[1]) {
		struct vfs_file *f = fdt_get(t->fdt, a[0]);

		if (!f)
			return -EBADF;
		vfs_file_put(f);
		return a[1];
	}
	return do_dup3(t, a[0], a[1], 0);
}

SYS(dup3)
{
	return do_dup3(t, a[0], a[1], a[2]);
}

#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_ASYNC)

/* Serializes O_ASYNC changes (F_SETFL, FIOASYNC) so that a file's flag and its
 * fasync entry agree, as Linux's fasync_helper sets the flag under f_lock; taken
 * before the object's lock and pos_lock. */
static pthread_mutex_t async_lock = PTHREAD_MUTEX_INITIALIZER;

/* O_ASYNC turned on or off on @f through @fd: the type's ->fasync hears of a change
 * (Linux's setfl), before the flag itself is set. async_lock held. */
static int set_async(struct task *t, struct vfs_file *f, int fd, bool on)
{
	int err;

	if (!on == !(f->flags & O_ASYNC) || !f->ops->fasync)
		return 0;
	err = f->ops->fasync(t, f, fd, on);
	return err < 0 ? err : 0;
}

/* F_SETOWN, F_GETOWN, their _EX forms, F_SETSIG and F_GETSIG (Linux's fs/fcntl.c). */
static long fcntl_owner(struct task *t, struct vfs_file *f, int cmd, u64 arg)
{
	struct f_owner_ex ex;
	int who = (int)arg;
	long ret = 0;

	switch (cmd) {
	case F_SETOWN:
		return vfs_setown(t, f, who);
	case F_SETOWN_EX:
		if (mm_copy_in(t->mm, &ex, arg, sizeof(ex)))
			return -EFAULT;
		if (ex.type != F_OWNER_TID && ex.type != F_OWNER_PID && ex.type != F_OWNER_PGRP)
			return -EINVAL;
		if (ex.pid < 0 || (ex.pid && !vfs_owner_exists(t, ex.pid)))
			return -ESRCH;
		break;
	case F_SETSIG:
		if (arg > L_NSIG)
			return -EINVAL;
		break;
	}
	if (cmd == F_SETOWN || cmd == F_SETOWN_EX) {
		vfs_owner_set(t, f, ex.type, ex.pid, true);
		return 0;
	}
	if (cmd == F_GETOWN)
		return vfs_getown(f);
	pthread_mutex_lock(&vfs_owner_lock);
	switch (cmd) {
	case F_GETOWN_EX:
		ex.type = f->owner_type;        /* F_OWNER_TID (0) until first set */
		ex.pid = f->owner_id;
		break;
	case F_SETSIG:
		f->owner_sig = arg;
		break;
	case F_GETSIG:
		ret = f->owner_sig;
		break;
	}
	pthread_mutex_unlock(&vfs_owner_lock);
	if (cmd == F_GETOWN_EX && mm_copy_out(t->mm, arg, &ex, sizeof(ex)))
		return -EFAULT;
	return ret;
}

SYS(fcntl)
{
	int fd = a[0], cmd = a[1];
	struct vfs_file *f = fdt_get(t->fdt, fd);
	long ret;

	if (!f)
		return -EBADF;
	/* An O_PATH descriptor allows only these (Linux's check_fcntl_cmd). */
	if ((f->flags & O_PATH) && cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC &&
	    cmd != F_GETFD && cmd != F_SETFD && cmd != F_GETFL) {
		vfs_file_put(f);
		return -EBADF;
	}
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		ret = (s64)a[2] < 0 || a[2] >= nofile_limit(t) ? -EINVAL :
			fdt_alloc(t->fdt, f, a[2], cmd == F_DUPFD_CLOEXEC ? FD_CLOEXEC : 0,
				  nofile_limit(t));
		break;
	case F_GETFD:
		ret = fdt_get_flags(t->fdt, fd);
		break;
	case F_SETFD:
		ret = fdt_set_flags(t->fdt, fd, a[2] & FD_CLOEXEC);
		break;
	case F_GETFL:
		ret = f->flags;
		break;
	case F_ADD_SEALS:
	case F_GET_SEALS:
		ret = sys_fcntl_seals(f, cmd, a[2]);
		break;
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		ret = file_is_pipe(f) ? pipe_fcntl(f, cmd, a[2]) : -EBADF;
		break;
	case F_SETFL: {
		u32 set = a[2] & SETFL_MASK;

		/* A type without ->fasync keeps O_ASYNC off and says nothing, as
		 * Linux 6.18 does (older kernels stored the flag). */
		if (!f->ops->fasync)
			set &= ~O_ASYNC;
		pthread_mutex_lock(&async_lock);
		ret = set_async(t, f, fd, set & O_ASYNC);
		if (!ret) {
			pthread_mutex_lock(&f->pos_lock);
			f->flags = (f->flags & ~SETFL_MASK) | set;
			pthread_mutex_unlock(&f->pos_lock);
		}
		pthread_mutex_unlock(&async_lock);
		break;
	}
	case F_SETOWN: case F_GETOWN: case F_SETOWN_EX: case F_GETOWN_EX:
	case F_SETSIG: case F_GETSIG:
		ret = fcntl_owner(t, f, cmd, a[2]);
		break;
	case F_GETLK: case F_SETLK: case F_SETLKW:
	case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW: {
		struct flock fl;

		ret = -EFAULT;
		if (mm_copy_in(t->mm, &fl, a[2], sizeof(fl)))
			break;
		ret = vfs_fcntl_lock(t, f, cmd, &fl);
		if (!ret && (cmd == F_GETLK || cmd == F_OFD_GETLK) &&
		    mm_copy_out(t->mm, a[2], &fl, sizeof(fl)))
			ret = -EFAULT;
		break;
	}
	default:
		ret = -EINVAL;
	}
	vfs_file_put(f);
	return ret;
}

SYS(ioctl)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	long ret;
	int v;

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH) {
		vfs_file_put(f);
		return -EBADF;
	}
	switch (a[1]) {
	case FIOCLEX:
	case FIONCLEX:
		ret = fdt_set_flags(t->fdt, a[0], a[1] == FIOCLEX ? FD_CLOEXEC : 0);
		break;
	case FIONBIO:
	case FIOASYNC: {
		u32 bit = a[1] == FIONBIO ? O_NONBLOCK : O_ASYNC;

		ret = -EFAULT;
		if (mm_copy_in(t->mm, &v, a[2], sizeof(v)))
			break;
		/* Linux's ioctl_fioasync: ENOTTY for a type without ->fasync, when
		 * the flag would change. */
		if (bit == O_ASYNC && !f->ops->fasync && !v != !(f->flags & O_ASYNC)) {
			ret = -ENOTTY;
			break;
		}
		pthread_mutex_lock(&async_lock);
		ret = bit == O_ASYNC ? set_async(t, f, a[0], v) : 0;
		if (!ret) {
			pthread_mutex_lock(&f->pos_lock);
			f->flags = v ? f->flags | bit : f->flags & ~bit;
			pthread_mutex_unlock(&f->pos_lock);
		}
		pthread_mutex_unlock(&async_lock);
		break;
	}
	default:
		ret = f->ops->ioctl ? f->ops->ioctl(t, f, a[1], a[2]) : -ENOTTY;
	}
	vfs_file_put(f);
	return ret;
}

static long stat_fd(struct task *t, int fd, u64 statbuf)
{
	struct vfs_file *f = fdt_get(t->fdt, fd);
	struct stat st;
	long ret;

	if (!f)
		return -EBADF;
	ret = f->ops->fstat ? f->ops->fstat(f, &st) : -EINVAL;
	if (!f->ops->fstat && f->inode) {
		pthread_mutex_lock(&vfs_lock);
		vfs_inode_stat(f->inode, &st);
		pthread_mutex_unlock(&vfs_lock);
		ret = 0;
	}
	vfs_file_put(f);
	if (!ret && mm_copy_out(t->mm, statbuf, &st, sizeof(st)))
		ret = -EFAULT;
	return ret;
}

SYS(fstat)
{
	return stat_fd(t, a[0], a[1]);
}

/* poll and ppoll: a deadline of -1 waits forever. Host-backed files are polled by
 * the host (with the task's interrupt eventfd in the same ppoll); Sentry-internal
 * ones queue a waiter that wakes that eventfd. */
struct poll_state {
	struct pollfd *pfd;             /* the application's array */
	struct vfs_file **files;
	struct pollfd *host;            /* [0] is the interrupt eventfd */
	int *hidx;                      /* pfd index -> host index, or -1 */
	struct waiter *w;
	bool *queued;
	u64 n;
};

/* One scan: fills revents; queues waiters on internal files when @queue. Returns the
 * number of ready entries. */
static long poll_scan(struct task *t, struct poll_state *ps, bool queue)
{
	long ready = 0;
	u32 nhost = 1;
	int n;

	for (u64 i = 0; i < ps->n; i++) {
		struct vfs_file *f = ps->files[i];
		short ev = ps->pfd[i].events | POLLERR | POLLHUP;

		ps->hidx[i] = -1;
		if (!f)
			continue;
		if (f->ops->poll) {
			ps->w[i].t = t;
			ps->pfd[i].revents = f->ops->poll(f, ev, queue && !ps->queued[i] ?
							  &ps->w[i] : NULL);
			if (queue && !ps->pfd[i].revents)
				ps->queued[i] = true;
		} else if (f->ops->poll_fd && f->ops->poll_fd(f) >= 0) {
			ps->hidx[i] = nhost;
			ps->host[nhost++] = (struct pollfd){ .fd = f->ops->poll_fd(f),
							     .events = ps->pfd[i].events };
		} else {
			ps->pfd[i].revents = ps->pfd[i].events & (POLLIN | POLLOUT | POLLRDNORM |
								  POLLWRNORM);
		}
	}
	n = nhost > 1 ? ppoll(ps->host + 1, nhost - 1, &(struct timespec){ 0, 0 }, NULL) : 0;
	if (n < 0)
		return -errno;
	for (u64 i = 0; i < ps->n; i++) {
		if (ps->hidx[i] >= 0)
			ps->pfd[i].revents = ps->host[ps->hidx[i]].revents;
		if (ps->pfd[i].revents)
			ready++;
	}
	return ready;
}

static void poll_cancel_all(struct poll_state *ps)
{
	for (u64 i = 0; i < ps->n; i++) {
		if (ps->queued[i])
			ps->files[i]->ops->poll_cancel(ps->files[i], &ps->w[i]);
		ps->queued[i] = false;
	}
}

long sys_poll_fds(struct task *t, struct pollfd *pfd, u64 nfds, s64 deadline)
{
	struct poll_state ps = { .n = nfds, .pfd = pfd };
	long ret = 0;

	ps.host = calloc(nfds + 2, sizeof(*ps.host));
	ps.files = calloc(nfds + 1, sizeof(*ps.files));
	ps.hidx = calloc(nfds + 1, sizeof(*ps.hidx));
	ps.w = calloc(nfds + 1, sizeof(*ps.w));
	ps.queued = calloc(nfds + 1, sizeof(*ps.queued));
	if (!ps.host || !ps.files || !ps.hidx || !ps.w || !ps.queued) {
		ret = -ENOMEM;
		goto out;
	}
	for (u64 i = 0; i < nfds; i++) {
		ps.pfd[i].revents = 0;
		if (ps.pfd[i].fd < 0)
			continue;
		ps.files[i] = fdt_get(t->fdt, ps.pfd[i].fd);
	}
	for (bool queue = false;; queue = true) {
		struct timespec ts, *tsp = NULL;
		u32 nhost;
		int n;

		ret = poll_scan(t, &ps, queue && deadline != 0);
		for (u64 i = 0; i < nfds; i++)
			if (ps.pfd[i].fd >= 0 && !ps.files[i]) {
				if (!ps.pfd[i].revents)
					ret++;
				ps.pfd[i].revents = POLLNVAL;
			}
		if (ret || deadline == 0)
			break;
		if (!queue)
			continue; /* scan again, queueing waiters this time */
		if (task_signal_pending(t)) {
			ret = -ERESTARTNOHAND;
			break;
		}
		if (deadline > 0) {
			s64 left = deadline - ktime_mono(&t->k->time);

			if (left <= 0)
				break;
			ts.tv_sec = left / NSEC_PER_SEC;
			ts.tv_nsec = left % NSEC_PER_SEC;
			tsp = &ts;
		}
		nhost = 1;
		ps.host[0] = (struct pollfd){ .fd = t->evfd, .events = POLLIN };
		for (u64 i = 0; i < nfds; i++)
			if (ps.hidx[i] >= 0)
				ps.host[nhost++] = ps.host[ps.hidx[i]];
		n = task_ppoll(t, ps.host, nhost, tsp);
		if (n > 0 && ps.host[0].revents) {
			u64 v;

			if (read(t->evfd, &v, sizeof(v)) < 0) {
				/* drained already */
			}
		}
		if (n == 0)
			deadline = 0;
	}
	poll_cancel_all(&ps);
out:
	if (ps.files)
		for (u64 i = 0; i < nfds; i++)
			if (ps.files[i])
				vfs_file_put(ps.files[i]);
	free(ps.queued);
	free(ps.w);
	free(ps.hidx);
	free(ps.files);
	free(ps.host);
	return ret;
}

static long do_poll(struct task *t, u64 ufds, u64 nfds, s64 deadline)
{
	struct pollfd *pfd;
	long ret;

	if (nfds > nofile_limit(t))
		return -EINVAL;
	pfd = calloc(nfds + 1, sizeof(*pfd));
	if (!pfd)
		return -ENOMEM;
	if (mm_copy_in(t->mm, pfd, ufds, nfds * sizeof(*pfd))) {
		free(pfd);
		return -EFAULT;
	}
	ret = sys_poll_fds(t, pfd, nfds, deadline);
	if (ret >= 0 && mm_copy_out(t->mm, ufds, pfd, nfds * sizeof(*pfd)))
		ret = -EFAULT;
	free(pfd);
	return ret;
}

/* poll, first or restarted: an interruption without a handler restarts it through
 * restart_syscall with the same deadline (Linux's do_restart_poll), so a restart
 * waits only for what was left, however long the task was stopped or frozen. */
static long poll_until(struct task *t, u64 ufds, u64 nfds, s64 deadline)
{
	long ret = do_poll(t, ufds, nfds, deadline);

	if (ret != -ERESTARTNOHAND)
		return ret;
	t->restart = (struct restart_block){ .kind = RESTART_POLL, .deadline = deadline,
					     .uaddr = ufds, .val = nfds };
	return -ERESTART_RESTARTBLOCK;
}

long poll_restart(struct task *t, const struct restart_block *rb)
{
	return poll_until(t, rb->uaddr, rb->val, rb->deadline);
}

SYS(poll)
{
	s64 ms = (int)a[2];
	s64 deadline = ms < 0 ? -1 : ms == 0 ? 0 : ktime_mono(&t->k->time) + ms * 1000000;

	/* nfds above RLIMIT_NOFILE fails before any wait: the restart block's 32 bits
	 * hold any that waits. */
	return poll_until(t, a[0], a[1], deadline);
}

/* Installs the sigmask at @umask (of @size bytes) for a wait, its old value in @old;
 * NULL @umask changes nothing. */
int sys_sigmask_swap(struct task *t, u64 umask, u64 size, u64 *old)
{
	u64 mask;

	if (!umask)
		return 0;
	if (size != L_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_in(t->mm, &mask, umask, sizeof(mask)))
		return -EFAULT;
	pthread_mutex_lock(&t->sh->lock);
	*old = t->sigmask;
	t->sigmask = mask & ~(sigbit(SIGKILL) | sigbit(SIGSTOP));
	pthread_mutex_unlock(&t->sh->lock);
	return 0;
}

/* Ends what sys_sigmask_swap began, by the wait's result @ret. */
void sys_sigmask_restore(struct task *t, u64 umask, long ret, u64 old)
{
	if (!umask)
		return;
	/* Interrupted (EINTR: epoll_pwait's, which does not restart): the old mask
	 * comes back when the handler returns (it is what the signal frame saves), or
	 * before a restart; otherwise right away. */
	pthread_mutex_lock(&t->sh->lock);
	if (ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK || ret == -EINTR) {
		t->saved_sigmask = old;
		t->restore_sigmask = true;
	} else {
		t->sigmask = old;
	}
	pthread_mutex_unlock(&t->sh->lock);
}

SYS(ppoll)
{
	struct l_timespec ts;
	s64 deadline = -1;
	u64 old = 0;
	long ret;

	if (a[2]) {
		if (mm_copy_in(t->mm, &ts, a[2], sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		deadline = ts.tv_sec || ts.tv_nsec ?
			ktime_mono(&t->k->time) + ts_to_ns(ts.tv_sec, ts.tv_nsec) : 0;
	}
	ret = sys_sigmask_swap(t, a[3], a[4], &old);
	if (ret)
		return ret;
	ret = do_poll(t, a[0], a[1], deadline);
	sys_sigmask_restore(t, a[3], ret, old);
	/* The time left goes back to the timeout (Linux's poll_select_finish; glibc's
	 * wrapper hides it), whatever the outcome: a restart waits only for that. */
	if (deadline > 0) {
		s64 left = MAX(deadline - ktime_mono(&t->k->time), 0);

		ts = (struct l_timespec){ left / NSEC_PER_SEC, left % NSEC_PER_SEC };
		if (mm_copy_out(t->mm, a[2], &ts, sizeof(ts)))
			ret = ret == -ERESTARTNOHAND ? -EINTR : ret;
	}
	return ret;
}
