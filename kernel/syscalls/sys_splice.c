/*
 * sendfile, splice, tee, vmsplice and copy_file_range, after Linux's fs/splice.c and
 * fs/read_write.c: which side may or must be a pipe, offsets by pointer (the file
 * position untouched) or from the file position, O_APPEND refused, short counts,
 * SPLICE_F_NONBLOCK (or either file's O_NONBLOCK) for the pipe side's waits. Data
 * is copied through the Sentry in bounded chunks; the pipe side is ipc/pipe.c's.
 * Checks come in Linux's order so that the errno matches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "ipc/pipe.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "vfs/inotify.h"
#include "vfs/vfs.h"

#define MAX_RW_COUNT (INT_MAX & PAGE_MASK)
#define CHUNK (256 * 1024)
#define L_SPLICE_F_NONBLOCK 0x2
#define L_SPLICE_F_ALL 0xf              /* MOVE, NONBLOCK, MORE, GIFT */
#define L_UIO_MAXIOV 1024

static bool readable(struct vfs_file *f)
{
	return !(f->flags & O_PATH) && (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool writable(struct vfs_file *f)
{
	return !(f->flags & O_PATH) && (f->flags & O_ACCMODE) != O_RDONLY;
}

static u32 file_mode(struct vfs_file *f)
{
	struct stat st;

	if (f->ops->fstat && !f->ops->fstat(f, &st))
		return st.st_mode;
	return f->inode ? f->inode->mode : 0;
}

/* A file data can be read out of by offset (Linux: it has splice_read): not a
 * pipe, FIFO or directory. */
static bool can_splice_read(struct vfs_file *f)
{
	u32 m = file_mode(f);

	return f->ops->read && !file_is_pipe(f) && !S_ISFIFO(m) && !S_ISDIR(m);
}

static u32 pipe_flags(struct vfs_file *in, struct vfs_file *out, u64 flags)
{
	return (flags & L_SPLICE_F_NONBLOCK) || ((in->flags | out->flags) & O_NONBLOCK) ?
	       PIPE_IO_NONBLOCK : 0;
}

/*
 * Where a transfer reads or writes a non-pipe file: at *ptr (the application's
 * offset), else at the file position, which is moved by what was used; a stream
 * (no position) is read at its head.
 */
struct fpos {
	struct vfs_file *f;
	s64 pos;
	bool by_ptr, stream;
};

static void fpos_start(struct fpos *fp, struct vfs_file *f, const s64 *ptr)
{
	fp->f = f;
	fp->by_ptr = ptr;
	fp->stream = false;
	if (ptr) {
		fp->pos = *ptr;
		return;
	}
	fp->pos = f->ops->lseek ? f->ops->lseek(f, 0, SEEK_CUR) : -ESPIPE;
	if (fp->pos < 0)
		fp->stream = true;
}

/* Records that @n bytes at the position were used. */
static void fpos_advance(struct fpos *fp, s64 n)
{
	if (n <= 0 || fp->stream)
		return;
	fp->pos += n;
	if (!fp->by_ptr)
		fp->f->ops->lseek(fp->f, fp->pos, SEEK_SET);
}

static s64 fpos_read(struct task *t, struct fpos *fp, void *buf, size_t len)
{
	s64 pos = fp->pos;
	s64 n = fp->f->ops->read(t, fp->f, buf, len, fp->stream ? NULL : &pos);

	if (n > 0)
		inotify_file_event(fp->f, IN_ACCESS);
	return n;
}

static s64 fpos_write(struct task *t, struct fpos *fp, const void *buf, size_t len)
{
	s64 pos = fp->pos;

	s64 n;

	if (!fp->f->ops->write)
		return -EINVAL;
	n = fp->f->ops->write(t, fp->f, buf, len, fp->stream ? NULL : &pos);
	if (n > 0)
		inotify_file_event(fp->f, IN_MODIFY);
	return n;
}

/* File to file: until @len bytes, end of input or a short write; with @once after
 * the first read (a stream gives what it has). */
static s64 file_to_file(struct task *t, struct fpos *in, struct fpos *out, u64 len,
			bool once)
{
	u8 *tmp = malloc(MIN(len, CHUNK) + 1);
	s64 done = 0;

	if (!tmp)
		return -ENOMEM;
	while ((u64)done < len) {
		s64 n = fpos_read(t, in, tmp, MIN(len - done, CHUNK)), m;

		if (n <= 0) {
			if (!done)
				done = n;
			break;
		}
		m = fpos_write(t, out, tmp, n);
		if (m < 0) {
			if (!done)
				done = m;
			break;
		}
		fpos_advance(in, m);
		fpos_advance(out, m);
		done += m;
		if (m < n || once)
			break;
	}
	free(tmp);
	return done;
}

/*
 * One batch between pipe end @pipe and a non-pipe file (Linux's
 * splice_file_to_pipe, @into_pipe, and splice_from_pipe): waits for room in the
 * pipe or data in it, then moves what there is up to @len. Only what the file took
 * leaves the pipe. Into the pipe, a writer racing into it may leave less room than
 * was read: the excess stays in a positioned file, a stream loses it.
 */
static s64 pipe_batch(struct task *t, struct vfs_file *pipe, struct fpos *fp, u64 len,
		      u32 pfl, bool into_pipe)
{
	s64 n = into_pipe ? pipe_wait_room(t, pipe, pfl) : pipe_wait_data(t, pipe, pfl);
	u8 *tmp;

	if (n <= 0)
		return n;
	len = MIN(len, (u64)n);
	tmp = malloc(len + 1);
	if (!tmp)
		return -ENOMEM;
	if (into_pipe) {
		n = fpos_read(t, fp, tmp, len);
		if (n > 0)
			n = pipe_fill(pipe, tmp, n);
	} else {
		n = fpos_write(t, fp, tmp, pipe_peek(pipe, tmp, len));
		if (n > 0)
			pipe_consume(pipe, n);
	}
	fpos_advance(fp, n);
	free(tmp);
	return n;
}

/* Copies in the offset at @uptr (if any): -EFAULT, or 0 with *ptr set or NULL. */
static int off_in(struct task *t, u64 uptr, s64 *val, s64 **ptr)
{
	*ptr = NULL;
	if (!uptr)
		return 0;
	if (mm_copy_in(t->mm, val, uptr, sizeof(*val)))
		return -EFAULT;
	*ptr = val;
	return 0;
}

static s64 off_out(struct task *t, u64 uptr, const struct fpos *fp, s64 ret)
{
	if (ret > 0 && uptr && mm_copy_out(t->mm, uptr, &fp->pos, sizeof(fp->pos)))
		return -EFAULT;
	return ret;
}

static s64 do_sendfile(struct task *t, struct vfs_file *in, struct vfs_file *out,
		       s64 *ptr, u64 count)
{
	struct fpos ip, op;

	if (!readable(in))
		return -EBADF;
	if (ptr && file_is_pipe(in))
		return -ESPIPE;
	if (ptr && *ptr < 0)
		return -EINVAL;
	if (!out)
		return -EBADF;
	if (!writable(out))
		return -EBADF;
	count = MIN(count, MAX_RW_COUNT);
	fpos_start(&ip, in, ptr);
	if (file_is_pipe(out)) {
		if (!can_splice_read(in))
			return -EINVAL;
		return pipe_batch(t, out, &ip, count, pipe_flags(out, out, 0), true);
	}
	if (out->flags & O_APPEND)
		return -EINVAL;
	if (!can_splice_read(in))
		return -EINVAL;
	fpos_start(&op, out, NULL);
	return count ? file_to_file(t, &ip, &op, count, false) : 0;
}

SYS(sendfile)
{
	struct vfs_file *in, *out;
	s64 off, *ptr;
	s64 ret = off_in(t, a[2], &off, &ptr);

	if (ret)
		return ret;
	in = fdt_get(t->fdt, a[1]);
	if (!in)
		return -EBADF;
	out = fdt_get(t->fdt, a[0]);
	ret = do_sendfile(t, in, out, ptr, a[3]);
	/* The new offset: the one pointed at, as far as the data went. */
	if (ret > 0 && ptr) {
		off += ret;
		if (mm_copy_out(t->mm, a[2], &off, sizeof(off)))
			ret = -EFAULT;
	}
	if (out)
		vfs_file_put(out);
	vfs_file_put(in);
	return ret;
}

static s64 do_splice(struct task *t, struct vfs_file *in, u64 uoff_in, struct vfs_file *out,
		     u64 uoff_out, u64 len, u64 flags)
{
	bool ipipe = file_is_pipe(in), opipe = file_is_pipe(out);
	/* A host pipe (stdin in a shell pipeline) is a pipe to the application too;
	 * it is read as a stream, once. */
	bool hpipe = !ipipe && S_ISFIFO(file_mode(in));
	s64 oi, oo, *pi, *po;
	struct fpos fp, op;
	s64 ret;

	if (((ipipe || hpipe) && uoff_in) || (opipe && uoff_out))
		return -ESPIPE;
	if (off_in(t, uoff_in, &oi, &pi) || off_in(t, uoff_out, &oo, &po))
		return -EFAULT;
	if (!readable(in) || !writable(out))
		return -EBADF;
	len = MIN(len, MAX_RW_COUNT);
	if (ipipe && opipe) {
		if (container_of(in, struct pipe_file, base)->pipe ==
		    container_of(out, struct pipe_file, base)->pipe)
			return -EINVAL;
		return pipe_transfer(t, in, out, len, pipe_flags(in, out, flags), false);
	}
	if (ipipe) {
		if (out->flags & O_APPEND)
			return -EINVAL;
		if (po && *po < 0)
			return -EINVAL;
		fpos_start(&fp, out, po);
		ret = pipe_batch(t, in, &fp, len, pipe_flags(in, out, flags), false);
		return off_out(t, uoff_out, &fp, ret);
	}
	if (hpipe && !opipe) {
		if (out->flags & O_APPEND)
			return -EINVAL;
		if (po && *po < 0)
			return -EINVAL;
		fpos_start(&fp, in, NULL);
		fpos_start(&op, out, po);
		ret = file_to_file(t, &fp, &op, len, true);
		return off_out(t, uoff_out, &op, ret);
	}
	if (opipe) {
		if (pi && *pi < 0)
			return -EINVAL;
		if (!can_splice_read(in) && !hpipe)
			return -EINVAL;
		fpos_start(&fp, in, pi);
		ret = pipe_batch(t, out, &fp, len, pipe_flags(in, out, flags), true);
		return off_out(t, uoff_in, &fp, ret);
	}
	return -EINVAL;
}

SYS(splice)
{
	struct vfs_file *in, *out;
	s64 ret;

	if (!a[4])
		return 0;
	if (a[5] & ~(u64)L_SPLICE_F_ALL)
		return -EINVAL;
	in = fdt_get(t->fdt, a[0]);
	if (!in)
		return -EBADF;
	out = fdt_get(t->fdt, a[2]);
	ret = out ? do_splice(t, in, a[1], out, a[3], a[4], a[5]) : -EBADF;
	if (out)
		vfs_file_put(out);
	vfs_file_put(in);
	return ret;
}

SYS(tee)
{
	struct vfs_file *in, *out;
	s64 ret = -EINVAL;

	if (a[3] & ~(u64)L_SPLICE_F_ALL)
		return -EINVAL;
	if (!a[2])
		return 0;
	in = fdt_get(t->fdt, a[0]);
	if (!in)
		return -EBADF;
	out = fdt_get(t->fdt, a[1]);
	if (!out)
		ret = -EBADF;
	else if (!readable(in) || !writable(out))
		ret = -EBADF;
	else if (file_is_pipe(in) && file_is_pipe(out) &&
		 container_of(in, struct pipe_file, base)->pipe !=
		 container_of(out, struct pipe_file, base)->pipe)
		ret = pipe_transfer(t, in, out, MIN(a[2], MAX_RW_COUNT),
				    pipe_flags(in, out, a[3]), true);
	if (out)
		vfs_file_put(out);
	vfs_file_put(in);
	return ret;
}

/*
 * vmsplice into a pipe (@into_pipe: what fits once there is room, Linux's
 * vmsplice_to_pipe) or out of it (a read into the vector, vmsplice_to_user; only
 * what was copied out leaves the pipe).
 */
static s64 vmsplice_batch(struct task *t, struct vfs_file *f, const struct iovec *iov,
			  u64 cnt, u64 total, u32 pfl, bool into_pipe)
{
	s64 n = into_pipe ? pipe_wait_room(t, f, pfl) : pipe_wait_data(t, f, pfl);
	u64 len, done = 0;
	u8 *tmp;

	if (n <= 0)
		return n;
	len = MIN(total, (u64)n);
	tmp = malloc(len + 1);
	if (!tmp)
		return -ENOMEM;
	if (!into_pipe)
		len = pipe_peek(f, tmp, len);
	for (u64 i = 0; i < cnt && done < len; i++) {
		u64 k = MIN(iov[i].iov_len, len - done);
		u64 at = (u64)iov[i].iov_base;

		if (k && (into_pipe ? mm_copy_in(t->mm, tmp + done, at, k) :
				      mm_copy_out(t->mm, at, tmp + done, k)))
			break;
		done += k;
	}
	if (!done)
		n = -EFAULT;
	else if (into_pipe)
		n = pipe_fill(f, tmp, done);
	else
		pipe_consume(f, n = done);
	free(tmp);
	return n;
}

SYS(vmsplice)
{
	struct vfs_file *f;
	struct iovec *iov = NULL;
	u64 cnt = a[2], total = 0;
	u32 pfl = a[3] & L_SPLICE_F_NONBLOCK ? PIPE_IO_NONBLOCK : 0;
	s64 ret;

	if (a[3] & ~(u64)L_SPLICE_F_ALL)
		return -EINVAL;
	f = fdt_get(t->fdt, a[0]);
	if (!f)
		return -EBADF;
	ret = -EBADF;
	if (!readable(f) && !writable(f))
		goto out;
	ret = -EINVAL;
	if (cnt > L_UIO_MAXIOV)
		goto out;
	ret = -ENOMEM;
	iov = malloc(cnt * sizeof(*iov) + 1);
	if (!iov)
		goto out;
	ret = -EFAULT;
	if (cnt && mm_copy_in(t->mm, iov, a[1], cnt * sizeof(*iov)))
		goto out;
	for (u64 i = 0; i < cnt; i++) {
		ret = -EINVAL;
		if ((s64)iov[i].iov_len < 0)
			goto out;
		ret = -EFAULT;
		if (!l_access_ok((u64)iov[i].iov_base, iov[i].iov_len))
			goto out;
		iov[i].iov_len = MIN(iov[i].iov_len, MAX_RW_COUNT - total);
		total += iov[i].iov_len;
	}
	ret = 0;
	if (!total)
		goto out;
	ret = -EBADF;
	if (!file_is_pipe(f))
		goto out;
	ret = vmsplice_batch(t, f, iov, cnt, total, pfl, writable(f));
out:
	free(iov);
	vfs_file_put(f);
	return ret;
}

/* Same filesystem: the same inode device (Linux compares superblocks; across them
 * only filesystems with their own copy_file_range may copy, and none here has one). */
static bool same_fs(struct vfs_file *a, struct vfs_file *b)
{
	return a->inode && b->inode && a->inode->ops == b->inode->ops &&
	       a->inode->dev == b->inode->dev;
}

static s64 do_copy_file_range(struct task *t, struct vfs_file *in, s64 *pi,
			      struct vfs_file *out, s64 *po, u64 len, u64 flags,
			      struct fpos *ip, struct fpos *op)
{
	u32 mi = file_mode(in), mo = file_mode(out);
	struct stat st;
	u64 size;

	if (flags)
		return -EINVAL;
	if (S_ISDIR(mi) || S_ISDIR(mo))
		return -EISDIR;
	if (!S_ISREG(mi) || !S_ISREG(mo))
		return -EINVAL;
	if (!readable(in) || !writable(out) || (out->flags & O_APPEND))
		return -EBADF;
	fpos_start(ip, in, pi);
	fpos_start(op, out, po);
	if (ip->stream || op->stream)
		return -EINVAL;
	/* Offsets are loff_t, the count size_t: Linux's wrap check is unsigned. */
	if ((u64)ip->pos + len < (u64)ip->pos || (u64)op->pos + len < (u64)op->pos)
		return -EOVERFLOW;
	if (in->ops->fstat(in, &st))
		return -EINVAL;
	size = st.st_size;
	len = (u64)ip->pos >= size ? 0 : MIN(len, size - ip->pos);
	if (in->inode && in->inode == out->inode && op->pos + (s64)len > ip->pos &&
	    op->pos < ip->pos + (s64)len)
		return -EINVAL;
	if (ip->pos < 0 || op->pos < 0)
		return -EINVAL;
	if (!len)
		return 0;
	if (!same_fs(in, out))
		return -EXDEV;
	return file_to_file(t, ip, op, MIN(len, MAX_RW_COUNT), false);
}

SYS(copy_file_range)
{
	struct vfs_file *in, *out;
	struct fpos ip, op;
	s64 oi, oo, *pi = NULL, *po = NULL;
	s64 ret;

	in = fdt_get(t->fdt, a[0]);
	if (!in)
		return -EBADF;
	out = fdt_get(t->fdt, a[2]);
	if (!out) {
		vfs_file_put(in);
		return -EBADF;
	}
	ret = off_in(t, a[1], &oi, &pi);
	if (!ret)
		ret = off_in(t, a[3], &oo, &po);
	if (!ret)
		ret = do_copy_file_range(t, in, pi, out, po, a[4], a[5], &ip, &op);
	if (ret > 0) {
		ret = off_out(t, a[1], &ip, ret);
		if (ret > 0)
			ret = off_out(t, a[3], &op, ret);
	}
	vfs_file_put(out);
	vfs_file_put(in);
	return ret;
}
