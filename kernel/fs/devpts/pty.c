/*
 * The two ends of a pty pair as files (after Linux's drivers/tty/pty.c and the
 * file half of tty_io.c): reads, writes and poll of the master and the slave, and
 * the terminal ioctls (tty_ioctl.c's tty_mode_ioctl and n_tty_ioctl_helper; the
 * master's own from pty_unix98_ioctl). A master's termios and window size ioctls
 * act on the slave's, as Linux's do.
 *
 * When the master closes, the slave is hung up (Linux's tty_vhangup): its reads
 * return 0, writes EIO, ioctls EIO (TIOCSPGRP ENOTTY), poll everything. When the
 * last slave file closes, a master read with nothing buffered gets EIO.
 *
 * Not done: TIOCVHANGUP, TIOCCONS, TIOCGLCKTRMIOS/TIOCSLCKTRMIOS, TCGETA/TCSETA
 * (struct termio) and the modem-line ioctls give ENOTTY; only N_TTY is a line
 * discipline (TIOCSETD of another: EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>

#include "fs/devpts/devpts.h"
#include "kernel.h"
#include "mm/mm.h"
#include "task/task.h"

#define L_TCGETS2 0x802c542a
#define L_TCSETS2 0x402c542b
#define L_TCSETSW2 0x402c542c
#define L_TCSETSF2 0x402c542d
#define L_TIOCGPTPEER 0x5441
#define L_TIOCGEXCL 0x80045440
#define L_TIOCGDEV 0x80045432
#define L_TIOCGPKT 0x80045438
#define L_TIOCGPTLCK 0x80045439
#define L_TIOCSIG 0x40045436
#define TERMIOS_SIZE 36
#define TERMIOS2_SIZE 44

BUILD_BUG_ON(sizeof(struct pty_termios) != TERMIOS_SIZE);

static struct pty *PM(struct vfs_file *f)
{
	return container_of(f, struct ptm_file, base)->pty;
}

static struct pty *PS(struct vfs_file *f)
{
	return container_of(f, struct pts_file, base)->pty;
}

/* Drops p->lock after a change: wakes every waiter, then sends the signals the
 * input asked for to the foreground group. */
static void pty_unlock(struct task *t, struct pty *p, u64 sigs)
{
	u32 pgrp = p->pgrp;

	waitq_wake_all(&p->wq);
	pthread_mutex_unlock(&p->lock);
	if (sigs && pgrp)
		tty_signal_pgrp(t->k, pgrp, sigs);
}

/*
 * Sleeps on @p until a wake, a signal or @deadline (host monotonic ns, -1 none):
 * p->lock held on entry and return. -EAGAIN without sleeping when @nonblock,
 * -ERESTARTSYS once a sleep was interrupted, 1 when the deadline passed, else 0.
 */
static int pty_wait(struct pty *p, struct task *t, bool nonblock, bool *interrupted,
		    s64 deadline)
{
	struct waiter w;
	int r;

	if (nonblock)
		return -EAGAIN;
	if (*interrupted)
		return -ERESTARTSYS;
	waitq_add(&p->wq, &w, t);
	pthread_mutex_unlock(&p->lock);
	fasync_flush();         /* whom our part concerned, before we sleep */
	r = task_block(t, deadline);
	pthread_mutex_lock(&p->lock);
	waitq_del(&w);
	if (r == -EINTR)
		*interrupted = true;
	else if (deadline >= 0 && r == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((s64)ts.tv_sec * 1000000000 + ts.tv_nsec >= deadline)
			return 1;
	}
	return 0;
}

static s64 deadline_in(u32 deciseconds)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (s64)ts.tv_sec * 1000000000 + ts.tv_nsec + (s64)deciseconds * 100000000;
}

/* ---- the slave ---- */

static bool hung(struct pty *p)
{
	return !p->master_open;
}

/* A non-canonical read (n_tty_read with VMIN and VTIME): VMIN 0 and VTIME 0 take
 * what is there; VMIN 0, VTIME t wait up to t for a byte; VMIN m, VTIME 0 wait for m
 * bytes (or @len); VMIN m, VTIME t wait for the first byte, then t between bytes. */
