/*
 * The filesystem-independent half of the path operations, after Linux's fs/namei.c
 * and fs/open.c: open (with O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW,
 * O_PATH), mknod/mkdir/symlink, unlink/rmdir, link, rename (RENAME_NOREPLACE,
 * RENAME_EXCHANGE), readlink, attribute changes. Each checks what Linux checks, in
 * Linux's order so that the errno matches, then calls the inode's op and updates the
 * dentry cache: an unlinked name leaves a negative dentry behind (the overlay's
 * whiteout).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "ipc/pipe.h"
#include "task/task.h"
#include "vfs/inotify.h"
#include "vfs/vfs.h"

#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

static bool is_dir(struct vfs_dentry *d)
{
	return d->inode && S_ISDIR(d->inode->mode);
}

static bool mnt_ro(const struct vfs_path *p)
{
	return p->mnt->flags & VFS_MNT_RDONLY;
}

/* Sticky directories: only the owner of the file or the directory (or root) may
 * remove or rename a name in it. */
static bool sticky_denied(struct task *t, struct vfs_inode *dir, struct vfs_inode *ino)
{
	return (dir->mode & S_ISVTX) && t->euid != 0 && t->euid != dir->uid &&
	       t->euid != ino->uid;
}

static int may_change_in(struct task *t, const struct vfs_path *dir)
{
	int err = vfs_permission(t, dir->d->inode, MAY_WRITE | MAY_EXEC);

	if (err)
		return err;
	return mnt_ro(dir) ? -EROFS : 0;
}

/* Replaces the dentry of @name under @dir (negative or missing) with a positive one
 * for @ino. vfs_lock held. */
static int install(struct vfs_dentry *dir, struct vfs_dentry *old, const char *name,
		   struct vfs_inode *ino)
{
	struct vfs_dentry *d;
	int err;

	if (dir->inode->nocache)
		return 0;
	err = vfs_dentry_new(dir, name, ino, &d);
	if (err)
		return err;
	if (old)
		vfs_dentry_unhash(old);
	vfs_dentry_hash(d);
	vfs_dentry_put(d);
	return 0;
}

static const struct vfs_file_ops opath_ops = {
	.type = "opath",
	.release = (void (*)(struct vfs_file *))free,
};

int vfs_open_path(struct task *t, const struct vfs_path *p, u32 flags, struct vfs_file **out)
{
	struct vfs_inode *ino = p->d->inode;
	struct vfs_file *f;
	int err;

	if (flags & O_PATH) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return -ENOMEM;
		vfs_file_init(f, &opath_ops, flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW |
						      O_LARGEFILE));
		f->path = *p;
		vfs_path_get(&f->path);
		f->inode = ino;
		vfs_inode_get(ino);
		*out = f;
		return 0;
	}
	/* A FIFO is a pipe whatever filesystem holds it (Linux's init_special_inode);
	 * one in the lower tree is never opened on the host. */
	if (S_ISFIFO(ino->mode) && !ino->anon)
		err = pipe_fifo_open(t, ino, flags, &f);
	else if (!ino->ops->open)
		return -ENXIO;
	else
		err = ino->ops->open(t, p, flags, &f);
	if (err)
		return err;
	if (ino->anon) {
		/* Reached through a magic link: the file has no place of its own. */
		*out = f;
		return 0;
	}
	if (!f->path.d) {
		pthread_mutex_lock(&vfs_lock);
		f->path = *p;
		vfs_path_get(&f->path);
		pthread_mutex_unlock(&vfs_lock);
	}
	if (!f->inode) {
		f->inode = ino;
		vfs_inode_get(ino);
	}
	*out = f;
	return 0;
}

