/*
 * Extended attributes: the getxattr, setxattr, listxattr and removexattr families
 * (after fs/xattr.c). Names and sizes are checked first (ERANGE for an empty name
 * or one past XATTR_NAME_MAX, E2BIG for a value past XATTR_SIZE_MAX, EINVAL for
 * unknown flags), then the path or fd (O_PATH fds: EBADF), then the namespace rules
 * of xattr_permission and the capability LSM:
 *   user.*     regular files and directories only (elsewhere: EPERM to write,
 *              ENODATA to read); sticky directories only by their owner; file
 *              permissions apply (EACCES);
 *   trusted.*  CAP_SYS_ADMIN (euid 0 here) or EPERM to write, ENODATA to read,
 *              and hidden from lists;
 *   security.* anyone reads, CAP_SYS_ADMIN (euid 0) writes (security.capability's format
 *              and CAP_SETFCAP are not checked);
 *   system.*   and unknown prefixes: EOPNOTSUPP (no POSIX ACLs).
 * Overlay, tmpfs and memfd inodes store them (fs/ovl/ovl_xattr.c; a lower file
 * starts with its host attributes); volume files keep theirs on the host
 * (fs/gofer/goferfs_xattr.c). Other filesystems (procfs, devfs, pipes, sockets)
 * have no xattr support: EOPNOTSUPP, and empty lists.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "fs/gofer/goferfs.h"
#include "fs/ovl/ovl.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "vfs/inotify.h"
#include "vfs/vfs.h"

/* linux/xattr.h's, which clashes with sys/xattr.h */
#define XATTR_SECURITY_PREFIX "security."
#define XATTR_TRUSTED_PREFIX "trusted."
#define XATTR_USER_PREFIX "user."

/* The inode a call names: a resolved path or an open file (one of them referenced). */
struct xtarget {
	struct vfs_path p;
	struct vfs_file *f;
	struct vfs_inode *ino;  /* NULL: a file without an inode (host-fd stdio) */
	bool rdonly;            /* on a read-only mount */
};

/* A volume inode: its attributes are the host file's, through the gofer. */
static bool is_volume(const struct vfs_inode *ino)
{
	return ino && ino->ops == &goferfs_inode_ops;
}

/* By path: no descriptor. */
#define BY_PATH INT64_MIN

static long target_get(struct task *t, u64 upath, s64 fd, bool follow, struct xtarget *x)
{
	const struct vfs_mount *mnt;
	char *path;
	long ret;

	memset(x, 0, sizeof(*x));
	if (fd != BY_PATH) {
		x->f = fd >= 0 && fd <= INT32_MAX ? fdt_get(t->fdt, fd) : NULL;
		if (!x->f)
			return -EBADF;
		if (x->f->flags & O_PATH) {
			vfs_file_put(x->f);
			return -EBADF;
		}
		x->ino = x->f->inode;
		mnt = x->f->path.mnt;
	} else {
		path = malloc(PATH_MAX);
		if (!path)
			return -ENOMEM;
		ret = vfs_path_in(t, upath, path, false);
		if (!ret)
			ret = vfs_resolve(t, AT_FDCWD, path, follow ? VFS_FOLLOW : 0, &x->p);
		free(path);
		if (ret)
			return ret;
		x->ino = x->p.d->inode;
		mnt = x->p.mnt;
	}
	x->rdonly = mnt && (mnt->flags & VFS_MNT_RDONLY);
	return 0;
}

static void target_put(struct xtarget *x)
{
	if (x->f) {
		vfs_file_put(x->f);
		return;
	}
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(&x->p);
	pthread_mutex_unlock(&vfs_lock);
}

/* Copies the attribute name in: ERANGE for "" or one past XATTR_NAME_MAX. */
static long name_in(struct task *t, u64 uname, char name[XATTR_NAME_MAX + 1])
{
	s64 len = mm_strncpy_in(t->mm, name, uname, XATTR_NAME_MAX + 1);

	if (len == -ENAMETOOLONG || len == 0)
		return -ERANGE;
	return len < 0 ? len : 0;
}

/* CAP_SYS_ADMIN, which the sandbox's root never holds: euid 0 stands for it. */
static bool admin(struct task *t)
{
	return t->euid == 0 || task_capable(t, CAP_SYS_ADMIN);
}

static bool prefixed(const char *name, const char *prefix)
{
	return !strncmp(name, prefix, strlen(prefix));
}

