/*
 * Advisory file locks, after Linux's fs/locks.c. Every lock is a struct vfs_lock on
 * its inode's list (so held locks are saved with the inode):
 *  - flock locks, whole-file, owned by an open file description; a description has
 *    at most one per inode and converts it in place;
 *  - POSIX record locks, byte ranges owned by a process (its tgid; Linux's owner is
 *    the files_struct, the same thing unless CLONE_FILES is shared across processes);
 *  - OFD record locks, byte ranges owned by an open file description.
 * A record-lock owner's ranges never overlap: setting a range splits or trims what
 * it held there and merges with touching ranges of the same type. flock locks only
 * meet flock locks; POSIX and OFD locks conflict with each other.
 *
 * One mutex (vfs_locks_mu) covers every inode's list, and one wait queue every
 * waiter: each release wakes them all and they re-check. Waits are interruptible:
 * an interrupted wait returns -ERESTARTSYS, so a handler with SA_RESTART, or a
 * checkpoint, restarts the call, as Linux's wait_event_interruptible does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "abi/linux.h"
#include "task/task.h"
#include "task/waitq.h"
#include "vfs/locks.h"
#include "vfs/vfs_fs.h"

static pthread_mutex_t vfs_locks_mu = PTHREAD_MUTEX_INITIALIZER;
static struct waitq locks_wq = { ST_LIST_INIT(locks_wq.head) };

/*
 * A POSIX-lock owner blocked in F_SETLKW, for deadlock detection: Linux's
 * blocked_hash. Lives on the waiter's stack while it sleeps.
 */
struct lock_blocked {
	struct st_list link;
	struct vfs_inode *ino;
	const struct vfs_lock *req;
};
static struct st_list blocked = ST_LIST_INIT(blocked);

/* Linux's MAX_DEADLK_ITERATIONS: how long a chain of waiters is followed. */
#define MAX_DEADLK_ITERATIONS 10

/* The inode @f's locks are on: its own, or the lock inode of a file without one. */
static struct vfs_inode *lock_ino(struct vfs_file *f, bool create)
{
	if (f->inode)
		return f->inode;
	return f->ops->lock_inode ? f->ops->lock_inode(f, create) : NULL;
}

static struct st_list *ino_locks(struct vfs_inode *ino)
{
	/* An inode made before locks existed in its image: an empty list. */
	if (!ino->locks.next)
		st_list_init(&ino->locks);
	return &ino->locks;
}

#define for_each_lock(l, tmp, head) \
	for ((l) = container_of((head)->next, struct vfs_lock, link); \
	     &(l)->link != (head) && \
	     ((tmp) = container_of((l)->link.next, struct vfs_lock, link), 1); \
	     (l) = (tmp))

static bool same_owner(const struct vfs_lock *a, const struct vfs_lock *b)
{
	if (a->kind != b->kind)
		return false;
	return a->kind == VFS_LOCK_POSIX ? a->pid == b->pid : a->file == b->file;
}

static bool conflicts(const struct vfs_lock *held, const struct vfs_lock *req)
{
	bool flock_held = held->kind == VFS_LOCK_FLOCK;

	if (flock_held != (req->kind == VFS_LOCK_FLOCK) || same_owner(held, req))
		return false;
	if (held->type != F_WRLCK && req->type != F_WRLCK)
		return false;
	return held->start <= req->end && req->start <= held->end;
}

static struct vfs_lock *first_conflict(struct vfs_inode *ino, const struct vfs_lock *req)
{
	struct vfs_lock *l, *tmp;

	for_each_lock(l, tmp, ino_locks(ino))
		if (conflicts(l, req))
			return l;
	return NULL;
}

static void lock_free(struct vfs_lock *l)
{
	st_list_del(&l->link);
	free(l);
}

/*
 * Would @req (a POSIX lock of one process) waiting behind @c close a cycle? Follows
 * "the owner of the lock in the way is itself waiting for ..." as Linux's
 * posix_locks_deadlock does.
 */