static s64 raw_read(struct task *t, struct vfs_file *f, struct pty *p, u8 *buf, size_t len)
{
	u32 vmin = p->termios.cc[VMIN], vtime = p->termios.cc[VTIME];
	bool interrupted = false;
	s64 deadline = vmin ? -1 : deadline_in(vtime);
	size_t done = 0, want = vmin ? MIN(vmin, len) : 1;
	u64 sigs = 0;
	int r;

	for (;;) {
		s64 n = ldisc_read(p, buf + done, len - done);

		done += n;
		if (n) {
			sigs |= ldisc_pump(p);
			if (vmin && vtime)
				deadline = deadline_in(vtime);
			continue;
		}
		if (done >= want || hung(p) || (!vmin && !vtime))
			break;
		r = pty_wait(p, t, f->flags & O_NONBLOCK, &interrupted, deadline);
		if (r == 1)
			break;
		if (r < 0) {
			if (!done) {
				pty_unlock(t, p, sigs);
				return r;
			}
			break;
		}
		if (p->termios.lflag & ICANON)
			break;  /* the mode changed under the read: take what there is */
	}
	pty_unlock(t, p, sigs);
	return done;
}

static s64 pts_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	struct pty *p = PS(f);
	bool interrupted = false;
	u64 sigs = 0;
	s64 ret;
	int err;

	if (hung(p))
		return 0;       /* hung_up_tty_read, before any job control */
	err = tty_check_change(t, p, SIGTTIN);
	if (err)
		return err;
	pthread_mutex_lock(&p->lock);
	if (!(p->termios.lflag & ICANON))
		return raw_read(t, f, p, buf, len);
	for (;;) {
		if (hung(p)) {
			ret = 0;
			break;
		}
		ret = ldisc_read(p, buf, len);
		if (ret != -EAGAIN) {
			sigs |= ldisc_pump(p);
			break;
		}
		ret = pty_wait(p, t, f->flags & O_NONBLOCK, &interrupted, -1);
		if (ret < 0)
			break;
	}
	pty_unlock(t, p, sigs);
	return ret;
}

/*
 * A write of either end: the slave's through OPOST into the master's ring (EIO once
 * hung up), the master's into the raw ring and on through the line discipline.
 * Waits for room unless nonblocking; returns what went in, or the error.
 */
static s64 write_loop(struct task *t, struct vfs_file *f, struct pty *p, const u8 *buf,
		      size_t len, bool master)
{
	bool interrupted = false;
	size_t done = 0;
	u64 sigs = 0;
	s64 ret = 0;

	pthread_mutex_lock(&p->lock);
	while (done < len) {
		if (!master && hung(p)) {
			ret = -EIO;
			break;
		}
		if (master) {
			u32 n = MIN(len - done, PTY_RAW - p->raw_len);

			for (u32 i = 0; i < n; i++)
				p->raw[(p->raw_off + p->raw_len + i) % PTY_RAW] = buf[done + i];
			p->raw_len += n;
			done += n;
			sigs |= ldisc_pump(p);
		} else {
			done += ldisc_write(p, buf + done, len - done);
		}
		if (done == len)
			break;
		waitq_wake_all(&p->wq);
		ret = pty_wait(p, t, f->flags & O_NONBLOCK, &interrupted, -1);
		if (ret < 0)
			break;
	}
	pty_unlock(t, p, sigs);
	return done ? (s64)done : ret;
}

static s64 pts_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		     s64 *pos)
{
	struct pty *p = PS(f);

	if (p->termios.lflag & TOSTOP) {
		int err = tty_check_change(t, p, SIGTTOU);

		if (err)
			return err;
	}
	return write_loop(t, f, p, buf, len, false);
}

/* poll of either end (Linux's n_tty_poll on the slave or the master). */
static short poll_end(struct pty *p, bool master, short events, struct waiter *w)
{
	short re = 0;

	pthread_mutex_lock(&p->lock);
	if (master) {
		if (p->out_len)
			re |= POLLIN | POLLRDNORM;
		if (p->packet && p->pktstatus)
			re |= POLLPRI | POLLIN | POLLRDNORM;
		if (p->other_closed)
			re |= POLLHUP;
		if (p->raw_len < PTY_RAW)
			re |= POLLOUT | POLLWRNORM;
	} else if (hung(p)) {
		re = POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
	} else {
		if (ldisc_readable(p, true))
			re |= POLLIN | POLLRDNORM;
		if (p->out_len < PTY_OUT && !p->stopped)
			re |= POLLOUT | POLLWRNORM;
	}
	re &= events | POLLERR | POLLHUP;
	if (!re && w)
		waitq_add(&p->wq, w, w->t);
	pthread_mutex_unlock(&p->lock);
	return re;
}

