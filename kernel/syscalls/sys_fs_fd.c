/*
 * File-descriptor syscalls of the files issue: getdents64, ftruncate, fallocate,
 * the sync family, flock, fadvise64, and file mappings for mmap: overlay and tmpfs
 * files map their pages (a lower file its page cache), shared or copy-on-write;
 * other files (volumes, /proc) are filled with a copy of the file when mapped, not
 * coherent with later writes through read/write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "fs/gofer/goferfs.h"
#include "fs/ovl/ovl.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "vfs/locks.h"
#include "vfs/vfs.h"

SYS(getdents64)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	size_t len = MIN(a[2], 1 << 20);
	void *buf;
	long ret;

	if (!f)
		return -EBADF;
	if (!f->ops->getdents || (f->flags & O_PATH)) {
		vfs_file_put(f);
		return (f->flags & O_PATH) ? -EBADF : -ENOTDIR;
	}
	buf = calloc(1, len + 1);
	if (!buf) {
		vfs_file_put(f);
		return -ENOMEM;
	}
	ret = f->ops->getdents(t, f, buf, len);
	if (ret > 0 && mm_copy_out(t->mm, a[1], buf, ret))
		ret = -EFAULT;
	free(buf);
	vfs_file_put(f);
	return ret;
}

SYS(ftruncate)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	long ret;

	if (!f)
		return -EBADF;
	/* Linux's do_ftruncate: EBADF for O_PATH, EINVAL for a negative length, a
	 * file not open for writing or not regular. (Its EPERM is for append-only
	 * inodes, not O_APPEND descriptors.) */
	if (f->flags & O_PATH)
		ret = -EBADF;
	else if ((s64)a[1] < 0 || (f->flags & O_ACCMODE) == O_RDONLY)
		ret = -EINVAL;
	else if (f->inode && !S_ISREG(f->inode->mode))
		ret = -EINVAL;
	else
		ret = f->ops->truncate ? f->ops->truncate(f, a[1]) : -EINVAL;
	vfs_file_put(f);
	return ret;
}

/* Linux's vfs_fallocate, its checks in its order. */
SYS(fallocate)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	s64 off = a[2], len = a[3];
	int mode = a[1];
	long ret = 0;

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH)
		ret = -EBADF;
	else if (off < 0 || len <= 0)
		ret = -EINVAL;
	else if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		ret = -EOPNOTSUPP;      /* collapse, insert, unshare, write-zeroes */
	else if ((mode & FALLOC_FL_PUNCH_HOLE) &&
		 (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_ZERO_RANGE)))
		ret = -EOPNOTSUPP;
	else if ((f->flags & O_ACCMODE) == O_RDONLY)
		ret = -EBADF;
	else if (!f->inode || S_ISFIFO(f->inode->mode))
		ret = -ESPIPE;
	else if (S_ISDIR(f->inode->mode))
		ret = -EISDIR;
	else if (!S_ISREG(f->inode->mode))
		ret = -ENODEV;
	else if (off + len < off)
		ret = -EFBIG;
	else
		ret = f->ops->fallocate ? f->ops->fallocate(f, mode, off, len) : -EOPNOTSUPP;
	vfs_file_put(f);
	return ret;
}

static long sync_fd(struct task *t, int fd)
{
	struct vfs_file *f = fdt_get(t->fdt, fd);
	bool opath;

	if (!f)
		return -EBADF;
	opath = f->flags & O_PATH;
	vfs_file_put(f);
	return opath ? -EBADF : 0;
}

SYS(fsync) { return sync_fd(t, a[0]); }
SYS(fdatasync) { return sync_fd(t, a[0]); }
SYS(syncfs) { return sync_fd(t, a[0]); }
SYS(sync) { return 0; }

SYS(flock)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	long ret;

	if (!f)
		return -EBADF;
	ret = f->flags & O_PATH ? -EBADF : vfs_flock(t, f, a[1]);
	vfs_file_put(f);
	return ret;
}

SYS(fadvise64)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);

	if (!f)
		return -EBADF;
	vfs_file_put(f);
	if (a[3] > POSIX_FADV_NOREUSE)
		return -EINVAL;
	return 0;
}

/* A mapping of a file's pages (vfs_file_ops.map_pages): an overlay file's own, or
 * the page cache of a lower one, which is open read-only (opening it for writing
 * copies it up), so a shared mapping of it can never be made writable. Seals as
 * Linux's memfd_file_seals: a write seal refuses a writable shared mapping, and a
 * read-only one made under it can never be made writable; private mappings are not
 * writes to the file. */
