/*
 * Path resolution, after Linux's fs/namei.c: absolute and relative paths (from the
 * cwd or a directory fd), ".", ".." (which never climbs above the task's root, and
 * crosses back over mount points), mount crossings, symlinks (at most 40 per
 * resolution, then ELOOP; a symlink's target is spliced in front of the rest of the
 * path), magic links (/proc/self/fd/N, which lead to a place rather than a string),
 * trailing slashes (the result must be a directory) and search permission on every
 * directory walked through. openat2's scoping (RESOLVE_BENEATH, RESOLVE_IN_ROOT,
 * RESOLVE_NO_XDEV, RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS) is checked where Linux
 * checks it: at an absolute start or symlink (nd_jump_root), at ".." (follow_dotdot),
 * at a mount crossing and at a magic link (nd_jump_link). The whole walk holds
 * vfs_lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mm/mm.h"
#include "task/task.h"
#include "vfs/vfs.h"

#define MAX_SYMLINKS 40

struct nd {
	struct task *t;
	/* the task's root, borrowed (vfs_lock held); for a scoped walk the starting
	 * directory, referenced */
	struct vfs_path root;
	struct vfs_path cur;    /* referenced */
	int nlinks;
	u32 flags;              /* VFS_* lookup flags */
};

int vfs_path_in(struct task *t, u64 addr, char *buf, bool empty_ok)
{
	s64 n = mm_strncpy_in(t->mm, buf, addr, PATH_MAX);

	if (n < 0)
		return n;
	if (!n && !empty_ok)
		return -ENOENT;
	return 0;
}

static void set_cur(struct nd *nd, struct vfs_mount *mnt, struct vfs_dentry *d)
{
	struct vfs_path old = nd->cur;

	nd->cur = (struct vfs_path){ mnt, d };
	vfs_path_get(&nd->cur);
	vfs_path_put(&old);
}

static int cross_mounts(struct nd *nd)
{
	while (nd->cur.d->mounted) {
		struct vfs_mount *m = vfs_mount_lookup(vfs_init_mntns, nd->cur.mnt, nd->cur.d);

		if (!m)
			break;
		if (nd->flags & VFS_NO_XDEV)
			return -EXDEV;
		set_cur(nd, m, m->root);
	}
	return 0;
}

/* "..": never above the root; at it, RESOLVE_BENEATH fails (Linux's in_root). */
static int step_dotdot(struct nd *nd)
{
	for (;;) {
		struct vfs_mount *mnt = nd->cur.mnt;

		if (nd->cur.d == nd->root.d && mnt == nd->root.mnt)
			break;
		if (nd->cur.d == mnt->root) {
			if (!mnt->parent)
				break;
			if (nd->flags & VFS_NO_XDEV)
				return -EXDEV;
			set_cur(nd, mnt->parent, mnt->mountpoint);
			continue;
		}
		if (!nd->cur.d->parent)
			break;
		set_cur(nd, mnt, nd->cur.d->parent);
		return 0;
	}
	return (nd->flags & VFS_BENEATH) ? -EXDEV : 0;
}

/* A jump to the root: an absolute path or symlink (Linux's nd_jump_root). */
static int jump_root(struct nd *nd)
{
	if (nd->flags & VFS_BENEATH)
		return -EXDEV;
	if ((nd->flags & VFS_NO_XDEV) && nd->cur.mnt && nd->cur.mnt != nd->root.mnt)
		return -EXDEV;
	set_cur(nd, nd->root.mnt, nd->root.d);
	return 0;
}

int vfs_lookup_locked(struct task *t, struct vfs_dentry *dir, const char *name,
		      struct vfs_dentry **out)
{
	struct vfs_inode *dino = dir->inode, *ino = NULL;
	struct vfs_dentry *d;
	int err;

	if (!dino->nocache) {
		d = vfs_dentry_find(dir, name, strlen(name));
		if (d) {
			vfs_dentry_get(d);
			*out = d;
			return 0;
		}
	}
	if (!dino->ops->lookup)
		return -ENOTDIR;
	err = dino->ops->lookup(dir, name, &ino);
	if (err && err != -ENOENT)
		return err;
	if (dino->nocache && err)
		return err;
	err = vfs_dentry_new(dir, name, ino, &d);
	vfs_inode_put(ino);
	if (err)
		return err;
	d->looked_up = true;
	if (!dino->nocache)
		vfs_dentry_hash(d);
	*out = d;
	return 0;
}

__thread struct task *vfs_task;

