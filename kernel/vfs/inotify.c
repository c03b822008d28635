/*
 * inotify instances, their watches and event queues, and the delivery of the events
 * the VFS reports (see inotify.h). After Linux's fs/notify/inotify/inotify_user.c,
 * inotify_fsnotify.c and fs/notify/fsnotify.c; gVisor's vfs/inotify.go was read.
 *
 * A watch holds a reference on its inode, and an inode someone watches is never
 * dropped from the dentry cache (dentry.c), so the object the events are reported
 * on stays the one watched, as Linux's marks pin their inode. An event on a child
 * goes first to its directory's watches, with its name, then to its own, as
 * fsnotify_handle_event orders them within a group. Events are queued as Linux's
 * fsnotify_add_event does: IN_Q_OVERFLOW once past max_queued_events (or when the
 * memory limit refuses one), and an event identical to the last queued one is
 * merged into it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>

#include "ipc/evfd.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"
#include "vfs/inotify.h"

#define IN(f) container_of(f, struct inotify_file, base)
#define EV_HDR 16               /* sizeof(struct inotify_event) */
#define USER_MASK (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)
#define L_INOTIFY_IOC_SETNEXTWD 0x40044900      /* _IOW('I', 0, __s32) */

static pthread_mutex_t inotify_lock = PTHREAD_MUTEX_INITIALIZER;
u32 inotify_nwatches;           /* atomic; changed under inotify_lock */
/* every instance (struct inotify_file, by all); under inotify_lock */
struct st_list inotify_instances = ST_LIST_INIT(inotify_instances);
u32 inotify_cookie_seq;          /* the last rename cookie; atomic */

/* The bytes a read gives for @ev: the header and the name padded with NULs to a
 * multiple of the header's size, as Linux's round_event_name_len. */
static u32 ev_namelen(const struct inotify_kevent *ev)
{
	return ev->name ? ALIGN_UP(strlen(ev->name) + 1, EV_HDR) : 0;
}

/* What a queued event holds of the Sentry's memory (charged to the sandbox). */
static u64 ev_cost(const struct inotify_kevent *ev)
{
	return sizeof(*ev) + (ev->name ? strlen(ev->name) + 1 : 0);
}

static void ev_free(struct inotify_kevent *ev)
{
	memfile_uncharge(vfs_memfile(), ev_cost(ev));
	free(ev->name);
	free(ev);
}

static void ev_add(struct inotify_file *in, struct inotify_kevent *ev)
{
	st_list_add_tail(&ev->link, &in->events);
	in->nevents++;
	in->bytes += EV_HDR + ev_namelen(ev);
	waitq_wake_all(&in->wq);
	fasync_kill(&in->fasync, L_POLL_IN);    /* fsnotify_insert_event */
}

/* IN_Q_OVERFLOW, unless it is queued already. */
static void queue_overflow(struct inotify_file *in)
{
	struct inotify_kevent *ev;

	if (in->overflowed)
		return;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return;
	memfile_charge(vfs_memfile(), ev_cost(ev), true);
	ev->wd = -1;
	ev->mask = IN_Q_OVERFLOW;
	in->overflowed = true;
	ev_add(in, ev);
}

static bool same_event(const struct inotify_kevent *ev, s32 wd, u32 mask, const char *name)
{
	if ((ev->mask & IN_IGNORED) || ev->mask != mask || ev->wd != wd)
		return false;
	return !ev->name == !name && (!name || !strcmp(ev->name, name));
}

