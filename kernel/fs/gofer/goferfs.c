/*
 * The gofer filesystem's inodes (see goferfs.h): lookup by WALK, and every change
 * as one gofer operation whose reply (or a STAT after it) refreshes the attributes
 * the sandbox sees. Paths kept for restore follow renames here. After gVisor's
 * fsimpl/gofer (filesystem.go, directory.go).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fs/gofer/goferc.h"
#include "fs/gofer/goferfs.h"
#include "memfile/memfile.h"
#include "task/task.h"

/* st_dev of gofer filesystems: apart from the overlay's (0x1000xx) numbers. */
static u64 next_dev = 0x100080;

struct gofer_conn *goferfs_conn(struct goferfs_inode *gi)
{
	return goferc_get(gi->fs->gofer);
}

static int inode_new(struct goferfs_fs *fs, const struct gofer_stat *st, u32 h,
		     const char *path, struct goferfs_inode **out)
{
	struct goferfs_inode *gi = calloc(1, sizeof(*gi));

	if (!gi)
		return -ENOMEM;
	vfs_inode_init(&gi->base, &goferfs_inode_ops, st->mode);
	gi->fs = fs;
	ref_get(&fs->ref);
	gi->fd_ro = gi->fd_rw = -1;
	gi->base.dev = fs->dev;
	gi->path = strdup(path);
	if (!gi->path) {
		vfs_inode_put(&gi->base);
		return -ENOMEM;
	}
	goferfs_set_attr(gi, st);
	gi->h = h;
	*out = gi;
	return 0;
}

void goferfs_set_attr(struct goferfs_inode *gi, const struct gofer_stat *st)
{
	goferc_stat_to_inode(st, &gi->base);
	goferfs_cache_resize(gi);
}

/* Re-reads the attributes of @gi from the host (after a change to it). */
static void refresh(struct goferfs_inode *gi)
{
	struct gofer_stat st;

	if (gi->h && !goferc_stat(goferfs_conn(gi), gi->h, &st))
		goferfs_set_attr(gi, &st);
}

int goferfs_new(u32 gofer, const char *name, struct vfs_dentry **root)
{
	struct goferfs_fs *fs = calloc(1, sizeof(*fs));
	struct goferfs_inode *gi = NULL;
	struct gofer_stat st;
	int err;

	if (!fs)
		return -ENOMEM;
	ref_init(&fs->ref);
	fs->gofer = gofer;
	fs->dev = next_dev++;
	fs->name = strdup(name);
	err = fs->name ? 0 : -ENOMEM;
	if (!err && !goferc_get(gofer))
		err = -ENXIO;
	if (!err)
		err = goferc_stat(goferc_get(gofer), GOFER_ROOT_HANDLE, &st);
	if (!err && !S_ISDIR(st.mode))
		err = -ENOTDIR;
	if (!err)
		err = inode_new(fs, &st, GOFER_ROOT_HANDLE, "", &gi);
	if (ref_put(&fs->ref) && err) {
		free(fs->name);
		free(fs);
	}
	if (err)
		return err;
	err = vfs_dentry_new(NULL, "/", &gi->base, root);
	vfs_inode_put(&gi->base);
	return err;
}

/* The path of @name in directory @d, malloc'ed. */
static char *child_path(struct goferfs_inode *d, const char *name)
{
	char *p;

	if (!d->path)
		return NULL;
	if (asprintf(&p, "%s%s%s", d->path, d->path[0] ? "/" : "", name) < 0)
		return NULL;
	return p;
}

/* An inode whose handle is gone (a restore did not find its path): ESTALE, as NFS
 * says of a file removed behind its back. */
static int handle_of(struct goferfs_inode *gi, u32 *h)
{
	*h = gi->h;
	return gi->h ? 0 : -ESTALE;
}

static int goferfs_lookup(struct vfs_dentry *dir, const char *name, struct vfs_inode **out)
{
	struct goferfs_inode *d = GOFERFS_I(dir->inode), *gi;
	struct gofer_stat st;
	char *path;
	u32 dh, h;
	int err = handle_of(d, &dh);

	if (err)
		return err;
	err = goferc_walk(goferfs_conn(d), dh, name, &h, &st);
	/* ELOOP/EXDEV: the gofer met a host mount point; the name is not ours. */
	if (err)
		return err == -ELOOP || err == -EXDEV ? -ENOENT : err;
	path = child_path(d, name);
	err = path ? inode_new(d->fs, &st, h, path, &gi) : -ENOMEM;
	free(path);
	if (err) {
		goferc_close(goferfs_conn(d), h);
		return err;
	}
	*out = &gi->base;
	return 0;
}