static int start(struct nd *nd, int dirfd, const char *path)
{
	struct vfs_file *f;
	int err;

	vfs_task = nd->t;
	nd->root = nd->t->fs->root;
	if (path[0] == '/' && (nd->flags & VFS_BENEATH))
		return -EXDEV;
	if (path[0] == '/' && !(nd->flags & VFS_SCOPED)) {
		nd->cur = nd->t->fs->cwd;
		vfs_path_get(&nd->cur);
		if (dirfd != AT_FDCWD) {
			/* Only for RESOLVE_NO_XDEV's check of where the walk starts. */
			f = fdt_get(nd->t->fdt, dirfd);
			if (f && f->path.d)
				set_cur(nd, f->path.mnt, f->path.d);
			if (f)
				vfs_file_put(f);
		}
		err = jump_root(nd);
		if (err)
			vfs_path_put(&nd->cur);
		return err;
	}
	if (dirfd == AT_FDCWD) {
		nd->cur = nd->t->fs->cwd;
		vfs_path_get(&nd->cur);
		goto scope;
	}
	f = fdt_get(nd->t->fdt, dirfd);
	if (!f)
		return -EBADF;
	if (!f->path.d) {
		vfs_file_put(f);
		return -ENOTDIR;
	}
	nd->cur = f->path;
	vfs_path_get(&nd->cur);
	vfs_file_put(f);
	if (path[0] && (!nd->cur.d->inode || !S_ISDIR(nd->cur.d->inode->mode))) {
		vfs_path_put(&nd->cur);
		return -ENOTDIR;
	}
scope:
	if (nd->flags & VFS_SCOPED) {
		nd->root = nd->cur;
		vfs_path_get(&nd->root);
	}
	return 0;
}

static void nd_done(struct nd *nd)
{
	if (nd->flags & VFS_SCOPED)
		vfs_path_put(&nd->root);
}

/* Replaces the rest of the walk with @target followed by @rest. */
static int splice_rest(char **buf, const char *target, size_t tlen, const char *rest)
{
	size_t rlen = strlen(rest);
	char *n;

	if (tlen + rlen + 2 > 2 * PATH_MAX)
		return -ENAMETOOLONG;
	n = malloc(tlen + rlen + 2);
	if (!n)
		return -ENOMEM;
	memcpy(n, target, tlen);
	memcpy(n + tlen, rest, rlen + 1);
	free(*buf);
	*buf = n;
	return 0;
}

/* Follows the symlink @child: jumps for a magic link, else splices its target. */
static int follow(struct nd *nd, struct vfs_dentry *child, char **buf, char **p,
		  const char *rest)
{
	struct vfs_inode *ino = child->inode;
	struct vfs_path jump;
	char *target;
	int len, err;

	if (++nd->nlinks > MAX_SYMLINKS || (nd->flags & VFS_NO_SYMLINKS))
		return -ELOOP;
	if (ino->ops->get_link) {
		err = ino->ops->get_link(nd->t, ino, &jump);
		if (!err) {
			/* Linux's nd_jump_link. */
			err = (nd->flags & VFS_NO_MAGICLINKS) ? -ELOOP :
			      (nd->flags & VFS_NO_XDEV) && jump.mnt != nd->cur.mnt ? -EXDEV :
			      (nd->flags & VFS_SCOPED) ? -EXDEV : 0;
			if (err) {
				vfs_path_put(&jump);
				return err;
			}
			vfs_path_put(&nd->cur);
			nd->cur = jump;
			err = splice_rest(buf, "", 0, rest);
			*p = *buf;
			return err;
		}
		if (err != -ENOENT)
			return err;
	}
	if (!ino->ops->readlink)
		return -EINVAL;
	target = malloc(PATH_MAX);
	if (!target)
		return -ENOMEM;
	len = ino->ops->readlink(nd->t, ino, target, PATH_MAX);
	if (len <= 0) {
		free(target);
		return len ? len : -ENOENT;
	}
	if (target[0] == '/') {
		err = jump_root(nd);
		if (err) {
			free(target);
			return err;
		}
	}
	err = splice_rest(buf, target, len, rest);
	free(target);
	*p = *buf;
	return err;
}