static short pts_poll(struct vfs_file *f, short events, struct waiter *w)
{
	return poll_end(PS(f), false, events, w);
}

/* ---- the master ---- */

static s64 ptm_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	struct pty *p = PM(f);
	bool interrupted = false;
	u8 *b = buf;
	s64 ret;

	if (!len)
		return 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->packet && p->pktstatus) {
			b[0] = p->pktstatus;
			p->pktstatus = 0;
			ret = 1;
			break;
		}
		if (p->out_len) {
			size_t skip = p->packet ? 1 : 0;
			u32 n = MIN(len - skip, p->out_len);

			if (skip)
				b[0] = TIOCPKT_DATA;
			for (u32 i = 0; i < n; i++)
				b[skip + i] = p->out[(p->out_off + i) % PTY_OUT];
			p->out_off = (p->out_off + n) % PTY_OUT;
			p->out_len -= n;
			ret = n + skip;
			break;
		}
		if (p->other_closed) {
			ret = -EIO;
			break;
		}
		ret = pty_wait(p, t, f->flags & O_NONBLOCK, &interrupted, -1);
		if (ret < 0)
			break;
	}
	pty_unlock(t, p, 0);
	return ret;
}

static s64 ptm_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		     s64 *pos)
{
	return write_loop(t, f, PM(f), buf, len, true);
}

static short ptm_poll(struct vfs_file *f, short events, struct waiter *w)
{
	return poll_end(PM(f), true, events, w);
}

/* ---- ioctls ---- */

