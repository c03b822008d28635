/*
 * Signal generation and delivery for tasks. After Linux's kernel/signal.c and
 * arch/x86/kernel/signal.c: pending set and siginfo per signal, default actions,
 * init's immunity to signals it does not handle, and the syscall restart rules
 * applied when a signal interrupts a syscall.
 *
 * Each task has its own pending set (thread-directed: tkill, tgkill, faults) and its
 * group has one (process-directed: kill); a thread takes from both, its own first,
 * and a fatal signal or exit_group takes the whole group down.
 *
 * Real-time signals queue once per sending, each with its own siginfo
 * (signal/sigqueue.c); standard signals are pending at most once per number.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "base/log.h"
#include "ipc/evfd.h"
#include "kernel.h"
#include "signal/signal.h"
#include "signal/sigqueue.h"
#include "task/task.h"
#include "task/waitq.h"

#define SYNCHRONOUS_MASK \
	(sigbit(SIGSEGV) | sigbit(SIGBUS) | sigbit(SIGILL) | sigbit(SIGTRAP) | \
	 sigbit(SIGFPE) | sigbit(SIGSYS))
#define UNBLOCKABLE (sigbit(SIGKILL) | sigbit(SIGSTOP))

enum sig_default sig_default_action(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
		return SIG_DEFAULT_IGNORE;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return SIG_DEFAULT_STOP;
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return SIG_DEFAULT_CORE;
	default:
		return SIG_DEFAULT_TERM;
	}
}

/* Would the signal be discarded at generation time? sighand lock held. */
static bool sig_ignored(struct task *t, int sig, bool external)
{
	u64 h = t->sh->act[sig - 1].handler;

	/* Blocked signals are never ignored (Linux's sig_ignored), init's included: a
	 * pid 1 in sigwaitinfo gets them; sig_deliver drops them if they are unblocked
	 * while still without a handler. */
	if (t->sigmask & sigbit(sig))
		return false;
	if (t->tgid == 1 && h == L_SIG_DFL &&
	    !(external && (sig == SIGKILL || sig == SIGSTOP)))
		return true; /* init: only handled signals, or SIGKILL/STOP from outside */
	return h == L_SIG_IGN ||
	       (h == L_SIG_DFL && sig_default_action(sig) == SIG_DEFAULT_IGNORE);
}

bool sig_blocked_or_ignored(struct task *t, int sig)
{
	bool ign;

	pthread_mutex_lock(&t->sh->lock);
	ign = (t->sigmask & sigbit(sig)) || t->sh->act[sig - 1].handler == L_SIG_IGN;
	pthread_mutex_unlock(&t->sh->lock);
	return ign;
}

/* Tells @tg's parent that it stopped or continued (CLD_STOPPED, CLD_CONTINUED), as
 * SIGCHLD unless the parent asked not to hear of stops. k->lock held. */
static void notify_parent_jobctl(struct thread_group *tg, int code, int status)
{
	struct thread_group *p = tg->parent;
	struct l_siginfo info = { .signo = SIGCHLD, .code = code };

	if (!p || p->zombie)
		return;
	waitq_wake_all(&p->child_wq);
	if (p->leader->sh->act[SIGCHLD - 1].flags & L_SA_NOCLDSTOP)
		return;
	info.chld.pid = tg->tgid;
	info.chld.uid = tg->leader->uid;
	info.chld.status = status;
	sig_send_group(p, &info, false);
}

/* Makes every live thread of @tg but @except look at its signals and stop state
 * (@tif: TIF_SIGNAL, and TIF_JOBSTOP when the group stops). k->lock held. */
static void tg_interrupt_all(struct thread_group *tg, struct task *except, u32 tif)
{
	struct task *o;

	tg_for_each_task(o, tg)
		if (o != except && !o->exiting)
			task_interrupt(o, tif);
}

/* SIGCONT resumes a stopped group whatever its handler; a stop signal cancels a
 * pending SIGCONT and vice versa, in the group's and every thread's pending set
 * (Linux's prepare_signal). */
static void jobctl_prepare(struct thread_group *tg, int sig)
{
	const u64 stops = sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) |
			  sigbit(SIGTTOU);
	struct kernel *k = tg->k;
	u64 drop = sig == SIGCONT ? stops : sigbit(SIGCONT);
	struct task *o;

	if (sig != SIGCONT && sig_default_action(sig) != SIG_DEFAULT_STOP)
		return;
	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&tg->leader->sh->lock);
	tg->pending &= ~drop;
	tg_for_each_task(o, tg)
		o->pending &= ~drop;
	pthread_mutex_unlock(&tg->leader->sh->lock);
	if (sig == SIGCONT && tg->stopped) {
		tg->stopped = false;
		tg->wait_events = (tg->wait_events & ~TG_EV_STOPPED) | TG_EV_CONTINUED;
		notify_parent_jobctl(tg, CLD_CONTINUED, SIGCONT);
		/* A thread that had not stopped yet carries on where it was. */
		tg_for_each_task(o, tg)
			__atomic_and_fetch(&o->interrupt, ~TIF_JOBSTOP, __ATOMIC_ACQ_REL);
		tg_interrupt_all(tg, NULL, TIF_SIGNAL);
	}
	pthread_mutex_unlock(&k->lock);
}

