/*
 * Open overlay files: regular files read through the lower descriptor until copied
 * up, then from memory; directories listed from a snapshot of the merged listing
 * taken when reading starts at offset 0 (the offset is an index into it, as tmpfs's
 * is a cursor). After Linux's mm/shmem.c and fs/libfs.c (dcache_readdir).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/ovl/ovl.h"
#include "memfile/memfile.h"
#include "task/task.h"

#define MAX_LFS_FILESIZE 0x7fffffffffffffffLL

static s64 pos_begin(struct vfs_file *f, s64 *pos)
{
	if (pos)
		return *pos;
	pthread_mutex_lock(&f->pos_lock);
	return f->pos;
}

static void pos_end(struct vfs_file *f, s64 *pos, s64 n)
{
	if (pos)
		return;
	if (n > 0)
		f->pos += n;
	pthread_mutex_unlock(&f->pos_lock);
}

/* Reads at @off: from memory when copied up, else from the lower descriptor. */
static s64 read_at(struct ovl_inode *oi, void *buf, size_t len, s64 off)
{
	s64 n;
	int fd;

	pthread_mutex_lock(&vfs_lock);
	if (oi->upper || !oi->lower_path) {
		if ((u64)off >= oi->base.size)
			n = 0;
		else
			n = MIN(len, oi->base.size - off);
		if (n > 0 && oi->pages) {
			pthread_mutex_lock(&oi->pages->lock);
			mf_pages_read_locked(oi->pages, buf, n, off);
			pthread_mutex_unlock(&oi->pages->lock);
		} else if (n > 0) {
			memset(buf, 0, n);
		}
		pthread_mutex_unlock(&vfs_lock);
		return n;
	}
	pthread_mutex_unlock(&vfs_lock);
	fd = ovl_lower_fd(oi);
	if (fd < 0)
		return fd;
	do
		n = pread(fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/*
 * file_accessed under relatime, Linux's default mount option: a read moves the atime
 * on only when it is not after the mtime or the ctime, or is a day old, so that "read
 * since it changed" shows (mail readers, tmpwatch, find -amin). Only inodes whose
 * times live in the sandbox: a lower file's or directory's are the host's, and the
 * dentry cache may drop them (ovl_droppable). vfs_lock held.
 */
static void accessed(struct vfs_file *f)
{
	struct ovl_inode *oi = OVL_I(f->inode);
	struct vfs_inode *ino = f->inode;
	struct timespec now;

	if ((f->flags & O_NOATIME) || (oi->lower_path && !oi->upper && !oi->changed))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	if (ino->atime_sec < ino->mtime_sec ||
	    (ino->atime_sec == ino->mtime_sec && ino->atime_nsec <= ino->mtime_nsec) ||
	    ino->atime_sec < ino->ctime_sec ||
	    (ino->atime_sec == ino->ctime_sec && ino->atime_nsec <= ino->ctime_nsec) ||
	    now.tv_sec - ino->atime_sec >= 24 * 60 * 60)
		vfs_inode_touch(ino, VFS_SET_ATIME);
}

static s64 ovl_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	s64 off = pos_begin(f, pos), n;

	n = read_at(OVL_I(f->inode), buf, len, off);
	if (n >= 0 && len) {            /* a read at the end counts, one of 0 bytes not */
		pthread_mutex_lock(&vfs_lock);
		accessed(f);
		pthread_mutex_unlock(&vfs_lock);
	}
	pos_end(f, pos, n);
	return n;
}

static s64 ovl_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		     s64 *pos)
{
	struct ovl_inode *oi = OVL_I(f->inode);
	s64 off = pos_begin(f, pos), n;
	struct mf_pages *p;
	u64 first;
	s64 got;
	int err;

	pthread_mutex_lock(&vfs_lock);
	err = ovl_copy_up(oi);
	if (err) {
		n = err;
		goto out;
	}
	if (f->flags & O_APPEND)
		off = oi->base.size;
	if (off + (s64)len < off || off + len > (u64)MAX_LFS_FILESIZE) {
		n = -EFBIG;
		goto out;
	}
	n = -EPERM;
	if ((oi->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) ||
	    ((oi->seals & F_SEAL_GROW) && off + len > oi->base.size))
		goto out;
	n = 0;
	if (!len)
		goto out;
	p = ovl_pages(oi);
	n = -ENOSPC;
	if (!p)
		goto out;
	/* Pages first; when memory runs out part way, the write is short (tmpfs). */
	first = off / PAGE_SIZE;
	pthread_mutex_lock(&p->lock);
	got = mf_pages_alloc_locked(p, first, (off + len - 1) / PAGE_SIZE - first + 1);
	if (got > 0) {
		n = MIN((s64)len, (s64)((first + got) * PAGE_SIZE) - off);
		mf_pages_write_locked(p, buf, n, off);
	}
	pthread_mutex_unlock(&p->lock);
	if (n < 0)
		goto out;
	ovl_set_size(oi, MAX(oi->base.size, (u64)(off + n)));
	vfs_inode_touch(&oi->base, VFS_SET_MTIME | VFS_SET_CTIME);
	/* Writes by someone else clear set-user-id, as Linux's file_remove_privs. */
	if (oi->base.mode & S_ISUID && t->euid != 0)
		oi->base.mode &= ~S_ISUID;
	if (!pos && (f->flags & O_APPEND))
		f->pos = off;
out:
	pthread_mutex_unlock(&vfs_lock);
	pos_end(f, pos, n);
	return n;
}