/* xattr_permission, the capability LSM's check, then whether the filesystem has a
 * handler for the name (EOPNOTSUPP). @ino NULL: a file without an inode (a pipe, a
 * socket), which is neither a regular file nor a directory. */
static long may_access(struct task *t, struct vfs_inode *ino, const char *name, bool write)
{
	long err;

	if (!ino) {
		if (prefixed(name, XATTR_USER_PREFIX))
			return write ? -EPERM : -ENODATA;
		if (prefixed(name, XATTR_SECURITY_PREFIX) && write &&
		    !admin(t))
			return -EPERM;
		if (prefixed(name, XATTR_TRUSTED_PREFIX) && !admin(t))
			return write ? -EPERM : -ENODATA;
		return -EOPNOTSUPP;
	}

	if (prefixed(name, XATTR_SECURITY_PREFIX)) {
		if (write && !admin(t))
			return -EPERM;
	} else if (prefixed(name, XATTR_TRUSTED_PREFIX)) {
		if (!admin(t))
			return write ? -EPERM : -ENODATA;
	} else if (prefixed(name, XATTR_USER_PREFIX)) {
		if (!S_ISREG(ino->mode) && !S_ISDIR(ino->mode))
			return write ? -EPERM : -ENODATA;
		if (S_ISDIR(ino->mode) && (ino->mode & S_ISVTX) && write &&
		    t->euid != ino->uid && !task_capable(t, CAP_FOWNER))
			return -EPERM;
	}
	if (!prefixed(name, XATTR_SECURITY_PREFIX) && !prefixed(name, "system.")) {
		err = vfs_permission(t, ino, write ? 2 : 4);
		if (err)
			return err;
	}
	if ((!ovl_is_inode(ino) && !is_volume(ino)) || prefixed(name, "system.") ||
	    !(prefixed(name, XATTR_SECURITY_PREFIX) || prefixed(name, XATTR_TRUSTED_PREFIX) ||
	      prefixed(name, XATTR_USER_PREFIX)))
		return -EOPNOTSUPP;
	return 0;
}

static long do_getxattr(struct task *t, u64 upath, s64 fd, bool follow, u64 uname,
			u64 uvalue, u64 size)
{
	char name[XATTR_NAME_MAX + 1];
	struct xtarget x;
	void *buf = NULL;
	long ret;

	ret = name_in(t, uname, name);
	if (ret)
		return ret;
	ret = target_get(t, upath, fd, follow, &x);
	if (ret)
		return ret;
	size = MIN(size, XATTR_SIZE_MAX);
	if (size && !(buf = malloc(size)))
		ret = -ENOMEM;
	if (!ret)
		ret = may_access(t, x.ino, name, false);
	if (!ret && is_volume(x.ino)) {
		ret = goferfs_xattr_get(GOFERFS_I(x.ino), name, buf, size);
		if (ret == -ERANGE && size >= XATTR_SIZE_MAX)
			ret = -E2BIG;
	} else if (!ret) {
		pthread_mutex_lock(&vfs_lock);
		ret = ovl_xattr_lower(OVL_I(x.ino));
		if (!ret)
			ret = ovl_xattr_get(OVL_I(x.ino), name, buf, size);
		pthread_mutex_unlock(&vfs_lock);
		if (ret == -ERANGE && size >= XATTR_SIZE_MAX)
			ret = -E2BIG;
	}
	if (ret > 0 && size && mm_copy_out(t->mm, uvalue, buf, ret))
		ret = -EFAULT;
	free(buf);
	target_put(&x);
	return ret;
}

/* Sets (or with @remove, removes) attribute @name of the target: the write side's
 * checks, then the change, which counts as one to the inode's ctime. */
static long change(struct task *t, u64 upath, s64 fd, bool follow, const char *name,
		   const void *val, u64 size, u64 flags, bool remove)
{
	struct xtarget x;
	long ret = target_get(t, upath, fd, follow, &x);

	if (ret)
		return ret;
	ret = x.rdonly ? -EROFS : may_access(t, x.ino, name, true);
	if (!ret && is_volume(x.ino)) {
		/* The host's inode keeps the change, and its ctime. */
		ret = remove ? goferfs_xattr_remove(GOFERFS_I(x.ino), name)
			     : goferfs_xattr_set(GOFERFS_I(x.ino), name, val, size, flags);
	} else if (!ret) {
		pthread_mutex_lock(&vfs_lock);
		ret = ovl_xattr_lower(OVL_I(x.ino));
		if (!ret)
			ret = remove ? ovl_xattr_remove(OVL_I(x.ino), name)
				     : ovl_xattr_set(OVL_I(x.ino), name, val, size, flags);
		if (!ret)
			vfs_inode_touch(x.ino, VFS_SET_CTIME);
		pthread_mutex_unlock(&vfs_lock);
	}
	if (!ret) {
		struct vfs_dentry *d = x.f ? x.f->path.d : x.p.d;

		if (d)
			inotify_dentry_event(d, IN_ATTRIB);    /* fsnotify_xattr */
	}
	target_put(&x);
	return ret;
}

