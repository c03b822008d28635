/*
 * Pipes and FIFOs (see pipe.h). Reads return what is there (blocking while the pipe
 * is empty and has writers); writes of at most PIPE_BUF bytes are atomic; a write
 * with no readers gets EPIPE and SIGPIPE. Blocked callers return -ERESTARTSYS on a
 * signal, or the bytes already moved. A FIFO inode has a pipe while some end of it
 * is open, as in Linux's fs/pipe.c (fifo_open); the splice family moves data in and
 * out of a pipe here, as a copy through the Sentry (no page stealing).
 *
 * Lock order: pipe_fifo_lock, then a pipe's lock; two pipes' locks by address.
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

#include "checkpoint/checkpoint.h"
#include "ipc/pipe.h"
#include "kernel.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"

static struct pipe *P(struct vfs_file *f)
{
	return container_of(f, struct pipe_file, base)->pipe;
}

/* Guards every FIFO inode's ->pipe and every pipe's ->fifo; taken before p->lock. */
static pthread_mutex_t pipe_fifo_lock = PTHREAD_MUTEX_INITIALIZER;

/* An O_RDWR end (a FIFO opened for both) counts as a reader and a writer. */
static bool is_reader(struct vfs_file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool is_writer(struct vfs_file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
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

/*
 * How many of @n bytes may be appended to @p now, as far as the sandbox's memory
 * limit goes: the pages of the ring that the write touches for the first time are
 * charged first. Writes fill the ring from its start, so [0, charged) is what has
 * been touched until the data first wraps, and all of it then. When the charge
 * fails, the write may still fill what is charged; a write that gets nothing in
 * fails with ENOMEM, as one does in Linux when a memory cgroup at its limit cannot
 * give the pipe a page. p->lock held.
 */
static u32 pipe_charge(struct pipe *p, u32 n)
{
	u32 end = (p->off + p->size) % p->cap;
	u32 top = end + (u64)n >= p->cap ? p->cap : ALIGN_UP(end + n, PAGE_SIZE);

	if (top <= p->charged)
		return n;
	if (!memfile_charge(p->mf, top - p->charged, false)) {
		p->charged = top;
		return n;
	}
	return p->charged > end ? MIN(n, p->charged - end) : 0;
}

static void pipe_copy_in(struct pipe *p, const u8 *src, u32 n)
{
	u32 end = (p->off + p->size) % p->cap;
	u32 first = MIN(n, p->cap - end);

	memcpy(p->buf + end, src, first);
	memcpy(p->buf, src + first, n - first);
	p->size += n;
}

static void send_sigpipe(struct task *t)
{
	struct l_siginfo info = { .signo = SIGPIPE, .code = L_SI_USER };

	sig_send(t, &info, false, false);
}

/*
 * Sleeps on @p until a wake or a signal: p->lock held on entry and on return. Does
 * not sleep but returns -EAGAIN for a nonblocking file, and -ERESTARTSYS once a
 * sleep was interrupted; the caller rechecks the pipe between calls, so data (or
 * room) that came with the signal is used first, as Linux does. 0 after a sleep.
 */
static int pipe_wait(struct pipe *p, struct task *t, bool nonblock, bool *interrupted,
		     struct wake_list *wl)
{
	struct waiter w;

	if (nonblock)
		return -EAGAIN;
	if (*interrupted)
		return -ERESTARTSYS;
	waitq_add(&p->wq, &w, t);
	pthread_mutex_unlock(&p->lock);
	if (wl)
		wake_list_run(wl);	/* whom our part concerned, before we sleep */
	fasync_flush();
	*interrupted = task_block(t, -1) == -EINTR;
	pthread_mutex_lock(&p->lock);
	waitq_del(&w);
	return 0;
}

static s64 pipe_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	struct wake_list wl = WAKE_LIST_INIT;
	struct pipe *p = P(f);
	bool interrupted = false;
	s64 ret;

	if (pos)
		return -ESPIPE;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->size) {
			ret = pipe_copy_out(p, buf, MIN(len, p->size));
			waitq_collect(&p->wq, &wl);
			break;
		}
		if (!p->writers) {
			ret = 0;
			break;
		}
		ret = pipe_wait(p, t, f->flags & O_NONBLOCK, &interrupted, &wl);
		if (ret)
			break;
	}
	/* Linux's pipe_read tells the writers at every return but an interrupted
	 * sleep's, an empty nonblocking read included. */
	if (ret != -ERESTARTSYS)
		fasync_kill(&p->fasync_writers, L_POLL_OUT);
	pthread_mutex_unlock(&p->lock);
	wake_list_run(&wl);
	return ret;
}

