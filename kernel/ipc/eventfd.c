/*
 * eventfd (after Linux's fs/eventfd.c): a 64-bit counter. A read takes the whole
 * count (EFD_SEMAPHORE: one) and waits while it is 0; a write adds to it and waits
 * while the sum would reach 2^64 - 1. Both move 8 bytes in host order and refuse
 * shorter buffers (EINVAL). Also the fstat every anonymous event file shares.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ipc/evfd.h"
#include "task/task.h"

#define EFD(f) container_of(f, struct eventfd_file, base)
#define EFD_MAX (~0ULL - 1)     /* the largest count Linux keeps (ULLONG_MAX - 1) */

int evfd_fstat(struct vfs_file *f, struct stat *st)
{
	(void)f;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IRUSR | S_IWUSR;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

/* Sleeps on the eventfd (its lock held on entry and return) until woken or a
 * signal: 0, -ERESTARTSYS once interrupted (Linux's wait_event_interruptible), or
 * -EAGAIN at once for a nonblocking file. */
static int efd_wait(struct task *t, struct vfs_file *f)
{
	struct eventfd_file *ef = EFD(f);
	struct waiter w;
	int r;

	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	waitq_add(&ef->wq, &w, t);
	pthread_mutex_unlock(&ef->lock);
	r = task_block(t, -1);
	pthread_mutex_lock(&ef->lock);
	waitq_del(&w);
	return r == -EINTR ? -ERESTARTSYS : 0;
}

/* An 8-byte read (@wr false: takes the count, or 1, into *v) or write (adds *v). */
static s64 eventfd_io(struct task *t, struct vfs_file *f, u64 *v, size_t len, bool wr)
{
	struct eventfd_file *ef = EFD(f);
	s64 ret = 0;

	if (len < sizeof(*v) || (wr && *v == ~0ULL))
		return -EINVAL;
	pthread_mutex_lock(&ef->lock);
	while ((wr ? EFD_MAX - ef->count < *v : !ef->count) && !(ret = efd_wait(t, f)))
		;
	if (!ret) {
		if (!wr)
			*v = ef->semaphore ? 1 : ef->count;
		ef->count = wr ? ef->count + *v : ef->count - *v;
		ret = sizeof(*v);
		if (*v)
			waitq_wake_all(&ef->wq);
	}
	pthread_mutex_unlock(&ef->lock);
	return ret;
}

static s64 eventfd_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	u64 v;
	s64 ret = eventfd_io(t, f, &v, len, false);

	(void)pos;
	if (ret > 0)
		memcpy(buf, &v, sizeof(v));
	return ret;
}

static s64 eventfd_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
			 s64 *pos)
{
	u64 v = 0;

	(void)pos;
	if (len >= sizeof(v))
		memcpy(&v, buf, sizeof(v));
	return eventfd_io(t, f, &v, len, true);
}

static short eventfd_poll(struct vfs_file *f, short events, struct waiter *w)
{
	struct eventfd_file *ef = EFD(f);
	short re = 0;

	pthread_mutex_lock(&ef->lock);
	if (ef->count)
		re |= POLLIN | POLLRDNORM;
	if (ef->count < EFD_MAX)
		re |= POLLOUT | POLLWRNORM;
	re &= events | POLLERR | POLLHUP;
	if (!re && w)
		waitq_add(&ef->wq, w, w->t);
	pthread_mutex_unlock(&ef->lock);
	return re;
}

static void eventfd_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	struct eventfd_file *ef = EFD(f);

	pthread_mutex_lock(&ef->lock);
	waitq_del(w);
	pthread_mutex_unlock(&ef->lock);
}

static void eventfd_release(struct vfs_file *f)
{
	pthread_mutex_destroy(&EFD(f)->lock);
	free(EFD(f));
}

const struct vfs_file_ops eventfd_ops = {
	.type = "eventfd",
	.read = eventfd_read,
	.write = eventfd_write,
	.fstat = evfd_fstat,
	.poll = eventfd_poll,
	.poll_cancel = eventfd_poll_cancel,
	.release = eventfd_release,
};

int eventfd_new(u64 count, u32 flags, struct vfs_file **out)
{
	struct eventfd_file *ef = calloc(1, sizeof(*ef));

	if (!ef)
		return -ENOMEM;
	vfs_file_init(&ef->base, &eventfd_ops, O_RDWR | (flags & O_NONBLOCK));
	ef->count = count;
	ef->semaphore = flags & L_EFD_SEMAPHORE;
	waitq_init(&ef->wq);
	pthread_mutex_init(&ef->lock, NULL);
	*out = &ef->base;
	return 0;
}

int eventfd_file_after_load(void *o, void *ctx)
{
	struct eventfd_file *ef = o;

	(void)ctx;
	if (ef->count > EFD_MAX)
		return -EINVAL;
	waitq_init(&ef->wq);
	pthread_mutex_init(&ef->lock, NULL);
	return 0;
}