static bool posix_deadlock(const struct vfs_lock *req, const struct vfs_lock *c)
{
	int i;

	for (i = 0; i < MAX_DEADLK_ITERATIONS; i++) {
		struct lock_blocked *b = NULL;
		struct st_list *p;

		if (c->kind != VFS_LOCK_POSIX)
			return false;
		if (c->pid == req->pid)
			return true;
		st_list_for_each(p, &blocked) {
			struct lock_blocked *e = container_of(p, struct lock_blocked, link);

			if (e->req->pid == c->pid) {
				b = e;
				break;
			}
		}
		if (!b)
			return false;
		c = first_conflict(b->ino, b->req);
		if (!c)
			return false;
	}
	return false;
}

/*
 * Adds record lock @n where Linux keeps it: an owner's locks together and in order of
 * their start, a new owner's after everything (F_GETLK reports the first in the way).
 */
static void record_insert(struct st_list *head, struct vfs_lock *n)
{
	struct st_list *p = head->next;

	while (p != head && !same_owner(container_of(p, struct vfs_lock, link), n))
		p = p->next;
	while (p != head) {
		struct vfs_lock *l = container_of(p, struct vfs_lock, link);

		if (!same_owner(l, n) || l->start > n->start)
			break;
		p = p->next;
	}
	st_list_add_tail(&n->link, p);      /* before p */
}

/*
 * Gives @req's owner @req's range with @req's type (F_UNLCK: none) over what it held
 * there. Ranges of its own in the way are trimmed or split, touching ones of the same
 * type merged. -ENOLCK if memory ran out, with nothing changed.
 */
static int record_apply(struct vfs_inode *ino, const struct vfs_lock *req)
{
	struct st_list *head = ino_locks(ino);
	struct vfs_lock *l, *tmp, *spare[3] = { NULL, NULL, NULL };
	s64 s = req->start, e = req->end, ns = s, ne = e;
	int used = 0, i;

	/* At most one new lock and two pieces of a split one. */
	for (i = 0; i < 3; i++)
		if (!(spare[i] = malloc(sizeof(*spare[i])))) {
			while (i--)
				free(spare[i]);
			return -ENOLCK;
		}
	for_each_lock(l, tmp, head) {
		bool touches = l->start <= (e == LLONG_MAX ? e : e + 1) &&
			       (l->end == LLONG_MAX ? l->end : l->end + 1) >= s;

		if (!same_owner(l, req) || !touches)
			continue;
		if (req->type != F_UNLCK && l->type == req->type) {
			ns = MIN(ns, l->start);
			ne = MAX(ne, l->end);
			lock_free(l);
			continue;
		}
		if (l->start > e || l->end < s)
			continue;       /* only touches, another type */
		if (l->start < s) {
			struct vfs_lock *left = spare[used++];

			*left = *l;
			left->end = s - 1;
			record_insert(head, left);
		}
		if (l->end > e) {
			struct vfs_lock *right = spare[used++];

			*right = *l;
			right->start = e + 1;
			record_insert(head, right);
		}
		lock_free(l);
	}
	if (req->type != F_UNLCK) {
		struct vfs_lock *n = spare[used++];

		*n = *req;
		n->start = ns;
		n->end = ne;
		record_insert(head, n);
	}
	for (i = used; i < 3; i++)
		free(spare[i]);
	return 0;
}

/* A flock lock for @req's description; its old one is gone already. */
static int flock_add(struct vfs_inode *ino, const struct vfs_lock *req)
{
	struct vfs_lock *n = malloc(sizeof(*n));

	if (!n)
		return -ENOLCK;
	*n = *req;
	st_list_add_tail(&n->link, ino_locks(ino));
	return 0;
}

/*
 * Waits for a wake on the locks' queue with vfs_locks_mu held (dropped meanwhile).
 * A POSIX waiter is registered for deadlock detection while it sleeps.
 */
static void locks_sleep(struct task *t, struct vfs_inode *ino, const struct vfs_lock *req,
			bool *interrupted)
{
	struct lock_blocked b = { .ino = ino, .req = req };
	struct waiter w;

	if (req->kind == VFS_LOCK_POSIX)
		st_list_add_tail(&b.link, &blocked);
	waitq_add(&locks_wq, &w, t);
	pthread_mutex_unlock(&vfs_locks_mu);
	*interrupted = task_block(t, -1) == -EINTR;
	pthread_mutex_lock(&vfs_locks_mu);
	waitq_del(&w);
	if (req->kind == VFS_LOCK_POSIX)
		st_list_del(&b.link);
}

