/* Signal syscalls: rt_sigaction, rt_sigprocmask, sigaltstack, rt_sigreturn, kill
 * (process-directed), tkill and tgkill (thread-directed), pause, rt_sigsuspend,
 * rt_sigpending and rt_sigtimedwait. */
#include <signal.h>
#include <time.h>

#include "mm/mm.h"
#include "signal/signal.h"
#include "signal/sigqueue.h"
#include "syscalls/handlers.h"
#include "kernel.h"
#include "task/pidfd.h"
#include "task/task.h"
#include "time/ktime.h"

#define UNBLOCKABLE (sigbit(SIGKILL) | sigbit(SIGSTOP))

static bool valid_sig(u64 sig)
{
	return sig >= 1 && sig <= L_NSIG;
}

SYS(rt_sigaction)
{
	int sig = a[0];
	struct l_sigaction act, old;

	if (a[3] != L_SIGSET_SIZE)
		return -EINVAL;
	if (!valid_sig(a[0]) || (a[1] && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	if (a[1] && mm_copy_in(t->mm, &act, a[1], sizeof(act)))
		return -EFAULT;
	pthread_mutex_lock(&t->k->lock);
	pthread_mutex_lock(&t->sh->lock);
	old = t->sh->act[sig - 1];
	if (a[1]) {
		act.mask &= ~UNBLOCKABLE;
		t->sh->act[sig - 1] = act;
		/* Setting a signal to be ignored discards it if pending, in every
		 * thread (POSIX). */
		if (act.handler == L_SIG_IGN ||
		    (act.handler == L_SIG_DFL && sig_default_action(sig) == SIG_DEFAULT_IGNORE)) {
			struct task *o;

			sigq_flush(t->tg, SIGPEND_TG(t->tg), sigbit(sig));
			tg_for_each_task(o, t->tg)
				sigq_flush(t->tg, SIGPEND_TASK(o), sigbit(sig));
		}
	}
	pthread_mutex_unlock(&t->sh->lock);
	pthread_mutex_unlock(&t->k->lock);
	if (a[2] && mm_copy_out(t->mm, a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYS(rt_sigprocmask)
{
	u64 set = 0, old;
	int how = a[0];

	if (a[3] != L_SIGSET_SIZE)
		return -EINVAL;
	if (a[1] && mm_copy_in(t->mm, &set, a[1], sizeof(set)))
		return -EFAULT;
	pthread_mutex_lock(&t->sh->lock);
	old = t->sigmask;
	if (a[1]) {
		switch (how) {
		case SIG_BLOCK:
			t->sigmask |= set;
			break;
		case SIG_UNBLOCK:
			t->sigmask &= ~set;
			break;
		case SIG_SETMASK:
			t->sigmask = set;
			break;
		default:
			pthread_mutex_unlock(&t->sh->lock);
			return -EINVAL;
		}
		t->sigmask &= ~UNBLOCKABLE;
	}
	pthread_mutex_unlock(&t->sh->lock);
	if (a[2] && mm_copy_out(t->mm, a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYS(sigaltstack)
{
	struct l_stack ss, old;
	int err;

	if (a[0] && mm_copy_in(t->mm, &ss, a[0], sizeof(ss)))
		return -EFAULT;
	err = sig_altstack(t, a[0] ? &ss : NULL, &old);
	if (err)
		return err;
	if (a[1] && mm_copy_out(t->mm, a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

SYS(rt_sigreturn)
{
	return sig_return(t);
}

/* A kill-style siginfo from @t. */
static struct l_siginfo kill_info(struct task *t, int sig, int code)
{
	struct l_siginfo info = { .signo = sig, .code = code };

	info.kill.pid = t->tgid;
	info.kill.uid = t->uid;
	return info;
}

/* Whether @t may signal process @tg with @sig: the check is made against its leader,
 * kept (with its credentials) until the group is reaped. */
static bool may_kill_tg(struct task *t, struct thread_group *tg, int sig)
{
	return !tg->leader || sig_may_kill(t, tg->leader, sig);
}

/* Sends @sig to @tg from kill() after the permission check: 0 or -errno. A zombie
 * is still there to be found (Linux detaches its pid only when it is reaped); a
 * signal to it is dropped. */
static long kill_one(struct task *t, struct thread_group *tg, int sig)
{
	struct l_siginfo info;

	if (!may_kill_tg(t, tg, sig))
		return -EPERM;
	if (!sig || tg->zombie)
		return 0;
	info = kill_info(t, sig, L_SI_USER);
	return sig_send_group(tg, &info, false);
}

/* kill(): a process (>0), the caller's group (0), every process but init and the
 * caller (-1), or a group (<-1). As Linux's kill_something_info: a group send
 * succeeds if one member took the signal (else the last error); -1 skips the
 * processes the caller may not signal and fails only with ESRCH when there are none
 * at all. */
SYS(kill)
{
	struct kernel *k = t->k;
	s32 pid = a[0];
	int sig = a[1];
	struct st_list *p;
	long ret = -ESRCH, all = 0, err;
	bool ok = false;
	int count = 0;

	if (a[1] > L_NSIG)
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	/* Under the kernel lock (recursive, which sig_send may take again) so no
	 * target is reaped and freed while it is being signalled. */
	pthread_mutex_lock(&k->lock);
	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);
		bool hit;

		if (pid > 0)
			hit = tg->tgid == (u32)pid;
		else if (pid == 0)
			hit = tg->pgid == t->tg->pgid;
		else if (pid == -1)
			hit = tg->tgid != 1 && tg != t->tg;
		else
			hit = tg->pgid == (u32)-pid;
		if (!hit)
			continue;
		err = kill_one(t, tg, sig);
		count++;
		if (pid != -1) {
			ok |= !err;
			ret = err;
		} else if (err != -EPERM) {
			all = err;
		}
	}
	pthread_mutex_unlock(&k->lock);
	if (pid == -1)
		return count ? all : -ESRCH;
	return ok ? 0 : ret;
}

static long send_tid(struct task *t, u32 tgid, u32 tid, const struct l_siginfo *info)
{
	struct task *to;
	long ret;

	pthread_mutex_lock(&t->k->lock);
	to = kernel_find_task(t->k, tid);
	if (!to || (tgid && to->tgid != tgid))
		ret = -ESRCH;
	else if (!sig_may_kill(t, to, info->signo))
		ret = -EPERM;
	else if (info->signo)
		ret = sig_send(to, info, false, false);
	else
		ret = 0;
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

SYS(tkill)
{
	struct l_siginfo info = kill_info(t, a[1], L_SI_TKILL);

	if ((s32)a[0] <= 0 || a[1] > L_NSIG)
		return -EINVAL;
	return send_tid(t, 0, a[0], &info);
}

SYS(tgkill)
{
	struct l_siginfo info = kill_info(t, a[2], L_SI_TKILL);

	if ((s32)a[0] <= 0 || (s32)a[1] <= 0 || a[2] > L_NSIG)
		return -EINVAL;
	return send_tid(t, a[0], a[1], &info);
}

/* Linux's rule for a siginfo from the application: only a process signalling itself
 * may claim a kernel origin (si_code >= 0) or tkill's, the caller's tid being what
 * "itself" compares with. */
static long get_user_info(struct task *t, u32 self, int sig, u64 uinfo,
			  struct l_siginfo *info)
{
	if (mm_copy_in(t->mm, info, uinfo, sizeof(*info)))
		return -EFAULT;
	if ((info->code >= 0 || info->code == L_SI_TKILL) && t->tid != self)
		return -EPERM;
	info->signo = sig;
	return 0;
}

/* rt_sigqueueinfo: sigqueue(3), to a process. */
SYS(rt_sigqueueinfo)
{
	s32 pid = a[0];
	int sig = a[1];
	struct l_siginfo info;
	struct thread_group *tg;
	long ret;

	if (a[1] > L_NSIG)
		return -EINVAL;
	ret = get_user_info(t, pid, sig, a[2], &info);
	if (ret)
		return ret;
	if (pid <= 0)
		return -ESRCH;  /* kill_proc_info: no process has such a pid */
	pthread_mutex_lock(&t->k->lock);
	tg = kernel_find_tg(t->k, pid);
	if (!tg)
		ret = -ESRCH;
	else if (!may_kill_tg(t, tg, sig))
		ret = -EPERM;
	else if (sig && !tg->zombie)
		ret = sig_send_group(tg, &info, false);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

/* rt_tgsigqueueinfo: to one thread of a process. */
SYS(rt_tgsigqueueinfo)
{
	s32 tgid = a[0], tid = a[1];
	int sig = a[2];
	struct l_siginfo info;
	struct task *to;
	long ret;

	if (tgid <= 0 || tid <= 0 || a[2] > L_NSIG)
		return -EINVAL;
	ret = get_user_info(t, tid, sig, a[3], &info);
	if (ret)
		return ret;
	pthread_mutex_lock(&t->k->lock);
	to = kernel_find_task(t->k, tid);
	if (!to || to->tgid != (u32)tgid)
		ret = -ESRCH;
	else if (!sig_may_kill(t, to, sig))
		ret = -EPERM;
	else if (sig)
		ret = sig_send(to, &info, false, false);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

/* pause: sleep until a signal is delivered (after its handler, EINTR). */
SYS(pause)
{
	while (task_block(t, -1) != -EINTR)
		;
	return -ERESTARTNOHAND;
}

/* rt_sigsuspend: the mask is @mask until a signal arrives; the old one comes back
 * after its handler (the frame saves it). */
SYS(rt_sigsuspend)
{
	u64 mask;

	if (a[1] != L_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_in(t->mm, &mask, a[0], sizeof(mask)))
		return -EFAULT;
	pthread_mutex_lock(&t->sh->lock);
	t->saved_sigmask = t->sigmask;
	t->restore_sigmask = true;
	t->sigmask = mask & ~UNBLOCKABLE;
	pthread_mutex_unlock(&t->sh->lock);
	while (task_block(t, -1) != -EINTR)
		;
	return -ERESTARTNOHAND;
}

SYS(rt_sigpending)
{
	u64 set;

	if (a[1] > L_SIGSET_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&t->sh->lock);
	set = task_pending(t) & t->sigmask;
	pthread_mutex_unlock(&t->sh->lock);
	return mm_copy_out(t->mm, a[0], &set, a[1]) ? -EFAULT : 0;
}

/*
 * rt_sigtimedwait, first or restarted: takes a pending signal of @set without running
 * its handler, waiting until @deadline of the sandbox's CLOCK_MONOTONIC (-1: no
 * timeout). A blocked signal wakes the task too (sig_send), so waiting for blocked
 * ones works. Interrupted by a signal it does not take, it fails with EINTR when that
 * signal has a handler, as Linux; an interruption the application does not see (a
 * checkpoint) restarts it through restart_syscall with the same deadline, so a
 * restored wait takes only what was left, where Linux would say EINTR.
 */
static long sigtimedwait_until(struct task *t, u64 set, u64 uinfo, s64 deadline)
{
	s64 host = deadline < 0 ? -1 :
		MAX(ktime_to_host_mono(&t->k->time, CLOCK_MONOTONIC, deadline), 0);

	set &= ~UNBLOCKABLE;    /* here, where a restart block from an image comes too */
	for (;;) {
		struct l_siginfo info;
		int sig = 0, r;

		pthread_mutex_lock(&t->sh->lock);
		if (t->pending & set) {
			sig = __builtin_ctzll(t->pending & set) + 1;
			sigq_take(t->tg, SIGPEND_TASK(t), sig, &info);
		} else if (t->tg->pending & set) {
			sig = __builtin_ctzll(t->tg->pending & set) + 1;
			sigq_take(t->tg, SIGPEND_TG(t->tg), sig, &info);
		}
		pthread_mutex_unlock(&t->sh->lock);
		if (sig) {
			if (uinfo && mm_copy_out(t->mm, uinfo, &info, sizeof(info)))
				return -EFAULT;
			return sig;
		}
		if (host >= 0 && ktime_host_mono_now() >= host)
			return -EAGAIN;
		r = task_block(t, host);
		if (r == -EINTR) {
			pthread_mutex_lock(&t->sh->lock);
			sig = (task_pending(t) & set) != 0;
			pthread_mutex_unlock(&t->sh->lock);
			if (!sig && task_wait_signalled(t, set))
				return -EINTR;	/* a handler's, or a stop's (Linux) */
			if (!sig) {
				t->restart = (struct restart_block){
					.kind = RESTART_SIGTIMEDWAIT, .deadline = deadline,
					.uaddr = uinfo, .set = set,
				};
				return -ERESTART_RESTARTBLOCK;
			}
		}
	}
}

long sigtimedwait_restart(struct task *t, const struct restart_block *rb)
{
	return sigtimedwait_until(t, rb->set, rb->uaddr, rb->deadline);
}

SYS(rt_sigtimedwait)
{
	struct l_timespec ts;
	s64 deadline = -1;
	u64 set;

	if (a[3] != L_SIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_in(t->mm, &set, a[0], sizeof(set)))
		return -EFAULT;
	if (a[2]) {
		if (mm_copy_in(t->mm, &ts, a[2], sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		deadline = ktime_mono(&t->k->time) + ts_to_ns(ts.tv_sec, ts.tv_nsec);
	}
	return sigtimedwait_until(t, set, a[1], deadline);
}

SYS(pidfd_send_signal) { return pidfd_send_signal(t, a[0], a[1], a[2], a[3]); }