/* Checks an open of the existing file at @p against its type and permissions. */
static int may_open(struct task *t, const struct vfs_path *p, u32 flags)
{
	struct vfs_inode *ino = p->d->inode;
	u32 acc = flags & O_ACCMODE;
	int mask = 0;

	if (flags & O_PATH)
		return (flags & O_DIRECTORY) && !S_ISDIR(ino->mode) ? -ENOTDIR : 0;
	if (S_ISLNK(ino->mode))
		return -ELOOP;
	if (S_ISDIR(ino->mode) && (acc != O_RDONLY || (flags & O_TRUNC) ||
				   (flags & O_CREAT)))
		return -EISDIR;
	if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
		return -ENOTDIR;
	if (acc == O_RDONLY || acc == O_RDWR)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	if (acc == 3)
		mask |= MAY_READ | MAY_WRITE;
	if (ino->ops->refresh)
		ino->ops->refresh(t, ino);
	if (mask && vfs_permission(t, ino, mask))
		return -EACCES;
	if ((mask & MAY_WRITE) && mnt_ro(p) && (S_ISREG(ino->mode) || S_ISDIR(ino->mode)))
		return -EROFS;
	return 0;
}

/* O_CREAT: the last component is created if missing. *created says it was. */
static int open_create(struct task *t, int dirfd, const char *path, u32 flags, u32 mode,
		       u32 lflags, struct vfs_path *out, bool *created)
{
	struct vfs_path dir;
	struct vfs_dentry *child = NULL;
	struct vfs_inode *ino;
	enum vfs_last type;
	char last[NAME_MAX + 1];
	bool slash;
	int err;

	err = vfs_resolve_parent_flags(t, dirfd, path, lflags, &dir, last, &type, &slash);
	if (err)
		return err;
	pthread_mutex_lock(&vfs_lock);
	if (type != VFS_LAST_NORM || slash) {
		err = -EISDIR;
		goto out;
	}
	err = vfs_lookup_locked(t, dir.d, last, &child);
	if (err)
		goto out;
	if (child->inode) {
		if (flags & O_EXCL) {
			err = -EEXIST;
		} else if (S_ISLNK(child->inode->mode)) {
			err = (flags & O_NOFOLLOW) || (lflags & VFS_NO_SYMLINKS) ? -ELOOP :
			      1;    /* resolve it normally */
		} else {
			*out = (struct vfs_path){ dir.mnt, child };
			vfs_path_get(out);
		}
		goto out;
	}
	err = may_change_in(t, &dir);
	if (err)
		goto out;
	if (!dir.d->inode->ops->create) {
		err = -EACCES;
		goto out;
	}
	err = dir.d->inode->ops->create(dir.d, last, S_IFREG | (mode & 07777 & ~t->umask),
					t->euid, t->egid, NULL, &ino);
	if (err)
		goto out;
	err = install(dir.d, child, last, ino);
	vfs_inode_put(ino);
	if (err)
		goto out;
	inotify_dir_event(dir.d->inode, last, IN_CREATE);
	vfs_dentry_put(child);
	err = vfs_lookup_locked(t, dir.d, last, &child);
	if (!err) {
		*out = (struct vfs_path){ dir.mnt, child };
		vfs_path_get(out);
		*created = true;
	}
out:
	if (child)
		vfs_dentry_put(child);
	vfs_path_put(&dir);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

/*
 * O_TMPFILE: an unnamed regular file in the directory @path names (Linux's
 * do_tmpfile). Its dentry is "#<ino>" under that directory but not in the tree, so
 * it reads as deleted; linkat can name it unless O_EXCL said it never may.
 */
static int open_tmpfile(struct task *t, int dirfd, const char *path, u32 flags, u32 mode,
			u32 rl, struct vfs_file **out)
{
	struct vfs_path dir, p;
	struct vfs_inode *ino;
	struct vfs_dentry *d;
	char name[32];
	u32 acc = flags & O_ACCMODE;
	int err;

	if ((flags & O_CREAT) || (acc != O_WRONLY && acc != O_RDWR))
		return -EINVAL;
	err = vfs_resolve(t, dirfd, path, VFS_FOLLOW | VFS_DIRECTORY | rl, &dir);
	if (err)
		return err;
	pthread_mutex_lock(&vfs_lock);
	err = mnt_ro(&dir) ? -EROFS : vfs_permission(t, dir.d->inode, MAY_WRITE | MAY_EXEC);
	if (!err && !dir.d->inode->ops->tmpfile)
		err = -EOPNOTSUPP;
	if (err)
		goto out;
	err = dir.d->inode->ops->tmpfile(dir.d, S_IFREG | (mode & 07777 & ~t->umask), t->euid,
					 t->egid, &ino);
	if (err)
		goto out;
	ino->linkable = !(flags & O_EXCL);
	snprintf(name, sizeof(name), "#%llu", (unsigned long long)ino->ino);
	err = vfs_dentry_new(dir.d, name, ino, &d);
	vfs_inode_put(ino);
	if (err)
		goto out;
	p = (struct vfs_path){ dir.mnt, d };
	ref_get(&dir.mnt->ref);
	pthread_mutex_unlock(&vfs_lock);
	err = vfs_open_path(t, &p, flags & ~(O_EXCL | O_TRUNC), out);
	if (!err) {
		(*out)->flags |= 020000000 | O_DIRECTORY;  /* F_GETFL shows O_TMPFILE */
		inotify_file_event(*out, IN_OPEN);      /* to the directory, as "#<ino>" */
	}
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(&p);
out:
	vfs_path_put(&dir);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

int vfs_open(struct task *t, int dirfd, const char *path, u32 flags, u32 mode,
	     u64 resolve, struct vfs_file **out)
{
	struct vfs_path p;
	bool created = false;
	int err = 1;
	u32 rl = (resolve & RESOLVE_NO_XDEV ? VFS_NO_XDEV : 0) |
		 (resolve & RESOLVE_NO_MAGICLINKS ? VFS_NO_MAGICLINKS : 0) |
		 (resolve & RESOLVE_NO_SYMLINKS ? VFS_NO_SYMLINKS : 0) |
		 (resolve & RESOLVE_BENEATH ? VFS_BENEATH : 0) |
		 (resolve & RESOLVE_IN_ROOT ? VFS_IN_ROOT : 0);

	/* The kernel's __O_TMPFILE bit alone (glibc's __O_TMPFILE has O_DIRECTORY). */
	if (flags & 020000000) {
		if ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE)
			return -EINVAL;
		return open_tmpfile(t, dirfd, path, flags, mode, rl, out);
	}
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if ((flags & O_CREAT) && !(flags & O_PATH))
		err = open_create(t, dirfd, path, flags, mode, rl, &p, &created);
	if (err == 1) {
		u32 lf = ((flags & O_NOFOLLOW) ? 0 : VFS_FOLLOW) | rl;

		if (flags & O_DIRECTORY)
			lf |= VFS_DIRECTORY;
		err = vfs_resolve(t, dirfd, path, lf, &p);
		if (!err && (flags & O_NOFOLLOW) && S_ISLNK(p.d->inode->mode) &&
		    !(flags & O_PATH)) {
			vfs_path_put(&p);
			err = -ELOOP;
		}
	}
	if (err)
		return err;
	if (!created)
		err = may_open(t, &p, flags);
	if (!err)
		err = vfs_open_path(t, &p, flags, out);
	/* Linux reports the open (do_dentry_open) before the truncation. */
	if (!err)
		inotify_file_event(*out, IN_OPEN);
	if (!err && (flags & O_TRUNC) && !created && S_ISREG(p.d->inode->mode) &&
	    (*out)->ops->truncate) {
		err = (*out)->ops->truncate(*out, 0);
		if (err)
			vfs_file_put(*out);
		else
			inotify_file_event(*out, IN_MODIFY);
	}
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(&p);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

/*
 * The negative dentry where a new name @last (of @type) goes under @dir, into
 * *child: -EEXIST for "." or ".." or a name that exists (*child is then set too, for
 * the caller to put). vfs_lock held.
 */
static int lookup_new(struct task *t, const struct vfs_path *dir, const char *last,
		      enum vfs_last type, struct vfs_dentry **child)
{
	int err;

	if (type != VFS_LAST_NORM)
		return -EEXIST;
	err = vfs_lookup_locked(t, dir->d, last, child);
	if (err)
		return err;
	return (*child)->inode ? -EEXIST : 0;
}

int vfs_mknod(struct task *t, int dirfd, const char *path, u32 mode, const char *target)
{
	struct vfs_path dir;
	struct vfs_dentry *child = NULL;
	struct vfs_inode *ino;
	enum vfs_last type;
	char last[NAME_MAX + 1];
	bool slash;
	int err;

	err = vfs_resolve_parent(t, dirfd, path, &dir, last, &type, &slash);
	if (err)
		return err;
	pthread_mutex_lock(&vfs_lock);
	err = lookup_new(t, &dir, last, type, &child);
	if (err)
		goto out;
	if (slash && !S_ISDIR(mode)) {
		err = -ENOENT;
		goto out;
	}
	err = may_change_in(t, &dir);
	if (err)
		goto out;
	if (!dir.d->inode->ops->create) {
		err = -EPERM;
		goto out;
	}
	err = dir.d->inode->ops->create(dir.d, last, mode, t->euid, t->egid, target, &ino);
	if (err)
		goto out;
	err = install(dir.d, child, last, ino);
	vfs_inode_put(ino);
	if (!err)
		inotify_dir_event(dir.d->inode, last, IN_CREATE | (S_ISDIR(mode) ? IN_ISDIR : 0));
out:
	if (child)
		vfs_dentry_put(child);
	vfs_path_put(&dir);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

static bool dir_empty(struct task *t, struct vfs_dentry *d)
{
	struct vfs_dirent *ents;
	u32 n;

	if (!d->inode->ops->readdir || d->inode->ops->readdir(t, d, &ents, &n))
		return false;
	for (u32 i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
	return n == 0;
}

/* Leaves a negative dentry where @victim was (a whiteout for the overlay). */
static int remove_name(struct vfs_dentry *dir, struct vfs_dentry *victim)
{
	struct vfs_dentry *neg;
	int err = vfs_dentry_new(dir, victim->name, NULL, &neg);

	if (err)
		return err;
	vfs_dentry_unhash(victim);
	if (!dir->inode->nocache)
		vfs_dentry_hash(neg);
	vfs_dentry_put(neg);
	return 0;
}

int vfs_unlink(struct task *t, int dirfd, const char *path, bool rmdir)
{
	struct vfs_path dir;
	struct vfs_dentry *child = NULL;
	enum vfs_last type;
	char last[NAME_MAX + 1];
	bool slash;
	int err;

	err = vfs_resolve_parent(t, dirfd, path, &dir, last, &type, &slash);
	if (err)
		return err;
	pthread_mutex_lock(&vfs_lock);
	if (type != VFS_LAST_NORM) {
		err = !rmdir ? -EISDIR : type == VFS_LAST_DOT ? -EINVAL :
		      type == VFS_LAST_DOTDOT ? -ENOTEMPTY : -EBUSY;
		goto out;
	}
	err = vfs_lookup_locked(t, dir.d, last, &child);
	if (err)
		goto out;
	if (!child->inode) {
		err = -ENOENT;
		goto out;
	}
	if (!rmdir && slash) {
		err = is_dir(child) ? -EISDIR : -ENOTDIR;
		goto out;
	}
	err = may_change_in(t, &dir);
	if (err)
		goto out;
	if (sticky_denied(t, dir.d->inode, child->inode)) {
		err = -EPERM;
		goto out;
	}
	if (rmdir) {
		if (!is_dir(child))
			err = -ENOTDIR;
		else if (child->mounted || (dir.mnt->root == child))
			err = -EBUSY;
		else if (!dir_empty(t, child))
			err = -ENOTEMPTY;
	} else if (is_dir(child)) {
		err = -EISDIR;
	} else if (child->mounted) {
		err = -EBUSY;
	}
	if (err)
		goto out;
	if (!dir.d->inode->ops->unlink) {
		err = -EPERM;
		goto out;
	}
	err = dir.d->inode->ops->unlink(dir.d, child);
	if (!err)
		err = remove_name(dir.d, child);
	if (!err) {
		u32 isdir = is_dir(child) ? IN_ISDIR : 0;

		/* Linux's order: the link count, the inode gone (if that was its last
		 * name and nothing holds it open: inotify_dentry_put), the name gone. */
		if (!rmdir)
			inotify_inode_event(child->inode, IN_ATTRIB);
		vfs_dentry_put(child);
		child = NULL;
		inotify_dir_event(dir.d->inode, last, IN_DELETE | isdir);
	}
out:
	if (child)
		vfs_dentry_put(child);
	vfs_path_put(&dir);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

int vfs_link(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
	     const char *newpath, u32 lflags)
{
	struct vfs_path old, dir;
	struct vfs_dentry *child = NULL;
	enum vfs_last type;
	char last[NAME_MAX + 1];
	bool slash;
	int err;

	err = vfs_resolve(t, olddirfd, oldpath, lflags, &old);
	if (err)
		return err;
	err = vfs_resolve_parent(t, newdirfd, newpath, &dir, last, &type, &slash);
	if (err)
		goto out_old;
	pthread_mutex_lock(&vfs_lock);
	err = lookup_new(t, &dir, last, type, &child);
	if (err)
		goto out;
	if (slash) {
		err = -ENOENT;
		goto out;
	}
	if (dir.mnt != old.mnt) {
		err = -EXDEV;
		goto out;
	}
	err = may_change_in(t, &dir);
	if (err)
		goto out;
	if (is_dir(old.d)) {
		err = -EPERM;
		goto out;
	}
	/* A file with no name left stays nameless, but for O_TMPFILE's (I_LINKABLE). */
	if (!old.d->inode->nlink && !old.d->inode->linkable) {
		err = -ENOENT;
		goto out;
	}
	if (!dir.d->inode->ops->link) {
		err = -EPERM;
		goto out;
	}
	err = dir.d->inode->ops->link(dir.d, last, old.d->inode);
	if (!err) {
		old.d->inode->linkable = false;
		err = install(dir.d, child, last, old.d->inode);
	}
	if (!err) {
		inotify_inode_event(old.d->inode, IN_ATTRIB);
		inotify_dir_event(dir.d->inode, last, IN_CREATE);
	}
out:
	if (child)
		vfs_dentry_put(child);
	vfs_path_put(&dir);
	pthread_mutex_unlock(&vfs_lock);
out_old:
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(&old);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

/* Moves dentry @d to @name under @dir in the tree. */
static int move_dentry(struct vfs_dentry *d, struct vfs_dentry *dir, const char *name)
{
	char *n = strdup(name);
	struct vfs_dentry *oldparent = d->parent;

	if (!n)
		return -ENOMEM;
	vfs_dentry_get(d);
	vfs_dentry_unhash(d);
	free(d->name);
	d->name = n;
	d->looked_up = false;   /* a lookup of the new name would not find it */
	vfs_dentry_get(dir);
	d->parent = dir;
	vfs_dentry_hash(d);
	vfs_dentry_put(d);
	vfs_dentry_put(oldparent);
	return 0;
}

static bool is_ancestor(struct vfs_dentry *a, struct vfs_dentry *d)
{
	for (; d; d = d->parent)
		if (d == a)
			return true;
	return false;
}

static int rename_checks(struct task *t, struct vfs_path *odir, struct vfs_dentry *old,
			 struct vfs_path *ndir, struct vfs_dentry *new, u32 flags,
			 bool oslash, bool nslash)
{
	bool exchange = flags & RENAME_EXCHANGE;
	int err;

	if (!old->inode)
		return -ENOENT;
	if (exchange && !new->inode)
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && new->inode)
		return -EEXIST;
	if ((oslash || nslash) && !is_dir(old) && !exchange)
		return -ENOTDIR;
	if (odir->mnt != ndir->mnt)
		return -EXDEV;
	err = may_change_in(t, odir);
	if (!err)
		err = may_change_in(t, ndir);
	if (err)
		return err;
	if (sticky_denied(t, odir->d->inode, old->inode) ||
	    (new->inode && sticky_denied(t, ndir->d->inode, new->inode)))
		return -EPERM;
	if (is_ancestor(old, ndir->d))
		return -EINVAL;
	if (new->inode && is_ancestor(new, odir->d))
		return exchange ? -EINVAL : -ENOTEMPTY;
	/* Two names of one inode: nothing to do (vfs_rename's source == target). */
	if (old->inode == new->inode)
		return 0;
	if (new->inode && !exchange) {
		if (is_dir(old) && !is_dir(new))
			return -ENOTDIR;
		if (!is_dir(old) && is_dir(new))
			return -EISDIR;
		if (is_dir(new) && !dir_empty(t, new))
			return -ENOTEMPTY;
	}
	if (old->mounted || new->mounted)
		return -EBUSY;
	return 0;
}

int vfs_rename(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
	       const char *newpath, u32 flags)
{
	struct vfs_path odir, ndir = { 0 };
	struct vfs_dentry *old = NULL, *new = NULL;
	enum vfs_last otype, ntype;
	char olast[NAME_MAX + 1], nlast[NAME_MAX + 1];
	bool oslash, nslash;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EINVAL;
	err = vfs_resolve_parent(t, olddirfd, oldpath, &odir, olast, &otype, &oslash);
	if (err)
		return err;
	err = vfs_resolve_parent(t, newdirfd, newpath, &ndir, nlast, &ntype, &nslash);
	if (err)
		goto out_odir;
	pthread_mutex_lock(&vfs_lock);
	if (odir.mnt != ndir.mnt) {
		err = -EXDEV;
		goto out;
	}
	if (otype != VFS_LAST_NORM || ntype != VFS_LAST_NORM) {
		err = -EBUSY;
		goto out;
	}
	err = vfs_lookup_locked(t, odir.d, olast, &old);
	if (!err)
		err = vfs_lookup_locked(t, ndir.d, nlast, &new);
	if (err)
		goto out;
	err = rename_checks(t, &odir, old, &ndir, new, flags, oslash, nslash);
	if (err || old->inode == new->inode)
		goto out;
	if (!odir.d->inode->ops->rename) {
		err = -EXDEV;
		goto out;
	}
	err = odir.d->inode->ops->rename(odir.d, old, ndir.d, nlast,
					 new->inode ? new : NULL, flags);
	if (err)
		goto out;
	if (flags & RENAME_EXCHANGE) {
		struct vfs_dentry *op = old->parent;
		char *on = strdup(old->name);

		if (!on) {
			err = -ENOMEM;
			goto out;
		}
		vfs_dentry_get(op);
		err = move_dentry(old, ndir.d, "\x01sbx-exchange");
		if (!err)
			err = move_dentry(new, op, on);
		if (!err)
			err = move_dentry(old, ndir.d, nlast);
		vfs_dentry_put(op);
		free(on);
		if (!err)
			inotify_rename(odir.d->inode, olast, ndir.d->inode, nlast, old->inode,
				       new->inode, true);
		goto out;
	}
	vfs_dentry_unhash(new);
	err = remove_name(odir.d, old);
	if (!err)
		err = move_dentry(old, ndir.d, nlast);
	if (!err)
		inotify_rename(odir.d->inode, olast, ndir.d->inode, nlast, old->inode,
			       new->inode, false);
out:
	if (old)
		vfs_dentry_put(old);
	if (new)
		vfs_dentry_put(new);
	vfs_path_put(&ndir);
	pthread_mutex_unlock(&vfs_lock);
out_odir:
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(&odir);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

int vfs_readlink(struct task *t, const struct vfs_path *p, char *buf, size_t len)
{
	struct vfs_inode *ino = p->d->inode;
	int n;

	if (!S_ISLNK(ino->mode) || !ino->ops->readlink)
		return -EINVAL;
	pthread_mutex_lock(&vfs_lock);
	n = ino->ops->readlink(t, ino, buf, len);
	pthread_mutex_unlock(&vfs_lock);
	return n;
}

int vfs_setattr_path(struct task *t, const struct vfs_path *p, struct vfs_setattr *sa)
{
	struct vfs_inode *ino = p->d->inode;
	bool owner = t->euid == 0 || t->euid == ino->uid;
	int err = 0;

	pthread_mutex_lock(&vfs_lock);
	/* Linux takes mnt_want_write first: EROFS before any permission error. */
	if (mnt_ro(p))
		err = -EROFS;
	if (!err && (sa->mask & VFS_SET_MODE) && !owner)
		err = -EPERM;
	if (!err && (sa->mask & VFS_SET_UID) && t->euid != 0 && sa->uid != ino->uid)
		err = -EPERM;
	if (!err && (sa->mask & VFS_SET_GID) && t->euid != 0 &&
	    (t->euid != ino->uid || sa->gid != t->egid) && sa->gid != ino->gid)
		err = -EPERM;
	if (!err && (sa->mask & (VFS_SET_ATIME | VFS_SET_MTIME)) && !owner) {
		/* Setting both to now needs only write permission. */
		bool now = sa->atime_nsec == UTIME_NOW && sa->mtime_nsec == UTIME_NOW;

		err = now ? vfs_permission(t, ino, MAY_WRITE) : -EPERM;
	}
	if (!err && !ino->ops->setattr)
		err = -EPERM;
	if (!err) {
		/* Clear the set-id bits on a chown, as Linux does for non-directories. */
		if ((sa->mask & (VFS_SET_UID | VFS_SET_GID)) && !(sa->mask & VFS_SET_MODE) &&
		    !S_ISDIR(ino->mode) && (ino->mode & (S_ISUID | S_ISGID))) {
			sa->mask |= VFS_SET_MODE;
			sa->mode = ino->mode & 07777 & ~(S_ISUID | S_ISGID);
		}
		if ((sa->mask & VFS_SET_MODE) && t->euid != 0 && t->egid != ino->gid)
			sa->mode &= ~S_ISGID;
		err = ino->ops->setattr(ino, sa);
	}
	if (!err && inotify_active()) {
		u32 m = sa->mask;

		if (sa->atime_nsec == UTIME_OMIT)
			m &= ~VFS_SET_ATIME;
		if (sa->mtime_nsec == UTIME_OMIT)
			m &= ~VFS_SET_MTIME;
		inotify_dentry_event(p->d, inotify_setattr_mask(m));
	}
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

int vfs_getattr(struct task *t, const struct vfs_path *p, struct stat *st)
{
	struct vfs_inode *ino = p->d->inode;

	pthread_mutex_lock(&vfs_lock);
	if (ino->ops->refresh)
		ino->ops->refresh(t, ino);
	vfs_inode_stat(ino, st);
	pthread_mutex_unlock(&vfs_lock);
	return 0;
}

#define ST_VALID 0x0020         /* statfs's f_flags is filled (linux/statfs.h) */

int vfs_statfs_path(const struct vfs_path *p, struct statfs *sf)
{
	struct vfs_inode *ino = p->d->inode;
	int err = 0;

	memset(sf, 0, sizeof(*sf));
	pthread_mutex_lock(&vfs_lock);
	if (ino->ops->statfs) {
		err = ino->ops->statfs(ino, sf);
	} else {
		sf->f_type = 0x01021994;        /* TMPFS_MAGIC */
		sf->f_bsize = sf->f_frsize = 4096;
		sf->f_namelen = NAME_MAX;
	}
	/* The mount's flags, as Linux reports them (ST_VALID: glibc's statvfs then
	 * trusts f_flags rather than parsing /proc/mounts). Every mount is relatime. */
	if (!err)
		sf->f_flags = ST_VALID | ST_RELATIME |
			      (p->mnt->flags & (VFS_MNT_RDONLY | VFS_MNT_NOSUID | VFS_MNT_NODEV |
						VFS_MNT_NOEXEC));
	pthread_mutex_unlock(&vfs_lock);
	return err;
}
