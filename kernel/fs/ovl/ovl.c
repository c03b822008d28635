/*
 * The overlay's inodes (see ovl.h): lookup through the gofer, creation of upper
 * files, directories, fifos and symlinks, unlink, link, rename, attribute changes,
 * the merged directory listing and copy-up. After Linux's fs/overlayfs and
 * mm/shmem.c, and gVisor's fsimpl/overlay and fsimpl/tmpfs.
 */
#define _GNU_SOURCE
#include <dirent.h>
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
#include "fs/ovl/ovl.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"

#define UPPER_INO_BASE (1ULL << 32)
/* shmem's BOGO_DIRENT_SIZE: an in-memory directory's size counts its entries, 20
 * bytes each, and two more for "." and "..". */
#define BOGO_DIRENT 20
/* shmem's SHORT_SYMLINK_LEN: a shorter target (with its NUL) takes no page. */
#define SHORT_SYMLINK 128

static u64 next_dev = 0x100030;

static struct gofer_conn *conn_of(struct ovl_inode *oi)
{
	return oi->fs->gofer == OVL_NO_GOFER ? NULL : goferc_get(oi->fs->gofer);
}

static int inode_new(struct ovl_fs *fs, u32 mode, struct ovl_inode **out)
{
	struct ovl_inode *oi = calloc(1, sizeof(*oi));

	if (!oi)
		return -ENOMEM;
	vfs_inode_init(&oi->base, &ovl_inode_ops, mode);
	oi->fs = fs;
	ref_get(&fs->ref);
	oi->lower_fd = -1;
	oi->base.dev = fs->dev;
	*out = oi;
	return 0;
}

int ovl_charge(struct ovl_inode *oi, s64 bytes, bool force)
{
	struct memfile *mf = ovl_memfile();

	if (bytes < 0) {
		memfile_uncharge(mf, MIN((u64)-bytes, oi->charged));
		oi->charged -= MIN((u64)-bytes, oi->charged);
		return 0;
	}
	if (memfile_charge(mf, bytes, force))
		return -ENOMEM;
	oi->charged += bytes;
	return 0;
}

/* A change the sandbox made to @ino's times (and so to the inode). */
static void ovl_touch(struct vfs_inode *ino, u32 mask)
{
	OVL_I(ino)->changed = true;
	vfs_inode_touch(ino, mask);
}

static void set_from_lower(struct ovl_inode *oi, const struct gofer_stat *st)
{
	goferc_stat_to_inode(st, &oi->base);
	oi->lower_size = st->size;
	oi->lower_mtime_sec = st->mtime_sec;
	oi->lower_mtime_nsec = st->mtime_nsec;
}

int ovl_new(u32 gofer, const char *name, u32 mode, struct vfs_dentry **root)
{
	struct ovl_fs *fs = calloc(1, sizeof(*fs));
	struct ovl_inode *oi;
	int err;

	if (!fs)
		return -ENOMEM;
	ref_init(&fs->ref);
	fs->gofer = gofer;
	fs->dev = next_dev++;
	fs->next_ino = UPPER_INO_BASE + 1;
	fs->name = strdup(name);
	err = inode_new(fs, S_IFDIR | mode, &oi);
	ref_put(&fs->ref);
	if (err)
		return err;
	if (gofer != OVL_NO_GOFER) {
		struct gofer_stat st;

		err = goferc_stat(goferc_get(gofer), GOFER_ROOT_HANDLE, &st);
		if (err) {
			vfs_inode_put(&oi->base);
			return err;
		}
		set_from_lower(oi, &st);
		oi->lower_path = strdup("");
		oi->lower_h = GOFER_ROOT_HANDLE;
	} else {
		oi->base.ino = fs->next_ino++;
		oi->base.nlink = 2;
		oi->base.size = 2 * BOGO_DIRENT;
	}
	err = vfs_dentry_new(NULL, "/", &oi->base, root);
	vfs_inode_put(&oi->base);
	return err;
}

