/*
 * Inodes and the dentry cache. The cache is a tree of dentries (saved: for the
 * overlay it is the upper layer's directory structure) indexed by a hash of (parent,
 * name) that is rebuilt after a restore. An unlinked or replaced dentry leaves the
 * tree and lives on while open files or cwds hold it. After Linux's fs/dcache.c and
 * fs/inode.c.
 *
 * Dentries a lookup made (looked_up) can be made again, so the cache keeps a bounded
 * number of them: each lower one holds a gofer handle (an open descriptor in the
 * gofer) and maybe a host descriptor in the Sentry, and `tar` or `find` over a large
 * tree would otherwise run the gofer out of descriptors (EMFILE). Past
 * DCACHE_MAX, vfs_dcache_trim drops unused ones — no reference but the tree's, no
 * children, nothing mounted, an inode its filesystem calls droppable (or none: a
 * cached miss) — by a clock over the hash buckets: a dentry found since the last
 * pass is spared once. An inode someone watches (inotify) stays, so the events
 * go to the object watched. Everything the sandbox changed (creations, whiteouts,
 * renames, copied-up or chmod'ed files) is never looked_up or not droppable, and
 * stays.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "task/task.h"
#include "vfs/inotify.h"
#include "vfs/locks.h"
#include "vfs/vfs.h"

pthread_mutex_t vfs_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

#define DHASH_BITS 16
static struct vfs_dentry *dhash[1 << DHASH_BITS];

/* The most looked-up dentries kept: a few times what python's start walks, a
 * fraction of the gofer's descriptor limit. */
#define DCACHE_MAX 8192

/* Hashed looked-up dentries, and the count past which a task trims; under vfs_lock,
 * read without it by vfs_dcache_maybe_trim. */
u32 vfs_dcache_n, vfs_dcache_trim_at = DCACHE_MAX;

void vfs_inode_init(struct vfs_inode *ino, const struct vfs_inode_ops *ops, u32 mode)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	memset(ino, 0, sizeof(*ino));
	ref_init(&ino->ref);
	ino->ops = ops;
	ino->mode = mode;
	st_list_init(&ino->locks);
	ino->nlink = S_ISDIR(mode) ? 2 : 1;
	ino->atime_sec = ino->mtime_sec = ino->ctime_sec = now.tv_sec;
	ino->atime_nsec = ino->mtime_nsec = ino->ctime_nsec = now.tv_nsec;
}

void vfs_inode_put(struct vfs_inode *ino)
{
	if (ino && ref_put(&ino->ref)) {
		vfs_locks_release_inode(ino);
		ino->ops->release(ino);
	}
}

void vfs_inode_touch(struct vfs_inode *ino, u32 mask)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (mask & VFS_SET_ATIME) {
		ino->atime_sec = now.tv_sec;
		ino->atime_nsec = now.tv_nsec;
	}
	if (mask & VFS_SET_MTIME) {
		ino->mtime_sec = now.tv_sec;
		ino->mtime_nsec = now.tv_nsec;
	}
	if (mask & VFS_SET_CTIME) {
		ino->ctime_sec = now.tv_sec;
		ino->ctime_nsec = now.tv_nsec;
	}
}

void vfs_inode_set_ids(struct vfs_inode *ino, const struct vfs_setattr *sa)
{
	if (sa->mask & VFS_SET_MODE)
		ino->mode = (ino->mode & S_IFMT) | (sa->mode & 07777);
	if (sa->mask & VFS_SET_UID)
		ino->uid = sa->uid;
	if (sa->mask & VFS_SET_GID)
		ino->gid = sa->gid;
}

void vfs_inode_stat(struct vfs_inode *ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = ino->dev;
	st->st_ino = ino->ino;
	st->st_mode = ino->mode;
	st->st_nlink = ino->nlink;
	st->st_uid = ino->uid;
	st->st_gid = ino->gid;
	st->st_rdev = ino->rdev;
	st->st_size = ino->size;
	st->st_blksize = 4096;
	st->st_blocks = ino->blocks || ino->ops->exact_blocks ? ino->blocks :
			(ino->size + 511) / 512;
	st->st_atim.tv_sec = ino->atime_sec;
	st->st_atim.tv_nsec = ino->atime_nsec;
	st->st_mtim.tv_sec = ino->mtime_sec;
	st->st_mtim.tv_nsec = ino->mtime_nsec;
	st->st_ctim.tv_sec = ino->ctime_sec;
	st->st_ctim.tv_nsec = ino->ctime_nsec;
}