/* Default action of a stop signal: the whole group stops until SIGCONT; its parent
 * hears of it. Called without locks from sig_deliver's caller. */
void sig_group_stop(struct task *t, int sig)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;

	pthread_mutex_lock(&k->lock);
	if (!tg->stopped) {
		tg->stopped = true;
		tg->stop_signal = sig;
		tg->wait_events = (tg->wait_events & ~TG_EV_CONTINUED) | TG_EV_STOPPED;
		notify_parent_jobctl(tg, CLD_STOPPED, sig);
		/* The other threads leave their waits (to restart them after SIGCONT,
		 * or fail those Linux fails) and stop too. */
		tg_interrupt_all(tg, t, TIF_SIGNAL | TIF_JOBSTOP);
	}
	pthread_mutex_unlock(&k->lock);
}

int sig_send(struct task *t, const struct l_siginfo *info, bool forced, bool external)
{
	int sig = info->signo;
	u64 bit = sigbit(sig);
	bool wake;
	int err;

	if (t->exiting)
		return 0;
	if (!forced && t->tg)
		jobctl_prepare(t->tg, sig);
	pthread_mutex_lock(&t->sh->lock);
	if (forced) {
		struct l_sigaction *act = &t->sh->act[sig - 1];

		if ((t->sigmask & bit) || act->handler == L_SIG_IGN) {
			act->handler = L_SIG_DFL;
			t->sigmask &= ~bit;
		}
	} else if (sig_ignored(t, sig, external)) {
		pthread_mutex_unlock(&t->sh->lock);
		return 0;
	}
	err = sigq_add(SIGPEND_TASK(t), info, t->rlim[RLIMIT_SIGPENDING].cur);
	if (err) {
		pthread_mutex_unlock(&t->sh->lock);
		return err;
	}
	wake = !(t->sigmask & bit);
	pthread_mutex_unlock(&t->sh->lock);
	signalfd_notify();
	if (wake)
		task_interrupt(t, TIF_SIGNAL);
	else
		task_wake(t); /* a blocked signal still ends rt_sigtimedwait's wait */
	return 0;
}

bool sig_may_kill(const struct task *t, const struct task *p, int sig)
{
	return t->euid == p->suid || t->euid == p->uid || t->uid == p->suid ||
	       t->uid == p->uid || task_capable(t, CAP_KILL) ||
	       (sig == SIGCONT && t->tg->sid == p->tg->sid);
}

int sig_send_group(struct thread_group *tg, const struct l_siginfo *info, bool external)
{
	struct task *lead = tg->leader, *o, *target = NULL;
	int sig = info->signo;
	u64 bit = sigbit(sig);
	int err;

	if (tg->zombie || !lead)
		return 0;
	jobctl_prepare(tg, sig);
	pthread_mutex_lock(&lead->sh->lock);
	if (sig_ignored(lead, sig, external)) {
		pthread_mutex_unlock(&lead->sh->lock);
		return 0;
	}
	err = sigq_add(SIGPEND_TG(tg), info, lead->rlim[RLIMIT_SIGPENDING].cur);
	if (err) {
		pthread_mutex_unlock(&lead->sh->lock);
		return err;
	}
	/* The leader if it can take it, else the first thread that can. */
	tg_for_each_task(o, tg) {
		if (!o->exiting && !(o->sigmask & bit)) {
			target = o;
			break;
		}
	}
	pthread_mutex_unlock(&lead->sh->lock);
	signalfd_notify();
	if (target) {
		task_interrupt(target, TIF_SIGNAL);
		return 0;
	}
	tg_for_each_task(o, tg)    /* all block it: rt_sigtimedwait may want it */
		if (!o->exiting)
			task_wake(o);
	return 0;
}

int sig_force_fault(struct task *t, int signo, int code, u64 addr)
{
	struct l_siginfo info = { .signo = signo, .code = code };

	info.fault.addr = addr;
	return sig_send(t, &info, true, false);
}

static int next_signal(u64 deliverable)
{
	u64 sync = deliverable & SYNCHRONOUS_MASK;

	return __builtin_ctzll(sync ? sync : deliverable) + 1;
}