static void queue_event(struct inotify_file *in, s32 wd, u32 mask, u32 cookie,
			const char *name)
{
	struct inotify_kevent *ev;

	if (in->nevents >= INOTIFY_MAX_QUEUED) {
		queue_overflow(in);
		return;
	}
	if (!st_list_empty(&in->events) &&
	    same_event(container_of(in->events.prev, struct inotify_kevent, link), wd, mask,
		       name))
		return;
	ev = calloc(1, sizeof(*ev));
	if (ev && name && !(ev->name = strdup(name))) {
		free(ev);
		ev = NULL;
	}
	if (!ev || memfile_charge(vfs_memfile(), ev_cost(ev), false)) {
		if (ev)
			free(ev->name);
		free(ev);
		queue_overflow(in);     /* as Linux when it cannot allocate one */
		return;
	}
	ev->wd = wd;
	ev->mask = mask;
	ev->cookie = cookie;
	ev_add(in, ev);
}

/* Takes @w off its inode and instance onto @dead, whose inode references are
 * dropped by reap once inotify_lock is released. */
static void watch_unlink(struct inotify_watch *w, struct st_list *dead)
{
	struct inotify_watch **pp = &w->inode->inotify;

	while (*pp != w)
		pp = &(*pp)->inext;
	*pp = w->inext;
	st_list_del(&w->hlink);
	st_list_del(&w->link);
	w->in->nwatches--;
	__atomic_sub_fetch(&inotify_nwatches, 1, __ATOMIC_RELAXED);
	st_list_add_tail(&w->link, dead);
}

/* The watch goes, telling its reader so (IN_IGNORED). */
static void watch_ignore(struct inotify_watch *w, struct st_list *dead)
{
	queue_event(w->in, w->wd, IN_IGNORED, 0, NULL);
	watch_unlink(w, dead);
}

/* vfs_lock held, inotify_lock not. */
static void reap(struct st_list *dead)
{
	while (!st_list_empty(dead)) {
		struct inotify_watch *w = container_of(dead->next, struct inotify_watch, link);

		st_list_del(&w->link);
		vfs_inode_put(w->inode);
		memfile_uncharge(vfs_memfile(), sizeof(*w));
		free(w);
	}
}

/* Queues @mask for every watch on @ino that wants it; @unlinked: the event comes
 * through a name that was removed (IN_EXCL_UNLINK watches ignore it). */
static void deliver(struct vfs_inode *ino, u32 mask, u32 cookie, const char *name,
		    bool unlinked, struct st_list *dead)
{
	struct inotify_watch *w, *next;

	/* inotify never told IN_ISDIR with these (inotify_handle_inode_event). */
	if (mask & (IN_MOVE_SELF | IN_DELETE_SELF))
		mask &= ~IN_ISDIR;
	for (w = ino->inotify; w; w = next) {
		next = w->inext;
		if (!(w->mask & mask & IN_ALL_EVENTS))
			continue;
		if (unlinked && (w->mask & IN_EXCL_UNLINK))
			continue;
		queue_event(w->in, w->wd, mask, cookie, name);
		if (w->mask & IN_ONESHOT)
			watch_ignore(w, dead);
	}
}

static u32 isdir(const struct vfs_inode *ino)
{
	return S_ISDIR(ino->mode) ? IN_ISDIR : 0;
}

/* An event on @ino reached through @d (may be NULL): its directory's watches with
 * its name, then its own. */
static void child_event(struct vfs_dentry *d, struct vfs_inode *ino, u32 mask,
			bool unlinked)
{
	struct st_list dead = ST_LIST_INIT(dead);
	struct vfs_inode *dir;

	pthread_mutex_lock(&vfs_lock);
	pthread_mutex_lock(&inotify_lock);
	mask |= isdir(ino);
	dir = d && d->parent && d->inode == ino ? d->parent->inode : NULL;
	if (dir && dir->inotify)
		deliver(dir, mask, 0, d->name, unlinked, &dead);
	if (ino->inotify)
		deliver(ino, mask, 0, NULL, unlinked, &dead);
	pthread_mutex_unlock(&inotify_lock);
	reap(&dead);
	pthread_mutex_unlock(&vfs_lock);
}