u8 vfs_dtype(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return DT_REG;
	case S_IFDIR: return DT_DIR;
	case S_IFLNK: return DT_LNK;
	case S_IFIFO: return DT_FIFO;
	case S_IFCHR: return DT_CHR;
	case S_IFBLK: return DT_BLK;
	case S_IFSOCK: return DT_SOCK;
	}
	return DT_UNKNOWN;
}

int vfs_dirent_add(struct vfs_dirent **ents, u32 *n, u32 *cap, const char *name,
		   size_t len, u8 type, u64 ino)
{
	if (*n == *cap) {
		u32 c = *cap ? *cap * 2 : 32;
		struct vfs_dirent *e = realloc(*ents, c * sizeof(*e));

		if (!e)
			return -ENOMEM;
		*ents = e;
		*cap = c;
	}
	(*ents)[*n].name = strndup(name, len);
	if (!(*ents)[*n].name)
		return -ENOMEM;
	(*ents)[*n].type = type;
	(*ents)[*n].ino = ino;
	(*n)++;
	return 0;
}

void vfs_dirents_free(struct vfs_dirent *ents, u32 n)
{
	for (u32 i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
}

/* Linux's generic_permission() for a task whose fsuid is its euid. Root passes
 * read and write checks always, and execute when some x bit is set or for dirs. */
int vfs_permission(struct task *t, struct vfs_inode *ino, int mask)
{
	u32 mode = ino->mode, bits;

	if (t->euid == 0) {
		if (!(mask & 1) || S_ISDIR(mode) || (mode & 0111))
			return 0;
		return -EACCES;
	}
	if (t->euid == ino->uid)
		bits = mode >> 6;
	else if (t->egid == ino->gid)
		bits = mode >> 3;
	else
		bits = mode;
	return (bits & mask & 7) == (u32)(mask & 7) ? 0 : -EACCES;
}

static u32 dhash_of(const struct vfs_dentry *parent, const char *name, size_t len)
{
	u64 h = (u64)(uintptr_t)parent * 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (u8)name[i]) * 0x100000001b3ULL;
	return (h ^ (h >> 29)) & ((1 << DHASH_BITS) - 1);
}

int vfs_dentry_new(struct vfs_dentry *parent, const char *name, struct vfs_inode *ino,
		   struct vfs_dentry **out)
{
	struct vfs_dentry *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->name = strdup(name);
	if (!d->name) {
		free(d);
		return -ENOMEM;
	}
	ref_init(&d->ref);
	st_list_init(&d->kids);
	st_list_init(&d->sib);
	d->parent = parent;
	if (parent)
		vfs_dentry_get(parent);
	d->inode = ino;
	if (ino)
		vfs_inode_get(ino);
	*out = d;
	return 0;
}

void vfs_dentry_put(struct vfs_dentry *d)
{
	while (d) {
		struct vfs_dentry *parent = d->parent;

		inotify_dentry_put(d);
		if (!ref_put(&d->ref))
			return;
		vfs_inode_put(d->inode);
		free(d->name);
		free(d);
		d = parent;
	}
}

struct vfs_dentry *vfs_dentry_find(struct vfs_dentry *dir, const char *name, size_t len)
{
	for (struct vfs_dentry *d = dhash[dhash_of(dir, name, len)]; d; d = d->hnext) {
		if (d->parent == dir && !strncmp(d->name, name, len) && !d->name[len]) {
			d->referenced = true;
			return d;
		}
	}
	return NULL;
}

static void dcache_count(const struct vfs_dentry *d, int delta)
{
	if (d->looked_up)
		__atomic_store_n(&vfs_dcache_n, vfs_dcache_n + delta, __ATOMIC_RELAXED);
}

void vfs_dentry_hash(struct vfs_dentry *d)
{
	u32 h = dhash_of(d->parent, d->name, strlen(d->name));

	vfs_dentry_get(d);
	d->hashed = true;
	d->hnext = dhash[h];
	dhash[h] = d;
	if (d->parent)
		st_list_add_tail(&d->sib, &d->parent->kids);
	dcache_count(d, 1);
}

