/*
 * epoll instances: the interest list, the ready list and the wait (see epoll.h for
 * the model and the lock order). After Linux's fs/eventpoll.c; the callbacks carry no
 * wake-up key, so an edge-triggered entry also hears of changes to events it did not
 * ask for (a read from a pipe it watches for input): it reports again if what it
 * asked for is still true. EPOLLEXCLUSIVE is accepted with Linux's checks, but every
 * waiter is woken, not one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"
#include "ipc/epoll.h"
#include "ipc/evfd.h"
#include "memfile/memfile.h"
#include "task/task.h"
#include "time/ktime.h"

#define EP_HASH 4096    /* buckets of the file index; ep_find looks there too */

/* file → its entries, for epoll_file_release; under ep_files_lock */
static struct st_list ep_files[EP_HASH];
static pthread_mutex_t ep_files_lock = PTHREAD_MUTEX_INITIALIZER;
static u32 ep_nentries;         /* entries in the index: nothing to look up at 0 */
static pthread_mutex_t ep_nest_lock = PTHREAD_MUTEX_INITIALIZER;

#define EPF(f) container_of(f, struct epoll_file, base)

bool file_is_epoll(const struct vfs_file *f)
{
	return f->ops == &epoll_ops;
}

static void ep_files_init(void)
{
	for (int i = 0; i < EP_HASH; i++)
		st_list_init(&ep_files[i]);
}

static struct st_list *file_bucket(const struct vfs_file *f)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, ep_files_init);
	return &ep_files[((uintptr_t)f >> 6) % EP_HASH];
}

static void index_add(struct epitem *e)
{
	pthread_mutex_lock(&ep_files_lock);
	st_list_add_tail(&e->flink, file_bucket(e->file));
	__atomic_add_fetch(&ep_nentries, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ep_files_lock);
}

static void eventpoll_put(struct eventpoll *ep)
{
	if (!ref_put(&ep->ref))
		return;
	pthread_mutex_destroy(&ep->mtx);
	pthread_mutex_destroy(&ep->lock);
	free(ep);
}

/* The callback an entry's waiter runs when its file changes (the file's lock held). */
static void epitem_wake(struct waiter *w)
{
	struct epitem *e = container_of(w, struct epitem, w);
	struct eventpoll *ep = e->ep;

	pthread_mutex_lock(&ep->lock);
	if (e->scanning) {
		e->rewake = true;       /* scan_done puts it back */
	} else if ((e->events & ~EP_PRIVATE_BITS) && !e->ready) {
		e->ready = true;
		st_list_add_tail(&e->rdlink, &ep->rdlist);
		waitq_wake_all(&ep->wq);
	}
	pthread_mutex_unlock(&ep->lock);
}

static void make_ready(struct eventpoll *ep, struct epitem *e)
{
	pthread_mutex_lock(&ep->lock);
	if (!e->ready) {
		e->ready = true;
		st_list_add_tail(&e->rdlink, &ep->rdlist);
	}
	pthread_mutex_unlock(&ep->lock);
}

static void eventpoll_init_locks(struct eventpoll *ep)
{
	pthread_mutex_init(&ep->mtx, NULL);
	pthread_mutex_init(&ep->lock, NULL);
	st_list_init(&ep->rdlist);
	waitq_init(&ep->wq);
}

/* The host's view of a host-fd file: its ready events among @events. */
static u32 host_poll(struct vfs_file *f, u32 events)
{
	struct pollfd p = { .fd = f->ops->poll_fd(f), .events = (short)events };

	if (p.fd < 0 || ppoll(&p, 1, &(struct timespec){ 0, 0 }, NULL) <= 0)
		return 0;
	return (u16)p.revents;
}

/* Puts the entry's waiter on its file's queue if it is not there. A file that is
 * hung up or in error answers at once and takes no waiter: the entry is then
 * polled again at each wait while it stays on the ready list. ep->mtx held. */
static void epitem_queue(struct epitem *e)
{
	if (e->queued || e->host)
		return;
	if (!e->file->ops->poll(e->file, 0, &e->w))
		e->queued = true;
}