void inotify_file_event_slow(struct vfs_file *f, u32 mask)
{
	struct vfs_dentry *d = f->path.d;

	/* An O_PATH file reports nothing; nor a file reached through a magic link
	 * to an object that has no path (a pipe). */
	if (!f->inode || (f->flags & O_PATH) || f->inode->anon)
		return;
	child_event(d, f->inode, mask, d && !d->hashed);
}

void inotify_dentry_event_slow(struct vfs_dentry *d, u32 mask)
{
	if (d->inode)
		child_event(d, d->inode, mask, false);
}

void inotify_inode_event_slow(struct vfs_inode *ino, u32 mask)
{
	child_event(NULL, ino, mask, false);
}

void inotify_dir_event_slow(struct vfs_inode *dir, const char *name, u32 mask)
{
	struct st_list dead = ST_LIST_INIT(dead);

	pthread_mutex_lock(&vfs_lock);
	pthread_mutex_lock(&inotify_lock);
	deliver(dir, mask, 0, name, false, &dead);
	pthread_mutex_unlock(&inotify_lock);
	reap(&dead);
	pthread_mutex_unlock(&vfs_lock);
}

void inotify_dentry_put_slow(struct vfs_dentry *d)
{
	struct vfs_inode *ino = d->inode;
	struct st_list dead = ST_LIST_INIT(dead);
	struct st_list *pos;
	int users = 1;

	/* Each child holds a reference on its parent: a removed directory's
	 * negative children (the overlay's whiteouts) are no users. */
	st_list_for_each(pos, &d->kids)
		users++;
	if (ino->nlink || __atomic_load_n(&d->ref.count, __ATOMIC_ACQUIRE) != users)
		return;
	/* The dentry's own reference keeps @ino alive past the watches' puts. */
	pthread_mutex_lock(&inotify_lock);
	deliver(ino, IN_DELETE_SELF | isdir(ino), 0, NULL, false, &dead);
	while (ino->inotify)
		watch_ignore(ino->inotify, &dead);
	pthread_mutex_unlock(&inotify_lock);
	reap(&dead);
}

void inotify_rename_slow(struct vfs_inode *odir, const char *oname, struct vfs_inode *ndir,
			 const char *nname, struct vfs_inode *src, struct vfs_inode *target,
			 bool exchange)
{
	struct st_list dead = ST_LIST_INIT(dead);
	u32 cookie = __atomic_add_fetch(&inotify_cookie_seq, 1, __ATOMIC_RELAXED);

	pthread_mutex_lock(&vfs_lock);
	pthread_mutex_lock(&inotify_lock);
	deliver(odir, IN_MOVED_FROM | isdir(src), cookie, oname, false, &dead);
	deliver(ndir, IN_MOVED_TO | isdir(src), cookie, nname, false, &dead);
	if (target && !exchange)
		deliver(target, IN_ATTRIB | isdir(target), 0, NULL, false, &dead);
	deliver(src, IN_MOVE_SELF | isdir(src), 0, NULL, false, &dead);
	if (exchange) {
		cookie = __atomic_add_fetch(&inotify_cookie_seq, 1, __ATOMIC_RELAXED);
		deliver(ndir, IN_MOVED_FROM | isdir(target), cookie, nname, false, &dead);
		deliver(odir, IN_MOVED_TO | isdir(target), cookie, oname, false, &dead);
		deliver(target, IN_MOVE_SELF | isdir(target), 0, NULL, false, &dead);
	}
	pthread_mutex_unlock(&inotify_lock);
	reap(&dead);
	pthread_mutex_unlock(&vfs_lock);
}

/* The watches and instances of euid @uid; inotify_lock held. */
static void user_counts(u32 uid, u32 *instances_out, u64 *watches)
{
	struct st_list *pos;

	*instances_out = 0;
	*watches = 0;
	st_list_for_each(pos, &inotify_instances) {
		struct inotify_file *in = container_of(pos, struct inotify_file, all);

		if (in->uid == uid) {
			(*instances_out)++;
			*watches += in->nwatches;
		}
	}
}

