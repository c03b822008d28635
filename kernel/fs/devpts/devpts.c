/*
 * devpts (after Linux's fs/devpts/inode.c): the directory mounted at /dev/pts with
 * "ptmx" (5:2) and one node per live pair, N (136:N), which goes when the pair's
 * master closes. Opening ptmx makes a pair with the lowest free number; the slave
 * node belongs to the opener, group tty (5), mode 0620, as the mount options
 * gid=5,mode=620,ptmxmode=666 of a container's /dev/pts have it. Its inodes are made
 * on each lookup from the pairs (never cached), so they are always the pairs'.
 *
 * Pairs are numbered in one table (devpts_lock), rebuilt from the pairs on a load.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include "fs/devpts/devpts.h"
#include "fs/synth/synth.h"
#include "kernel.h"
#include "memfile/memfile.h"
#include "task/task.h"

#define DEVPTS_SUPER_MAGIC 0x1cd1
#define TTY_GID 5

/* Every live pair by number; under devpts_lock, which nests inside a pty's lock. */
static pthread_mutex_t devpts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pty *devpts_ptys[PTY_MAX];

static struct devpts_inode *DI(struct vfs_inode *i)
{
	return container_of(i, struct devpts_inode, base);
}

u64 devpts_rdev(u32 index)
{
	/* the kernel's new_encode_dev(MKDEV(136, index)) */
	return (index & 0xff) | (PTS_MAJOR << 8) | ((u64)(index & ~0xffu) << 12);
}

void pty_get(struct pty *p)
{
	ref_get(&p->ref);
}

