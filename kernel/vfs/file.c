/* Open file descriptions and fd tables (see vfs.h), after Linux's fs/file.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc/epoll.h"
#include "memfile/memfile.h"
#include "task/task.h"
#include "vfs/inotify.h"
#include "vfs/locks.h"
#include "vfs/vfs.h"
#include "vfs/vfs_fs.h"

static struct memfile *vfs_mf;

void vfs_set_memfile(struct memfile *mf)
{
	vfs_mf = mf;
}

struct memfile *vfs_memfile(void)
{
	return vfs_mf;
}

/* The description is counted from here; fdt_alloc and fdt_install refuse to give
 * it a descriptor if that took the sandbox past its limit. */
void vfs_file_init(struct vfs_file *f, const struct vfs_file_ops *ops, u32 flags)
{
	memfile_charge(vfs_mf, VFS_FILE_COST, true);
	ref_init(&f->ref);
	f->ops = ops;
	f->flags = flags;
	f->pos = 0;
	f->path = (struct vfs_path){ NULL, NULL };
	f->inode = NULL;
	pthread_mutex_init(&f->pos_lock, NULL);
}

s64 vfs_file_pos_begin(struct vfs_file *f, s64 *pos)
{
	if (pos)
		return *pos;
	pthread_mutex_lock(&f->pos_lock);
	return f->pos;
}

void vfs_file_pos_end(struct vfs_file *f, s64 *pos, s64 n)
{
	if (pos)
		return;
	if (n > 0)
		f->pos += n;
	pthread_mutex_unlock(&f->pos_lock);
}

int vfs_file_fstat_inode(struct vfs_file *f, struct stat *st)
{
	pthread_mutex_lock(&vfs_lock);
	vfs_inode_stat(f->inode, st);
	pthread_mutex_unlock(&vfs_lock);
	return 0;
}