static long mmap_pages(struct task *t, struct vfs_file *f, u64 addr, u64 len, int prot,
		       int flags, u64 off)
{
	bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
	bool maywrite = shared && (f->flags & O_ACCMODE) == O_RDWR;
	struct mf_pages *p;
	s64 ret;

	if (shared && f->ops == &ovl_file_ops) {
		u32 seals;

		pthread_mutex_lock(&vfs_lock);
		seals = OVL_I(f->inode)->seals;
		pthread_mutex_unlock(&vfs_lock);
		if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) {
			if (prot & PROT_WRITE)
				return -EPERM;
			maywrite = false;
		}
	}
	ret = vfs_file_map_pages(t, f, off, len, &p);
	if (ret)
		return ret;
	ret = mm_mmap_pages(t->mm, addr, len, prot, flags, p, off / PAGE_SIZE, maywrite);
	mf_pages_put(p);
	return ret;
}

long sys_mmap_file(struct task *t, u64 addr, u64 len, int prot, int flags, int fd, u64 off)
{
	struct vfs_file *f = fdt_get(t->fdt, fd);
	u8 *buf = NULL;
	s64 ret, got;

	if (!f)
		return -EBADF;
	ret = -EBADF;
	if (f->flags & O_PATH)
		goto out;
	ret = -EACCES;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		goto out;
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE) &&
	    (f->flags & O_ACCMODE) != O_RDWR)
		goto out;
	/* A volume file's writable shared mapping would be a copy whose writes never
	 * reach the host: refused, as by a filesystem without shared mappings. */
	ret = -ENODEV;
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE) &&
	    f->ops == &goferfs_file_ops)
		goto out;
	ret = -ENODEV;
	if (!f->ops->map_read)
		goto out;
	ret = -EOVERFLOW;
	if (off + PAGE_ALIGN(len) < off)
		goto out;
	if (f->ops->map_pages && f->inode && S_ISREG(f->inode->mode)) {
		ret = mmap_pages(t, f, addr, len, prot, flags, off);
		goto out;
	}
	len = PAGE_ALIGN(len);
	buf = malloc(len);
	ret = -ENOMEM;
	if (!buf)
		goto out;
	got = f->ops->map_read(f, buf, len, off);
	if (got < 0) {
		ret = got;
		goto out;
	}
	/* Files without pages (volume files, /proc and /dev files) are mapped as a
	 * copy; a MAP_SHARED copy stays shared with the copies fork makes of it, so
	 * parent and children still see each other's stores. */
	ret = mm_mmap_anon(t->mm, addr, len, prot,
			   (flags & ~MAP_TYPE) | ((flags & MAP_TYPE) == MAP_PRIVATE ?
						  MAP_PRIVATE : MAP_SHARED) | MAP_ANONYMOUS);
	if (ret >= 0 && got > 0 && mm_poke(t->mm, ret, buf, got)) {
		mm_munmap(t->mm, ret, len);
		ret = -ENOMEM;
	}
out:
	free(buf);
	vfs_file_put(f);
	return ret;
}

#define L_MFD_CLOEXEC 0x1
#define L_MFD_ALLOW_SEALING 0x2
#define L_MFD_HUGETLB 0x4
#define L_MFD_NOEXEC_SEAL 0x8
#define L_MFD_EXEC 0x10
#define MFD_NAME_MAX (NAME_MAX - 6)     /* 255 - strlen("memfd:") */

SYS(memfd_create)
{
	char name[MFD_NAME_MAX + 2];
	struct vfs_file *f;
	u32 flags = a[1];
	s64 n;
	int err;

	if (flags & ~(u32)(L_MFD_CLOEXEC | L_MFD_ALLOW_SEALING | L_MFD_HUGETLB |
			   L_MFD_NOEXEC_SEAL | L_MFD_EXEC))
		return -EINVAL;
	if ((flags & L_MFD_EXEC) && (flags & L_MFD_NOEXEC_SEAL))
		return -EINVAL;
	if (flags & L_MFD_HUGETLB)
		return -EINVAL;         /* no hugetlbfs here, as on a kernel without it */
	n = mm_strncpy_in(t->mm, name, a[0], sizeof(name));
	if (n < 0)
		return n == -ENAMETOOLONG ? -EINVAL : n;
	if (n > MFD_NAME_MAX)
		return -EINVAL;
	err = ovl_memfd_new(t, name, flags, &f);
	if (err)
		return err;
	err = fdt_alloc(t->fdt, f, 0, flags & L_MFD_CLOEXEC ? FD_CLOEXEC : 0,
			t->rlim[RLIMIT_NOFILE].cur);
	vfs_file_put(f);
	return err;
}

long sys_fcntl_seals(struct vfs_file *f, int cmd, u64 arg)
{
	u32 seals;

	if (cmd == F_ADD_SEALS)
		return ovl_add_seals(f, arg);
	if (!ovl_has_seals(f->inode))
		return -EINVAL;
	pthread_mutex_lock(&vfs_lock);
	seals = OVL_I(f->inode)->seals;
	pthread_mutex_unlock(&vfs_lock);
	return seals;
}