static s64 pipe_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		      s64 *pos)
{
	struct wake_list wl = WAKE_LIST_INIT;
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
			fasync_kill(&p->fasync_readers, L_POLL_IN);
			pthread_mutex_unlock(&p->lock);
			wake_list_run(&wl);
			send_sigpipe(t);
			return done ? (s64)done : -EPIPE;
		}
		/* Small writes go in whole or not at all. */
		if (space && (want > L_PIPE_BUF || space >= want)) {
			u32 n = pipe_charge(p, MIN(space, want));

			if (!n || (want <= L_PIPE_BUF && n < want)) {
				ret = -ENOMEM;
				break;
			}
			pipe_copy_in(p, (const u8 *)buf + done, n);
			done += n;
			waitq_collect(&p->wq, &wl);
			continue;
		}
		/* Linux's pipe_write tells the readers before it sleeps, and at every
		 * return (a nonblocking write to a full pipe too). */
		if (!(f->flags & O_NONBLOCK) && !interrupted)
			fasync_kill(&p->fasync_readers, L_POLL_IN);
		ret = pipe_wait(p, t, f->flags & O_NONBLOCK, &interrupted, &wl);
		if (ret)
			break;
	}
	fasync_kill(&p->fasync_readers, L_POLL_IN);
	pthread_mutex_unlock(&p->lock);
	wake_list_run(&wl);
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
		/* A FIFO reader that has seen no writer yet is not hung up. */
		if (!p->writers && p->w_counter != container_of(f, struct pipe_file, base)->w_seen)
			re |= POLLHUP;
	}
	if (is_writer(f)) {
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
	struct pipe *p = P(f);

	/* A FIFO shows its inode; an anonymous pipe its pipefs one. */
	if (p->fifo) {
		pthread_mutex_lock(&vfs_lock);
		vfs_inode_stat(p->fifo, st);
		pthread_mutex_unlock(&vfs_lock);
		st->st_size = 0;
		return 0;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFIFO | 0600;
	st->st_nlink = 1;
	st->st_ino = p->ino;
	st->st_uid = p->uid;
	st->st_gid = p->gid;
	st->st_dev = 0xc; /* pipefs */
	st->st_blksize = 4096;
	return 0;
}

static void pipe_free(struct pipe *p)
{
	memfile_uncharge(p->mf, p->charged);
	vfs_inode_put(p->lock_ino);
	fasync_list_free(&p->fasync_readers);
	fasync_list_free(&p->fasync_writers);
	pthread_mutex_destroy(&p->lock);
	free(p->buf);
	free(p);
}

/* Drops a reader and/or a writer of @p; frees it with the last one, detaching it
 * from its FIFO inode, whose data goes with it as in Linux. */
static void pipe_drop(struct pipe *p, bool reader, bool writer)
{
	bool last;

	pthread_mutex_lock(&pipe_fifo_lock);
	pthread_mutex_lock(&p->lock);
	p->readers -= reader;
	p->writers -= writer;
	last = !p->readers && !p->writers;
	waitq_wake_all(&p->wq);
	if (!p->readers != !p->writers) {
		fasync_kill(&p->fasync_readers, L_POLL_IN);
		fasync_kill(&p->fasync_writers, L_POLL_OUT);
	}
	pthread_mutex_unlock(&p->lock);
	if (last && p->fifo)
		p->fifo->pipe = NULL;
	pthread_mutex_unlock(&pipe_fifo_lock);
	if (last)
		pipe_free(p);
}

static void pipe_release(struct vfs_file *f)
{
	struct pipe_file *pf = container_of(f, struct pipe_file, base);

	pipe_drop(pf->pipe, is_reader(f), is_writer(f));
	free(pf);
}

static struct vfs_inode *pipe_lock_inode(struct vfs_file *f, bool create)
{
	return vfs_lock_inode_slot(&P(f)->lock_ino, create);
}

/* Linux's pipe_fasync: a reading end hears of writes, a writing end of reads. */
static int pipe_fasync(struct task *t, struct vfs_file *f, int fd, bool on)
{
	struct pipe *p = P(f);
	int err = 0;

	pthread_mutex_lock(&p->lock);
	if (is_reader(f))
		err = fasync_helper(&p->fasync_readers, f, fd, on);
	if (err >= 0 && is_writer(f)) {
		err = fasync_helper(&p->fasync_writers, f, fd, on);
		if (err < 0 && is_reader(f))
			fasync_helper(&p->fasync_readers, f, fd, false);
	}
	pthread_mutex_unlock(&p->lock);
	return err;
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
	.reopen = pipe_reopen,
	.lock_inode = pipe_lock_inode,
	.fasync = pipe_fasync,
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

static struct pipe *pipe_alloc(struct memfile *mf, u32 uid, u32 gid)
{
	static u64 next_ino = 1;
	struct pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->mf = mf;
	p->cap = PIPE_DEF_SIZE;
	p->buf = malloc(p->cap);
	if (!p->buf) {
		free(p);
		return NULL;
	}
	p->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	p->uid = uid;
	p->gid = gid;
	pthread_mutex_init(&p->lock, NULL);
	waitq_init(&p->wq);
	st_list_init(&p->fasync_readers);
	st_list_init(&p->fasync_writers);
	return p;
}

int pipe_create(struct memfile *mf, u32 flags, u32 uid, u32 gid, struct vfs_file **rd,
		struct vfs_file **wr)
{
	struct pipe *p = pipe_alloc(mf, uid, gid);

	if (!p)
		return -ENOMEM;
	p->readers = p->writers = 1;
	p->r_counter = p->w_counter = 1;
	flags &= O_NONBLOCK;
	if (end_new(p, O_RDONLY | flags, rd)) {
		pipe_free(p);
		return -ENOMEM;
	}
	if (end_new(p, O_WRONLY | flags, wr)) {
		p->writers = 0;
		vfs_file_put(*rd);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Linux's fifo_open() on pipe @p, on which the caller counted nothing yet; called
 * with pipe_fifo_lock held (it keeps @p alive), which this drops. An anonymous pipe
 * (@anon: reached through /proc/self/fd) never waits for a partner nor gives ENXIO,
 * as Linux's is_pipe case.
 */
static int open_end(struct task *t, struct pipe *p, u32 flags, bool anon,
		    struct vfs_file **out)
{
	u32 acc = flags & O_ACCMODE;
	bool rd = acc != O_WRONLY, wr = acc != O_RDONLY, interrupted = false;
	struct vfs_file *f;
	u32 *partner = NULL, seen = 0;
	int err = 0;

	pthread_mutex_lock(&p->lock);
	if (!anon && acc == O_WRONLY && (flags & O_NONBLOCK) && !p->readers) {
		bool unused = !p->readers && !p->writers;

		pthread_mutex_unlock(&p->lock);
		if (unused && p->fifo)
			p->fifo->pipe = NULL;
		pthread_mutex_unlock(&pipe_fifo_lock);
		if (unused)
			pipe_free(p);
		return -ENXIO;
	}
	p->readers += rd;
	p->writers += wr;
	p->r_counter += rd;
	p->w_counter += wr;
	waitq_wake_all(&p->wq);
	pthread_mutex_unlock(&pipe_fifo_lock);
	if (anon)
		partner = NULL;
	else if (acc == O_RDONLY && !(flags & O_NONBLOCK) && !p->writers)
		partner = &p->w_counter;
	else if (acc == O_WRONLY && !p->readers)
		partner = &p->r_counter;
	if (partner)
		seen = *partner;
	while (partner && *partner == seen) {
		err = pipe_wait(p, t, false, &interrupted, NULL);
		if (err)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	if (!err)
		err = end_new(p, flags & (O_ACCMODE | O_NONBLOCK | L_O_LARGEFILE), &f);
	if (err) {
		pipe_drop(p, rd, wr);
		return err;
	}
	pthread_mutex_lock(&p->lock);
	container_of(f, struct pipe_file, base)->w_seen = p->w_counter - wr;
	pthread_mutex_unlock(&p->lock);
	*out = f;
	return 0;
}

int pipe_fifo_open(struct task *t, struct vfs_inode *ino, u32 flags, struct vfs_file **out)
{
	struct pipe *p;
	int err;

	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	pthread_mutex_lock(&pipe_fifo_lock);
	p = ino->pipe;
	if (!p) {
		p = pipe_alloc(t->k->mf, ino->uid, ino->gid);
		if (!p) {
			pthread_mutex_unlock(&pipe_fifo_lock);
			return -ENOMEM;
		}
		p->fifo = ino;
		ino->pipe = p;
	}
	err = open_end(t, p, flags, false, out);
	if (!err) {
		(*out)->inode = ino;
		vfs_inode_get(ino);
	}
	return err;
}

int pipe_reopen(struct task *t, struct vfs_file *f, u32 flags, struct vfs_file **out)
{
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	/* f's own end keeps the pipe alive meanwhile. */
	pthread_mutex_lock(&pipe_fifo_lock);
	return open_end(t, P(f), flags, true, out);
}

/* Waits until @p has data (or no writer) or, with @room, room (or no reader):
 * the amount, or an error; p->lock not held. */
static s64 wait_for(struct task *t, struct pipe *p, u32 flags, bool room)
{
	bool interrupted = false;
	s64 ret;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (room && !p->readers) {
			pthread_mutex_unlock(&p->lock);
			send_sigpipe(t);
			return -EPIPE;
		}
		ret = room ? p->cap - p->size : p->size;
		if (ret || (!room && !p->writers))
			break;
		ret = pipe_wait(p, t, flags & PIPE_IO_NONBLOCK, &interrupted, NULL);
		if (ret)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

s64 pipe_wait_data(struct task *t, struct vfs_file *f, u32 flags)
{
	return wait_for(t, P(f), flags, false);
}

/* Copies @n bytes from @skip bytes into the data, consuming nothing. */
static void ring_peek(struct pipe *p, u32 skip, u8 *dst, u32 n)
{
	u32 start = (p->off + skip) % p->cap;
	u32 first = MIN(n, p->cap - start);

	memcpy(dst, p->buf + start, first);
	memcpy(dst + first, p->buf, n - first);
}

u32 pipe_peek(struct vfs_file *f, void *buf, u32 len)
{
	struct pipe *p = P(f);
	u32 n;

	pthread_mutex_lock(&p->lock);
	n = MIN(len, p->size);
	ring_peek(p, 0, buf, n);
	pthread_mutex_unlock(&p->lock);
	return n;
}

void pipe_consume(struct vfs_file *f, u32 n)
{
	struct pipe *p = P(f);

	pthread_mutex_lock(&p->lock);
	n = MIN(n, p->size);
	p->off = (p->off + n) % p->cap;
	p->size -= n;
	waitq_wake_all(&p->wq);
	fasync_kill(&p->fasync_writers, L_POLL_OUT);
	pthread_mutex_unlock(&p->lock);
}

s64 pipe_wait_room(struct task *t, struct vfs_file *f, u32 flags)
{
	return wait_for(t, P(f), flags, true);
}

s64 pipe_fill(struct vfs_file *f, const void *buf, u32 len)
{
	struct pipe *p = P(f);
	u32 room, n;

	pthread_mutex_lock(&p->lock);
	room = MIN(len, p->cap - p->size);
	n = pipe_charge(p, room);
	pipe_copy_in(p, buf, n);
	if (n) {
		waitq_wake_all(&p->wq);
		fasync_kill(&p->fasync_readers, L_POLL_IN);
	}
	pthread_mutex_unlock(&p->lock);
	return n || !room ? (s64)n : -ENOMEM;
}

s64 pipe_transfer(struct task *t, struct vfs_file *in, struct vfs_file *out, size_t len,
		  u32 flags, bool copy)
{
	struct pipe *a = P(in), *b = P(out);
	struct pipe *first = a < b ? a : b, *second = a < b ? b : a;
	u8 *tmp;
	s64 ret;
	u32 n;

	tmp = malloc(MIN(len, PIPE_MAX_SIZE) + 1);
	if (!tmp)
		return -ENOMEM;
	for (;;) {
		/* Linux's ipipe_prep, then opipe_prep; then both locked to move. */
		ret = pipe_wait_data(t, in, flags);
		if (ret <= 0)
			break;
		ret = pipe_wait_room(t, out, flags);
		if (ret < 0)
			break;
		pthread_mutex_lock(&first->lock);
		pthread_mutex_lock(&second->lock);
		n = MIN(MIN(len, a->size), b->cap - b->size);
		if (n && !(n = pipe_charge(b, n)))
			ret = -ENOMEM;
		if (n) {
			ring_peek(a, 0, tmp, n);
			pipe_copy_in(b, tmp, n);
			if (!copy) {
				a->off = (a->off + n) % a->cap;
				a->size -= n;
			}
			waitq_wake_all(&a->wq);
			waitq_wake_all(&b->wq);
			if (!copy)
				fasync_kill(&a->fasync_writers, L_POLL_OUT);
			fasync_kill(&b->fasync_readers, L_POLL_IN);
		}
		pthread_mutex_unlock(&second->lock);
		pthread_mutex_unlock(&first->lock);
		if (n || ret < 0) {
			ret = n ? (s64)n : ret;
			break;
		}
	}
	free(tmp);
	return ret;
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
		/* The new ring is touched where the data went; have <= the old charge. */
		memfile_uncharge(p->mf, p->charged);
		p->charged = ALIGN_UP(have, PAGE_SIZE);
		memfile_charge(p->mf, p->charged, true);
		ret = p->cap = cap;
	}
out:
	pthread_mutex_unlock(&p->lock);
	return ret;
}

int pipe_after_load(void *o, void *ctx)
{
	struct pipe *p = o;

	struct restore_ctx *rc = ctx;

	if (!p->cap || p->off >= p->cap || p->size > p->cap)
		return -EINVAL;
	/* The loaded ring holds its data at the saved offsets: all of it is touched. */
	p->mf = rc->mf;
	p->charged = p->cap;
	memfile_charge(p->mf, p->charged, true);
	pthread_mutex_init(&p->lock, NULL);
	waitq_init(&p->wq);
	/* images from before O_ASYNC was signalled have no lists */
	if (!p->fasync_readers.next)
		st_list_init(&p->fasync_readers);
	if (!p->fasync_writers.next)
		st_list_init(&p->fasync_writers);
	return 0;
}