/* What of the entry's events is true now. ep->mtx held. */
static u32 epitem_poll(struct epitem *e)
{
	u32 want = (e->events & ~EP_PRIVATE_BITS);

	if (!want)
		return 0;       /* a ONESHOT that fired */
	want |= L_EPOLLERR | L_EPOLLHUP;
	if (e->host)
		return host_poll(e->file, want) & want;
	return (u16)e->file->ops->poll(e->file, (short)want, NULL) & want;
}

/* Removes @e from its epoll and frees it. ep->mtx held. */
static void epitem_remove(struct eventpoll *ep, struct epitem *e)
{
	if (e->queued)
		e->file->ops->poll_cancel(e->file, &e->w);
	pthread_mutex_lock(&ep->lock);
	if (e->ready)
		st_list_del(&e->rdlink);
	pthread_mutex_unlock(&ep->lock);
	pthread_mutex_lock(&ep_files_lock);
	st_list_del(&e->flink);
	__atomic_sub_fetch(&ep_nentries, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ep_files_lock);
	st_list_del(&e->link);
	ep->nitems--;
	memfile_uncharge(vfs_memfile(), sizeof(*e));
	free(e);
}

/* After a restore: queues every entry's waiter again. A level-triggered entry that
 * became ready since goes on the ready list; an edge-triggered one only hears of
 * changes from now on (one made between the restore and this first look is missed).
 * ep->mtx held. */
static void ep_requeue(struct eventpoll *ep)
{
	struct st_list *p;

	ep->requeue = false;
	st_list_for_each(p, &ep->items) {
		struct epitem *e = container_of(p, struct epitem, link);

		if (e->host)
			continue;
		epitem_queue(e);
		if (!(e->events & L_EPOLLET) && (!e->queued || epitem_poll(e)))
			make_ready(ep, e);
	}
}

/* The scan is done with @e: back on the ready list if @again, or if its file woke
 * it while it was being looked at (the look may have come before the change). */
static void scan_done(struct eventpoll *ep, struct epitem *e, bool again)
{
	pthread_mutex_lock(&ep->lock);
	e->scanning = false;
	if ((again || e->rewake) && !e->ready) {
		e->ready = true;
		st_list_add_tail(&e->rdlink, &ep->rdlist);
		if (e->rewake)
			waitq_wake_all(&ep->wq);
	}
	e->rewake = false;
	pthread_mutex_unlock(&ep->lock);
}

/*
 * One pass over the ready list: up to @max events into @out (NULL: only look, and
 * consume nothing). Level-triggered entries that are still ready go back on the
 * list, and so does whatever is left when @out is full. Host entries are polled at
 * every pass. ep->mtx held. Returns the events found.
 */
static int ep_scan(struct eventpoll *ep, struct l_epoll_event *out, int max)
{
	struct st_list local, *p;
	int found = 0;

	if (ep->requeue)
		ep_requeue(ep);
	st_list_init(&local);
	pthread_mutex_lock(&ep->lock);
	while (!st_list_empty(&ep->rdlist)) {
		struct epitem *e = container_of(ep->rdlist.next, struct epitem, rdlink);

		st_list_del(&e->rdlink);
		e->ready = false;
		e->scanning = true;     /* its callback now only notes a wake (rewake) */
		st_list_add_tail(&e->rdlink, &local);
	}
	pthread_mutex_unlock(&ep->lock);
	while (!st_list_empty(&local) && found < max) {
		struct epitem *e = container_of(local.next, struct epitem, rdlink);
		u32 rev;

		st_list_del(&e->rdlink);
		epitem_queue(e);
		rev = epitem_poll(e);
		if (!rev) {
			/* hung up (no waiter taken): look again next time */
			scan_done(ep, e, !e->queued && (e->events & ~EP_PRIVATE_BITS));
			continue;
		}
		found++;
		if (!out) {
			scan_done(ep, e, true);
			continue;
		}
		out[found - 1] = (struct l_epoll_event){ rev, e->data };
		if (e->events & L_EPOLLONESHOT)
			e->events &= EP_PRIVATE_BITS;
		scan_done(ep, e, !(e->events & (L_EPOLLET | L_EPOLLONESHOT)));
	}
	while (!st_list_empty(&local)) {
		struct epitem *e = container_of(local.next, struct epitem, rdlink);

		st_list_del(&e->rdlink);
		scan_done(ep, e, true);
	}
	st_list_for_each(p, &ep->items) {
		struct epitem *e = container_of(p, struct epitem, link);
		u32 rev;

		if (!e->host || found >= max)
			continue;
		rev = epitem_poll(e);
		if ((e->events & L_EPOLLET) && out) {
			bool edge = rev && !e->host_seen;

			e->host_seen = rev != 0;
			if (!edge)
				continue;
		}
		if (!rev)
			continue;
		found++;
		if (!out)
			continue;
		out[found - 1] = (struct l_epoll_event){ rev, e->data };
		if (e->events & L_EPOLLONESHOT)
			e->events &= EP_PRIVATE_BITS;
	}
	return found;
}

