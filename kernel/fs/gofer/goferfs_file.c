/*
 * Open files of the gofer filesystem (see goferfs.h). Regular file data goes through
 * the host descriptors the gofer donated, one read-only and one read-write per
 * inode, shared by its open files and closed with the last of them; offsets are the
 * Sentry's (pread/pwrite), so the descriptors' own offsets and flags never matter.
 * After a write, fstat of the descriptor gives the size and times the host now has.
 * Directories are listed by the overlay's directory file, which reads the inode's
 * readdir op (a GOFER_READDIR snapshot at offset 0). After gVisor's
 * fsimpl/gofer/regular_file.go.
 *
 * mmap: every mapping maps the inode's page cache (struct mf_pages, rw), read from
 * the host file over the mapped range when mapped, as Linux's page cache and gVisor's
 * gofer client's mapped file cache do; private mappings copy a page on its first
 * write. A shared mapping's writes reach the host file when the mapping goes, on
 * msync and fsync, and at a checkpoint (mf_pages_writeback: every cached page, since
 * nothing says which were written). read() and write() use the cache's pages where it
 * has them, so they see the mapping's writes and it sees theirs; truncate and hole
 * punching drop its pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/gofer/goferc.h"
#include "fs/gofer/goferfs.h"
#include "fs/ovl/ovl.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"

#define MAX_LFS_FILESIZE 0x7fffffffffffffffLL

/* The inode's descriptor for reading (either will do) or writing, opened through
 * the gofer on first use. */
static int data_fd(struct goferfs_inode *gi, bool write)
{
	int fd, err;
	u32 h;

	pthread_mutex_lock(&vfs_lock);
	fd = write ? gi->fd_rw : gi->fd_rw >= 0 ? gi->fd_rw : gi->fd_ro;
	h = gi->h;
	pthread_mutex_unlock(&vfs_lock);
	if (fd >= 0)
		return fd;
	if (!h)
		return -ESTALE;
	err = goferc_open(goferfs_conn(gi), h, write ? O_RDWR : O_RDONLY, &fd);
	if (err)
		return err;
	pthread_mutex_lock(&vfs_lock);
	if (write ? gi->fd_rw < 0 : gi->fd_ro < 0) {
		if (write)
			gi->fd_rw = fd;
		else
			gi->fd_ro = fd;
	} else {
		close(fd);
		fd = write ? gi->fd_rw : gi->fd_ro;
	}
	pthread_mutex_unlock(&vfs_lock);
	return fd;
}

void goferfs_sync_attr(struct goferfs_inode *gi, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return;
	gi->base.size = st.st_size;
	gi->base.blocks = st.st_blocks;
	gi->base.mtime_sec = st.st_mtim.tv_sec;
	gi->base.mtime_nsec = st.st_mtim.tv_nsec;
	gi->base.ctime_sec = st.st_ctim.tv_sec;
	gi->base.ctime_nsec = st.st_ctim.tv_nsec;
	goferfs_cache_resize(gi);
}

/* The inode's page cache, referenced, or NULL. */
static struct mf_pages *cache_get(struct goferfs_inode *gi)
{
	struct mf_pages *p;

	pthread_mutex_lock(&vfs_lock);
	p = gi->cache;
	if (p)
		mf_pages_get(p);
	pthread_mutex_unlock(&vfs_lock);
	return p;
}

static s64 pread_full(int fd, u8 *buf, size_t len, s64 off)
{
	s64 k;

	do
		k = pread(fd, buf, len, off);
	while (k < 0 && errno == EINTR);
	return k < 0 ? -errno : k;
}

/* A read of a file with a page cache: its pages where it has them (they may hold a
 * shared mapping's writes not yet written back), the host file's elsewhere; within
 * the size the sandbox last gave the file. */