/* SEEK_DATA / SEEK_HOLE at @off < @size: in memory, holes are pages never written
 * (or punched); a lower file is all data. */
static s64 seek_data(struct ovl_inode *oi, s64 off, s64 size, bool data)
{
	u64 pg;

	if (!oi->upper && oi->lower_path)
		return data ? off : size;
	if (!oi->pages)
		return data ? -ENXIO : off;
	pg = mf_pages_seek(oi->pages, off / PAGE_SIZE, data);
	if (pg >= (u64)size / PAGE_SIZE + 1 || (s64)(pg * PAGE_SIZE) >= size)
		return data ? -ENXIO : size;
	return MAX(off, (s64)(pg * PAGE_SIZE));
}

static s64 ovl_lseek(struct vfs_file *f, s64 off, int whence)
{
	struct vfs_inode *ino = f->inode;
	s64 size, ret;

	pthread_mutex_lock(&f->pos_lock);
	pthread_mutex_lock(&vfs_lock);
	size = ino->size;
	pthread_mutex_unlock(&vfs_lock);
	switch (whence) {
	case SEEK_SET:
		ret = off;
		break;
	case SEEK_CUR:
		ret = f->pos + off;
		break;
	case SEEK_END:
		ret = size + off;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		ret = off >= 0 && off < size ? seek_data(OVL_I(ino), off, size,
							  whence == SEEK_DATA) : -ENXIO;
		break;
	default:
		ret = -EINVAL;
	}
	if (ret < 0 && ret != -ENXIO)
		ret = -EINVAL;
	if (ret >= 0)
		f->pos = ret;
	pthread_mutex_unlock(&f->pos_lock);
	return ret;
}

static int ovl_fstat(struct vfs_file *f, struct stat *st)
{
	pthread_mutex_lock(&vfs_lock);
	/* MADV_REMOVE releases pages behind the inode's back: recount. */
	if (OVL_I(f->inode)->pages)
		ovl_set_size(OVL_I(f->inode), f->inode->size);
	vfs_inode_stat(f->inode, st);
	pthread_mutex_unlock(&vfs_lock);
	return 0;
}

/* fallocate as tmpfs's: allocation makes pages (ENOSPC when the sandbox's memory
 * runs out, undoing nothing already there), punching and zeroing release them. */