/* The walk. In parent mode it stops before the last component. */
static int walk(struct nd *nd, const char *path, u32 lflags, char *last,
		enum vfs_last *type, bool *slash)
{
	char *buf = strdup(path), *p;
	bool trailing = false;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	if (type) {
		*type = VFS_LAST_ROOT;
		*slash = false;
	}
	p = buf;
	for (;;) {
		struct vfs_dentry *child;
		struct vfs_inode *dino;
		char *end, *q;
		size_t n;
		bool is_last;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		n = end - p;
		if (n > NAME_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		for (q = end; *q == '/'; q++)
			;
		is_last = !*q;
		trailing = is_last && *end == '/';
		dino = nd->cur.d->inode;
		if (!dino) {
			err = -ENOENT;
			break;
		}
		if (!S_ISDIR(dino->mode)) {
			err = -ENOTDIR;
			break;
		}
		if (dino->ops->refresh)
			dino->ops->refresh(nd->t, dino);
		err = vfs_permission(nd->t, dino, 1);
		if (err)
			break;
		if (type && is_last) {
			memcpy(last, p, n);
			last[n] = 0;
			*slash = trailing;
			*type = (n == 1 && p[0] == '.') ? VFS_LAST_DOT :
				(n == 2 && p[0] == '.' && p[1] == '.') ? VFS_LAST_DOTDOT :
				VFS_LAST_NORM;
			break;
		}
		*end = 0;
		if (n == 1 && p[0] == '.') {
			p = end + (is_last ? 0 : 1);
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			err = step_dotdot(nd);
			if (err)
				break;
			p = end + (is_last ? 0 : 1);
			continue;
		}
		err = vfs_lookup_locked(nd->t, nd->cur.d, p, &child);
		if (err)
			break;
		if (!child->inode) {
			vfs_dentry_put(child);
			err = -ENOENT;
			break;
		}
		if (S_ISLNK(child->inode->mode) &&
		    (!is_last || (lflags & VFS_FOLLOW) || trailing)) {
			char *rest = strdup(is_last ? (trailing ? "/" : "") : end + 1);

			if (!rest) {
				vfs_dentry_put(child);
				err = -ENOMEM;
				break;
			}
			if (!is_last) {
				/* Keep the separator between the target and the rest. */
				char *r2 = malloc(strlen(rest) + 2);

				if (r2) {
					r2[0] = '/';
					strcpy(r2 + 1, rest);
				}
				free(rest);
				rest = r2;
			}
			err = rest ? follow(nd, child, &buf, &p, rest) : -ENOMEM;
			free(rest);
			vfs_dentry_put(child);
			if (err)
				break;
			continue;
		}
		set_cur(nd, nd->cur.mnt, child);
		vfs_dentry_put(child);
		err = cross_mounts(nd);
		if (err)
			break;
		p = end + (is_last ? 0 : 1);
		if (is_last)
			break;
	}
	free(buf);
	if (!err && !type && (trailing || (lflags & VFS_DIRECTORY))) {
		struct vfs_inode *ino = nd->cur.d->inode;

		if (!ino)
			err = -ENOENT;
		else if (!S_ISDIR(ino->mode))
			err = -ENOTDIR;
	}
	return err;
}

int vfs_resolve(struct task *t, int dirfd, const char *path, u32 lflags,
		struct vfs_path *out)
{
	struct nd nd = { .t = t, .flags = lflags };
	int err;

	if (!path[0] && !(lflags & VFS_EMPTY_PATH))
		return -ENOENT;
	pthread_mutex_lock(&vfs_lock);
	err = start(&nd, dirfd, path);
	if (!err) {
		err = walk(&nd, path, lflags, NULL, NULL, NULL);
		if (err)
			vfs_path_put(&nd.cur);
		else
			*out = nd.cur;
		nd_done(&nd);
	}
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

int vfs_resolve_parent_flags(struct task *t, int dirfd, const char *path, u32 lflags,
			     struct vfs_path *parent, char *last, enum vfs_last *type,
			     bool *slash)
{
	struct nd nd = { .t = t, .flags = lflags };
	int err;

	if (!path[0])
		return -ENOENT;
	pthread_mutex_lock(&vfs_lock);
	err = start(&nd, dirfd, path);
	if (!err) {
		err = walk(&nd, path, lflags & ~(VFS_FOLLOW | VFS_DIRECTORY), last, type,
			   slash);
		if (err)
			vfs_path_put(&nd.cur);
		else
			*parent = nd.cur;
		nd_done(&nd);
	}
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

int vfs_resolve_parent(struct task *t, int dirfd, const char *path, struct vfs_path *parent,
		       char *last, enum vfs_last *type, bool *slash)
{
	return vfs_resolve_parent_flags(t, dirfd, path, 0, parent, last, type, slash);
}