u32 inotify_max_watches(void)
{
	struct sysinfo si;
	u64 n;

	if (sysinfo(&si))
		return 8192;
	n = (u64)(si.totalram - si.totalhigh) * si.mem_unit / 100 / INOTIFY_WATCH_COST;
	return MIN(MAX(n, 8192), 1048576);
}

static struct st_list *wd_bucket(struct inotify_file *in, s32 wd)
{
	return &in->wd_hash[(u32)wd % INOTIFY_WD_BUCKETS];
}

/* The watch of @in with @wd, or NULL. */
static struct inotify_watch *wd_find(struct inotify_file *in, s32 wd)
{
	struct st_list *pos, *b = wd_bucket(in, wd);

	st_list_for_each(pos, b) {
		struct inotify_watch *w = container_of(pos, struct inotify_watch, hlink);

		if (w->wd == wd)
			return w;
	}
	return NULL;
}

/* The next free wd after the last one handed out (idr_alloc_cyclic from 1). */
static s32 next_wd(struct inotify_file *in)
{
	s32 wd = in->last_wd;

	do
		wd = wd == INT_MAX ? 1 : wd + 1;
	while (wd <= in->max_wd && wd_find(in, wd));
	in->max_wd = MAX(in->max_wd, wd);
	return in->last_wd = wd;
}

static struct inotify_watch *find_watch(struct inotify_file *in, struct vfs_inode *ino)
{
	for (struct inotify_watch *w = ino->inotify; w; w = w->inext)
		if (w->in == in)
			return w;
	return NULL;
}

bool inotify_is(struct vfs_file *f)
{
	return f->ops == &inotify_ops;
}

int inotify_add(struct vfs_file *f, const struct vfs_path *p, u32 mask)
{
	struct inotify_file *in = IN(f);
	struct vfs_inode *ino = p->d->inode;
	struct inotify_watch *w;
	u32 ninst;
	u64 nw;
	int ret;

	if (!inotify_is(f))
		return -EINVAL;
	pthread_mutex_lock(&vfs_lock);
	pthread_mutex_lock(&inotify_lock);
	w = find_watch(in, ino);
	if (w) {
		if (mask & IN_MASK_CREATE) {
			ret = -EEXIST;
		} else {
			w->mask = (mask & USER_MASK) | (mask & IN_MASK_ADD ? w->mask : 0);
			ret = w->wd;
		}
		goto out;
	}
	user_counts(in->uid, &ninst, &nw);
	ret = -ENOSPC;
	if (nw >= inotify_max_watches())
		goto out;
	ret = -ENOMEM;
	if (memfile_charge(vfs_memfile(), sizeof(*w), false))
		goto out;
	w = calloc(1, sizeof(*w));
	if (!w) {
		memfile_uncharge(vfs_memfile(), sizeof(*w));
		goto out;
	}
	w->in = in;
	w->inode = ino;
	vfs_inode_get(ino);
	w->mask = mask & USER_MASK;
	w->wd = next_wd(in);
	st_list_add_tail(&w->hlink, wd_bucket(in, w->wd));
	w->inext = ino->inotify;
	ino->inotify = w;
	st_list_add_tail(&w->link, &in->watches);
	in->nwatches++;
	__atomic_add_fetch(&inotify_nwatches, 1, __ATOMIC_RELAXED);
	ret = w->wd;
out:
	pthread_mutex_unlock(&inotify_lock);
	pthread_mutex_unlock(&vfs_lock);
	return ret;
}

int inotify_rm(struct vfs_file *f, s32 wd)
{
	struct inotify_file *in = IN(f);
	struct st_list dead = ST_LIST_INIT(dead);
	struct inotify_watch *w;
	int ret = -EINVAL;

	if (!inotify_is(f))
		return -EINVAL;
	pthread_mutex_lock(&vfs_lock);
	pthread_mutex_lock(&inotify_lock);
	w = wd_find(in, wd);
	if (w) {
		watch_ignore(w, &dead);
		ret = 0;
	}
	pthread_mutex_unlock(&inotify_lock);
	reap(&dead);
	pthread_mutex_unlock(&vfs_lock);
	return ret;
}