static bool is_restart(s64 rax)
{
	return rax == -ERESTARTSYS || rax == -ERESTARTNOINTR || rax == -ERESTARTNOHAND ||
	       rax == -ERESTART_RESTARTBLOCK;
}

/* Settles an interrupted syscall before a handler runs (Linux's handle_signal). */
static void restart_for_handler(struct task *t, const struct l_sigaction *act)
{
	s64 rax = t->regs.rax;

	if (!t->in_syscall || !is_restart(rax))
		return;
	switch (-rax) {
	case ERESTARTSYS:
		if (!(act->flags & L_SA_RESTART)) {
			t->regs.rax = -EINTR;
			break;
		}
		/* fallthrough */
	case ERESTARTNOINTR:
		t->regs.rax = t->regs.orig_rax;
		t->regs.rip -= 2;
		break;
	default: /* NOHAND, RESTARTBLOCK */
		t->regs.rax = -EINTR;
		break;
	}
}

/* Restart with no handler to run: the syscall runs again transparently. */
static void restart_no_handler(struct task *t)
{
	s64 rax = t->regs.rax;

	if (!t->in_syscall || !is_restart(rax))
		return;
	t->regs.rax = rax == -ERESTART_RESTARTBLOCK ? __NR_restart_syscall
						    : t->regs.orig_rax;
	t->regs.rip -= 2;
}

/* Takes the next deliverable signal, the thread's own first; 0 if none. */
static int dequeue(struct task *t, struct l_siginfo *info)
{
	u64 own = t->pending & ~t->sigmask, shared = t->tg->pending & ~t->sigmask;
	int sig;

	if (own) {
		sig = next_signal(own);
		sigq_take(t->tg, SIGPEND_TASK(t), sig, info);
	} else if (shared) {
		sig = next_signal(shared);
		sigq_take(t->tg, SIGPEND_TG(t->tg), sig, info);
	} else {
		return 0;
	}
	return sig;
}

void sig_deliver(struct task *t)
{
	u32 tif = __atomic_and_fetch(&t->interrupt, ~TIF_SIGNAL, __ATOMIC_ACQ_REL);
	int fatal = 0;

	if (tif & TIF_KILL) {
		task_exit(t, SIGKILL);
		return;
	}
	pthread_mutex_lock(&t->sh->lock);
	for (;;) {
		struct l_sigaction act;
		struct l_siginfo info;
		int sig = dequeue(t, &info);

		if (!sig)
			break;
		act = t->sh->act[sig - 1];
		if (act.handler == L_SIG_IGN)
			continue;
		if (act.handler == L_SIG_DFL) {
			enum sig_default d = sig_default_action(sig);

			if (d == SIG_DEFAULT_IGNORE)
				continue;
			/* Init takes no default action for a signal that was sent (si_code
			 * <= 0) rather than forced by a fault: it was queued only because it
			 * was blocked (Linux's SIGNAL_UNKILLABLE check in get_signal). */
			if (t->tgid == 1 && info.code <= 0 && sig != SIGKILL && sig != SIGSTOP)
				continue;
			if (d == SIG_DEFAULT_STOP) {
				t->stop_pending = sig;
				continue;
			}
			/* No core is ever written (RLIMIT_CORE is 0 in the sandbox and
			 * the Sentry dumps nothing), so the status has no core flag, as
			 * Linux reports when no dump was made. */
			fatal = sig;
			break;
		}
		restart_for_handler(t, &act);
		t->in_syscall = false;
		if (sig_setup_frame(t, sig, &act, &info)) {
			/* Linux's force_sigsegv: an unusable stack kills with SIGSEGV. */
			t->sh->act[SIGSEGV - 1].handler = L_SIG_DFL;
			fatal = SIGSEGV;
			break;
		}
		t->sigmask |= act.mask;
		if (!(act.flags & L_SA_NODEFER))
			t->sigmask |= sigbit(sig);
		t->sigmask &= ~UNBLOCKABLE;
		if (act.flags & L_SA_RESETHAND)
			t->sh->act[sig - 1].handler = L_SIG_DFL;
	}
	if (fatal) {
		t->in_syscall = false;
		pthread_mutex_unlock(&t->sh->lock);
		task_group_exit(t, fatal);
		return;
	}
	restart_no_handler(t);
	t->in_syscall = false;
	if (t->restore_sigmask) {
		t->sigmask = t->saved_sigmask;
		t->restore_sigmask = false;
	}
	pthread_mutex_unlock(&t->sh->lock);
	if (t->stop_pending) {
		sig_group_stop(t, t->stop_pending);
		t->stop_pending = 0;
	}
}