static int ovl_fallocate(struct vfs_file *f, int mode, u64 off, u64 len)
{
	struct ovl_inode *oi = OVL_I(f->inode);
	u64 end = off + len;
	struct mf_pages *p;
	int err;

	pthread_mutex_lock(&vfs_lock);
	err = ovl_copy_up(oi);
	if (err)
		goto out;
	err = -EPERM;
	if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) &&
	    (oi->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		goto out;
	/* shmem_fallocate: no allocation past the end, even one keeping the size. */
	if (!(mode & FALLOC_FL_PUNCH_HOLE) && end > oi->base.size && (oi->seals & F_SEAL_GROW))
		goto out;
	err = -ENOSPC;
	p = ovl_pages(oi);
	if (!p)
		goto out;
	err = 0;
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		/* Whole pages in the range go, those past the end too (KEEP_SIZE). */
		ovl_punch(oi, off, len);
		vfs_inode_touch(&oi->base, VFS_SET_MTIME | VFS_SET_CTIME);
	} else {
		u64 first = off / PAGE_SIZE, n = (end - 1) / PAGE_SIZE - first + 1;
		s64 got;

		pthread_mutex_lock(&p->lock);
		got = mf_pages_alloc_locked(p, first, n);
		pthread_mutex_unlock(&p->lock);
		if (got < 0 || (u64)got < n)
			err = -ENOSPC;
	}
	if (!err && !(mode & FALLOC_FL_KEEP_SIZE) && end > oi->base.size)
		err = ovl_resize(oi, end);
	ovl_set_size(oi, oi->base.size);
out:
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

static int ovl_fsync(struct vfs_file *f)
{
	return 0;
}

static void ovl_file_release(struct vfs_file *f)
{
	free(container_of(f, struct ovl_file, base));
}

const struct vfs_file_ops ovl_file_ops = {
	.type = "ovl",
	.read = ovl_read,
	.write = ovl_write,
	.lseek = ovl_lseek,
	.fstat = ovl_fstat,
	.truncate = vfs_file_truncate_inode,
	.fallocate = ovl_fallocate,
	.fsync = ovl_fsync,
	.readahead = ovl_readahead,
	.map_read = vfs_file_map_read_full,
	.map_pages = ovl_map_pages,
	.release = ovl_file_release,
};

/* ---- directories ---- */

static struct ovl_dir_file *DF(struct vfs_file *f)
{
	return container_of(f, struct ovl_dir_file, base);
}

static void free_snapshot(struct ovl_dir_file *df)
{
	for (u32 i = 0; i < df->nents; i++)
		free(df->ents[i].name);
	free(df->ents);
	df->ents = NULL;
	df->nents = 0;
	df->have = false;
}

struct l_dirent64 {
	u64 d_ino;
	s64 d_off;
	u16 d_reclen;
	u8 d_type;
	char d_name[];
};

static s64 put_dirent(u8 *buf, size_t len, size_t *off, const char *name, u64 ino, u8 type,
		      s64 next)
{
	size_t nl = strlen(name), rec = ALIGN_UP(offsetof(struct l_dirent64, d_name) + nl + 1, 8);
	struct l_dirent64 *d = (struct l_dirent64 *)(buf + *off);

	if (*off + rec > len)
		return 0;
	d->d_ino = ino;
	d->d_off = next;
	d->d_reclen = rec;
	d->d_type = type;
	memcpy(d->d_name, name, nl + 1);
	memset(d->d_name + nl + 1, 0, rec - offsetof(struct l_dirent64, d_name) - nl - 1);
	*off += rec;
	return 1;
}