/* Copies the events that fit in @len bytes into @buf; -EINVAL when the first does
 * not. inotify_lock held; the events copied go onto @done. */
static s64 take_events(struct inotify_file *in, u8 *buf, size_t len, struct st_list *done)
{
	size_t n = 0;

	while (!st_list_empty(&in->events)) {
		struct inotify_kevent *ev =
			container_of(in->events.next, struct inotify_kevent, link);
		u32 nl = ev_namelen(ev);
		struct inotify_event hdr = {
			.wd = ev->wd, .mask = ev->mask, .cookie = ev->cookie, .len = nl,
		};

		if (n + EV_HDR + nl > len)
			return n ? (s64)n : -EINVAL;
		memcpy(buf + n, &hdr, EV_HDR);
		memset(buf + n + EV_HDR, 0, nl);
		if (ev->name)
			memcpy(buf + n + EV_HDR, ev->name, strlen(ev->name));
		n += EV_HDR + nl;
		st_list_del(&ev->link);
		st_list_add_tail(&ev->link, done);
		in->nevents--;
		in->bytes -= EV_HDR + nl;
		if (ev->mask == IN_Q_OVERFLOW && ev->wd == -1)
			in->overflowed = false;
	}
	return n;
}

static s64 inotify_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	struct inotify_file *in = IN(f);
	struct st_list done = ST_LIST_INIT(done);
	s64 ret = 0;

	(void)pos;
	pthread_mutex_lock(&inotify_lock);
	while (st_list_empty(&in->events)) {
		struct waiter w;

		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		waitq_add(&in->wq, &w, t);
		pthread_mutex_unlock(&inotify_lock);
		ret = task_block(t, -1);
		pthread_mutex_lock(&inotify_lock);
		waitq_del(&w);
		if (ret == -EINTR) {
			ret = -ERESTARTSYS;     /* a checkpoint restarts the read */
			break;
		}
		ret = 0;
	}
	if (!ret)
		ret = take_events(in, buf, len, &done);
	pthread_mutex_unlock(&inotify_lock);
	while (!st_list_empty(&done)) {
		struct inotify_kevent *ev = container_of(done.next, struct inotify_kevent, link);

		st_list_del(&ev->link);
		ev_free(ev);
	}
	return ret;
}

static short inotify_poll(struct vfs_file *f, short events, struct waiter *w)
{
	struct inotify_file *in = IN(f);
	short re = 0;

	pthread_mutex_lock(&inotify_lock);
	if (!st_list_empty(&in->events))
		re |= POLLIN | POLLRDNORM;
	re &= events | POLLERR | POLLHUP;
	if (!re && w)
		waitq_add(&in->wq, w, w->t);
	pthread_mutex_unlock(&inotify_lock);
	return re;
}

static void inotify_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	(void)f;
	pthread_mutex_lock(&inotify_lock);
	waitq_del(w);
	pthread_mutex_unlock(&inotify_lock);
}

static int inotify_ioctl(struct task *t, struct vfs_file *f, u64 cmd, u64 arg)
{
	struct inotify_file *in = IN(f);
	int n;

	switch (cmd) {
	case FIONREAD:
		pthread_mutex_lock(&inotify_lock);
		n = MIN(in->bytes, (u64)INT_MAX);
		pthread_mutex_unlock(&inotify_lock);
		return mm_copy_out(t->mm, arg, &n, sizeof(n)) ? -EFAULT : 0;
	case L_INOTIFY_IOC_SETNEXTWD:
		/* CRIU's: the next wd handed out (Linux's idr_next). */
		if ((s64)arg < 1 || arg > INT_MAX)
			return -EINVAL;
		pthread_mutex_lock(&inotify_lock);
		in->last_wd = arg - 1;
		pthread_mutex_unlock(&inotify_lock);
		return 0;
	}
	return -ENOTTY;
}