static int goferfs_readlink(struct task *t, struct vfs_inode *ino, char *buf, size_t len)
{
	struct goferfs_inode *gi = GOFERFS_I(ino);
	size_t n;
	u32 h;

	if (!gi->target) {
		char tmp[PATH_MAX];
		int r = handle_of(gi, &h);

		if (!r)
			r = goferc_readlink(goferfs_conn(gi), h, tmp, sizeof(tmp) - 1);
		if (r < 0)
			return r;
		tmp[r] = 0;
		gi->target = strdup(tmp);
		if (!gi->target)
			return -ENOMEM;
	}
	n = MIN(strlen(gi->target), len);
	memcpy(buf, gi->target, n);
	return n;
}

/* Gives a new file the owner the VFS asked for where the gofer (root on the host)
 * made it its own: a non-root task's files are its own on the host too. */
static void chown_new(struct goferfs_inode *gi, u32 uid, u32 gid)
{
	struct gofer_stat st;
	u32 mask = (gi->base.uid != uid ? GOFER_SET_UID : 0) |
		   (gi->base.gid != gid ? GOFER_SET_GID : 0);

	if (mask && !goferc_setattr(goferfs_conn(gi), gi->h, mask, 0, uid, gid, 0, 0, 0, 0, 0,
				    &st))
		goferfs_set_attr(gi, &st);
}

static int goferfs_create(struct vfs_dentry *dir, const char *name, u32 mode, u32 uid,
			  u32 gid, const char *target, struct vfs_inode **out)
{
	struct goferfs_inode *d = GOFERFS_I(dir->inode), *gi;
	struct gofer_conn *c = goferfs_conn(d);
	struct gofer_stat st;
	char *path;
	int fd = -1, err;
	u32 dh, h;

	err = handle_of(d, &dh);
	if (err)
		return err;
	path = child_path(d, name);
	if (!path)
		return -ENOMEM;
	if (S_ISREG(mode))
		err = goferc_create(c, dh, name, O_RDWR, mode & 07777, &h, &st, &fd);
	else if (S_ISDIR(mode))
		err = goferc_make(c, GOFER_MKDIR, dh, name, mode & 07777, NULL, &h, &st);
	else if (S_ISFIFO(mode))
		err = goferc_make(c, GOFER_MKNOD, dh, name, mode & 07777, NULL, &h, &st);
	else if (S_ISLNK(mode))
		err = goferc_make(c, GOFER_SYMLINK, dh, name, 0, target, &h, &st);
	else
		err = -EPERM;   /* devices; sockets have no bind here yet */
	if (!err) {
		err = inode_new(d->fs, &st, h, path, &gi);
		if (err)
			goferc_close(c, h);
	}
	free(path);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	/* The descriptor CREATE opened is kept for the open that follows (O_CREAT);
	 * it is closed with the last file, or by the release if none comes. */
	gi->fd_rw = fd;
	/* A set-group-id directory gives its group (the host did it already). */
	chown_new(gi, uid, (d->base.mode & S_ISGID) ? gi->base.gid : gid);
	refresh(d);
	*out = &gi->base;
	return 0;
}

static int goferfs_link(struct vfs_dentry *dir, const char *name, struct vfs_inode *ino)
{
	struct goferfs_inode *d = GOFERFS_I(dir->inode), *gi = GOFERFS_I(ino);
	struct gofer_stat st;
	u32 dh, h, nh;
	int err;

	if (ino->ops != &goferfs_inode_ops || gi->fs != d->fs)
		return -EXDEV;
	err = handle_of(d, &dh);
	if (!err)
		err = handle_of(gi, &h);
	if (!err)
		err = goferc_link(goferfs_conn(d), h, dh, name, &nh, &st);
	if (err)
		return err;
	goferc_close(goferfs_conn(d), nh);
	goferfs_set_attr(gi, &st);
	if (!gi->path)
		gi->path = child_path(d, name);
	refresh(d);
	return 0;
}

