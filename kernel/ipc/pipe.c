/*
 * Pipes (see pipe.h). Reads return what is there (blocking while the pipe is empty
 * and has writers); writes of at most PIPE_BUF bytes are atomic; a write with no
 * readers gets EPIPE and SIGPIPE. Blocked callers return -ERESTARTSYS on a signal,
 * or the bytes already moved.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "ipc/pipe.h"
#include "mm/mm.h"
#include "task/task.h"

static struct pipe *P(struct vfs_file *f)
{
	return container_of(f, struct pipe_file, base)->pipe;
}

static bool is_reader(struct vfs_file *f)
{
	return (f->flags & O_ACCMODE) == O_RDONLY;
}

static u32 pipe_copy_out(struct pipe *p, u8 *dst, u32 n)
{
	u32 first = MIN(n, p->cap - p->off);

	memcpy(dst, p->buf + p->off, first);
	memcpy(dst + first, p->buf, n - first);
	p->off = (p->off + n) % p->cap;
	p->size -= n;
	return n;
}

static void pipe_copy_in(struct pipe *p, const u8 *src, u32 n)
{
	u32 end = (p->off + p->size) % p->cap;
	u32 first = MIN(n, p->cap - end);

	memcpy(p->buf + end, src, first);
	memcpy(p->buf, src + first, n - first);
	p->size += n;
}

/*
 * Sleeps on @p until a wake or a signal: p->lock held on entry and on return. Does
 * not sleep but returns -EAGAIN for a nonblocking file, and -ERESTARTSYS once a
 * sleep was interrupted; the caller rechecks the pipe between calls, so data (or
 * room) that came with the signal is used first, as Linux does. 0 after a sleep.
 */
static int pipe_wait(struct pipe *p, struct task *t, const struct vfs_file *f,
		     bool *interrupted)
{
	struct waiter w;

	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	if (*interrupted)
		return -ERESTARTSYS;
	waitq_add(&p->wq, &w, t);
	pthread_mutex_unlock(&p->lock);
	*interrupted = task_block(t, -1) == -EINTR;
	pthread_mutex_lock(&p->lock);
	waitq_del(&w);
	return 0;
}

static s64 pipe_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	struct pipe *p = P(f);
	bool interrupted = false;
	s64 ret;

	if (pos)
		return -ESPIPE;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->size) {
			ret = pipe_copy_out(p, buf, MIN(len, p->size));
			waitq_wake_all(&p->wq);
			break;
		}
		if (!p->writers) {
			ret = 0;
			break;
		}
		ret = pipe_wait(p, t, f, &interrupted);
		if (ret)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

static s64 pipe_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		      s64 *pos)
{
	struct pipe *p = P(f);
	size_t done = 0;
	bool interrupted = false;
	s64 ret = 0;

	if (pos)
		return -ESPIPE;
	pthread_mutex_lock(&p->lock);
	while (done < len) {
		u32 space = p->cap - p->size;
		size_t want = len - done;

		if (!p->readers) {
			struct l_siginfo info = { .signo = SIGPIPE, .code = L_SI_USER };

			pthread_mutex_unlock(&p->lock);
			sig_send(t, &info, false, false);
			return done ? (s64)done : -EPIPE;
		}
		/* Small writes go in whole or not at all. */
		if (space && (want > L_PIPE_BUF || space >= want)) {
			u32 n = MIN(space, want);

			pipe_copy_in(p, (const u8 *)buf + done, n);
			done += n;
			waitq_wake_all(&p->wq);
			continue;
		}
		ret = pipe_wait(p, t, f, &interrupted);
		if (ret)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	return done ? (s64)done : ret;
}

static short pipe_poll(struct vfs_file *f, short events, struct waiter *w)
{
	struct pipe *p = P(f);
	short re = 0;

	pthread_mutex_lock(&p->lock);
	if (is_reader(f)) {
		if (p->size)
			re |= POLLIN | POLLRDNORM;
		if (!p->writers)
			re |= POLLHUP;
	} else {
		if (p->cap - p->size >= L_PIPE_BUF)
			re |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			re |= POLLERR;
	}
	re &= events | POLLERR | POLLHUP;
	if (!re && w)
		waitq_add(&p->wq, w, w->t);
	pthread_mutex_unlock(&p->lock);
	return re;
}

static void pipe_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	struct pipe *p = P(f);

	pthread_mutex_lock(&p->lock);
	waitq_del(w);
	pthread_mutex_unlock(&p->lock);
}