/* Linux's noop_llseek: the offset stays, and is returned. */
static s64 inotify_lseek(struct vfs_file *f, s64 off, int whence)
{
	(void)off;
	(void)whence;
	return f->pos;
}

/* Closing the instance takes its watches away without telling anyone. */
static void inotify_release(struct vfs_file *f)
{
	struct inotify_file *in = IN(f);
	struct st_list dead = ST_LIST_INIT(dead);

	pthread_mutex_lock(&vfs_lock);
	pthread_mutex_lock(&inotify_lock);
	while (!st_list_empty(&in->watches))
		watch_unlink(container_of(in->watches.next, struct inotify_watch, link), &dead);
	st_list_del(&in->all);
	pthread_mutex_unlock(&inotify_lock);
	reap(&dead);
	pthread_mutex_unlock(&vfs_lock);
	memfile_uncharge(vfs_memfile(), INOTIFY_WD_BUCKETS * sizeof(*in->wd_hash));
	free(in->wd_hash);
	while (!st_list_empty(&in->events)) {
		struct inotify_kevent *ev =
			container_of(in->events.next, struct inotify_kevent, link);

		st_list_del(&ev->link);
		ev_free(ev);
	}
	fasync_list_free(&in->fasync);
	free(in);
}

/* Linux's fsnotify_fasync. */
static int inotify_fasync(struct task *t, struct vfs_file *f, int fd, bool on)
{
	int err;

	pthread_mutex_lock(&inotify_lock);
	err = fasync_helper(&IN(f)->fasync, f, fd, on);
	pthread_mutex_unlock(&inotify_lock);
	return err;
}

const struct vfs_file_ops inotify_ops = {
	.type = "inotify",
	.read_zero = true,
	.read = inotify_read,
	.lseek = inotify_lseek,
	.ioctl = inotify_ioctl,
	.fstat = evfd_fstat,
	.poll = inotify_poll,
	.poll_cancel = inotify_poll_cancel,
	.release = inotify_release,
	.fasync = inotify_fasync,
};

int inotify_wd_hash_init(struct inotify_file *in)
{
	in->wd_hash = malloc(INOTIFY_WD_BUCKETS * sizeof(*in->wd_hash));
	if (!in->wd_hash)
		return -ENOMEM;
	for (int i = 0; i < INOTIFY_WD_BUCKETS; i++)
		st_list_init(&in->wd_hash[i]);
	return 0;
}

int inotify_new(u32 uid, u32 flags, struct vfs_file **out)
{
	struct inotify_file *in;
	u32 ninst;
	u64 nw;

	pthread_mutex_lock(&inotify_lock);
	user_counts(uid, &ninst, &nw);
	if (ninst >= INOTIFY_MAX_INSTANCES) {
		pthread_mutex_unlock(&inotify_lock);
		return -EMFILE;
	}
	in = calloc(1, sizeof(*in));
	if (in && inotify_wd_hash_init(in)) {
		free(in);
		in = NULL;
	}
	if (!in) {
		pthread_mutex_unlock(&inotify_lock);
		return -ENOMEM;
	}
	memfile_charge(vfs_memfile(), INOTIFY_WD_BUCKETS * sizeof(*in->wd_hash), true);
	vfs_file_init(&in->base, &inotify_ops, O_RDONLY | (flags & O_NONBLOCK));
	st_list_init(&in->watches);
	st_list_init(&in->events);
	st_list_init(&in->fasync);
	waitq_init(&in->wq);
	in->uid = uid;
	st_list_add_tail(&in->all, &inotify_instances);
	pthread_mutex_unlock(&inotify_lock);
	*out = &in->base;
	return 0;
}
