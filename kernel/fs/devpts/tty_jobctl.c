/*
 * Controlling terminals and job control (after Linux's drivers/tty/tty_jobctrl.c):
 * which session a pty controls and its foreground group, the process's link to
 * its terminal (thread_group->tty, inherited by fork, dropped by setsid), the
 * background checks that send SIGTTIN and SIGTTOU, hangups, and /dev/tty.
 *
 * A session leader is a process whose sid is its own pid (sbx has no separate
 * "leader" flag: the sandbox's pid 1 counts as one, where natively the first
 * process of a new pid namespace usually is not).
 *
 * The links are under kernel->lock, a pty's sid and pgrp under its lock too (taken
 * inside kernel->lock), so readers of either alone see a consistent value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/ioctl.h>

#include "fs/devpts/devpts.h"
#include "fs/host/hostfd.h"
#include "kernel.h"
#include "mm/mm.h"
#include "task/task.h"

/* Sends each signal of @sigs to every process of group @pgrp. k->lock held. */
static void kill_pgrp_locked(struct kernel *k, u32 pgrp, u64 sigs)
{
	struct st_list *pos;

	st_list_for_each(pos, &k->tgs) {
		struct thread_group *tg = container_of(pos, struct thread_group, tglink);

		if (tg->zombie || tg->pgid != pgrp)
			continue;
		for (int sig = 1; sig <= L_NSIG; sig++) {
			struct l_siginfo info = { .signo = sig, .code = L_SI_KERNEL };

			if (sigs & sigbit(sig))
				sig_send_group(tg, &info, false);
		}
	}
}

void tty_signal_pgrp(struct kernel *k, u32 pgrp, u64 sigs)
{
	pthread_mutex_lock(&k->lock);
	kill_pgrp_locked(k, pgrp, sigs);
	pthread_mutex_unlock(&k->lock);
}

/* Linux's will_become_orphaned_pgrp(pgrp, NULL): no member has a parent in
 * another group of the same session. k->lock held. */
static bool pgrp_orphaned(struct kernel *k, u32 pgrp)
{
	struct st_list *pos;

	st_list_for_each(pos, &k->tgs) {
		struct thread_group *tg = container_of(pos, struct thread_group, tglink);
		struct thread_group *pa = tg->parent;

		if (tg->zombie || tg->pgid != pgrp || !pa)
			continue;
		if (pa->pgid != pgrp && pa->sid == tg->sid)
			return false;
	}
	return true;
}

int tty_check_change(struct task *t, struct pty *p, int sig)
{
	struct kernel *k = t->k;
	u32 pgrp;
	int ret = 0;

	pthread_mutex_lock(&k->lock);
	if (t->tg->tty != p)
		goto out;
	pthread_mutex_lock(&p->lock);
	pgrp = p->pgrp;
	pthread_mutex_unlock(&p->lock);
	if (!pgrp || pgrp == t->tg->pgid)
		goto out;
	if (sig_blocked_or_ignored(t, sig)) {
		if (sig == SIGTTIN)
			ret = -EIO;
	} else if (pgrp_orphaned(k, t->tg->pgid)) {
		ret = -EIO;
	} else {
		kill_pgrp_locked(k, t->tg->pgid, sigbit(sig));
		ret = -ERESTARTSYS;
	}
out:
	pthread_mutex_unlock(&k->lock);
	return ret;
}

static bool is_leader(const struct thread_group *tg)
{
	return tg->sid == tg->tgid;
}

/* Makes @p the controlling terminal of @tg's session, with @tg's group in the
 * foreground (Linux's __proc_set_tty). k->lock held. */
static void set_ctty(struct thread_group *tg, struct pty *p)
{
	pthread_mutex_lock(&p->lock);
	p->sid = tg->sid;
	p->pgrp = tg->pgid;
	pthread_mutex_unlock(&p->lock);
	pty_get(p);
	tg->tty = p;
}

/* Every process of session @sid loses @p as its terminal (session_clear_tty), or
 * of every session when @sid is 0. k->lock held. */