static int ovl_lookup(struct vfs_dentry *dir, const char *name, struct vfs_inode **out)
{
	struct ovl_inode *d = OVL_I(dir->inode), *oi;
	struct gofer_stat st;
	u32 h;
	int err;

	if (!d->lower_path || !d->lower_h)
		return -ENOENT;
	err = goferc_walk(conn_of(d), d->lower_h, name, &h, &st);
	if (err)
		return err == -ELOOP || err == -EXDEV ? -ENOENT : err;
	err = inode_new(d->fs, st.mode, &oi);
	if (err) {
		goferc_close(conn_of(d), h);
		return err;
	}
	set_from_lower(oi, &st);
	oi->lower_h = h;
	if (asprintf(&oi->lower_path, "%s%s%s", d->lower_path, d->lower_path[0] ? "/" : "",
		     name) < 0) {
		oi->lower_path = NULL;
		vfs_inode_put(&oi->base);
		return -ENOMEM;
	}
	*out = &oi->base;
	return 0;
}

int ovl_lower_fd(struct ovl_inode *oi)
{
	int fd, err;

	if (oi->lower_fd >= 0)
		return oi->lower_fd;
	if (!oi->lower_h)
		return -ESTALE;
	err = goferc_open(conn_of(oi), oi->lower_h, O_RDONLY, &fd);
	if (err)
		return err;
	pthread_mutex_lock(&vfs_lock);
	if (oi->lower_fd < 0)
		oi->lower_fd = fd;
	else
		close(fd);
	pthread_mutex_unlock(&vfs_lock);
	return oi->lower_fd;
}

/* Upper file data lives in the memory file (struct mf_pages), so it counts against the
 * sandbox's memory limit as tmpfs counts against a memory cgroup, and a file is as
 * large as that limit lets its written pages be; holes cost nothing. */
static struct memfile *ovl_mf;

void ovl_set_memfile(struct memfile *mf)
{
	ovl_mf = mf;
}

struct memfile *ovl_memfile(void)
{
	return ovl_mf;
}

struct mf_pages *ovl_pages(struct ovl_inode *oi)
{
	if (!oi->pages && mf_pages_new(ovl_mf, &oi->pages))
		return NULL;
	return oi->pages;
}

void ovl_set_size(struct ovl_inode *oi, u64 size)
{
	oi->base.size = size;
	if (oi->pages) {
		pthread_mutex_lock(&oi->pages->lock);
		oi->pages->size = size;
		oi->base.blocks = oi->pages->npresent * (PAGE_SIZE / 512);
		pthread_mutex_unlock(&oi->pages->lock);
	}
}

/* Zeroes [off, end) within one page, where that page is present. */
static void zero_in_page(struct mf_pages *p, u64 off, u64 end)
{
	u64 m;

	if (off >= end)
		return;
	pthread_mutex_lock(&p->lock);
	m = mf_pages_find_locked(p, off / PAGE_SIZE);
	if (m) {
		memfile_await(p->mf, m, PAGE_SIZE);
		memset((u8 *)memfile_ptr(p->mf, m) + off % PAGE_SIZE, 0, end - off);
	}
	pthread_mutex_unlock(&p->lock);
}

void ovl_punch(struct ovl_inode *oi, u64 off, u64 len)
{
	struct mf_pages *p = oi->pages;
	u64 end = len > ~0ULL - off ? ~0ULL : off + len, a = PAGE_ALIGN(off);
	u64 e = ALIGN_DOWN(end, PAGE_SIZE);

	if (!p || off >= end)
		return;
	if (a > e) {            /* within one page */
		zero_in_page(p, off, end);
		return;
	}
	zero_in_page(p, off, a);
	if (end != ~0ULL)
		zero_in_page(p, e, end);
	if (e > a) {
		mf_pages_release(p, a / PAGE_SIZE, (e - a) / PAGE_SIZE);
		mm_unmap_pages_self(p, a / PAGE_SIZE, (e - a) / PAGE_SIZE);
	}
	ovl_set_size(oi, oi->base.size);
}

int ovl_resize(struct ovl_inode *oi, u64 size)
{
	u64 old = oi->base.size;

	if (size != old && !ovl_pages(oi))
		return -ENOMEM;
	if (size < old)
		ovl_punch(oi, size, ~0ULL);
	ovl_set_size(oi, size);
	return 0;
}

/* Reads a lower file into its new pages, run by run. */
struct fill_ctx {
	int fd;
	struct memfile *mf;
	u64 size;
};

static int fill_run(void *arg, u64 pgoff, u64 npages, u64 off)
{
	struct fill_ctx *c = arg;
	u64 pos = pgoff * PAGE_SIZE, len = MIN(npages * PAGE_SIZE, c->size - pos);
	s64 got = memfile_fill(c->mf, off, c->fd, pos, len);

	/* short or failed: shorter than it was, the rest stays zero */
	return got < 0 || (u64)got < len;
}