void vfs_dentry_unhash(struct vfs_dentry *d)
{
	u32 h = dhash_of(d->parent, d->name, strlen(d->name));

	if (!d->hashed)
		return;
	for (struct vfs_dentry **pp = &dhash[h]; *pp; pp = &(*pp)->hnext) {
		if (*pp == d) {
			*pp = d->hnext;
			break;
		}
	}
	d->hnext = NULL;
	d->hashed = false;
	st_list_del(&d->sib);
	dcache_count(d, -1);
	vfs_dentry_put(d);
}

static bool droppable(struct vfs_dentry *d)
{
	struct vfs_inode *ino = d->inode;

	return d->looked_up && !d->mounted && st_list_empty(&d->kids) &&
	       __atomic_load_n(&d->ref.count, __ATOMIC_ACQUIRE) == 1 &&
	       (!ino || (ino->ops->droppable && ino->ops->droppable(ino) && !ino->inotify));
}

void vfs_dcache_trim(void)
{
	static u32 hand;
	u32 goal = DCACHE_MAX / 4 * 3, budget = 2U << DHASH_BITS;

	pthread_mutex_lock(&vfs_lock);
	/* Two turns of the clock at most: the first may only clear referenced bits. */
	while (vfs_dcache_n > goal && budget--) {
		struct vfs_dentry *d = dhash[hand++ & ((1 << DHASH_BITS) - 1)], *next;

		for (; d; d = next) {
			next = d->hnext;        /* hashed: the tree keeps it alive */
			if (!d->looked_up)
				continue;
			if (d->referenced)
				d->referenced = false;
			else if (droppable(d))
				vfs_dentry_unhash(d);
		}
	}
	/* What is in use stays: trim again only after as many more lookups again. */
	__atomic_store_n(&vfs_dcache_trim_at, MAX(DCACHE_MAX, vfs_dcache_n + DCACHE_MAX / 4),
			 __ATOMIC_RELAXED);
	pthread_mutex_unlock(&vfs_lock);
}

int vfs_dentry_after_load(void *o, void *ctx)
{
	struct vfs_dentry *d = o;
	u32 h;

	/* The tree's reference was saved in the count; only the index is rebuilt. */
	if (!d->hashed || !d->name)
		return 0;
	h = dhash_of(d->parent, d->name, strlen(d->name));
	d->hnext = dhash[h];
	dhash[h] = d;
	dcache_count(d, 1);
	return 0;
}

void vfs_path_put(struct vfs_path *p)
{
	if (p->d)
		vfs_dentry_put(p->d);
	if (p->mnt && ref_put(&p->mnt->ref)) {
		/* Mounts live as long as their namespace; nothing frees them yet. */
		p->mnt->ref.count = 1;
	}
	p->d = NULL;
	p->mnt = NULL;
}

/* Linux's d_path(): walks up through mounts to @root. Unreachable paths (outside a
 * chroot) are shown from the mount's root as Linux does; unlinked ones get
 * " (deleted)". */
int vfs_path_name(const struct vfs_path *root, const struct vfs_path *p, char *buf,
		  size_t len)
{
	struct vfs_mount *mnt = p->mnt;
	struct vfs_dentry *d = p->d;
	size_t pos = len;
	bool deleted = d && !d->hashed && d->parent;

	if (len < 2)
		return -ENAMETOOLONG;
	buf[--pos] = 0;
	if (deleted) {
		static const char del[] = " (deleted)";

		if (pos < sizeof(del))
			return -ENAMETOOLONG;
		pos -= sizeof(del) - 1;
		memcpy(buf + pos, del, sizeof(del) - 1);
	}
	while (d && !(d == root->d && mnt == root->mnt)) {
		size_t n;

		if (mnt && d == mnt->root) {
			if (!mnt->parent)
				break;
			d = mnt->mountpoint;
			mnt = mnt->parent;
			continue;
		}
		if (!d->parent)
			break;
		n = strlen(d->name);
		if (pos < n + 2)
			return -ENAMETOOLONG;
		pos -= n;
		memcpy(buf + pos, d->name, n);
		buf[--pos] = '/';
		d = d->parent;
	}
	if (pos == len - 1 - (deleted ? 10 : 0))
		buf[--pos] = '/';
	memmove(buf, buf + pos, len - pos);
	return len - pos - 1;
}