static void clear_session_tty(struct kernel *k, u32 sid, struct pty *p)
{
	struct st_list *pos;

	st_list_for_each(pos, &k->tgs) {
		struct thread_group *tg = container_of(pos, struct thread_group, tglink);

		if (tg->tty == p && (!sid || tg->sid == sid)) {
			tg->tty = NULL;
			pty_put(p);
		}
	}
}

/* Ends @p's being a controlling terminal: its old foreground group, or 0.
 * k->lock held. */
static u32 detach(struct pty *p)
{
	u32 pgrp;

	pthread_mutex_lock(&p->lock);
	pgrp = p->pgrp;
	p->sid = 0;
	p->pgrp = 0;
	pthread_mutex_unlock(&p->lock);
	return pgrp;
}

void tty_open_acquire(struct task *t, struct pty *p)
{
	struct kernel *k = t->k;
	bool free_tty;

	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&p->lock);
	free_tty = !p->sid;
	pthread_mutex_unlock(&p->lock);
	if (is_leader(t->tg) && !t->tg->tty && free_tty)
		set_ctty(t->tg, p);
	pthread_mutex_unlock(&k->lock);
}

static int tiocsctty(struct task *t, struct pty *p, u64 arg)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	int ret = 0;
	u32 sid;

	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&p->lock);
	sid = p->sid;
	pthread_mutex_unlock(&p->lock);
	if (is_leader(tg) && sid == tg->sid)
		goto out;               /* already ours */
	if (!is_leader(tg) || tg->tty) {
		ret = -EPERM;
		goto out;
	}
	if (sid) {
		/* Another session's: only stolen with arg 1 and CAP_SYS_ADMIN. */
		if (arg != 1 || !task_capable(t, CAP_SYS_ADMIN)) {
			ret = -EPERM;
			goto out;
		}
		clear_session_tty(k, sid, p);
	}
	set_ctty(tg, p);
out:
	pthread_mutex_unlock(&k->lock);
	return ret;
}

static int tiocnotty(struct task *t, struct pty *p, bool master)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	u32 pgrp;

	pthread_mutex_lock(&k->lock);
	if (master || tg->tty != p) {
		pthread_mutex_unlock(&k->lock);
		return -ENOTTY;
	}
	if (is_leader(tg)) {
		/* disassociate_ctty(0): the foreground hears of it */
		pgrp = detach(p);
		if (pgrp)
			kill_pgrp_locked(k, pgrp, sigbit(SIGHUP) | sigbit(SIGCONT));
		clear_session_tty(k, tg->sid, p);
	} else {
		tg->tty = NULL;
		pty_put(p);
	}
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static int tiocspgrp(struct task *t, struct pty *p, u64 arg)
{
	struct kernel *k = t->k;
	struct st_list *pos;
	int ret, pgrp;
	bool found = false, other = false;

	ret = tty_check_change(t, p, SIGTTOU);
	if (ret == -EIO)
		return -ENOTTY;
	if (ret)
		return ret;
	if (mm_copy_in(t->mm, &pgrp, arg, sizeof(pgrp)))
		return -EFAULT;
	pthread_mutex_lock(&k->lock);
	if (t->tg->tty != p || p->sid != t->tg->sid) {
		ret = -ENOTTY;
		goto out;
	}
	if (pgrp < 0) {
		ret = -EINVAL;
		goto out;
	}
	st_list_for_each(pos, &k->tgs) {
		struct thread_group *tg = container_of(pos, struct thread_group, tglink);

		if (tg->zombie || tg->pgid != (u32)pgrp)
			continue;
		found = true;
		other |= tg->sid != t->tg->sid;
	}
	if (!found)
		ret = -ESRCH;
	else if (other)
		ret = -EPERM;
	else {
		pthread_mutex_lock(&p->lock);
		p->pgrp = pgrp;
		pthread_mutex_unlock(&p->lock);
	}
out:
	pthread_mutex_unlock(&k->lock);
	return ret;
}