int ovl_copy_up(struct ovl_inode *oi)
{
	u64 size = oi->base.size, npages = PAGE_ALIGN(size) / PAGE_SIZE;
	struct fill_ctx c = { .size = size };
	struct mf_pages *p;
	s64 got;
	int err;

	if (oi->upper || !S_ISREG(oi->base.mode))
		return 0;
	if (!oi->lower_path) {
		oi->upper = true;
		return 0;
	}
	/* The host attributes go up with the data, as overlayfs copies them. */
	err = ovl_xattr_lower(oi);
	if (err)
		return err;
	c.fd = ovl_lower_fd(oi);
	if (c.fd < 0)
		return c.fd;
	p = ovl_pages(oi);
	if (!p)
		return -ENOMEM;
	c.mf = p->mf;
	pthread_mutex_lock(&p->lock);
	got = npages ? mf_pages_alloc_locked(p, 0, npages) : 0;
	if (got >= 0 && (u64)got == npages)
		mf_pages_walk_locked(p, 0, npages, fill_run, &c);
	pthread_mutex_unlock(&p->lock);
	if (got < 0 || (u64)got < npages) {
		mf_pages_release(p, 0, npages);
		return -ENOSPC;
	}
	oi->upper = true;
	ovl_set_size(oi, size);
	/* New mappings map the upper pages; the old ones keep the cache. */
	mf_pages_put(oi->cache);
	oi->cache = NULL;
	return 0;
}

int ovl_map_pages(struct vfs_file *f, u64 off, u64 len, struct mf_pages **out)
{
	struct ovl_inode *oi = OVL_I(f->inode);
	struct mf_pages *p;
	int fd, err;

again:
	pthread_mutex_lock(&vfs_lock);
	if (oi->upper || !oi->lower_path) {
		p = ovl_pages(oi);
		if (p)
			mf_pages_get(p);
		pthread_mutex_unlock(&vfs_lock);
		*out = p;
		return p ? 0 : -ENOMEM;
	}
	p = oi->cache;
	if (p)
		mf_pages_get(p);
	pthread_mutex_unlock(&vfs_lock);
	if (!p || p->src_fd < 0) {
		/* The cache reads through a descriptor of its own: it outlives the
		 * inode while mappings hold it. */
		fd = ovl_lower_fd(oi);
		if (fd >= 0)
			fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			mf_pages_put(p);
			return fd == -1 ? -errno : fd;
		}
		if (p) {
			mf_pages_set_src(p, fd);        /* restored without one */
		} else {
			err = mf_pages_new_cache(ovl_mf, fd, oi->lower_size, &p);
			if (err)
				return err;
			pthread_mutex_lock(&vfs_lock);
			if (oi->upper || oi->cache) {
				pthread_mutex_unlock(&vfs_lock);
				mf_pages_put(p);
				goto again;     /* copied up or cached meanwhile */
			}
			oi->cache = p;
			mf_pages_get(p);
			pthread_mutex_unlock(&vfs_lock);
		}
	}
	/* Read the whole range now: one pass over the file and one platform mapping
	 * per run, instead of a fault per chunk. A failure is left to the faults,
	 * which try again and raise SIGBUS, as an I/O error does on Linux. */
	pthread_mutex_lock(&p->lock);
	mf_pages_fill_locked(p, off / PAGE_SIZE, PAGE_ALIGN(len) / PAGE_SIZE);
	pthread_mutex_unlock(&p->lock);
	*out = p;
	return 0;
}

int ovl_readahead(struct vfs_file *f, u64 off, u64 len)
{
	struct ovl_inode *oi = OVL_I(f->inode);
	struct mf_pages *p;
	u64 size, start = ALIGN_DOWN(off, PAGE_SIZE);
	bool lower;

	pthread_mutex_lock(&vfs_lock);
	lower = !oi->upper && oi->lower_path;
	size = oi->lower_size;
	pthread_mutex_unlock(&vfs_lock);
	if (!lower || off >= size)
		return 0;
	if (!len || len > size - off)
		len = size - off;
	/* Linux reads the first and the last partial page too. */
	if (!ovl_map_pages(f, start, off + len - start, &p))
		mf_pages_put(p);
	return 0;
}