static int goferfs_unlink(struct vfs_dentry *dir, struct vfs_dentry *victim)
{
	struct goferfs_inode *d = GOFERFS_I(dir->inode), *gi = GOFERFS_I(victim->inode);
	char *path;
	u32 dh;
	int err = handle_of(d, &dh);

	if (err)
		return err;
	err = goferc_unlink(goferfs_conn(d), dh, victim->name,
			    S_ISDIR(gi->base.mode) ? AT_REMOVEDIR : 0);
	if (err)
		return err;
	/* The handle still names the file (an O_PATH descriptor in the gofer): its
	 * link count drops, and open files keep reading and writing it. */
	refresh(gi);
	if (S_ISDIR(gi->base.mode))
		gi->base.nlink = 0;
	path = child_path(d, victim->name);
	if (gi->path && (!path || !strcmp(gi->path, path) || !gi->base.nlink)) {
		/* Another name of a hard-linked file is not known here: restore treats the
		 * file as deleted. */
		free(gi->path);
		gi->path = NULL;
	}
	free(path);
	if (!gi->path && !gi->nopen)
		goferfs_close_fds(gi);
	refresh(d);
	return 0;
}

/* Gives the cached children of @d paths under @gi's (after a directory rename). */
static void repath_kids(struct vfs_dentry *d, struct goferfs_inode *gi)
{
	struct st_list *pos;

	st_list_for_each(pos, &d->kids) {
		struct vfs_dentry *k = container_of(pos, struct vfs_dentry, sib);
		struct goferfs_inode *ki;

		if (!k->inode || k->inode->ops != &goferfs_inode_ops)
			continue;
		ki = GOFERFS_I(k->inode);
		free(ki->path);
		ki->path = child_path(gi, k->name);
		if (S_ISDIR(ki->base.mode))
			repath_kids(k, ki);
	}
}

static void set_path(struct vfs_dentry *d, struct goferfs_inode *dir, const char *name)
{
	struct goferfs_inode *gi = GOFERFS_I(d->inode);

	free(gi->path);
	gi->path = child_path(dir, name);
	if (S_ISDIR(gi->base.mode))
		repath_kids(d, gi);
}

static int goferfs_rename(struct vfs_dentry *odir, struct vfs_dentry *old,
			  struct vfs_dentry *ndir, const char *newname,
			  struct vfs_dentry *target, u32 flags)
{
	struct goferfs_inode *od = GOFERFS_I(odir->inode), *nd;
	u32 oh, nh;
	int err;

	if (ndir->inode->ops != &goferfs_inode_ops || GOFERFS_I(ndir->inode)->fs != od->fs)
		return -EXDEV;
	nd = GOFERFS_I(ndir->inode);
	err = handle_of(od, &oh);
	if (!err)
		err = handle_of(nd, &nh);
	if (!err)
		err = goferc_rename(goferfs_conn(od), oh, old->name, nh, newname, flags);
	if (err)
		return err;
	if (flags & RENAME_EXCHANGE) {
		set_path(target, od, old->name);
		refresh(GOFERFS_I(target->inode));
	} else if (target) {
		struct goferfs_inode *ti = GOFERFS_I(target->inode);

		refresh(ti);
		if (S_ISDIR(ti->base.mode))
			ti->base.nlink = 0;
		if (!ti->base.nlink) {
			free(ti->path);
			ti->path = NULL;
			if (!ti->nopen)
				goferfs_close_fds(ti);
		}
	}
	set_path(old, nd, newname);
	refresh(GOFERFS_I(old->inode));
	refresh(od);
	if (nd != od)
		refresh(nd);
	return 0;
}

