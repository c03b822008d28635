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
 * mmap: MAP_PRIVATE is a copy, as for every file here. A MAP_SHARED mapping is a
 * copy too (sys_fs_fd.c): its writes do not reach the host file.
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
}

static s64 goferfs_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	s64 off = vfs_file_pos_begin(f, pos), n;
	int fd = data_fd(GOFERFS_I(f->inode), false);

	if (fd < 0) {
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
	u32 h;

	pthread_mutex_lock(&vfs_lock);
	h = gi->h;
	pthread_mutex_unlock(&vfs_lock);
	return h ? goferc_fsync(goferfs_conn(gi), h) : -ESTALE;
}

/* fallocate on the host file (the mode checked by the syscall), then the size and
 * blocks the host now has. */
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
	pthread_mutex_unlock(&vfs_lock);
	return err;
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