static int ovl_readlink(struct task *t, struct vfs_inode *ino, char *buf, size_t len)
{
	struct ovl_inode *oi = OVL_I(ino);
	size_t n;

	if (!oi->target) {
		char tmp[PATH_MAX];
		int r = goferc_readlink(conn_of(oi), oi->lower_h, tmp, sizeof(tmp) - 1);

		if (r < 0)
			return r;
		tmp[r] = 0;
		oi->target = strdup(tmp);
		if (!oi->target)
			return -ENOMEM;
	}
	n = MIN(strlen(oi->target), len);
	memcpy(buf, oi->target, n);
	return n;
}

/* A name more (@n 1) or less (-1) in @dir: its size follows if it lives in memory (a
 * lower directory keeps its host size). */
static void dir_entries(struct vfs_inode *dir, int n)
{
	if (!OVL_I(dir)->lower_path)
		dir->size += n * BOGO_DIRENT;
}

static int ovl_create(struct vfs_dentry *dir, const char *name, u32 mode, u32 uid, u32 gid,
		      const char *target, struct vfs_inode **out)
{
	struct ovl_inode *d = OVL_I(dir->inode), *oi;
	int err;

	if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISFIFO(mode) && !S_ISLNK(mode) &&
	    !S_ISSOCK(mode))
		return -EPERM;
	err = inode_new(d->fs, mode, &oi);
	if (err)
		return err;
	/* Linux's shmem_get_inode: no inode to be had is ENOSPC. */
	if (ovl_charge(oi, OVL_INODE_COST + (target ? strlen(target) : 0), false)) {
		vfs_inode_put(&oi->base);
		return -ENOSPC;
	}
	oi->base.ino = d->fs->next_ino++;
	oi->base.uid = uid;
	/* A set-group-id directory gives its group, and to subdirectories the bit. */
	oi->base.gid = (d->base.mode & S_ISGID) ? d->base.gid : gid;
	if ((d->base.mode & S_ISGID) && S_ISDIR(mode))
		oi->base.mode |= S_ISGID;
	oi->upper = true;
	/* tmpfs files have seals, and start sealed against sealing (shmem_get_inode). */
	if (d->fs->gofer == OVL_NO_GOFER)
		oi->seals = F_SEAL_SEAL;
	if (S_ISLNK(mode)) {
		oi->target = strdup(target);
		if (!oi->target) {
			vfs_inode_put(&oi->base);
			return -ENOMEM;
		}
		oi->base.size = strlen(target);
		oi->base.mode = S_IFLNK | 0777;
		oi->base.blocks = oi->base.size + 1 > SHORT_SYMLINK ? PAGE_SIZE / 512 : 0;
	}
	if (S_ISDIR(mode)) {
		d->base.nlink++;
		oi->base.size = 2 * BOGO_DIRENT;
	}
	if (name)               /* not O_TMPFILE's */
		dir_entries(&d->base, 1);
	ovl_touch(&d->base, VFS_SET_MTIME | VFS_SET_CTIME);
	*out = &oi->base;
	return 0;
}

/* O_TMPFILE: an upper file like any other, with no name yet. The VFS asks for a
 * regular file; the type is made plain here for the compiler, which otherwise sees
 * a symlink made with no target. */
static int ovl_tmpfile(struct vfs_dentry *dir, u32 mode, u32 uid, u32 gid,
		       struct vfs_inode **out)
{
	int err = ovl_create(dir, NULL, S_IFREG | (mode & 07777), uid, gid, NULL, out);

	if (!err)
		(*out)->nlink = 0;
	return err;
}

static int ovl_link(struct vfs_dentry *dir, const char *name, struct vfs_inode *ino)
{
	struct ovl_inode *oi = OVL_I(ino);
	int err;

	if (ino->ops != &ovl_inode_ops || oi->fs != OVL_I(dir->inode)->fs)
		return -EXDEV;
	/* The new name lives in the upper layer only: it must see the same data. */
	err = ovl_copy_up(oi);
	if (err)
		return err;
	ino->nlink++;
	dir_entries(dir->inode, 1);
	ovl_touch(ino, VFS_SET_CTIME);
	ovl_touch(dir->inode, VFS_SET_MTIME | VFS_SET_CTIME);
	return 0;
}