/* The host fds of the epoll's host entries, for a wait's ppoll (after [0]); how many
 * were added, at most @cap. ep->mtx held. */
static u32 host_fds(struct eventpoll *ep, struct pollfd *pfd, u32 cap)
{
	struct st_list *p;
	u32 n = 0;

	st_list_for_each(p, &ep->items) {
		struct epitem *e = container_of(p, struct epitem, link);

		if (e->host && (e->events & ~EP_PRIVATE_BITS) && n < cap)
			pfd[n++] = (struct pollfd){ .fd = e->file->ops->poll_fd(e->file),
						    .events = (short)(e->events & 0xffff) };
	}
	return n;
}

static u32 host_count(struct eventpoll *ep)
{
	struct st_list *p;
	u32 n = 0;

	st_list_for_each(p, &ep->items)
		n += container_of(p, struct epitem, link)->host;
	return n;
}

/* Blocks @t until the epoll's queue is woken, a host fd of it is ready, a signal or
 * the deadline. ep->mtx held on entry, dropped. 0, or -EINTR. */
static int ep_block(struct task *t, struct eventpoll *ep, s64 deadline)
{
	u32 cap = host_count(ep), n;
	struct pollfd *pfd = calloc(cap + 1, sizeof(*pfd));
	struct waiter w = { .t = t };
	struct timespec ts, *tsp = NULL;
	int r = 0;

	if (!pfd) {
		pthread_mutex_unlock(&ep->mtx);
		return -ENOMEM;
	}
	n = 1 + host_fds(ep, pfd + 1, cap);
	pthread_mutex_lock(&ep->lock);
	if (!st_list_empty(&ep->rdlist)) {
		pthread_mutex_unlock(&ep->lock);
		pthread_mutex_unlock(&ep->mtx);
		free(pfd);
		return 0;
	}
	waitq_add(&ep->wq, &w, t);
	pthread_mutex_unlock(&ep->lock);
	pthread_mutex_unlock(&ep->mtx);
	if (n == 1) {
		r = task_block(t, deadline);
	} else if (!task_signal_pending(t)) {
		pfd[0] = (struct pollfd){ .fd = t->evfd, .events = POLLIN };
		if (deadline >= 0) {
			s64 left = deadline - ktime_host_mono_now();

			left = left > 0 ? left : 0;
			ts = (struct timespec){ left / NSEC_PER_SEC, left % NSEC_PER_SEC };
			tsp = &ts;
		}
		if (task_ppoll(t, pfd, n, tsp) > 0 && pfd[0].revents) {
			u64 v;

			if (read(t->evfd, &v, sizeof(v)) < 0) {
				/* drained already */
			}
		}
		r = task_signal_pending(t) ? -EINTR : 0;
	} else {
		r = -EINTR;
	}
	pthread_mutex_lock(&ep->lock);
	waitq_del(&w);
	pthread_mutex_unlock(&ep->lock);
	free(pfd);
	return r;
}

long epoll_wait_file(struct task *t, struct vfs_file *epf, struct l_epoll_event *out,
		     int max, s64 deadline)
{
	struct eventpoll *ep = EPF(epf)->ep;

	for (;;) {
		int n;

		pthread_mutex_lock(&ep->mtx);
		n = ep_scan(ep, out, max);
		if (n || deadline == 0) {
			pthread_mutex_unlock(&ep->mtx);
			return n;
		}
		if (task_signal_pending(t)) {
			pthread_mutex_unlock(&ep->mtx);
			return task_wait_signalled(t, 0) ? -EINTR : -ERESTARTNOHAND;
		}
		if (deadline > 0 && ktime_host_mono_now() >= deadline) {
			pthread_mutex_unlock(&ep->mtx);
			return 0;
		}
		n = ep_block(t, ep, deadline);
		if (n == -EINTR)
			return task_wait_signalled(t, 0) ? -EINTR : -ERESTARTNOHAND;
		if (n < 0)
			return n;
	}
}