static s64 read_cached(struct mf_pages *p, int fd, u8 *buf, size_t len, s64 off)
{
	size_t done = 0;
	s64 k = 0;

	pthread_mutex_lock(&p->lock);
	if ((u64)off >= p->size)
		len = 0;
	else
		len = MIN(len, p->size - off);
	while (done < len) {
		u64 pos = off + done, m = mf_pages_find_locked(p, pos / PAGE_SIZE);
		size_t n = MIN(len - done, PAGE_SIZE - pos % PAGE_SIZE);

		if (m) {
			m += pos % PAGE_SIZE;
			memfile_await(p->mf, m, n);
			memfile_read(p->mf, buf + done, n, m);
			done += n;
			continue;
		}
		while (done + n < len && !mf_pages_find_locked(p, (pos + n) / PAGE_SIZE))
			n = MIN(len - done, n + PAGE_SIZE);
		k = pread_full(fd, buf + done, n, pos);
		if (k <= 0)
			break;
		done += k;
		if ((size_t)k < n)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	return done || k >= 0 ? (s64)done : k;
}

static s64 goferfs_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	s64 off = vfs_file_pos_begin(f, pos), n;
	struct goferfs_inode *gi = GOFERFS_I(f->inode);
	int fd = data_fd(gi, false);
	struct mf_pages *p = fd >= 0 ? cache_get(gi) : NULL;

	if (p) {
		n = read_cached(p, fd, buf, len, off);
		mf_pages_put(p);
	} else if (fd < 0) {
		n = fd;
	} else {
		do
			n = pread(fd, buf, len, off);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			n = -errno;
	}
	vfs_file_pos_end(f, pos, n);
	return n;
}

static s64 goferfs_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
			 s64 *pos)
{
	struct goferfs_inode *gi = GOFERFS_I(f->inode);
	s64 off = vfs_file_pos_begin(f, pos), n;
	bool append = f->flags & O_APPEND;
	int fd = data_fd(gi, true);

	if (fd < 0) {
		n = fd;
		goto out;
	}
	/* Appends are serialised under vfs_lock so that two find the same end only
	 * one after the other. */
	if (append) {
		struct stat st;

		pthread_mutex_lock(&vfs_lock);
		off = fstat(fd, &st) ? gi->base.size : st.st_size;
	}
	if (off + (s64)len < off || off + len > (u64)MAX_LFS_FILESIZE) {
		n = -EFBIG;
	} else {
		do
			n = pwrite(fd, buf, len, off);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			n = -errno;
	}
	if (!append)
		pthread_mutex_lock(&vfs_lock);
	if (n > 0)
		goferfs_sync_attr(gi, fd);
	if (n > 0 && !pos && append)
		f->pos = off;
	if (n > 0 && gi->cache) {
		/* The cached pages the write covered get its bytes (pages not cached
		 * are read from the host when needed). */
		struct mf_pages *p = gi->cache;

		pthread_mutex_lock(&p->lock);
		mf_pages_write_locked(p, buf, n, off);
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_unlock(&vfs_lock);
out:
	vfs_file_pos_end(f, pos, n);
	return n;
}

static s64 goferfs_lseek(struct vfs_file *f, s64 off, int whence)
{
	struct goferfs_inode *gi = GOFERFS_I(f->inode);
	s64 size, ret;
	int fd;

	if (whence != SEEK_DATA && whence != SEEK_HOLE) {
		pthread_mutex_lock(&vfs_lock);
		size = gi->base.size;
		pthread_mutex_unlock(&vfs_lock);
		return vfs_file_seek(f, off, whence, size);
	}
	/* The host knows the holes: ask its descriptor (its own offset is unused). */
	fd = data_fd(gi, false);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&f->pos_lock);
	ret = lseek(fd, off, whence);
	if (ret < 0)
		ret = errno == ENXIO ? -ENXIO : -EINVAL;
	else
		f->pos = ret;
	pthread_mutex_unlock(&f->pos_lock);
	return ret;
}

static int goferfs_fsync(struct vfs_file *f)
{
	struct goferfs_inode *gi = GOFERFS_I(f->inode);
	struct mf_pages *p = cache_get(gi);
	int err = p ? mf_pages_writeback(p) : 0;
	u32 h;

	mf_pages_put(p);
	if (err)
		return err;
	pthread_mutex_lock(&vfs_lock);
	h = gi->h;
	pthread_mutex_unlock(&vfs_lock);
	return h ? goferc_fsync(goferfs_conn(gi), h) : -ESTALE;
}