static void drop_name(struct vfs_inode *dir, struct vfs_inode *ino)
{
	if (S_ISDIR(ino->mode)) {
		ino->nlink = 0;
		if (dir->nlink > 2)
			dir->nlink--;
	} else if (ino->nlink) {
		ino->nlink--;
	}
	dir_entries(dir, -1);
	ovl_touch(ino, VFS_SET_CTIME);
}

static int ovl_unlink(struct vfs_dentry *dir, struct vfs_dentry *victim)
{
	drop_name(dir->inode, victim->inode);
	ovl_touch(dir->inode, VFS_SET_MTIME | VFS_SET_CTIME);
	return 0;
}

static int ovl_rename(struct vfs_dentry *odir, struct vfs_dentry *old, struct vfs_dentry *ndir,
		      const char *newname, struct vfs_dentry *target, u32 flags)
{
	struct vfs_inode *oi = old->inode;

	if (ndir->inode->ops != &ovl_inode_ops ||
	    OVL_I(ndir->inode)->fs != OVL_I(odir->inode)->fs)
		return -EXDEV;
	if (flags & RENAME_EXCHANGE) {
		struct vfs_inode *ti = target->inode;

		if (odir != ndir && S_ISDIR(oi->mode) != S_ISDIR(ti->mode)) {
			if (S_ISDIR(oi->mode)) {
				odir->inode->nlink--;
				ndir->inode->nlink++;
			} else {
				odir->inode->nlink++;
				ndir->inode->nlink--;
			}
		}
		ovl_touch(ti, VFS_SET_CTIME);
	} else {
		if (target)
			drop_name(ndir->inode, target->inode);
		dir_entries(odir->inode, -1);
		dir_entries(ndir->inode, 1);
		if (S_ISDIR(oi->mode) && odir != ndir) {
			odir->inode->nlink--;
			ndir->inode->nlink++;
		}
	}
	ovl_touch(oi, VFS_SET_CTIME);
	ovl_touch(odir->inode, VFS_SET_MTIME | VFS_SET_CTIME);
	ovl_touch(ndir->inode, VFS_SET_MTIME | VFS_SET_CTIME);
	return 0;
}

static int ovl_setattr(struct vfs_inode *ino, const struct vfs_setattr *sa)
{
	struct ovl_inode *oi = OVL_I(ino);
	int err;

	if (sa->mask & VFS_SET_SIZE) {
		if (!S_ISREG(ino->mode))
			return S_ISDIR(ino->mode) ? -EISDIR : -EINVAL;
		if (((oi->seals & F_SEAL_SHRINK) && sa->size < ino->size) ||
		    ((oi->seals & F_SEAL_GROW) && sa->size > ino->size))
			return -EPERM;
		err = ovl_copy_up(oi);
		if (!err)
			err = ovl_resize(oi, sa->size);
		if (err)
			return err;
		ovl_touch(ino, VFS_SET_MTIME | VFS_SET_CTIME);
	}
	oi->changed = true;
	vfs_inode_set_ids(ino, sa);
	if (sa->mask & (VFS_SET_ATIME | VFS_SET_MTIME)) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		if ((sa->mask & VFS_SET_ATIME) && sa->atime_nsec != UTIME_OMIT) {
			ino->atime_sec = sa->atime_nsec == UTIME_NOW ? now.tv_sec : sa->atime_sec;
			ino->atime_nsec = sa->atime_nsec == UTIME_NOW ? now.tv_nsec :
					  sa->atime_nsec;
		}
		if ((sa->mask & VFS_SET_MTIME) && sa->mtime_nsec != UTIME_OMIT) {
			ino->mtime_sec = sa->mtime_nsec == UTIME_NOW ? now.tv_sec : sa->mtime_sec;
			ino->mtime_nsec = sa->mtime_nsec == UTIME_NOW ? now.tv_nsec :
					  sa->mtime_nsec;
		}
	}
	ovl_touch(ino, VFS_SET_CTIME);
	return 0;
}

struct listing {
	struct vfs_dentry *dir;
	struct vfs_dirent *ents;
	u32 n, cap;
};

static int add_ent(struct listing *l, const char *name, size_t len, u8 type, u64 ino)
{
	return vfs_dirent_add(&l->ents, &l->n, &l->cap, name, len, type, ino);
}