static int pipe_ioctl(struct task *t, struct vfs_file *f, u64 cmd, u64 arg)
{
	struct pipe *p = P(f);
	int n;

	if (cmd != FIONREAD)
		return -ENOTTY;
	pthread_mutex_lock(&p->lock);
	n = p->size;
	pthread_mutex_unlock(&p->lock);
	return mm_copy_out(t->mm, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static int pipe_fstat(struct vfs_file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFIFO | 0600;
	st->st_nlink = 1;
	st->st_ino = P(f)->ino;
	st->st_dev = 0xc; /* pipefs */
	st->st_blksize = 4096;
	return 0;
}

static void pipe_release(struct vfs_file *f)
{
	struct pipe_file *pf = container_of(f, struct pipe_file, base);
	struct pipe *p = pf->pipe;
	bool last;

	pthread_mutex_lock(&p->lock);
	if (is_reader(f))
		p->readers--;
	else
		p->writers--;
	last = !p->readers && !p->writers;
	waitq_wake_all(&p->wq);
	pthread_mutex_unlock(&p->lock);
	if (last) {
		pthread_mutex_destroy(&p->lock);
		free(p->buf);
		free(p);
	}
	free(pf);
}

const struct vfs_file_ops pipe_ops = {
	.type = "pipe",
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.fstat = pipe_fstat,
	.poll = pipe_poll,
	.poll_cancel = pipe_poll_cancel,
	.release = pipe_release,
};

bool file_is_pipe(const struct vfs_file *f)
{
	return f->ops == &pipe_ops;
}

bool pipe_at_eof(struct vfs_file *f)
{
	struct pipe *p = P(f);
	bool eof;

	pthread_mutex_lock(&p->lock);
	eof = !p->size && !p->writers;
	pthread_mutex_unlock(&p->lock);
	return eof;
}

static int end_new(struct pipe *p, u32 flags, struct vfs_file **out)
{
	struct pipe_file *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return -ENOMEM;
	vfs_file_init(&pf->base, &pipe_ops, flags);
	pf->pipe = p;
	*out = &pf->base;
	return 0;
}

int pipe_create(u32 flags, struct vfs_file **rd, struct vfs_file **wr)
{
	static u64 next_ino = 1;
	struct pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->cap = PIPE_DEF_SIZE;
	p->buf = malloc(p->cap);
	if (!p->buf) {
		free(p);
		return -ENOMEM;
	}
	p->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	pthread_mutex_init(&p->lock, NULL);
	waitq_init(&p->wq);
	p->readers = p->writers = 1;
	flags &= O_NONBLOCK;
	if (end_new(p, O_RDONLY | flags, rd)) {
		free(p->buf);
		free(p);
		return -ENOMEM;
	}
	if (end_new(p, O_WRONLY | flags, wr)) {
		p->writers = 0;
		vfs_file_put(*rd);
		return -ENOMEM;
	}
	return 0;
}

long pipe_fcntl(struct vfs_file *f, int cmd, u64 arg)
{
	struct pipe *p = P(f);
	long ret;

	pthread_mutex_lock(&p->lock);
	if (cmd == F_GETPIPE_SZ) {
		ret = p->cap;
	} else {
		u64 want = arg < 4096 ? 4096 : arg;
		u32 cap = 4096;
		u32 have;
		u8 *nb;

		while (cap < want && cap < PIPE_MAX_SIZE * 2)
			cap <<= 1;
		ret = -EPERM;
		if (want > PIPE_MAX_SIZE)
			goto out;
		ret = -EBUSY;
		if (cap < p->size)
			goto out;
		ret = -ENOMEM;
		nb = malloc(cap);
		if (!nb)
			goto out;
		have = p->size;
		pipe_copy_out(p, nb, have);
		free(p->buf);
		p->buf = nb;
		p->off = 0;
		p->size = have;
		ret = p->cap = cap;
	}
out:
	pthread_mutex_unlock(&p->lock);
	return ret;
}

int pipe_after_load(void *o, void *ctx)
{
	struct pipe *p = o;

	if (!p->cap || p->off >= p->cap || p->size > p->cap)
		return -EINVAL;
	pthread_mutex_init(&p->lock, NULL);
	waitq_init(&p->wq);
	return 0;
}
