/*
 * Path syscalls: open family, stat family, access, readlink, getcwd/chdir/chroot,
 * mkdir/mknod/symlink/link/unlink/rmdir/rename, chmod/chown/utimes, truncate,
 * statfs. Each decodes its arguments, copies the path in and calls vfs/; Linux's
 * argument checks (flags, AT_* bits) are made here in Linux's order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "vfs/inotify.h"
#include "vfs/locks.h"
#include "vfs/vfs.h"

#define VALID_OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
			  O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | L_O_LARGEFILE | \
			  O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | \
			  O_TMPFILE | O_SYNC)

static u64 nofile(struct task *t)
{
	return t->rlim[RLIMIT_NOFILE].cur;
}

static void put_path(struct vfs_path *p)
{
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(p);
	pthread_mutex_unlock(&vfs_lock);
}

static long do_open(struct task *t, int dirfd, u64 upath, u64 flags, u64 mode, u64 resolve)
{
	char *path = malloc(PATH_MAX);
	struct vfs_file *f;
	long ret;

	if (!path)
		return -ENOMEM;
	ret = vfs_path_in(t, upath, path, false);
	if (!ret)
		ret = vfs_open(t, dirfd, path, (flags | L_O_LARGEFILE) & ~O_CLOEXEC, mode, resolve,
			       &f);
	free(path);
	if (ret)
		return ret;
	ret = fdt_alloc(t->fdt, f, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0, nofile(t));
	vfs_file_put(f);
	return ret;
}

SYS(open)
{
	return do_open(t, AT_FDCWD, a[0], a[1] & VALID_OPEN_FLAGS, a[2], 0);
}

SYS(openat)
{
	return do_open(t, a[0], a[1], a[2] & VALID_OPEN_FLAGS, a[3], 0);
}

SYS(creat)
{
	return do_open(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1], 0);
}

SYS(openat2)
{
	struct open_how how = { 0 };

	if (a[3] < 24)
		return -EINVAL;
	if (a[3] > 4096)
		return -E2BIG;
	if (mm_copy_in(t->mm, &how, a[2], sizeof(how)))
		return -EFAULT;
	if (how.flags & ~(u64)VALID_OPEN_FLAGS || how.mode & ~07777ULL ||
	    how.resolve & ~0x3fULL)
		return -EINVAL;
	if (how.mode && !(how.flags & (O_CREAT | __O_TMPFILE)))
		return -EINVAL;
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	/* Every lookup can be served from the dentry cache or the gofer; Linux's
	 * RESOLVE_CACHED gives up on anything that may block, as open-for-write does. */
	if ((how.resolve & RESOLVE_CACHED) && (how.flags & (O_TRUNC | O_CREAT | __O_TMPFILE)))
		return -EAGAIN;
	return do_open(t, a[0], a[1], how.flags, how.mode, how.resolve);
}

SYS(close_range)
{
	u32 lo = a[0], hi = a[1];

	if (a[2] & ~(u64)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) || lo > hi)
		return -EINVAL;
	if (!(a[2] & CLOSE_RANGE_CLOEXEC))
		vfs_locks_fdt_close_posix(t->fdt, lo, hi, false, t->tgid);
	fdt_close_range(t->fdt, lo, hi, a[2] & CLOSE_RANGE_CLOEXEC);
	return 0;
}

/* Resolves the path argument @upath of a *at call; AT_EMPTY_PATH lets "" be dirfd. */
static long path_at(struct task *t, int dirfd, u64 upath, u32 atflags, u32 lflags,
		    struct vfs_path *p)
{
	char *path = malloc(PATH_MAX);
	long ret;

	if (!path)
		return -ENOMEM;
	ret = vfs_path_in(t, upath, path, atflags & AT_EMPTY_PATH);
	if (!ret) {
		if (!(atflags & AT_SYMLINK_NOFOLLOW))
			lflags |= VFS_FOLLOW;
		if (atflags & AT_EMPTY_PATH)
			lflags |= VFS_EMPTY_PATH;
		ret = vfs_resolve(t, dirfd, path, lflags, p);
	}
	free(path);
	return ret;
}