static long do_setxattr(struct task *t, u64 upath, s64 fd, bool follow, u64 uname,
			u64 uvalue, u64 size, u64 flags)
{
	char name[XATTR_NAME_MAX + 1];
	void *val = NULL;
	long ret;

	if (flags & ~(u64)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	ret = name_in(t, uname, name);
	if (ret)
		return ret;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	if (size) {
		val = malloc(size);
		if (!val)
			return -ENOMEM;
		if (mm_copy_in(t->mm, val, uvalue, size)) {
			free(val);
			return -EFAULT;
		}
	}
	ret = change(t, upath, fd, follow, name, val, size, flags, false);
	free(val);
	return ret;
}

static long do_listxattr(struct task *t, u64 upath, s64 fd, bool follow, u64 ulist,
			 u64 size)
{
	struct xtarget x;
	char *buf = NULL;
	long ret;

	ret = target_get(t, upath, fd, follow, &x);
	if (ret)
		return ret;
	size = MIN(size, XATTR_LIST_MAX);
	if (!x.ino || (!ovl_is_inode(x.ino) && !is_volume(x.ino))) {
		target_put(&x);
		return 0;       /* no handler lists anything (and no LSM adds a name) */
	}
	if (size && !(buf = malloc(size))) {
		target_put(&x);
		return -ENOMEM;
	}
	if (is_volume(x.ino)) {
		ret = goferfs_xattr_list(GOFERFS_I(x.ino), admin(t), buf, size);
	} else {
		pthread_mutex_lock(&vfs_lock);
		ret = ovl_xattr_lower(OVL_I(x.ino));
		if (!ret)
			ret = ovl_xattr_list(OVL_I(x.ino), admin(t), buf, size);
		pthread_mutex_unlock(&vfs_lock);
	}
	if (ret == -ERANGE && size >= XATTR_LIST_MAX)
		ret = -E2BIG;
	if (ret > 0 && size && mm_copy_out(t->mm, ulist, buf, ret))
		ret = -EFAULT;
	free(buf);
	target_put(&x);
	return ret;
}

static long do_removexattr(struct task *t, u64 upath, s64 fd, bool follow, u64 uname)
{
	char name[XATTR_NAME_MAX + 1];
	long ret = name_in(t, uname, name);

	return ret ? ret : change(t, upath, fd, follow, name, NULL, 0, 0, true);
}

SYS(getxattr) { return do_getxattr(t, a[0], BY_PATH, true, a[1], a[2], a[3]); }
SYS(lgetxattr) { return do_getxattr(t, a[0], BY_PATH, false, a[1], a[2], a[3]); }
SYS(fgetxattr) { return do_getxattr(t, 0, (s32)a[0], false, a[1], a[2], a[3]); }
SYS(setxattr) { return do_setxattr(t, a[0], BY_PATH, true, a[1], a[2], a[3], a[4]); }
SYS(lsetxattr) { return do_setxattr(t, a[0], BY_PATH, false, a[1], a[2], a[3], a[4]); }
SYS(fsetxattr) { return do_setxattr(t, 0, (s32)a[0], false, a[1], a[2], a[3], a[4]); }
SYS(listxattr) { return do_listxattr(t, a[0], BY_PATH, true, a[1], a[2]); }
SYS(llistxattr) { return do_listxattr(t, a[0], BY_PATH, false, a[1], a[2]); }
SYS(flistxattr) { return do_listxattr(t, 0, (s32)a[0], false, a[1], a[2]); }
SYS(removexattr) { return do_removexattr(t, a[0], BY_PATH, true, a[1]); }
SYS(lremovexattr) { return do_removexattr(t, a[0], BY_PATH, false, a[1]); }
SYS(fremovexattr) { return do_removexattr(t, 0, (s32)a[0], false, a[1]); }