static int goferfs_setattr(struct vfs_inode *ino, const struct vfs_setattr *sa)
{
	struct goferfs_inode *gi = GOFERFS_I(ino);
	struct gofer_stat st;
	s64 an = sa->atime_nsec, mn = sa->mtime_nsec;
	u32 mask = 0, h;
	int err = handle_of(gi, &h);

	if (err)
		return err;
	if ((sa->mask & VFS_SET_SIZE) && !S_ISREG(ino->mode))
		return S_ISDIR(ino->mode) ? -EISDIR : -EINVAL;
	mask |= sa->mask & VFS_SET_MODE ? GOFER_SET_MODE : 0;
	mask |= sa->mask & VFS_SET_UID ? GOFER_SET_UID : 0;
	mask |= sa->mask & VFS_SET_GID ? GOFER_SET_GID : 0;
	mask |= sa->mask & VFS_SET_SIZE ? GOFER_SET_SIZE : 0;
	if ((sa->mask & VFS_SET_ATIME) && an != UTIME_OMIT)
		mask |= GOFER_SET_ATIME;
	if ((sa->mask & VFS_SET_MTIME) && mn != UTIME_OMIT)
		mask |= GOFER_SET_MTIME;
	if (an == UTIME_NOW)
		an = GOFER_TIME_NOW;
	if (mn == UTIME_NOW)
		mn = GOFER_TIME_NOW;
	if (!(mask & GOFER_SET_ATIME))
		an = 0;
	if (!(mask & GOFER_SET_MTIME))
		mn = 0;
	if (!mask) {
		/* Only a ctime change (utimensat with both omitted): the host's own. */
		refresh(gi);
		return 0;
	}
	err = goferc_setattr(goferfs_conn(gi), h, mask, sa->mode & 07777, sa->uid, sa->gid,
			     sa->size, (mask & GOFER_SET_ATIME) ? sa->atime_sec : 0, an,
			     (mask & GOFER_SET_MTIME) ? sa->mtime_sec : 0, mn, &st);
	if (err)
		return err;
	goferfs_set_attr(gi, &st);
	return 0;
}

struct listing {
	struct vfs_dirent *ents;
	u32 n, cap;
};

static int add_ent(void *arg, const char *name, size_t len, u8 type, u64 ino)
{
	struct listing *l = arg;

	return vfs_dirent_add(&l->ents, &l->n, &l->cap, name, len, type, ino);
}

static int goferfs_readdir(struct task *t, struct vfs_dentry *dir, struct vfs_dirent **out,
			   u32 *n)
{
	struct goferfs_inode *d = GOFERFS_I(dir->inode);
	struct listing l = { 0 };
	u32 h;
	int err = handle_of(d, &h);

	if (!err)
		err = goferc_readdir(goferfs_conn(d), h, add_ent, &l);
	if (err) {
		vfs_dirents_free(l.ents, l.n);
		return err;
	}
	*out = l.ents;
	*n = l.n;
	return 0;
}

static int goferfs_statfs(struct vfs_inode *ino, struct statfs *sf)
{
	return goferc_statfs(goferfs_conn(GOFERFS_I(ino)), GOFER_ROOT_HANDLE, sf);
}

/* Everything of a volume's file is on the host: unused, it may be dropped and
 * looked up again. */
static bool goferfs_droppable(struct vfs_inode *ino)
{
	struct goferfs_inode *gi = GOFERFS_I(ino);

	return gi->path && gi->h && !gi->nopen && !gi->cache && st_list_empty(&ino->locks);
}

static void goferfs_release(struct vfs_inode *ino)
{
	struct goferfs_inode *gi = GOFERFS_I(ino);

	goferfs_close_fds(gi);
	mf_pages_put(gi->cache);        /* mappings may keep it, and write it back */
	/* A directory's handle is the parent the gofer reopens its children by; they
	 * are gone, as each holds its parent's dentry. */
	if (gi->h && gi->h != GOFER_ROOT_HANDLE)
		goferc_close(goferfs_conn(gi), gi->h);
	free(gi->path);
	free(gi->target);
	if (ref_put(&gi->fs->ref)) {
		free(gi->fs->name);
		free(gi->fs);
	}
	free(gi);
}

const struct vfs_inode_ops goferfs_inode_ops = {
	.type = "goferfs",
	.lookup = goferfs_lookup,
	.droppable = goferfs_droppable,
	.open = goferfs_open,
	.readlink = goferfs_readlink,
	.setattr = goferfs_setattr,
	.create = goferfs_create,
	.link = goferfs_link,
	.unlink = goferfs_unlink,
	.rename = goferfs_rename,
	.readdir = goferfs_readdir,
	.statfs = goferfs_statfs,
	.release = goferfs_release,
};