int vfs_file_truncate_inode(struct vfs_file *f, u64 size)
{
	struct vfs_setattr sa = { .mask = VFS_SET_SIZE, .size = size };
	int err;

	pthread_mutex_lock(&vfs_lock);
	err = f->inode->ops->setattr(f->inode, &sa);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

s64 vfs_file_seek(struct vfs_file *f, s64 off, int whence, s64 size)
{
	s64 ret;

	pthread_mutex_lock(&f->pos_lock);
	ret = whence == SEEK_SET ? off : whence == SEEK_CUR ? f->pos + off :
	      whence == SEEK_END ? size + off : -1;
	if (ret < 0)
		ret = -EINVAL;
	else
		f->pos = ret;
	pthread_mutex_unlock(&f->pos_lock);
	return ret;
}

int vfs_file_map_pages(struct task *t, struct vfs_file *f, u64 off, u64 len,
		       struct mf_pages **out)
{
	char name[PATH_MAX];
	int err = f->ops->map_pages(f, off, len, out);

	if (!err && f->path.d && t->fs &&
	    vfs_path_name(&t->fs->root, &f->path, name, sizeof(name)) >= 0)
		mf_pages_set_name(*out, name);
	return err;
}

s64 vfs_file_map_read_full(struct vfs_file *f, void *buf, size_t len, s64 off)
{
	size_t done = 0;

	while (done < len) {
		s64 pos = off + done;
		s64 n = f->ops->read(NULL, f, (u8 *)buf + done, len - done, &pos);

		if (n < 0)
			return done ? (s64)done : n;
		if (!n)
			break;
		done += n;
	}
	return done;
}

void vfs_file_put(struct vfs_file *f)
{
	if (ref_put(&f->ref)) {
		struct vfs_path p = f->path;
		struct vfs_inode *ino = f->inode;

		/* Linux's __fput: the close is reported before anything goes. */
		if (f->inode)
			inotify_file_event(f, (f->flags & O_ACCMODE) == O_RDONLY ?
					   IN_CLOSE_NOWRITE : IN_CLOSE_WRITE);
		memfile_uncharge(vfs_mf, VFS_FILE_COST);
		vfs_locks_release_file(f);
		epoll_file_release(f);  /* the epoll entries that watch it go */
		/* Off whatever the flag says: no entry may outlive its file. */
		if (f->ops->fasync)
			f->ops->fasync(NULL, f, -1, false);
		pthread_mutex_destroy(&f->pos_lock);
		f->ops->release(f);
		if (p.d || ino) {
			pthread_mutex_lock(&vfs_lock);
			vfs_path_put(&p);
			vfs_inode_put(ino);
			pthread_mutex_unlock(&vfs_lock);
		}
	}
}

int fdt_new(struct fdtable **out)
{
	struct fdtable *fdt = calloc(1, sizeof(*fdt));

	if (!fdt)
		return -ENOMEM;
	ref_init(&fdt->ref);
	pthread_mutex_init(&fdt->lock, NULL);
	*out = fdt;
	return 0;
}

void fdt_put(struct fdtable *fdt)
{
	if (!ref_put(&fdt->ref))
		return;
	for (u32 i = 0; i < fdt->n; i++)
		if (fdt->fds[i].file)
			vfs_file_put(fdt->fds[i].file);
	memfile_uncharge(vfs_mf, (u64)fdt->n * sizeof(*fdt->fds));
	free(fdt->fds);
	pthread_mutex_destroy(&fdt->lock);
	free(fdt);
}

struct vfs_file *fdt_get(struct fdtable *fdt, int fd)
{
	struct vfs_file *f = NULL;

	if (fd < 0)
		return NULL;
	pthread_mutex_lock(&fdt->lock);
	if ((u32)fd < fdt->n && fdt->fds[fd].file) {
		f = fdt->fds[fd].file;
		vfs_file_get(f);
	}
	pthread_mutex_unlock(&fdt->lock);
	return f;
}

static int fdt_grow(struct fdtable *fdt, u32 want)
{
	struct fd_entry *n;
	u32 cap = fdt->n ? fdt->n : 16;

	while (cap <= want)
		cap *= 2;
	if (cap <= fdt->n)
		return 0;
	if (memfile_charge(vfs_mf, (u64)(cap - fdt->n) * sizeof(*n), false))
		return -ENOMEM;
	n = realloc(fdt->fds, cap * sizeof(*n));
	if (!n) {
		memfile_uncharge(vfs_mf, (u64)(cap - fdt->n) * sizeof(*n));
		return -ENOMEM;
	}
	memset(n + fdt->n, 0, (cap - fdt->n) * sizeof(*n));
	fdt->fds = n;
	fdt->n = cap;
	return 0;
}

int fdt_alloc(struct fdtable *fdt, struct vfs_file *f, int min, u32 fdflags, u64 limit)
{
	int fd = -EMFILE;

	if (min < 0 || (u64)min >= limit)
		return -EINVAL;
	if (memfile_full(vfs_mf))
		return -ENOMEM;
	pthread_mutex_lock(&fdt->lock);
	for (u32 i = MAX((u32)min, fdt->next_fd); i < limit; i++) {
		if (i >= fdt->n && fdt_grow(fdt, i)) {
			fd = -ENOMEM;
			break;
		}
		if (!fdt->fds[i].file) {
			vfs_file_get(f);
			fdt->fds[i] = (struct fd_entry){ f, fdflags };
			fd = i;
			break;
		}
	}
	if (fd >= 0 && (u32)min <= fdt->next_fd)
		fdt->next_fd = fd + 1;
	pthread_mutex_unlock(&fdt->lock);
	return fd;
}

int fdt_install(struct fdtable *fdt, int fd, struct vfs_file *f, u32 fdflags, u64 limit)
{
	struct vfs_file *old = NULL;
	int err = 0;

	if (fd < 0 || (u64)fd >= limit)
		return -EBADF;
	if (memfile_full(vfs_mf))
		return -ENOMEM;
	pthread_mutex_lock(&fdt->lock);
	if ((u32)fd >= fdt->n && fdt_grow(fdt, fd)) {
		err = -ENOMEM;
		goto out;
	}
	old = fdt->fds[fd].file;
	vfs_file_get(f);
	fdt->fds[fd] = (struct fd_entry){ f, fdflags };
out:
	pthread_mutex_unlock(&fdt->lock);
	if (old)
		vfs_file_put(old);
	return err ? err : fd;
}

int fdt_close(struct fdtable *fdt, int fd)
{
	struct vfs_file *f = NULL;

	if (fd < 0)
		return -EBADF;
	pthread_mutex_lock(&fdt->lock);
	if ((u32)fd < fdt->n) {
		f = fdt->fds[fd].file;
		fdt->fds[fd] = (struct fd_entry){ NULL, 0 };
		fdt->next_fd = MIN(fdt->next_fd, (u32)fd);
	}
	pthread_mutex_unlock(&fdt->lock);
	if (!f)
		return -EBADF;
	vfs_file_put(f);
	return 0;
}

int fdt_get_flags(struct fdtable *fdt, int fd)
{
	int ret = -EBADF;

	pthread_mutex_lock(&fdt->lock);
	if (fd >= 0 && (u32)fd < fdt->n && fdt->fds[fd].file)
		ret = fdt->fds[fd].flags;
	pthread_mutex_unlock(&fdt->lock);
	return ret;
}

int fdt_set_flags(struct fdtable *fdt, int fd, u32 flags)
{
	int ret = -EBADF;

	pthread_mutex_lock(&fdt->lock);
	if (fd >= 0 && (u32)fd < fdt->n && fdt->fds[fd].file) {
		fdt->fds[fd].flags = flags;
		ret = 0;
	}
	pthread_mutex_unlock(&fdt->lock);
	return ret;
}

void fdt_close_range(struct fdtable *fdt, u32 lo, u32 hi, bool cloexec)
{
	for (;;) {
		struct vfs_file *f = NULL;

		pthread_mutex_lock(&fdt->lock);
		for (; lo <= hi && lo < fdt->n; lo++) {
			if (!fdt->fds[lo].file)
				continue;
			if (cloexec) {
				fdt->fds[lo].flags |= FD_CLOEXEC;
				continue;
			}
			f = fdt->fds[lo].file;
			fdt->fds[lo] = (struct fd_entry){ NULL, 0 };
			fdt->next_fd = MIN(fdt->next_fd, lo);
			break;
		}
		pthread_mutex_unlock(&fdt->lock);
		if (!f)
			return;
		vfs_file_put(f);
		if (lo == hi)
			return;
		lo++;
	}
}

void fdt_close_on_exec(struct fdtable *fdt)
{
	for (u32 i = 0; i < fdt->n; i++) {
		struct vfs_file *f = NULL;

		pthread_mutex_lock(&fdt->lock);
		if (i < fdt->n && fdt->fds[i].file && (fdt->fds[i].flags & FD_CLOEXEC)) {
			f = fdt->fds[i].file;
			fdt->fds[i] = (struct fd_entry){ NULL, 0 };
			fdt->next_fd = MIN(fdt->next_fd, i);
		}
		pthread_mutex_unlock(&fdt->lock);
		if (f)
			vfs_file_put(f);
	}
}

int fdt_fork(struct fdtable *fdt, struct fdtable **out)
{
	struct fdtable *n;
	int err = fdt_new(&n);

	if (err)
		return err;
	pthread_mutex_lock(&fdt->lock);
	if (fdt->n) {
		if (memfile_charge(vfs_mf, (u64)fdt->n * sizeof(*n->fds), false)) {
			pthread_mutex_unlock(&fdt->lock);
			fdt_put(n);
			return -ENOMEM;
		}
		n->fds = calloc(fdt->n, sizeof(*n->fds));
		if (!n->fds) {
			memfile_uncharge(vfs_mf, (u64)fdt->n * sizeof(*n->fds));
			pthread_mutex_unlock(&fdt->lock);
			fdt_put(n);
			return -ENOMEM;
		}
		n->n = fdt->n;
		n->next_fd = fdt->next_fd;
		for (u32 i = 0; i < fdt->n; i++) {
			n->fds[i] = fdt->fds[i];
			if (n->fds[i].file)
				vfs_file_get(n->fds[i].file);
		}
	}
	pthread_mutex_unlock(&fdt->lock);
	*out = n;
	return 0;
}