int tty_jobctl_ioctl(struct task *t, struct pty *p, bool master, u64 cmd, u64 arg)
{
	int v;
	bool mine;

	switch (cmd) {
	case TIOCSCTTY:
		return tiocsctty(t, p, arg);
	case TIOCNOTTY:
		return tiocnotty(t, p, master);
	case TIOCSPGRP:
		return tiocspgrp(t, p, arg);
	case TIOCGPGRP:
	case TIOCGSID:
		pthread_mutex_lock(&t->k->lock);
		mine = t->tg->tty == p;
		pthread_mutex_unlock(&t->k->lock);
		/* Asked on the slave, only of one's own terminal; the master may ask. */
		if (!master && !mine)
			return -ENOTTY;
		pthread_mutex_lock(&p->lock);
		v = cmd == TIOCGPGRP ? (int)p->pgrp : (int)p->sid;
		pthread_mutex_unlock(&p->lock);
		if (cmd == TIOCGSID && !v)
			return -ENOTTY;
		return mm_copy_out(t->mm, arg, &v, sizeof(v)) ? -EFAULT : 0;
	default:
		return -TTY_ENOIOCTLCMD;
	}
}

void tty_hangup(struct kernel *k, struct pty *p)
{
	struct st_list *pos;
	u32 sid;

	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&p->lock);
	sid = p->sid;
	pthread_mutex_unlock(&p->lock);
	detach(p);
	/* tty_signal_session_leader: the session's leader gets SIGHUP and SIGCONT */
	st_list_for_each(pos, &k->tgs) {
		struct thread_group *tg = container_of(pos, struct thread_group, tglink);

		if (sid && !tg->zombie && tg->sid == sid && is_leader(tg)) {
			struct l_siginfo hup = { .signo = SIGHUP, .code = L_SI_KERNEL };
			struct l_siginfo cont = { .signo = SIGCONT, .code = L_SI_KERNEL };

			sig_send_group(tg, &hup, false);
			sig_send_group(tg, &cont, false);
		}
	}
	clear_session_tty(k, 0, p);
	pthread_mutex_unlock(&k->lock);
}

int tty_open_ctty(struct task *t, u32 flags, struct vfs_file **out)
{
	struct kernel *k = t->k;
	struct vfs_file *host = NULL;
	struct pty *p;
	int err;

	pthread_mutex_lock(&k->lock);
	p = t->tg->tty;
	if (p)
		pty_get(p);
	else if (t->tg->sid == 1 && k->host_tty && hostfd_is_tty(k->host_tty))
		vfs_file_get(host = k->host_tty);
	pthread_mutex_unlock(&k->lock);
	if (p) {
		err = pts_open(t, p, flags, true, out);
		pty_put(p);
		return err;
	}
	if (!host)
		return -ENXIO;
	/* The terminal the sandbox was started on: its first session's. */
	err = host->ops->reopen(t, host, flags, out);
	vfs_file_put(host);
	return err;
}

void tty_fork(struct thread_group *parent, struct thread_group *child)
{
	child->tty = parent->tty;
	if (child->tty)
		pty_get(child->tty);
}

void tty_proc_stat(struct thread_group *tg, u32 *tty_nr, s32 *tpgid)
{
	struct pty *p = tg->tty;

	*tty_nr = 0;
	*tpgid = -1;
	if (!p)
		return;
	*tty_nr = devpts_rdev(p->index);
	pthread_mutex_lock(&p->lock);
	*tpgid = p->pgrp ? (s32)p->pgrp : -1;
	pthread_mutex_unlock(&p->lock);
}

void tty_setsid(struct thread_group *tg)
{
	pty_put(tg->tty);
	tg->tty = NULL;
}

void tty_group_exit(struct kernel *k, struct thread_group *tg)
{
	struct pty *p;
	u32 pgrp = 0;

	pthread_mutex_lock(&k->lock);
	p = tg->tty;
	tg->tty = NULL;
	if (p && is_leader(tg)) {
		/* disassociate_ctty(1) of a pty: SIGHUP to the foreground group */
		pthread_mutex_lock(&p->lock);
		if (p->sid == tg->sid) {
			pthread_mutex_unlock(&p->lock);
			pgrp = detach(p);
		} else {
			pthread_mutex_unlock(&p->lock);
		}
		if (pgrp)
			kill_pgrp_locked(k, pgrp, sigbit(SIGHUP));
		clear_session_tty(k, tg->sid, p);
	}
	pthread_mutex_unlock(&k->lock);
	pty_put(p);
}