static void cache_zero(struct mf_pages *p, u64 off, u64 end);

/* fallocate on the host file (the mode checked by the syscall), then the size and
 * blocks the host now has; a punched or zeroed range is zeroed in the page cache. */
static int goferfs_fallocate(struct vfs_file *f, int mode, u64 off, u64 len)
{
	struct goferfs_inode *gi = GOFERFS_I(f->inode);
	int fd = data_fd(gi, true), err = 0;

	if (fd < 0)
		return fd;
	if (fallocate(fd, mode, off, len))
		err = -errno;
	pthread_mutex_lock(&vfs_lock);
	goferfs_sync_attr(gi, fd);
	if (!err && gi->cache && (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)))
		cache_zero(gi->cache, off, off + len);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

/* Zeroes [off, end) of page cache @p, as the host file now reads: whole pages are
 * dropped (and unmapped here; elsewhere at the next syscall), the partial ones at
 * the ends zeroed where cached. */
static void cache_zero(struct mf_pages *p, u64 off, u64 end)
{
	static const u8 zero[PAGE_SIZE];
	u64 a = PAGE_ALIGN(off), e = end == ~0ULL ? ~0ULL : ALIGN_DOWN(end, PAGE_SIZE);

	if (off >= end)
		return;
	pthread_mutex_lock(&p->lock);
	if (a > e) {            /* within one page */
		mf_pages_write_locked(p, zero, end - off, off);
	} else {
		mf_pages_write_locked(p, zero, a - off, off);
		if (end != ~0ULL)
			mf_pages_write_locked(p, zero, end - e, e);
	}
	pthread_mutex_unlock(&p->lock);
	if (a < e) {
		u64 n = (e == ~0ULL ? ~0ULL / PAGE_SIZE : e / PAGE_SIZE) - a / PAGE_SIZE;

		mf_pages_release(p, a / PAGE_SIZE, n);
		mm_unmap_pages_self(p, a / PAGE_SIZE, n);
	}
}

void goferfs_cache_resize(struct goferfs_inode *gi)
{
	struct mf_pages *p = gi->cache;
	u64 old;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	old = p->size;
	p->size = gi->base.size;
	pthread_mutex_unlock(&p->lock);
	if (gi->base.size < old)
		cache_zero(p, gi->base.size, ~0ULL);
}