/* The epoll file's own readiness: POLLIN while some entry is ready (consuming
 * nothing), as Linux's ep_eventpoll_poll. */
static short epoll_poll(struct vfs_file *f, short events, struct waiter *w)
{
	struct eventpoll *ep = EPF(f)->ep;
	short re = 0;

	pthread_mutex_lock(&ep->mtx);
	if (ep_scan(ep, NULL, 1))
		re = POLLIN | POLLRDNORM;
	re &= events | POLLERR | POLLHUP;
	if (!re && w) {
		pthread_mutex_lock(&ep->lock);
		/* an entry the scan found idle may have been woken since */
		if (!st_list_empty(&ep->rdlist))
			re = (POLLIN | POLLRDNORM) & events;
		if (!re)
			waitq_add(&ep->wq, w, w->t);
		pthread_mutex_unlock(&ep->lock);
	}
	pthread_mutex_unlock(&ep->mtx);
	return re;
}

static void epoll_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	struct eventpoll *ep = EPF(f)->ep;

	pthread_mutex_lock(&ep->lock);
	waitq_del(w);
	pthread_mutex_unlock(&ep->lock);
}

static void epoll_release(struct vfs_file *f)
{
	struct eventpoll *ep = EPF(f)->ep;

	pthread_mutex_lock(&ep->mtx);
	while (!st_list_empty(&ep->items))
		epitem_remove(ep, container_of(ep->items.next, struct epitem, link));
	pthread_mutex_unlock(&ep->mtx);
	eventpoll_put(ep);
	free(EPF(f));
}

const struct vfs_file_ops epoll_ops = {
	.type = "eventpoll",   /* what /proc/PID/fd shows: anon_inode:[eventpoll] */
	.fstat = evfd_fstat,
	.poll = epoll_poll,
	.poll_cancel = epoll_poll_cancel,
	.release = epoll_release,
};

int epoll_new(struct vfs_file **out)
{
	struct epoll_file *ef = calloc(1, sizeof(*ef));
	struct eventpoll *ep = calloc(1, sizeof(*ep));

	if (!ef || !ep) {
		free(ef);
		free(ep);
		return -ENOMEM;
	}
	ref_init(&ep->ref);
	st_list_init(&ep->items);
	eventpoll_init_locks(ep);
	vfs_file_init(&ef->base, &epoll_ops, O_RDWR);
	ef->ep = ep;
	*out = &ef->base;
	return 0;
}

/* The epolls @ep watches directly, referenced, into a malloc'ed array. */
static int child_eps(struct eventpoll *ep, struct eventpoll ***out, u32 *n)
{
	struct st_list *p;
	u32 i = 0;

	pthread_mutex_lock(&ep->mtx);
	*out = calloc(ep->nitems + 1, sizeof(**out));
	if (!*out) {
		pthread_mutex_unlock(&ep->mtx);
		return -ENOMEM;
	}
	st_list_for_each(p, &ep->items) {
		struct epitem *e = container_of(p, struct epitem, link);

		if (file_is_epoll(e->file)) {
			ref_get(&EPF(e->file)->ep->ref);
			(*out)[i++] = EPF(e->file)->ep;
		}
	}
	*n = i;
	pthread_mutex_unlock(&ep->mtx);
	return 0;
}

/* Linux's ep_loop_check: whether @from reaches @to, or chains deeper than allowed.
 * ep_nest_lock held. 0 or -ELOOP. */
static int loop_check(struct eventpoll *from, struct eventpoll *to, int depth)
{
	struct eventpoll **kids;
	u32 n;
	int err;

	if (from == to || depth > EP_MAX_NESTS)
		return -ELOOP;
	err = child_eps(from, &kids, &n);
	if (err)
		return err;
	for (u32 i = 0; i < n; i++) {
		if (!err)
			err = loop_check(kids[i], to, depth + 1);
		eventpoll_put(kids[i]);
	}
	free(kids);
	return err;
}