static int put_int(struct task *t, u64 arg, int v)
{
	return mm_copy_out(t->mm, arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int get_int(struct task *t, u64 arg, int *v)
{
	return mm_copy_in(t->mm, v, arg, sizeof(*v)) ? -EFAULT : 0;
}

static int set_termios(struct task *t, struct pty *p, u64 cmd, u64 arg)
{
	bool two = cmd == L_TCSETS2 || cmd == L_TCSETSW2 || cmd == L_TCSETSF2;
	u8 buf[TERMIOS2_SIZE];
	struct pty_termios nt;
	int err;

	err = tty_check_change(t, p, SIGTTOU);
	if (err)
		return err;
	if (mm_copy_in(t->mm, buf, arg, two ? TERMIOS2_SIZE : TERMIOS_SIZE))
		return -EFAULT;
	memcpy(&nt, buf, TERMIOS_SIZE);
	pthread_mutex_lock(&p->lock);
	/* TCSETSW waits for output to drain: a pty's is never held back. */
	if (cmd == TCSETSF || cmd == L_TCSETSF2) {
		ldisc_flush_in(p);
		p->raw_len = 0;
	}
	ldisc_set_termios(p, &nt);
	if (two) {
		memcpy(&p->ispeed, buf + TERMIOS_SIZE, 4);
		memcpy(&p->ospeed, buf + TERMIOS_SIZE + 4, 4);
	}
	pty_unlock(t, p, ldisc_pump(p));
	return 0;
}

static int get_termios(struct task *t, struct pty *p, bool two, u64 arg)
{
	u8 buf[TERMIOS2_SIZE];

	pthread_mutex_lock(&p->lock);
	memcpy(buf, &p->termios, TERMIOS_SIZE);
	memcpy(buf + TERMIOS_SIZE, &p->ispeed, 4);
	memcpy(buf + TERMIOS_SIZE + 4, &p->ospeed, 4);
	pthread_mutex_unlock(&p->lock);
	return mm_copy_out(t->mm, arg, buf, two ? TERMIOS2_SIZE : TERMIOS_SIZE) ? -EFAULT : 0;
}

static int set_winsize(struct task *t, struct pty *p, u64 arg)
{
	struct pty_winsize ws;
	bool changed;

	if (mm_copy_in(t->mm, &ws, arg, sizeof(ws)))
		return -EFAULT;
	pthread_mutex_lock(&p->lock);
	changed = memcmp(&ws, &p->ws, sizeof(ws));
	p->ws = ws;
	pty_unlock(t, p, changed ? sigbit(SIGWINCH) : 0);
	return 0;
}

/* TCFLSH: @own is the input read through this file, the other side's what it
 * wrote (Linux's n_tty_flush_buffer and pty_flush_buffer). */
static int flush(struct task *t, struct pty *p, bool master, int how)
{
	bool in = how == TCIFLUSH || how == TCIOFLUSH, out = how == TCOFLUSH || how == TCIOFLUSH;

	if (how < TCIFLUSH || how > TCIOFLUSH)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	if (master) {
		if (in)
			p->out_len = 0;
		if (out)
			p->raw_len = 0;
	} else {
		if (in) {
			ldisc_flush_in(p);
			p->raw_len = 0;
			if (p->packet)
				p->pktstatus |= TIOCPKT_FLUSHREAD;
		}
		if (out) {
			p->out_len = 0;
			if (p->packet)
				p->pktstatus |= TIOCPKT_FLUSHWRITE;
		}
	}
	pty_unlock(t, p, 0);
	return 0;
}

static int flow(struct task *t, struct pty *p, int how)
{
	u8 c;

	pthread_mutex_lock(&p->lock);
	switch (how) {
	case TCOOFF:
	case TCOON:
		p->stopped = how == TCOOFF;
		if (p->packet)
			p->pktstatus |= how == TCOOFF ? TIOCPKT_STOP : TIOCPKT_START;
		break;
	case TCIOFF:
	case TCION:
		c = p->termios.cc[how == TCIOFF ? VSTOP : VSTART];
		if (c != 0 && p->out_len < PTY_OUT) {
			p->out[(p->out_off + p->out_len) % PTY_OUT] = c;
			p->out_len++;
		}
		break;
	default:
		pthread_mutex_unlock(&p->lock);
		return -EINVAL;
	}
	pty_unlock(t, p, 0);
	return 0;
}

/* The ioctls both ends take. */
static int tty_ioctl(struct task *t, struct pty *p, bool master, u64 cmd, u64 arg)
{
	int err, v;

	err = tty_jobctl_ioctl(t, p, master, cmd, arg);
	if (err != -TTY_ENOIOCTLCMD)
		return err;
	switch (cmd) {
	case TCGETS:
	case L_TCGETS2:
		return get_termios(t, p, cmd == L_TCGETS2, arg);
	case TCSETS: case TCSETSW: case TCSETSF:
	case L_TCSETS2: case L_TCSETSW2: case L_TCSETSF2:
		return set_termios(t, p, cmd, arg);
	case TIOCGWINSZ:
		pthread_mutex_lock(&p->lock);
		err = mm_copy_out(t->mm, arg, &p->ws, sizeof(p->ws)) ? -EFAULT : 0;
		pthread_mutex_unlock(&p->lock);
		return err;
	case TIOCSWINSZ:
		return set_winsize(t, p, arg);
	case FIONREAD:
		pthread_mutex_lock(&p->lock);
		v = master ? (int)p->out_len : (int)ldisc_inq(p);
		pthread_mutex_unlock(&p->lock);
		return put_int(t, arg, v);
	case TIOCOUTQ:
		return put_int(t, arg, 0);      /* a pty holds no output back */
	case TCFLSH:
		err = master ? 0 : tty_check_change(t, p, SIGTTOU);
		return err ? err : flush(t, p, master, (int)arg);
	case TCXONC:
		err = master ? 0 : tty_check_change(t, p, SIGTTOU);
		return err ? err : flow(t, p, (int)arg);
	case TCSBRK:
	case TCSBRKP:
		/* Output drains at once and a pty has no break to send. */
		return master ? 0 : tty_check_change(t, p, SIGTTOU);
	case TIOCSBRK:
	case TIOCCBRK:
		return 0;
	case TIOCGETD:
		return put_int(t, arg, 0);      /* N_TTY */
	case TIOCSETD:
		err = get_int(t, arg, &v);
		return err ? err : v == 0 ? 0 : -EINVAL;
	case TIOCEXCL:
	case TIOCNXCL:
		pthread_mutex_lock(&p->lock);
		p->excl = cmd == TIOCEXCL;
		pthread_mutex_unlock(&p->lock);
		return 0;
	case L_TIOCGEXCL:
		return put_int(t, arg, p->excl);
	case L_TIOCGDEV:
		return put_int(t, arg, (int)devpts_rdev(p->index));
	case TIOCSTI: {
		u8 c;
		u64 sigs = 0;

		if (t->tg->tty != p && !task_capable(t, CAP_SYS_ADMIN))
			return -EPERM;
		if (mm_copy_in(t->mm, &c, arg, 1))
			return -EFAULT;
		pthread_mutex_lock(&p->lock);
		if (master) {
			if (p->out_len < PTY_OUT) {
				p->out[(p->out_off + p->out_len) % PTY_OUT] = c;
				p->out_len++;
				fasync_kill(&p->fasync_master, L_POLL_IN);
			}
		} else {
			u32 canon = p->in_canon, out = p->out_len;

			sigs = ldisc_receive(p, c);
			ldisc_input_done(p, canon, out);
		}
		pty_unlock(t, p, sigs);
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static int pts_ioctl(struct task *t, struct vfs_file *f, u64 cmd, u64 arg)
{
	if (hung(PS(f)))
		return cmd == TIOCSPGRP ? -ENOTTY : -EIO;
	return tty_ioctl(t, PS(f), false, cmd, arg);
}

static int open_peer(struct task *t, struct pty *p, u64 flags)
{
	char path[32];
	struct vfs_file *f;
	int fd, err;

	if (flags & ~(u64)(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | L_O_LARGEFILE))
		return -EINVAL;
	/* Through the sandbox's devpts mount, so the file has its path, as Linux's
	 * ptm_open_peer opens the slave's dentry. */
	snprintf(path, sizeof(path), "/dev/pts/%u", p->index);
	err = vfs_open(t, AT_FDCWD, path, (flags & ~O_CLOEXEC) | L_O_LARGEFILE, 0, 0, &f);
	if (err)
		return err;
	if (f->ops != &pts_ops || PS(f) != p) {
		vfs_file_put(f);
		return -EIO;
	}
	fd = fdt_alloc(t->fdt, f, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0,
		       t->rlim[RLIMIT_NOFILE].cur);
	vfs_file_put(f);
	return fd;
}

static int ptm_ioctl(struct task *t, struct vfs_file *f, u64 cmd, u64 arg)
{
	struct pty *p = PM(f);
	int err, v;

	switch (cmd) {
	case TIOCSPTLCK:
		err = get_int(t, arg, &v);
		if (err)
			return err;
		pthread_mutex_lock(&p->lock);
		p->locked = v != 0;
		pthread_mutex_unlock(&p->lock);
		return 0;
	case L_TIOCGPTLCK:
		return put_int(t, arg, p->locked);
	case TIOCGPTN:
		return put_int(t, arg, p->index);
	case TIOCPKT:
		err = get_int(t, arg, &v);
		if (err)
			return err;
		pthread_mutex_lock(&p->lock);
		if (v && !p->packet)
			p->pktstatus = 0;
		p->packet = v != 0;
		pthread_mutex_unlock(&p->lock);
		return 0;
	case L_TIOCGPKT:
		return put_int(t, arg, p->packet);
	case L_TIOCGPTPEER:
		return open_peer(t, p, arg);
	case L_TIOCSIG:
		if (arg == 0 || arg >= L_NSIG + 1)
			return -EINVAL;
		pthread_mutex_lock(&p->lock);
		if (!(p->termios.lflag & NOFLSH))
			ldisc_flush_in(p);
		pty_unlock(t, p, sigbit(arg));
		return 0;
	default:
		return tty_ioctl(t, p, true, cmd, arg);
	}
}

static void poll_cancel(struct pty *p, struct waiter *w)
{
	pthread_mutex_lock(&p->lock);
	waitq_del(w);
	pthread_mutex_unlock(&p->lock);
}

static void pts_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	poll_cancel(PS(f), w);
}

static void ptm_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	poll_cancel(PM(f), w);
}

/* ---- stat, open, release ---- */

static int pts_fstat(struct vfs_file *f, struct stat *st)
{
	struct pty *p = PS(f);

	/* Opened as /dev/tty: that node's attributes, as Linux's inode is. */
	if (f->inode && f->inode->ops != &devpts_inode_ops)
		return vfs_file_fstat_inode(f, st);
	memset(st, 0, sizeof(*st));
	st->st_dev = DEVPTS_DEV;
	st->st_ino = p->index + 3;
	st->st_mode = S_IFCHR | p->mode;
	st->st_nlink = 1;
	st->st_uid = p->uid;
	st->st_gid = p->gid;
	st->st_rdev = devpts_rdev(p->index);
	st->st_blksize = 1024;
	st->st_atime = st->st_mtime = st->st_ctime = p->born_sec;
	return 0;
}

int pts_open(struct task *t, struct pty *p, u32 flags, bool noctty, struct vfs_file **out)
{
	struct pts_file *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	if (p->locked || hung(p)) {
		pthread_mutex_unlock(&p->lock);
		free(pf);
		return -EIO;
	}
	if (p->excl && !task_capable(t, CAP_SYS_ADMIN)) {
		pthread_mutex_unlock(&p->lock);
		free(pf);
		return -EBUSY;
	}
	p->slave_opens++;
	p->other_closed = false;
	pty_get(p);
	pthread_mutex_unlock(&p->lock);
	vfs_file_init(&pf->base, &pts_ops, flags & (O_ACCMODE | O_APPEND | O_NONBLOCK |
						    L_O_LARGEFILE));
	pf->pty = p;
	if (!noctty)
		tty_open_acquire(t, p);
	*out = &pf->base;
	return 0;
}

static void pts_release(struct vfs_file *f)
{
	struct pty *p = PS(f);

	pthread_mutex_lock(&p->lock);
	if (!--p->slave_opens)
		p->other_closed = true;
	waitq_wake_all(&p->wq);
	pthread_mutex_unlock(&p->lock);
	pty_put(p);
	free(container_of(f, struct pts_file, base));
}

/*
 * Linux's __tty_fasync for either end: on the end's list; a first O_ASYNC makes
 * the owner, if there is none, the terminal's foreground group or else the
 * caller's process. A hung-up slave answers ENOTTY (hung_up_tty_fasync).
 */
static int pty_fasync(struct task *t, struct vfs_file *f, int fd, bool on, bool master)
{
	struct pty *p = master ? PM(f) : PS(f);
	u32 pgrp;
	int ret;

	pthread_mutex_lock(&p->lock);
	if (!master && hung(p)) {
		pthread_mutex_unlock(&p->lock);
		return -ENOTTY;
	}
	ret = fasync_helper(master ? &p->fasync_master : &p->fasync_slave, f, fd, on);
	pgrp = master ? 0 : p->pgrp;
	pthread_mutex_unlock(&p->lock);
	if (ret > 0 && on && t)
		vfs_owner_set(t, f, pgrp ? F_OWNER_PGRP : F_OWNER_PID, pgrp ? pgrp : t->tgid,
			      false);
	return ret < 0 ? ret : 0;
}

static int ptm_fasync(struct task *t, struct vfs_file *f, int fd, bool on)
{
	return pty_fasync(t, f, fd, on, true);
}

static int pts_fasync(struct task *t, struct vfs_file *f, int fd, bool on)
{
	return pty_fasync(t, f, fd, on, false);
}

/* The hangup takes O_ASYNC off the slave's files (Linux's __tty_hangup calls
 * their ->fasync off). p->lock held; a file's pos_lock comes after it. */
static void hangup_fasync(struct pty *p)
{
	while (!st_list_empty(&p->fasync_slave)) {
		struct fasync *fa = container_of(p->fasync_slave.next, struct fasync, link);

		pthread_mutex_lock(&fa->file->pos_lock);
		fa->file->flags &= ~O_ASYNC;
		pthread_mutex_unlock(&fa->file->pos_lock);
		st_list_del(&fa->link);
		free(fa);
	}
}

static void ptm_release(struct vfs_file *f)
{
	struct pty *p = PM(f);

	pthread_mutex_lock(&p->lock);
	p->master_open = false;
	hangup_fasync(p);
	/* what the slave had not read goes, as a hangup flushes the ldisc */
	ldisc_flush_in(p);
	p->raw_len = 0;
	waitq_wake_all(&p->wq);
	pthread_mutex_unlock(&p->lock);
	if (task_current)
		tty_hangup(task_current->k, p);
	pty_put(p);
	free(container_of(f, struct ptm_file, base));
}

static int ptm_fstat(struct vfs_file *f, struct stat *st)
{
	return vfs_file_fstat_inode(f, st);
}

const struct vfs_file_ops pts_ops = {
	.type = "pts",
	.read = pts_read,
	.write = pts_write,
	.ioctl = pts_ioctl,
	.fstat = pts_fstat,
	.poll = pts_poll,
	.poll_cancel = pts_poll_cancel,
	.release = pts_release,
	.fasync = pts_fasync,
};

const struct vfs_file_ops ptm_ops = {
	.type = "ptm",
	.read = ptm_read,
	.write = ptm_write,
	.ioctl = ptm_ioctl,
	.fstat = ptm_fstat,
	.poll = ptm_poll,
	.poll_cancel = ptm_poll_cancel,
	.release = ptm_release,
	.fasync = ptm_fasync,
};
