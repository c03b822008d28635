/*
 * File-descriptor syscalls of the files issue: getdents64 and getdents, ftruncate,
 * fallocate, the sync family and sync_file_range, flock, fadvise64 and readahead, and
 * file mappings for mmap: overlay and tmpfs
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

#include "fs/ovl/ovl.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "vfs/inotify.h"
#include "vfs/locks.h"
#include "vfs/vfs.h"

/*
 * getdents64, and with @old the old getdents: struct linux_dirent { ino; off; reclen;
 * name[]; pad; type }, d_type in the record's last byte. Its records have the same
 * length as linux_dirent64's (both 8-byte aligned: 18 + name + NUL + type), so the
 * entries the file gives are rewritten in place: same count, same offsets.
 */
static long do_getdents(struct task *t, const u64 *a, bool old)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	size_t len = MIN(a[2], 1 << 20);
	u8 *buf;
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
	if (ret >= 0)
		inotify_file_event(f, IN_ACCESS);      /* Linux's iterate_dir, each call */
	for (long off = 0; old && off < ret;) {
		struct l_dirent64 {
			u64 ino;
			s64 off;
			u16 reclen;
			u8 type;
			char name[];
		} *d = (void *)(buf + off);
		u16 reclen = d->reclen;
		u8 type = d->type;

		memmove(buf + off + 18, d->name, strnlen(d->name, reclen - 19) + 1);
		buf[off + reclen - 1] = type;
		off += reclen;
	}
	if (ret > 0 && mm_copy_out(t->mm, a[1], buf, ret))
		ret = -EFAULT;
	free(buf);
	vfs_file_put(f);
	return ret;
}

SYS(getdents64) { return do_getdents(t, a, false); }
SYS(getdents) { return do_getdents(t, a, true); }

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
	if (!ret)
		inotify_file_event(f, IN_MODIFY);
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
	if (!ret)
		inotify_file_event(f, IN_MODIFY);
	vfs_file_put(f);
	return ret;
}

/* fsync and fdatasync: a file that keeps data elsewhere (a volume file: the host)
 * syncs it; the overlay's and tmpfs's data is in memory and in the image, with
 * nothing to flush. */
static long sync_fd(struct task *t, int fd)
{
	struct vfs_file *f = fdt_get(t->fdt, fd);
	long ret;

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH)
		ret = -EBADF;
	else
		ret = f->ops->fsync ? f->ops->fsync(f) : 0;
	vfs_file_put(f);
	return ret;
}

SYS(fsync) { return sync_fd(t, a[0]); }
SYS(fdatasync) { return sync_fd(t, a[0]); }
SYS(syncfs)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	bool opath;

	if (!f)
		return -EBADF;
	opath = f->flags & O_PATH;
	vfs_file_put(f);
	return opath ? -EBADF : 0;
}
SYS(sync) { return 0; }

#define L_SYNC_FILE_RANGE_WAIT_BEFORE 1
#define L_SYNC_FILE_RANGE_WRITE 2
#define L_SYNC_FILE_RANGE_WAIT_AFTER 4

/* The mode of @f's file: its inode's, or fstat's for a file without one. */
static u32 file_mode(struct vfs_file *f)
{
	struct stat st;

	if (f->inode)
		return f->inode->mode;
	return f->ops->fstat && !f->ops->fstat(f, &st) ? st.st_mode : 0;
}

/* Linux's sync_file_range checks, in its order. Writing a range back is what fsync
 * does here (the host's for a volume file, nothing for files in memory); waiting
 * alone has nothing to wait for, since no writeback runs behind the caller. */
SYS(sync_file_range)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	s64 off = a[1], nbytes = a[2];
	u32 flags = a[3], mode;
	u64 end = (u64)off + (u64)nbytes;
	long ret = 0;

	if (!f)
		return -EBADF;
	mode = file_mode(f);
	if (f->flags & O_PATH)
		ret = -EBADF;
	else if (flags & ~(L_SYNC_FILE_RANGE_WAIT_BEFORE | L_SYNC_FILE_RANGE_WRITE |
			   L_SYNC_FILE_RANGE_WAIT_AFTER))
		ret = -EINVAL;
	else if (off < 0 || (s64)end < 0 || (s64)end < off)
		ret = -EINVAL;
	else if (!S_ISREG(mode) && !S_ISBLK(mode) && !S_ISDIR(mode) && !S_ISLNK(mode))
		ret = -ESPIPE;
	else if ((flags & L_SYNC_FILE_RANGE_WRITE) && f->ops->fsync)
		ret = f->ops->fsync(f);
	vfs_file_put(f);
	return ret;
}

/* Linux's ksys_readahead then generic_fadvise's WILLNEED: a readable regular file,
 * and a count that fits a loff_t; count 0 (or a range past the largest offset)
 * means to the end. The range is read into the page cache of files that have one:
 * a lower file's (what its mappings map), the host's for a volume file. */
static long readahead_file(struct vfs_file *f, s64 off, u64 count)
{
	u64 len = count;

	if ((s64)count < 0)
		return -EINVAL;
	if (off < 0)
		return 0;       /* no page there, as Linux's page index past any file */
	if (!count || (u64)off + count < count)
		len = 0;
	return f->ops->readahead ? f->ops->readahead(f, off, len) : 0;
}

SYS(readahead)
{
	struct vfs_file *f = fdt_get(t->fdt, a[0]);
	u32 mode;
	long ret;

	if (!f)
		return -EBADF;
	mode = file_mode(f);
	if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
		ret = -EBADF;
	else if (!S_ISREG(mode) && !S_ISBLK(mode))
		ret = -EINVAL;
	else
		ret = readahead_file(f, a[1], a[2]);
	vfs_file_put(f);
	return ret;
}

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
	if (a[3] > POSIX_FADV_NOREUSE) {
		vfs_file_put(f);
		return -EINVAL;
	}
	/* WILLNEED starts a readahead of the range; the other advice only tunes it. */
	if (a[3] == POSIX_FADV_WILLNEED && (s64)a[2] >= 0 && S_ISREG(file_mode(f)))
		readahead_file(f, a[1], a[2]);
	vfs_file_put(f);
	return 0;
}

/* A mapping of a file's pages (vfs_file_ops.map_pages): an overlay file's own, the
 * page cache of a lower one, which is open read-only (opening it for writing copies
 * it up), so a shared mapping of it can never be made writable, or a volume file's
 * page cache, written back to the host (goferfs_file.c). Seals as
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