/* A lower entry shows unless the sandbox made or removed the name (an upper entry
 * or a whiteout in the cache) or a lookup found nothing there. Entries only looked
 * up show here, in the lower directory's order, whether or not they are cached, so
 * the order does not depend on what the cache holds. */
static int add_lower(void *arg, const char *name, size_t len, u8 type, u64 ino)
{
	struct listing *l = arg;
	struct vfs_dentry *d = vfs_dentry_find(l->dir, name, len);

	if (d && (!d->looked_up || !d->inode))
		return 0;
	return add_ent(l, name, len, type, ino);
}

static int ovl_readdir(struct task *t, struct vfs_dentry *dir, struct vfs_dirent **out,
		       u32 *n)
{
	struct ovl_inode *d = OVL_I(dir->inode);
	struct listing l = { .dir = dir };
	struct st_list *pos;
	int err = 0;

	st_list_for_each(pos, &dir->kids) {
		struct vfs_dentry *k = container_of(pos, struct vfs_dentry, sib);

		if (!k->inode || (k->looked_up && d->lower_h))
			continue;
		err = add_ent(&l, k->name, strlen(k->name), vfs_dtype(k->inode->mode),
			      k->inode->ino);
		if (err)
			goto fail;
	}
	if (d->lower_path && d->lower_h)
		err = goferc_readdir(conn_of(d), d->lower_h, add_lower, &l);
	if (err)
		goto fail;
	*out = l.ents;
	*n = l.n;
	return 0;
fail:
	vfs_dirents_free(l.ents, l.n);
	return err;
}

static int ovl_statfs(struct vfs_inode *ino, struct statfs *sf)
{
	struct ovl_inode *oi = OVL_I(ino);

	sf->f_bsize = sf->f_frsize = 4096;
	sf->f_namelen = NAME_MAX;
	if (oi->fs->gofer == OVL_NO_GOFER) {
		sf->f_type = 0x01021994;        /* TMPFS_MAGIC */
		sf->f_blocks = sf->f_bfree = sf->f_bavail = 1 << 20;
		sf->f_files = sf->f_ffree = 1 << 20;
		return 0;
	}
	if (!goferc_statfs(goferc_get(oi->fs->gofer), GOFER_ROOT_HANDLE, sf))
		sf->f_type = 0x794c7630;        /* OVERLAYFS_SUPER_MAGIC */
	return 0;
}

/* A lower file or directory as the gofer has it, nothing more (its host xattrs may
 * have been read, never changed): the dentry cache may drop it and look it up again
 * (the same host inode number comes back). Its atime goes with it, as on a lower
 * layer mounted read-only. */
static bool ovl_droppable(struct vfs_inode *ino)
{
	struct ovl_inode *oi = OVL_I(ino);

	return oi->lower_path && oi->lower_h && !oi->upper && !oi->pages && !oi->changed &&
	       !oi->seals && st_list_empty(&ino->locks);
}

static void ovl_release(struct vfs_inode *ino)
{
	struct ovl_inode *oi = OVL_I(ino);

	/* The gofer's descriptor for it. A directory's children, whose handles the
	 * gofer opens through it, are gone: each holds its parent's dentry. */
	if (oi->lower_h && oi->lower_h != GOFER_ROOT_HANDLE)
		goferc_close(conn_of(oi), oi->lower_h);
	if (oi->lower_fd >= 0)
		close(oi->lower_fd);
	free(oi->lower_path);
	mf_pages_put(oi->pages);
	mf_pages_put(oi->cache);
	free(oi->target);
	free(oi->xattrs);
	ovl_charge(oi, -(s64)oi->charged, false);
	if (ref_put(&oi->fs->ref)) {
		free(oi->fs->name);
		free(oi->fs);
	}
	free(oi);
}

const struct vfs_inode_ops ovl_inode_ops = {
	.type = "ovl",
	.exact_blocks = true,
	.lookup = ovl_lookup,
	.open = ovl_open,
	.droppable = ovl_droppable,
	.readlink = ovl_readlink,
	.setattr = ovl_setattr,
	.create = ovl_create,
	.tmpfile = ovl_tmpfile,
	.link = ovl_link,
	.unlink = ovl_unlink,
	.rename = ovl_rename,
	.readdir = ovl_readdir,
	.statfs = ovl_statfs,
	.release = ovl_release,
};

bool ovl_is_inode(const struct vfs_inode *ino)
{
	return ino->ops == &ovl_inode_ops;
}