/* Listing: entry 0 is ".", 1 is "..", then the snapshot; pos is the next index. */
static s64 ovl_getdents(struct task *t, struct vfs_file *f, void *buf, size_t len)
{
	struct ovl_dir_file *df = DF(f);
	struct vfs_dentry *d = f->path.d;
	size_t off = 0;
	s64 ret = 0;

	pthread_mutex_lock(&f->pos_lock);
	pthread_mutex_lock(&vfs_lock);
	if (!d->inode || (!d->hashed && d->parent)) {
		/* A removed directory reads as empty. */
		ret = 0;
		goto out;
	}
	if (f->pos == 0 || !df->have) {
		free_snapshot(df);
		ret = d->inode->ops->readdir(t, d, &df->ents, &df->nents);
		if (ret)
			goto out;
		df->have = true;
	}
	for (;;) {
		s64 i = f->pos;
		const char *name;
		u64 ino;
		u8 type;

		if (i == 0) {
			name = ".";
			ino = d->inode->ino;
			type = DT_DIR;
		} else if (i == 1) {
			struct vfs_dentry *p = d->parent ? d->parent : d;

			name = "..";
			ino = p->inode ? p->inode->ino : d->inode->ino;
			type = DT_DIR;
		} else if ((u64)(i - 2) < df->nents) {
			name = df->ents[i - 2].name;
			ino = df->ents[i - 2].ino;
			type = df->ents[i - 2].type;
		} else {
			break;
		}
		if (!put_dirent(buf, len, &off, name, ino, type, i + 1)) {
			if (!off)
				ret = -EINVAL;
			break;
		}
		f->pos++;
	}
	if (!ret)
		ret = off;
	accessed(f);
out:
	pthread_mutex_unlock(&vfs_lock);
	pthread_mutex_unlock(&f->pos_lock);
	return ret;
}

static s64 ovl_dir_lseek(struct vfs_file *f, s64 off, int whence)
{
	s64 ret;

	pthread_mutex_lock(&f->pos_lock);
	if (whence == SEEK_CUR)
		off += f->pos;
	else if (whence != SEEK_SET)
		off = -1;
	ret = off < 0 ? -EINVAL : off;
	if (ret >= 0)
		f->pos = ret;
	pthread_mutex_unlock(&f->pos_lock);
	return ret;
}

static s64 ovl_dir_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	return -EISDIR;
}

static void ovl_dir_release(struct vfs_file *f)
{
	free_snapshot(DF(f));
	free(DF(f));
}

const struct vfs_file_ops ovl_dir_ops = {
	.type = "ovl_dir",
	.read = ovl_dir_read,
	.lseek = ovl_dir_lseek,
	/* Not ovl_fstat: a volume's directories are opened here too, and their
	 * inodes are no ovl_inode (a directory has no pages to recount anyway). */
	.fstat = vfs_file_fstat_inode,
	.getdents = ovl_getdents,
	.fsync = ovl_fsync,
	.release = ovl_dir_release,
};

int ovl_open(struct task *t, const struct vfs_path *p, u32 flags, struct vfs_file **out)
{
	struct vfs_inode *ino = p->d->inode;
	struct ovl_inode *oi = OVL_I(ino);
	u32 fl = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | L_O_LARGEFILE | O_DIRECT |
			  O_NOATIME | O_SYNC | O_DSYNC | O_DIRECTORY | O_NOFOLLOW);
	int err;

	if (S_ISDIR(ino->mode)) {
		struct ovl_dir_file *df = calloc(1, sizeof(*df));

		if (!df)
			return -ENOMEM;
		vfs_file_init(&df->base, &ovl_dir_ops, fl | L_O_LARGEFILE);
		*out = &df->base;
		return 0;
	}
	if (!S_ISREG(ino->mode))
		return -ENXIO;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) {
		pthread_mutex_lock(&vfs_lock);
		err = ovl_copy_up(oi);
		pthread_mutex_unlock(&vfs_lock);
		if (err)
			return err;
	} else if (!oi->upper && oi->lower_path) {
		err = ovl_lower_fd(oi);
		if (err < 0)
			return err;
	}
	{
		struct ovl_file *of = calloc(1, sizeof(*of));

		if (!of)
			return -ENOMEM;
		vfs_file_init(&of->base, &ovl_file_ops, fl | L_O_LARGEFILE);
		*out = &of->base;
	}
	return 0;
}