/* fstat of an fd for AT_EMPTY_PATH, including files with no path (host fds). */
static long stat_empty(struct task *t, int dirfd, struct stat *st)
{
	struct vfs_file *f = fdt_get(t->fdt, dirfd);
	long ret;

	if (!f)
		return -EBADF;
	ret = f->ops->fstat ? f->ops->fstat(f, st) : -EINVAL;
	if (ret == -EINVAL && f->inode) {
		pthread_mutex_lock(&vfs_lock);
		vfs_inode_stat(f->inode, st);
		pthread_mutex_unlock(&vfs_lock);
		ret = 0;
	}
	vfs_file_put(f);
	return ret;
}

static long do_stat(struct task *t, int dirfd, u64 upath, u32 atflags, struct stat *st)
{
	struct vfs_path p;
	char c = 0;
	long ret;

	if ((atflags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		if (mm_copy_in(t->mm, &c, upath, 1))
			return -EFAULT;
		if (!c)
			return stat_empty(t, dirfd, st);
	}
	ret = path_at(t, dirfd, upath, atflags, 0, &p);
	if (ret)
		return ret;
	ret = vfs_getattr(t, &p, st);
	put_path(&p);
	return ret;
}

static long stat_out(struct task *t, int dirfd, u64 upath, u32 atflags, u64 ubuf)
{
	struct stat st;
	long ret;

	if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	ret = do_stat(t, dirfd, upath, atflags, &st);
	if (!ret && mm_copy_out(t->mm, ubuf, &st, sizeof(st)))
		ret = -EFAULT;
	return ret;
}

SYS(stat) { return stat_out(t, AT_FDCWD, a[0], 0, a[1]); }
SYS(lstat) { return stat_out(t, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, a[1]); }
SYS(newfstatat) { return stat_out(t, a[0], a[1], a[3], a[2]); }

SYS(statx)
{
	struct statx sx;
	struct stat st;
	u32 fl = a[2];
	long ret;

	if (fl & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
		   AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((fl & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (a[3] & 0x80000000U)         /* STATX__RESERVED */
		return -EINVAL;
	ret = do_stat(t, a[0], a[1], fl, &st);
	if (ret)
		return ret;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	/* Linux 6.13+ (multigrain timestamps, which tmpfs has) leaves mtime and ctime
	 * out of the result unless one of them was asked for. */
	if (!(a[3] & (STATX_MTIME | STATX_CTIME)))
		sx.stx_mask &= ~(STATX_MTIME | STATX_CTIME);
	sx.stx_blksize = st.st_blksize;
	sx.stx_nlink = st.st_nlink;
	sx.stx_uid = st.st_uid;
	sx.stx_gid = st.st_gid;
	sx.stx_mode = st.st_mode;
	sx.stx_ino = st.st_ino;
	sx.stx_size = st.st_size;
	sx.stx_blocks = st.st_blocks;
	sx.stx_atime.tv_sec = st.st_atim.tv_sec;
	sx.stx_atime.tv_nsec = st.st_atim.tv_nsec;
	sx.stx_mtime.tv_sec = st.st_mtim.tv_sec;
	sx.stx_mtime.tv_nsec = st.st_mtim.tv_nsec;
	sx.stx_ctime.tv_sec = st.st_ctim.tv_sec;
	sx.stx_ctime.tv_nsec = st.st_ctim.tv_nsec;
	sx.stx_rdev_major = major(st.st_rdev);
	sx.stx_rdev_minor = minor(st.st_rdev);
	sx.stx_dev_major = major(st.st_dev);
	sx.stx_dev_minor = minor(st.st_dev);
	return mm_copy_out(t->mm, a[4], &sx, sizeof(sx)) ? -EFAULT : 0;
}

static long do_access(struct task *t, int dirfd, u64 upath, u32 mode, u32 flags)
{
	struct vfs_path p;
	long ret;

	if (mode & ~7U)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	ret = path_at(t, dirfd, upath, flags, 0, &p);
	if (ret)
		return ret;
	pthread_mutex_lock(&vfs_lock);
	if (mode) {
		struct vfs_inode *ino = p.d->inode;

		/* access() checks with the real ids; tasks here have real == effective
		 * unless they changed them. */
		ret = vfs_permission(t, ino, mode);
		if (!ret && (mode & 2) && (p.mnt->flags & VFS_MNT_RDONLY) &&
		    (S_ISREG(ino->mode) || S_ISDIR(ino->mode) || S_ISLNK(ino->mode)))
			ret = -EROFS;
	}
	vfs_path_put(&p);
	pthread_mutex_unlock(&vfs_lock);
	return ret;
}

SYS(access) { return do_access(t, AT_FDCWD, a[0], a[1], 0); }
SYS(faccessat) { return do_access(t, a[0], a[1], a[2], 0); }
SYS(faccessat2) { return do_access(t, a[0], a[1], a[2], a[3]); }

static long do_readlink(struct task *t, int dirfd, u64 upath, u64 ubuf, s64 len)
{
	struct vfs_path p;
	bool empty;
	char *buf, c;
	long ret;

	if (len <= 0)
		return -EINVAL;
	if (mm_copy_in(t->mm, &c, upath, 1))
		return -EFAULT;
	empty = !c;
	ret = path_at(t, dirfd, upath, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, 0, &p);
	if (ret)
		return ret;
	buf = malloc(PATH_MAX);
	if (!buf) {
		put_path(&p);
		return -ENOMEM;
	}
	ret = vfs_readlink(t, &p, buf, MIN((u64)len, PATH_MAX));
	/* An empty path names dirfd itself: not a symlink is ENOENT there (Linux's
	 * do_readlinkat). */
	if (ret == -EINVAL && !S_ISLNK(p.d->inode->mode) && empty)
		ret = -ENOENT;
	put_path(&p);
	if (ret > 0 && mm_copy_out(t->mm, ubuf, buf, ret))
		ret = -EFAULT;
	free(buf);
	return ret;
}

SYS(readlink) { return do_readlink(t, AT_FDCWD, a[0], a[1], (s32)a[2]); }
SYS(readlinkat) { return do_readlink(t, a[0], a[1], a[2], (s32)a[3]); }

SYS(getcwd)
{
	char *buf = malloc(PATH_MAX);
	struct vfs_path cwd;
	long n;

	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&vfs_lock);
	cwd = t->fs->cwd;
	if (!cwd.d->hashed && cwd.d->parent)
		n = -ENOENT;
	else
		n = vfs_path_name(&t->fs->root, &cwd, buf, PATH_MAX);
	pthread_mutex_unlock(&vfs_lock);
	if (n >= 0) {
		n++;
		if ((u64)n > a[1])
			n = -ERANGE;
		else if (mm_copy_out(t->mm, a[0], buf, n))
			n = -EFAULT;
	}
	free(buf);
	return n;
}

static long set_dir(struct task *t, struct vfs_path *p, bool root)
{
	long ret = 0;

	pthread_mutex_lock(&vfs_lock);
	if (!S_ISDIR(p->d->inode->mode))
		ret = -ENOTDIR;
	else
		ret = vfs_permission(t, p->d->inode, 1);
	if (!ret && root && t->euid != 0)
		ret = -EPERM;
	if (!ret) {
		struct vfs_path *slot = root ? &t->fs->root : &t->fs->cwd;

		vfs_path_put(slot);
		*slot = *p;
	} else {
		vfs_path_put(p);
	}
	pthread_mutex_unlock(&vfs_lock);
	return ret;
}

SYS(chdir)
{
	struct vfs_path p;
	long ret = path_at(t, AT_FDCWD, a[0], 0, VFS_DIRECTORY, &p);

	return ret ? ret : set_dir(t, &p, false);
}

SYS(chroot)
{
	struct vfs_path p;
	long ret = path_at(t, AT_FDCWD, a[0], 0, VFS_DIRECTORY, &p);

	return ret ? ret : set_dir(t, &p, true);
}

SYS(fchdir)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	struct vfs_path p;

	if (!f)
		return -EBADF;
	p = f->path;
	if (!p.d) {
		vfs_file_put(f);
		return -ENOTDIR;
	}
	pthread_mutex_lock(&vfs_lock);
	vfs_path_get(&p);
	pthread_mutex_unlock(&vfs_lock);
	vfs_file_put(f);
	return set_dir(t, &p, false);
}

static long with_path(struct task *t, u64 upath, char **out)
{
	char *path = malloc(PATH_MAX);
	long ret;

	if (!path)
		return -ENOMEM;
	ret = vfs_path_in(t, upath, path, false);
	if (ret)
		free(path);
	else
		*out = path;
	return ret;
}

static long do_mknod(struct task *t, int dirfd, u64 upath, u32 mode, u64 dev)
{
	char *path;
	long ret;

	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG: case S_IFIFO: case S_IFSOCK:
		break;
	case S_IFCHR: case S_IFBLK:
		return t->euid ? -EPERM : -EPERM;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	ret = with_path(t, upath, &path);
	if (ret)
		return ret;
	ret = vfs_mknod(t, dirfd, path, (mode & S_IFMT) | (mode & 07777 & ~t->umask), NULL);
	free(path);
	return ret;
}

SYS(mknod) { return do_mknod(t, AT_FDCWD, a[0], a[1], a[2]); }
SYS(mknodat) { return do_mknod(t, a[0], a[1], a[2], a[3]); }

static long do_mkdir(struct task *t, int dirfd, u64 upath, u32 mode)
{
	char *path;
	long ret = with_path(t, upath, &path);

	if (ret)
		return ret;
	ret = vfs_mknod(t, dirfd, path, S_IFDIR | (mode & 01777 & ~t->umask), NULL);
	free(path);
	return ret;
}

SYS(mkdir) { return do_mkdir(t, AT_FDCWD, a[0], a[1]); }
SYS(mkdirat) { return do_mkdir(t, a[0], a[1], a[2]); }

static long do_symlink(struct task *t, u64 utarget, int dirfd, u64 upath)
{
	char *target, *path;
	long ret = with_path(t, utarget, &target);

	if (ret)
		return ret;
	ret = with_path(t, upath, &path);
	if (!ret) {
		ret = vfs_mknod(t, dirfd, path, S_IFLNK | 0777, target);
		free(path);
	}
	free(target);
	return ret;
}

SYS(symlink) { return do_symlink(t, a[0], AT_FDCWD, a[1]); }
SYS(symlinkat) { return do_symlink(t, a[0], a[1], a[2]); }

static long do_unlink(struct task *t, int dirfd, u64 upath, u32 flags)
{
	char *path;
	long ret;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	ret = with_path(t, upath, &path);
	if (ret)
		return ret;
	ret = vfs_unlink(t, dirfd, path, flags & AT_REMOVEDIR);
	free(path);
	return ret;
}

SYS(unlink) { return do_unlink(t, AT_FDCWD, a[0], 0); }
SYS(unlinkat) { return do_unlink(t, a[0], a[1], a[2]); }
SYS(rmdir) { return do_unlink(t, AT_FDCWD, a[0], AT_REMOVEDIR); }

static long do_link(struct task *t, int odir, u64 opath, int ndir, u64 npath, u32 flags)
{
	char *o, *n;
	long ret;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	o = malloc(PATH_MAX);
	if (!o)
		return -ENOMEM;
	/* AT_EMPTY_PATH: "" names odir's file (root only in Linux: CAP_DAC_READ_SEARCH). */
	ret = vfs_path_in(t, opath, o, (flags & AT_EMPTY_PATH) && t->euid == 0);
	if (ret) {
		free(o);
		return ret;
	}
	ret = with_path(t, npath, &n);
	if (!ret) {
		ret = vfs_link(t, odir, o, ndir, n, (flags & AT_SYMLINK_FOLLOW ? VFS_FOLLOW : 0) |
			       (o[0] ? 0 : VFS_EMPTY_PATH));
		free(n);
	}
	free(o);
	return ret;
}

SYS(link) { return do_link(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0); }
SYS(linkat) { return do_link(t, a[0], a[1], a[2], a[3], a[4]); }

static long do_rename(struct task *t, int odir, u64 opath, int ndir, u64 npath, u32 flags)
{
	char *o, *n;
	long ret = with_path(t, opath, &o);

	if (ret)
		return ret;
	ret = with_path(t, npath, &n);
	if (!ret) {
		ret = vfs_rename(t, odir, o, ndir, n, flags);
		free(n);
	}
	free(o);
	return ret;
}

SYS(rename) { return do_rename(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0); }
SYS(renameat) { return do_rename(t, a[0], a[1], a[2], a[3], 0); }
SYS(renameat2) { return do_rename(t, a[0], a[1], a[2], a[3], a[4]); }

/* Attribute changes on a path or (AT_EMPTY_PATH / fd syscalls) an open file. */
static long setattr_at(struct task *t, int dirfd, u64 upath, u32 atflags, bool fd,
		       struct vfs_setattr *sa)
{
	struct vfs_path p;
	long ret;

	if (fd) {
		struct vfs_file *f = fdt_get(t->fdt, dirfd);

		if (!f)
			return -EBADF;
		if (!f->path.d || (f->flags & O_PATH)) {
			vfs_file_put(f);
			return f->path.d ? -EBADF : -EPERM;
		}
		p = f->path;
		pthread_mutex_lock(&vfs_lock);
		vfs_path_get(&p);
		pthread_mutex_unlock(&vfs_lock);
		vfs_file_put(f);
	} else {
		ret = path_at(t, dirfd, upath, atflags, 0, &p);
		if (ret)
			return ret;
	}
	ret = vfs_setattr_path(t, &p, sa);
	put_path(&p);
	return ret;
}

SYS(chmod)
{
	struct vfs_setattr sa = { .mask = VFS_SET_MODE, .mode = a[1] & 07777 };

	return setattr_at(t, AT_FDCWD, a[0], 0, false, &sa);
}

SYS(fchmod)
{
	struct vfs_setattr sa = { .mask = VFS_SET_MODE, .mode = a[1] & 07777 };

	return setattr_at(t, a[0], 0, 0, true, &sa);
}

SYS(fchmodat)
{
	struct vfs_setattr sa = { .mask = VFS_SET_MODE, .mode = a[2] & 07777 };

	return setattr_at(t, a[0], a[1], 0, false, &sa);
}

static long do_chown(struct task *t, int dirfd, u64 upath, u32 uid, u32 gid, u32 flags,
		     bool fd)
{
	struct vfs_setattr sa = { .uid = uid, .gid = gid };

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (uid != (u32)-1)
		sa.mask |= VFS_SET_UID;
	if (gid != (u32)-1)
		sa.mask |= VFS_SET_GID;
	return setattr_at(t, dirfd, upath, flags, fd, &sa);
}

SYS(chown) { return do_chown(t, AT_FDCWD, a[0], a[1], a[2], 0, false); }
SYS(lchown) { return do_chown(t, AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW, false); }
SYS(fchown) { return do_chown(t, a[0], 0, a[1], a[2], 0, true); }
SYS(fchownat) { return do_chown(t, a[0], a[1], a[2], a[3], a[4], false); }

/*
 * Linux's do_utimes: @ts NULL sets both times to now. A NULL path with a real dirfd
 * means the file itself (futimesat's and utimensat's fd form, which takes no flags
 * and no O_PATH descriptor); nanoseconds are checked once the file is found, as
 * vfs_utimes does. Both UTIME_NOW is "now" (write permission suffices), anything
 * else an explicit time (the owner only).
 */
static long do_utimes(struct task *t, int dirfd, u64 upath, const struct l_timespec *ts,
		      u32 flags)
{
	struct vfs_setattr sa = { .mask = VFS_SET_ATIME | VFS_SET_MTIME,
				  .atime_nsec = UTIME_NOW, .mtime_nsec = UTIME_NOW };
	struct vfs_path p;
	long ret;

	if (!upath && dirfd != AT_FDCWD) {
		struct vfs_file *f;

		if (flags)
			return -EINVAL;
		f = fdt_get(t->fdt, dirfd);
		if (!f || (f->flags & O_PATH)) {
			if (f)
				vfs_file_put(f);
			return -EBADF;
		}
		p = f->path;
		pthread_mutex_lock(&vfs_lock);
		vfs_path_get(&p);
		pthread_mutex_unlock(&vfs_lock);
		vfs_file_put(f);
		/* A file with no place in a filesystem (a pipe, host stdio). */
		if (!p.d)
			return -EPERM;
	} else {
		if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
			return -EINVAL;
		ret = path_at(t, dirfd, upath, flags, 0, &p);
		if (ret)
			return ret;
	}
	ret = 0;
	for (int i = 0; ts && i < 2; i++)
		if (ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT &&
		    (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000))
			ret = -EINVAL;
	if (!ret && ts) {
		sa.atime_sec = ts[0].tv_sec;
		sa.atime_nsec = ts[0].tv_nsec;
		sa.mtime_sec = ts[1].tv_sec;
		sa.mtime_nsec = ts[1].tv_nsec;
	}
	if (!ret)
		ret = vfs_setattr_path(t, &p, &sa);
	put_path(&p);
	return ret;
}

SYS(utimensat)
{
	struct l_timespec ts[2];

	if (a[2]) {
		if (mm_copy_in(t->mm, ts, a[2], sizeof(ts)))
			return -EFAULT;
		/* Nothing to do: not even the path is looked at. */
		if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
			return 0;
	}
	return do_utimes(t, a[0], a[1], a[2] ? ts : NULL, a[3]);
}

/* futimesat and utimes: microseconds, checked before the path (UTIME_NOW and
 * UTIME_OMIT are no valid tv_usec). */
SYS(futimesat)
{
	struct l_timeval tv[2];
	struct l_timespec ts[2];

	if (a[2]) {
		if (mm_copy_in(t->mm, tv, a[2], sizeof(tv)))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			ts[i].tv_sec = tv[i].tv_sec;
			ts[i].tv_nsec = tv[i].tv_usec * 1000;
		}
	}
	return do_utimes(t, a[0], a[1], a[2] ? ts : NULL, 0);
}

SYS(utimes)
{
	u64 b[6] = { (u64)(s64)AT_FDCWD, a[0], a[1] };

	return sys_futimesat(t, b);
}

/* utime: whole seconds from a struct utimbuf (actime, modtime). */
SYS(utime)
{
	struct l_timespec ts[2] = { { 0, 0 }, { 0, 0 } };
	s64 ub[2];

	if (a[1]) {
		if (mm_copy_in(t->mm, ub, a[1], sizeof(ub)))
			return -EFAULT;
		ts[0].tv_sec = ub[0];
		ts[1].tv_sec = ub[1];
	}
	return do_utimes(t, AT_FDCWD, a[0], a[1] ? ts : NULL, 0);
}

SYS(truncate)
{
	struct vfs_setattr sa = { .mask = VFS_SET_SIZE, .size = a[1] };
	struct vfs_path p;
	long ret;

	if ((s64)a[1] < 0)
		return -EINVAL;
	ret = path_at(t, AT_FDCWD, a[0], 0, 0, &p);
	if (ret)
		return ret;
	pthread_mutex_lock(&vfs_lock);
	if (S_ISDIR(p.d->inode->mode))
		ret = -EISDIR;
	else if (!S_ISREG(p.d->inode->mode))
		ret = -EINVAL;
	else
		ret = vfs_permission(t, p.d->inode, 2);
	if (!ret && (p.mnt->flags & VFS_MNT_RDONLY))
		ret = -EROFS;
	if (!ret)
		ret = p.d->inode->ops->setattr ? p.d->inode->ops->setattr(p.d->inode, &sa)
					       : -EPERM;
	if (!ret)
		inotify_dentry_event(p.d, IN_MODIFY);
	vfs_path_put(&p);
	pthread_mutex_unlock(&vfs_lock);
	return ret;
}

static long statfs_out(struct task *t, struct vfs_path *p, u64 ubuf)
{
	struct statfs sf;
	long ret = vfs_statfs_path(p, &sf);

	if (!ret && mm_copy_out(t->mm, ubuf, &sf, sizeof(sf)))
		ret = -EFAULT;
	return ret;
}

SYS(statfs)
{
	struct vfs_path p;
	long ret = path_at(t, AT_FDCWD, a[0], 0, 0, &p);

	if (ret)
		return ret;
	ret = statfs_out(t, &p, a[1]);
	put_path(&p);
	return ret;
}

SYS(fstatfs)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	long ret;

	if (!f)
		return -EBADF;
	if (f->path.d) {
		ret = statfs_out(t, &f->path, a[1]);
	} else {
		struct statfs sf = { .f_type = 0x50495045, .f_bsize = 4096,
				     .f_namelen = 255 };       /* PIPEFS_MAGIC */

		ret = mm_copy_out(t->mm, a[1], &sf, sizeof(sf)) ? -EFAULT : 0;
	}
	vfs_file_put(f);
	return ret;
}