/* Takes @req for its owner, waiting for conflicting locks to go unless @nonblock. */
static int lock_wait_apply(struct task *t, struct vfs_inode *ino, struct vfs_lock *req,
			   bool nonblock)
{
	bool interrupted = false;
	int ret;

	pthread_mutex_lock(&vfs_locks_mu);
	for (;;) {
		struct vfs_lock *c = req->type == F_UNLCK ? NULL : first_conflict(ino, req);

		if (!c) {
			if (req->kind == VFS_LOCK_FLOCK)
				ret = flock_add(ino, req);
			else
				ret = record_apply(ino, req);
			break;
		}
		if (nonblock) {
			ret = -EAGAIN;
			break;
		}
		if (req->kind == VFS_LOCK_POSIX && posix_deadlock(req, c)) {
			ret = -EDEADLK;
			break;
		}
		if (interrupted) {
			ret = -ERESTARTSYS;
			break;
		}
		locks_sleep(t, ino, req, &interrupted);
	}
	if (req->type == F_UNLCK || !ret)
		waitq_wake_all(&locks_wq);      /* a range may have been freed */
	pthread_mutex_unlock(&vfs_locks_mu);
	return ret;
}

int vfs_flock(struct task *t, struct vfs_file *f, u32 op)
{
	struct vfs_lock req = {
		.kind = VFS_LOCK_FLOCK, .file = f, .start = 0, .end = LLONG_MAX,
	};
	struct vfs_inode *ino;
	struct vfs_lock *l, *tmp, *own = NULL;

	switch (op & ~LOCK_NB) {
	case LOCK_SH: req.type = F_RDLCK; break;
	case LOCK_EX: req.type = F_WRLCK; break;
	case LOCK_UN: req.type = F_UNLCK; break;
	default: return -EINVAL;
	}
	/* Files with no inode and no lock inode (sockets) hold no locks here yet. */
	ino = lock_ino(f, req.type != F_UNLCK);
	if (!ino)
		return f->ops->lock_inode ? 0 : -ENOLCK;

	/*
	 * As Linux's flock_lock_inode: a lock of our own of the same type stays; one
	 * of the other type is dropped first (waking its waiters), so a conversion is
	 * not atomic; then the new one is waited for.
	 */
	pthread_mutex_lock(&vfs_locks_mu);
	for_each_lock(l, tmp, ino_locks(ino))
		if (same_owner(l, &req))
			own = l;
	if (own && own->type == req.type) {
		pthread_mutex_unlock(&vfs_locks_mu);
		return 0;
	}
	if (own) {
		lock_free(own);
		waitq_wake_all(&locks_wq);
	}
	pthread_mutex_unlock(&vfs_locks_mu);
	if (req.type == F_UNLCK)
		return 0;
	return lock_wait_apply(t, ino, &req, op & LOCK_NB);
}

/* The range of @fl on @f, as Linux's flock_to_posix_lock. */
static int flock_range(struct vfs_file *f, const struct flock *fl, s64 *start, s64 *end)
{
	s64 base;

	switch (fl->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		pthread_mutex_lock(&f->pos_lock);
		base = f->pos;
		pthread_mutex_unlock(&f->pos_lock);
		break;
	case SEEK_END: {
		struct stat st;
		int err = f->ops->fstat ? f->ops->fstat(f, &st) : -EINVAL;

		if (err)
			return err;
		base = st.st_size;
		break;
	}
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, fl->l_start, start))
		return -EOVERFLOW;
	if (*start < 0)
		return -EINVAL;
	if (fl->l_len > 0) {
		if (__builtin_add_overflow(*start, fl->l_len - 1, end))
			return -EOVERFLOW;
	} else if (fl->l_len < 0) {
		*end = *start - 1;
		*start += fl->l_len;
		if (*start < 0)
			return -EINVAL;
	} else {
		*end = LLONG_MAX;
	}
	return 0;
}