/* A new descriptor of the inode's host file, for the page cache to keep. */
static int dup_data_fd(struct goferfs_inode *gi, bool write)
{
	int fd = data_fd(gi, write);

	if (fd < 0)
		return fd;
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* The page cache for a mapping of [off, off+len), made by the first mapping, with
 * that range read in (one pass; what fails is left to the faults, which try again
 * and raise SIGBUS, as an I/O error does on Linux). A file open for writing gives
 * it the descriptor its write-back goes through: only such a file can be mapped
 * shared and writable. */
static int goferfs_map_pages(struct vfs_file *f, u64 off, u64 len, struct mf_pages **out)
{
	struct goferfs_inode *gi = GOFERFS_I(f->inode);
	struct mf_pages *p, *made;
	int fd, err;

	p = cache_get(gi);
	if (!p) {
		fd = dup_data_fd(gi, false);
		if (fd < 0)
			return fd;
		pthread_mutex_lock(&vfs_lock);
		err = mf_pages_new_cache(ovl_memfile(), fd, gi->base.size, &made);
		if (!err) {
			made->rw = true;
			if (gi->cache) {        /* made by another mapping meanwhile */
				mf_pages_put(made);
			} else {
				gi->cache = made;
			}
			p = gi->cache;
			mf_pages_get(p);
		}
		pthread_mutex_unlock(&vfs_lock);
		if (err)
			return err;
	} else if (p->src_fd < 0) {
		fd = dup_data_fd(gi, false);
		if (fd < 0) {
			mf_pages_put(p);
			return fd;
		}
		mf_pages_set_src(p, fd);        /* restored without one */
	}
	if ((f->flags & O_ACCMODE) == O_RDWR && p->wb_fd < 0) {
		fd = dup_data_fd(gi, true);
		if (fd < 0) {
			mf_pages_put(p);
			return fd;
		}
		mf_pages_set_wb(p, fd);
	}
	pthread_mutex_lock(&p->lock);
	mf_pages_fill_locked(p, off / PAGE_SIZE, PAGE_ALIGN(len) / PAGE_SIZE);
	pthread_mutex_unlock(&p->lock);
	*out = p;
	return 0;
}

int goferfs_cache_reopen(struct goferfs_inode *gi)
{
	struct mf_pages *p = gi->cache;
	int fd;

	if (!p)
		return 0;
	fd = dup_data_fd(gi, false);
	if (fd < 0)
		return fd;
	mf_pages_set_src(p, fd);
	if (!p->writers)
		return 0;
	fd = dup_data_fd(gi, true);
	if (fd < 0)
		return fd;
	mf_pages_set_wb(p, fd);
	return 0;
}

/* The host's page cache holds a volume file's data: the range is read ahead there. */
static int goferfs_readahead(struct vfs_file *f, u64 off, u64 len)
{
	int fd = data_fd(GOFERFS_I(f->inode), false);

	if (fd < 0)
		return fd;
	return -posix_fadvise(fd, off, len, POSIX_FADV_WILLNEED);
}

/* An inode's host descriptors outlive its open files while it has a name (the next
 * open needs no gofer round trip); the last close of an unlinked file drops them.
 * vfs_lock held. */
static void put_open(struct goferfs_inode *gi)
{
	if (gi->nopen && --gi->nopen)
		return;
	if (!gi->path)
		goferfs_close_fds(gi);
}

void goferfs_close_fds(struct goferfs_inode *gi)
{
	if (gi->fd_ro >= 0)
		close(gi->fd_ro);
	if (gi->fd_rw >= 0)
		close(gi->fd_rw);
	gi->fd_ro = gi->fd_rw = -1;
}

static void goferfs_file_release(struct vfs_file *f)
{
	pthread_mutex_lock(&vfs_lock);
	put_open(GOFERFS_I(f->inode));
	pthread_mutex_unlock(&vfs_lock);
	free(container_of(f, struct goferfs_file, base));
}

const struct vfs_file_ops goferfs_file_ops = {
	.type = "goferfs",
	.read = goferfs_read,
	.write = goferfs_write,
	.lseek = goferfs_lseek,
	.fstat = vfs_file_fstat_inode,
	.truncate = vfs_file_truncate_inode,
	.fallocate = goferfs_fallocate,
	.fsync = goferfs_fsync,
	.readahead = goferfs_readahead,
	.map_read = vfs_file_map_read_full,
	.map_pages = goferfs_map_pages,
	.release = goferfs_file_release,
};

int goferfs_open(struct task *t, const struct vfs_path *p, u32 flags, struct vfs_file **out)
{
	struct vfs_inode *ino = p->d->inode;
	struct goferfs_inode *gi = GOFERFS_I(ino);
	struct goferfs_file *gf;
	u32 fl = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | L_O_LARGEFILE | O_DIRECT |
			  O_NOATIME | O_SYNC | O_DSYNC | O_DIRECTORY | O_NOFOLLOW);
	int fd;

	if (S_ISDIR(ino->mode))
		return ovl_open(t, p, flags, out);
	if (!S_ISREG(ino->mode))
		return -ENXIO;
	gf = calloc(1, sizeof(*gf));
	if (!gf)
		return -ENOMEM;
	pthread_mutex_lock(&vfs_lock);
	gi->nopen++;
	pthread_mutex_unlock(&vfs_lock);
	/* The descriptor now, so that an open the host refuses fails here. */
	fd = data_fd(gi, (flags & O_ACCMODE) != O_RDONLY);
	if (fd < 0) {
		pthread_mutex_lock(&vfs_lock);
		put_open(gi);
		pthread_mutex_unlock(&vfs_lock);
		free(gf);
		return fd;
	}
	vfs_file_init(&gf->base, &goferfs_file_ops, fl | L_O_LARGEFILE);
	gf->base.inode = ino;
	vfs_inode_get(ino);
	*out = &gf->base;
	return 0;
}