/* How many epolls watch @ep from above, at most (0: none); ep_nest_lock held, which
 * keeps every epoll-in-epoll entry in place. */
static int depth_above(struct eventpoll *ep, int depth)
{
	struct eventpoll *up[EP_HASH];
	u32 n = 0;
	int best = depth;

	if (depth > EP_MAX_NESTS)
		return depth;
	pthread_mutex_lock(&ep_files_lock);
	for (int b = 0; b < EP_HASH && ep_nentries; b++) {
		struct st_list *p;

		st_list_for_each(p, &ep_files[b]) {
			struct epitem *e = container_of(p, struct epitem, flink);

			if (file_is_epoll(e->file) && EPF(e->file)->ep == ep && n < EP_HASH) {
				ref_get(&e->ep->ref);
				up[n++] = e->ep;
			}
		}
	}
	pthread_mutex_unlock(&ep_files_lock);
	for (u32 i = 0; i < n; i++) {
		int d = depth_above(up[i], depth + 1);

		best = d > best ? d : best;
		eventpoll_put(up[i]);
	}
	return best;
}

/* The entry of @ep for (@tf, @fd), through the file index. ep->mtx held. */
static struct epitem *ep_find(struct eventpoll *ep, struct vfs_file *tf, int fd)
{
	struct epitem *found = NULL;
	struct st_list *b = file_bucket(tf), *p;

	pthread_mutex_lock(&ep_files_lock);
	st_list_for_each(p, b) {
		struct epitem *e = container_of(p, struct epitem, flink);

		if (e->ep == ep && e->file == tf && e->fd == fd) {
			found = e;
			break;
		}
	}
	pthread_mutex_unlock(&ep_files_lock);
	return found;
}

static int ep_insert(struct eventpoll *ep, struct vfs_file *tf, int fd, u32 events,
		     u64 data)
{
	struct epitem *e;
	u32 rev;

	/* An entry is the Sentry's memory, charged to the sandbox's limit (Linux
	 * charges its epitem to the memory cgroup): past it, ENOMEM. */
	if (memfile_charge(vfs_memfile(), sizeof(*e), false))
		return -ENOMEM;
	e = calloc(1, sizeof(*e));
	if (!e) {
		memfile_uncharge(vfs_memfile(), sizeof(*e));
		return -ENOMEM;
	}
	e->ep = ep;
	e->file = tf;
	e->fd = fd;
	e->events = events;
	e->data = data;
	e->host = !tf->ops->poll;
	e->w.func = epitem_wake;
	st_list_add_tail(&e->link, &ep->items);
	ep->nitems++;
	index_add(e);
	epitem_queue(e);
	rev = epitem_poll(e);
	pthread_mutex_lock(&ep->lock);
	if (!e->host && (rev || !e->queued) && !e->ready) {
		e->ready = true;
		st_list_add_tail(&e->rdlink, &ep->rdlist);
	}
	/* a waiter blocked meanwhile looks again: it may be ready, or (a host fd) need
	 * to join its ppoll */
	if (rev || e->host)
		waitq_wake_all(&ep->wq);
	pthread_mutex_unlock(&ep->lock);
	return 0;
}

static void ep_modify(struct eventpoll *ep, struct epitem *e, u32 events, u64 data)
{
	e->events = events;
	e->data = data;
	e->host_seen = false;
	epitem_queue(e);
	if (!e->host && (epitem_poll(e) || !e->queued)) {
		make_ready(ep, e);
		pthread_mutex_lock(&ep->lock);
		waitq_wake_all(&ep->wq);
		pthread_mutex_unlock(&ep->lock);
	}
}

/* Whether @tf can be watched: Linux refuses files without a poll op with EPERM. A
 * host fd is asked what it is: regular files, directories, block devices and the
 * memory devices but random and urandom (/dev/null, /dev/zero...) have none. */
static bool pollable(struct vfs_file *tf)
{
	struct stat st;

	if (tf->ops->poll)
		return true;
	if (!tf->ops->poll_fd || tf->ops->poll_fd(tf) < 0)
		return false;
	if (!tf->ops->fstat || tf->ops->fstat(tf, &st))
		return true;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode))
		return false;
	return !(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
		 minor(st.st_rdev) != 8 && minor(st.st_rdev) != 9);
}