void pty_put(struct pty *p)
{
	if (!p || !ref_put(&p->ref))
		return;
	pthread_mutex_lock(&devpts_lock);
	if (p->index < PTY_MAX && devpts_ptys[p->index] == p)
		devpts_ptys[p->index] = NULL;
	pthread_mutex_unlock(&devpts_lock);
	memfile_uncharge(p->mf, sizeof(*p));
	fasync_list_free(&p->fasync_master);
	fasync_list_free(&p->fasync_slave);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int devpts_register(struct pty *p)
{
	int err = 0;

	pthread_mutex_lock(&devpts_lock);
	if (devpts_ptys[p->index])
		err = -EINVAL;
	else
		devpts_ptys[p->index] = p;
	pthread_mutex_unlock(&devpts_lock);
	return err;
}

struct pty *devpts_find(u32 index)
{
	struct pty *p = NULL;

	if (index >= PTY_MAX)
		return NULL;
	pthread_mutex_lock(&devpts_lock);
	p = devpts_ptys[index];
	if (p)
		pty_get(p);
	pthread_mutex_unlock(&devpts_lock);
	return p;
}

static bool visible(struct pty *p)
{
	bool v;

	pthread_mutex_lock(&p->lock);
	v = p->master_open;
	pthread_mutex_unlock(&p->lock);
	return v;
}

static int inode_new(u32 kind, u32 index, struct vfs_inode **out)
{
	struct devpts_inode *di = calloc(1, sizeof(*di));
	u32 mode = kind == DP_ROOT ? S_IFDIR | 0755 : S_IFCHR | 0666;

	if (!di)
		return -ENOMEM;
	vfs_inode_init(&di->base, &devpts_inode_ops, mode);
	di->kind = kind;
	di->index = index;
	di->base.dev = DEVPTS_DEV;
	di->base.nlink = kind == DP_ROOT ? 2 : 1;
	di->base.ino = kind == DP_ROOT ? 1 : kind == DP_PTMX ? 2 : index + 3;
	di->base.nocache = kind == DP_ROOT;
	di->base.rdev = kind == DP_PTMX ? 0x502 : kind == DP_PTS ? devpts_rdev(index) : 0;
	*out = &di->base;
	return 0;
}

/* A slave node's attributes are its pair's. */
static void pts_attrs(struct vfs_inode *ino, struct pty *p)
{
	pthread_mutex_lock(&p->lock);
	ino->mode = S_IFCHR | p->mode;
	ino->uid = p->uid;
	ino->gid = p->gid;
	ino->atime_sec = ino->mtime_sec = ino->ctime_sec = p->born_sec;
	pthread_mutex_unlock(&p->lock);
}

static bool parse_index(const char *s, u32 *v)
{
	char *end;
	unsigned long n;

	if (!*s || *s < '0' || *s > '9' || (*s == '0' && s[1]))
		return false;
	n = strtoul(s, &end, 10);
	if (*end || n >= PTY_MAX)
		return false;
	*v = n;
	return true;
}

static int devpts_lookup(struct vfs_dentry *dir, const char *name, struct vfs_inode **out)
{
	struct pty *p;
	u32 n;
	int err;

	if (!strcmp(name, "ptmx"))
		return inode_new(DP_PTMX, 0, out);
	if (!parse_index(name, &n) || !(p = devpts_find(n)))
		return -ENOENT;
	if (!visible(p)) {
		pty_put(p);
		return -ENOENT;
	}
	err = inode_new(DP_PTS, n, out);
	if (!err)
		pts_attrs(*out, p);
	pty_put(p);
	return err;
}

static int devpts_readdir(struct task *t, struct vfs_dentry *dir, struct vfs_dirent **ents,
			  u32 *n)
{
	u32 cap = 0;
	int err;

	*ents = NULL;
	*n = 0;
	err = vfs_dirent_add(ents, n, &cap, "ptmx", 4, DT_CHR, 2);
	for (u32 i = 0; i < PTY_MAX && !err; i++) {
		struct pty *p = devpts_find(i);
		char name[16];

		if (!p)
			continue;
		if (visible(p))
			err = vfs_dirent_add(ents, n, &cap, name,
					     snprintf(name, sizeof(name), "%u", i), DT_CHR, i + 3);
		pty_put(p);
	}
	if (err) {
		vfs_dirents_free(*ents, *n);
		return err;
	}
	return 0;
}

static void devpts_refresh(struct task *t, struct vfs_inode *ino)
{
	struct pty *p;

	if (DI(ino)->kind != DP_PTS || !(p = devpts_find(DI(ino)->index)))
		return;
	pts_attrs(ino, p);
	pty_put(p);
}

/* chmod and chown of a slave node change its pair's (grantpt's, on other
 * filesystems); of ptmx and the root, only that inode, as Linux's would last only
 * as long as its dentry. */
static int devpts_setattr(struct vfs_inode *ino, const struct vfs_setattr *sa)
{
	struct pty *p = NULL;

	if (sa->mask & VFS_SET_SIZE)
		return -EINVAL;
	if (DI(ino)->kind == DP_PTS && !(p = devpts_find(DI(ino)->index)))
		return -ENOENT;
	vfs_inode_set_ids(ino, sa);
	if (p) {
		pthread_mutex_lock(&p->lock);
		p->mode = ino->mode & 07777;
		p->uid = ino->uid;
		p->gid = ino->gid;
		pthread_mutex_unlock(&p->lock);
		pty_put(p);
	}
	return 0;
}

static int devpts_open(struct task *t, const struct vfs_path *path, u32 flags,
		       struct vfs_file **out)
{
	struct devpts_inode *di = DI(path->d->inode);
	u32 fl = flags & (O_ACCMODE | O_NONBLOCK | L_O_LARGEFILE | O_DIRECTORY);
	struct pty *p;
	int err;

	if (di->kind == DP_ROOT) {
		struct synth_dir_file *df = calloc(1, sizeof(*df));

		if (!df)
			return -ENOMEM;
		vfs_file_init(&df->base, &synth_dir_ops, fl);
		*out = &df->base;
		return 0;
	}
	if (di->kind == DP_PTMX)
		return devpts_open_ptmx(t, flags, out);
	p = devpts_find(di->index);
	if (!p)
		return -EIO;
	err = pts_open(t, p, flags, flags & O_NOCTTY, out);
	pty_put(p);
	return err;
}

static int devpts_statfs(struct vfs_inode *ino, struct statfs *sf)
{
	sf->f_type = DEVPTS_SUPER_MAGIC;
	sf->f_bsize = sf->f_frsize = 4096;
	sf->f_namelen = 255;
	return 0;
}

static void devpts_release(struct vfs_inode *ino)
{
	free(DI(ino));
}

const struct vfs_inode_ops devpts_inode_ops = {
	.type = "devpts",
	.lookup = devpts_lookup,
	.open = devpts_open,
	.refresh = devpts_refresh,
	.setattr = devpts_setattr,
	.readdir = devpts_readdir,
	.statfs = devpts_statfs,
	.release = devpts_release,
};

int devpts_new(struct vfs_dentry **root)
{
	struct vfs_inode *ino;
	int err = inode_new(DP_ROOT, 0, &ino);

	if (err)
		return err;
	err = vfs_dentry_new(NULL, "/", ino, root);
	vfs_inode_put(ino);
	return err;
}

int devpts_open_ptmx(struct task *t, u32 flags, struct vfs_file **out)
{
	struct ptm_file *mf = calloc(1, sizeof(*mf));
	struct pty *p = calloc(1, sizeof(*p));
	struct timespec now;
	u32 i;

	if (!mf || !p)
		goto out_nomem;
	/* Its buffers are the sandbox's memory, as Linux's tty buffers are kernel
	 * memory charged to the opener's cgroup. */
	if (memfile_charge(t->k->mf, sizeof(*p), false))
		goto out_nomem;
	p->mf = t->k->mf;
	pthread_mutex_init(&p->lock, NULL);
	waitq_init(&p->wq);
	st_list_init(&p->fasync_master);
	st_list_init(&p->fasync_slave);
	ref_init(&p->ref);
	clock_gettime(CLOCK_REALTIME, &now);
	p->born_sec = now.tv_sec;
	p->uid = t->euid;
	p->gid = TTY_GID;
	p->mode = 0620;
	p->locked = true;
	p->master_open = true;
	pty_default_termios(p);
	pthread_mutex_lock(&devpts_lock);
	for (i = 0; i < PTY_MAX && devpts_ptys[i]; i++)
		;
	if (i == PTY_MAX) {
		pthread_mutex_unlock(&devpts_lock);
		memfile_uncharge(p->mf, sizeof(*p));
		pthread_mutex_destroy(&p->lock);
		free(mf);
		free(p);
		return -ENOSPC;
	}
	p->index = i;
	devpts_ptys[i] = p;
	pthread_mutex_unlock(&devpts_lock);
	vfs_file_init(&mf->base, &ptm_ops, (flags & (O_ACCMODE | O_NONBLOCK | L_O_LARGEFILE)));
	mf->pty = p;
	*out = &mf->base;
	return 0;

out_nomem:
	free(mf);
	free(p);
	return -ENOMEM;
}
