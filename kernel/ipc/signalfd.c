/*
 * signalfd (after Linux's fs/signalfd.c): reading takes pending signals of the file's
 * mask, the reading thread's own first and then its process's, as records of struct
 * signalfd_siginfo; poll is ready while one is pending for the polling thread
 * (Linux's "current"). The mask is the file's; which signals exist is the reader's.
 * Every signal sent wakes all signalfd pollers, who look again (signalfd_notify).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/evfd.h"
#include "signal/sigqueue.h"
#include "task/task.h"

#define SFD(f) container_of(f, struct signalfd_file, base)

/* struct signalfd_siginfo */
struct l_signalfd_siginfo {
	u32 signo;
	s32 errno_;
	s32 code;
	u32 pid, uid;
	s32 fd;
	u32 tid, band, overrun, trapno;
	s32 status, int_;
	u64 ptr, utime, stime, addr;
	u16 addr_lsb;
	u16 pad2;
	s32 syscall;
	u64 call_addr;
	u32 arch;
	u8 pad[28];
};
BUILD_BUG_ON(sizeof(struct l_signalfd_siginfo) != 128);

/* pollers of every signalfd; under sfd_lock, which comes before the sighand locks */
static struct waitq sfd_wq = { ST_LIST_INIT(sfd_wq.head) };
static pthread_mutex_t sfd_lock = PTHREAD_MUTEX_INITIALIZER;
static u32 sfd_count;   /* signalfds open: signals need not notify at 0 */

void signalfd_notify(void)
{
	if (!__atomic_load_n(&sfd_count, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&sfd_lock);
	waitq_wake_all(&sfd_wq);
	pthread_mutex_unlock(&sfd_lock);
}

/* Linux's signalfd_copyinfo: the fields of the siginfo's layout (siginfo_layout). */
static void copy_info(struct l_signalfd_siginfo *o, const struct l_siginfo *i)
{
	int sig = i->signo;

	memset(o, 0, sizeof(*o));
	o->signo = sig;
	o->errno_ = i->errno_;
	o->code = i->code;
	if (i->code > L_SI_USER && i->code < L_SI_KERNEL) {
		switch (sig) {
		case SIGCHLD:
			o->pid = i->chld.pid;
			o->uid = i->chld.uid;
			o->status = i->chld.status;
			o->utime = i->chld.utime;
			o->stime = i->chld.stime;
			return;
		case SIGILL: case SIGFPE: case SIGSEGV: case SIGBUS: case SIGTRAP:
			o->addr = i->fault.addr;
			if (sig == SIGBUS && (i->code == BUS_MCEERR_AR || i->code == BUS_MCEERR_AO))
				o->addr_lsb = i->fault.addr_lsb;
			return;
		default:
			break;
		}
	}
	if (i->code == L_SI_TIMER) {
		o->tid = i->timer.tid;
		o->overrun = i->timer.overrun;
		o->ptr = i->timer.value;
		o->int_ = (s32)i->timer.value;
	} else if (i->code < 0) {
		o->pid = i->rt.pid;
		o->uid = i->rt.uid;
		o->ptr = i->rt.value;
		o->int_ = (s32)i->rt.value;
	} else {
		o->pid = i->kill.pid;
		o->uid = i->kill.uid;
	}
}

/* Takes one pending signal of @mask for @t: its number, or 0. */
static int take_one(struct task *t, u64 mask, struct l_siginfo *info)
{
	int sig = 0;

	pthread_mutex_lock(&t->sh->lock);
	if (t->pending & mask) {
		sig = __builtin_ctzll(t->pending & mask) + 1;
		sigq_take(t->tg, SIGPEND_TASK(t), sig, info);
	} else if (t->tg->pending & mask) {
		sig = __builtin_ctzll(t->tg->pending & mask) + 1;
		sigq_take(t->tg, SIGPEND_TG(t->tg), sig, info);
	}
	pthread_mutex_unlock(&t->sh->lock);
	return sig;
}

static s64 signalfd_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	struct l_signalfd_siginfo *out = buf;
	size_t n = 0, max = len / sizeof(*out);

	(void)pos;
	if (!max)
		return -EINVAL;
	while (n < max) {
		u64 mask = __atomic_load_n(&SFD(f)->mask, __ATOMIC_RELAXED);
		struct l_siginfo info;

		if (take_one(t, mask, &info)) {
			copy_info(&out[n++], &info);
			continue;
		}
		if (n)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		/* a signal sent to us wakes us, blocked or not (sig_send) */
		if (task_block(t, -1) == -EINTR) {
			bool ours;

			pthread_mutex_lock(&t->sh->lock);
			ours = (task_pending(t) & mask) != 0;
			pthread_mutex_unlock(&t->sh->lock);
			if (!ours)
				return -ERESTARTSYS;
		}
	}
	return n * sizeof(*out);
}

static short signalfd_poll(struct vfs_file *f, short events, struct waiter *w)
{
	u64 mask = __atomic_load_n(&SFD(f)->mask, __ATOMIC_RELAXED);
	struct task *t = task_current;
	short re = 0;

	pthread_mutex_lock(&sfd_lock);
	if (t) {
		pthread_mutex_lock(&t->sh->lock);
		if (task_pending(t) & mask)
			re = (POLLIN | POLLRDNORM) & events;
		pthread_mutex_unlock(&t->sh->lock);
	}
	if (!re && w)
		waitq_add(&sfd_wq, w, w->t);
	pthread_mutex_unlock(&sfd_lock);
	return re;
}

static void signalfd_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	(void)f;
	pthread_mutex_lock(&sfd_lock);
	waitq_del(w);
	pthread_mutex_unlock(&sfd_lock);
}

static void signalfd_release(struct vfs_file *f)
{
	__atomic_sub_fetch(&sfd_count, 1, __ATOMIC_RELEASE);
	free(SFD(f));
}

const struct vfs_file_ops signalfd_ops = {
	.type = "signalfd",
	.read = signalfd_read,
	.fstat = evfd_fstat,
	.poll = signalfd_poll,
	.poll_cancel = signalfd_poll_cancel,
	.release = signalfd_release,
};

int signalfd_new(u64 mask, u32 flags, struct vfs_file **out)
{
	struct signalfd_file *sf = calloc(1, sizeof(*sf));

	if (!sf)
		return -ENOMEM;
	vfs_file_init(&sf->base, &signalfd_ops, O_RDWR | (flags & O_NONBLOCK));
	sf->mask = mask;
	__atomic_add_fetch(&sfd_count, 1, __ATOMIC_RELEASE);
	*out = &sf->base;
	return 0;
}

int signalfd_set_mask(struct vfs_file *f, u64 mask)
{
	if (f->ops != &signalfd_ops)
		return -EINVAL;
	__atomic_store_n(&SFD(f)->mask, mask, __ATOMIC_RELAXED);
	signalfd_notify();      /* pollers of the old mask look again */
	return 0;
}

int signalfd_file_after_load(void *o, void *ctx)
{
	(void)o;
	(void)ctx;
	__atomic_add_fetch(&sfd_count, 1, __ATOMIC_RELEASE);
	return 0;
}