int vfs_fcntl_lock(struct task *t, struct vfs_file *f, int cmd, struct flock *fl)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	struct vfs_lock req = { .file = f, .pid = t->tgid, .type = fl->l_type };
	struct vfs_inode *ino;
	int ret;

	if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK &&
	    (get || fl->l_type != F_UNLCK))
		return -EINVAL;
	if (ofd && fl->l_pid)
		return -EINVAL;
	if (!get && ((fl->l_type == F_RDLCK && (f->flags & O_ACCMODE) == O_WRONLY) ||
		     (fl->l_type == F_WRLCK && (f->flags & O_ACCMODE) == O_RDONLY)))
		return -EBADF;
	ret = flock_range(f, fl, &req.start, &req.end);
	if (ret)
		return ret;
	ino = lock_ino(f, !get);
	if (!ino && !(get && f->ops->lock_inode))
		return -ENOLCK;         /* no lock op (sockets), or no memory */
	req.kind = ofd ? VFS_LOCK_OFD : VFS_LOCK_POSIX;
	if (ofd)
		req.pid = 0;

	if (get) {
		struct vfs_lock *c;

		if (!ino) {             /* no lock was ever taken on it */
			fl->l_type = F_UNLCK;
			return 0;
		}
		pthread_mutex_lock(&vfs_locks_mu);
		c = first_conflict(ino, &req);
		if (!c) {
			fl->l_type = F_UNLCK;
		} else {
			fl->l_type = c->type;
			fl->l_whence = SEEK_SET;
			fl->l_start = c->start;
			fl->l_len = c->end == LLONG_MAX ? 0 : c->end - c->start + 1;
			fl->l_pid = c->kind == VFS_LOCK_POSIX ? (pid_t)c->pid : -1;
		}
		pthread_mutex_unlock(&vfs_locks_mu);
		return 0;
	}
	return lock_wait_apply(t, ino, &req, cmd == F_SETLK || cmd == F_OFD_SETLK);
}

/* Drops @owner's locks on @ino (flock and OFD ones alike for a description); wakes the waiters if any went. */
static void drop_locks(struct vfs_inode *ino, const struct vfs_lock *owner)
{
	struct vfs_lock *l, *tmp;
	bool any = false;

	pthread_mutex_lock(&vfs_locks_mu);
	for_each_lock(l, tmp, ino_locks(ino)) {
		bool flock_ofd = l->kind != VFS_LOCK_POSIX;

		if (owner->kind == VFS_LOCK_POSIX ? same_owner(l, owner)
						  : flock_ofd && l->file == owner->file) {
			lock_free(l);
			any = true;
		}
	}
	if (any)
		waitq_wake_all(&locks_wq);
	pthread_mutex_unlock(&vfs_locks_mu);
}

void vfs_locks_release_file(struct vfs_file *f)
{
	struct vfs_lock owner = { .kind = VFS_LOCK_FLOCK, .file = f };
	struct vfs_inode *ino = lock_ino(f, false);

	if (ino)
		drop_locks(ino, &owner);
}

void vfs_locks_close_posix(struct vfs_file *f, u32 pid)
{
	struct vfs_lock owner = { .kind = VFS_LOCK_POSIX, .pid = pid };
	struct vfs_inode *ino = lock_ino(f, false);

	if (ino)
		drop_locks(ino, &owner);
}

void vfs_locks_release_inode(struct vfs_inode *ino)
{
	struct vfs_lock *l, *tmp;

	pthread_mutex_lock(&vfs_locks_mu);
	for_each_lock(l, tmp, ino_locks(ino))
		lock_free(l);
	pthread_mutex_unlock(&vfs_locks_mu);
}

void vfs_locks_fdt_close_posix(struct fdtable *fdt, u32 lo, u32 hi, bool cloexec, u32 pid)
{
	u32 i;

	pthread_mutex_lock(&fdt->lock);
	for (i = lo; i < fdt->n && i <= hi; i++)
		if (fdt->fds[i].file && (!cloexec || (fdt->fds[i].flags & FD_CLOEXEC)))
			vfs_locks_close_posix(fdt->fds[i].file, pid);
	pthread_mutex_unlock(&fdt->lock);
}