#define EPOLLEXCLUSIVE_OK_BITS (L_EPOLLIN | L_EPOLLOUT | L_EPOLLERR | L_EPOLLHUP | \
				L_EPOLLWAKEUP | L_EPOLLET | L_EPOLLEXCLUSIVE)

int epoll_ctl_file(struct vfs_file *epf, int op, int fd, struct vfs_file *tf,
		   const struct l_epoll_event *ev)
{
	bool has_event = op == L_EPOLL_CTL_ADD || op == L_EPOLL_CTL_MOD;
	struct eventpoll *ep;
	struct epitem *e;
	bool nested = false;
	u32 events = 0;
	int err = 0;

	if (!pollable(tf))
		return -EPERM;
	if (epf == tf || !file_is_epoll(epf))
		return -EINVAL;
	ep = EPF(epf)->ep;
	if (has_event) {
		/* EPOLLWAKEUP needs CAP_BLOCK_SUSPEND and means nothing without suspend */
		events = (ev->events & ~L_EPOLLWAKEUP) | L_EPOLLERR | L_EPOLLHUP;
		if (ev->events & L_EPOLLEXCLUSIVE) {
			if (op == L_EPOLL_CTL_MOD)
				return -EINVAL;
			if (file_is_epoll(tf) || (ev->events & ~EPOLLEXCLUSIVE_OK_BITS))
				return -EINVAL;
		}
	}
	if (op == L_EPOLL_CTL_ADD && file_is_epoll(tf)) {
		nested = true;
		pthread_mutex_lock(&ep_nest_lock);
		err = loop_check(EPF(tf)->ep, ep, 1 + depth_above(ep, 0));
		if (err)
			goto out_nest;
	}
	pthread_mutex_lock(&ep->mtx);
	e = ep_find(ep, tf, fd);
	switch (op) {
	case L_EPOLL_CTL_ADD:
		err = e ? -EEXIST : ep_insert(ep, tf, fd, events, ev->data);
		break;
	case L_EPOLL_CTL_DEL:
		if (e)
			epitem_remove(ep, e);
		else
			err = -ENOENT;
		break;
	case L_EPOLL_CTL_MOD:
		if (!e)
			err = -ENOENT;
		else if (e->events & L_EPOLLEXCLUSIVE)
			err = -EINVAL;
		else
			ep_modify(ep, e, events, ev->data);
		break;
	default:
		err = -EINVAL;
	}
	pthread_mutex_unlock(&ep->mtx);
out_nest:
	if (nested)
		pthread_mutex_unlock(&ep_nest_lock);
	return err;
}

void epoll_file_release(struct vfs_file *f)
{
	for (;;) {
		struct eventpoll *ep = NULL;
		struct st_list *b, *p, *n;

		if (!__atomic_load_n(&ep_nentries, __ATOMIC_ACQUIRE))
			return;
		b = file_bucket(f);
		pthread_mutex_lock(&ep_files_lock);
		st_list_for_each(p, b) {
			struct epitem *e = container_of(p, struct epitem, flink);

			if (e->file == f) {
				ep = e->ep;
				ref_get(&ep->ref);
				break;
			}
		}
		pthread_mutex_unlock(&ep_files_lock);
		if (!ep)
			return;
		pthread_mutex_lock(&ep->mtx);
		for (p = ep->items.next; p != &ep->items; p = n) {
			struct epitem *e = container_of(p, struct epitem, link);

			n = p->next;
			if (e->file == f)
				epitem_remove(ep, e);
		}
		pthread_mutex_unlock(&ep->mtx);
		eventpoll_put(ep);
	}
}

int eventpoll_after_load(void *o, void *ctx)
{
	struct eventpoll *ep = o;
	struct st_list *p;

	eventpoll_init_locks(ep);
	st_list_for_each(p, &ep->items) {
		struct epitem *e = container_of(p, struct epitem, link);

		if (!e->file || e->ep != ep)
			return -EINVAL;
		memfile_charge(((struct restore_ctx *)ctx)->mf, sizeof(*e), true);
		e->w = (struct waiter){ .func = epitem_wake };
		e->queued = false;
		if (e->ready)
			st_list_add_tail(&e->rdlink, &ep->rdlist);
		index_add(e);
	}
	ep->requeue = true;
	return 0;
}
