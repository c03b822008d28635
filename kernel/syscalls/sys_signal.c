/* Signal syscalls: rt_sigaction, rt_sigprocmask, sigaltstack, rt_sigreturn, kill,
 * tkill and tgkill (to the task itself: the only task until the processes issue). */
#include <signal.h>

#include "mm/mm.h"
#include "signal/signal.h"
#include "syscalls/handlers.h"
#include "task/task.h"

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
	pthread_mutex_lock(&t->sig_lock);
	old = t->sh->act[sig - 1];
	if (a[1]) {
		act.mask &= ~UNBLOCKABLE;
		t->sh->act[sig - 1] = act;
		/* Setting a signal to be ignored discards it if pending (POSIX). */
		if (act.handler == L_SIG_IGN ||
		    (act.handler == L_SIG_DFL && sig_default_action(sig) == SIG_DEFAULT_IGNORE))
			t->pending &= ~sigbit(sig);
	}
	pthread_mutex_unlock(&t->sig_lock);
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
	pthread_mutex_lock(&t->sig_lock);
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
			pthread_mutex_unlock(&t->sig_lock);
			return -EINVAL;
		}
		t->sigmask &= ~UNBLOCKABLE;
	}
	pthread_mutex_unlock(&t->sig_lock);
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

/* Sends @sig from the task to itself with the kill-style siginfo. */
static long send_self(struct task *t, int sig, int code)
{
	struct l_siginfo info = { .signo = sig, .code = code };

	if (!sig)
		return 0;
	info.kill.pid = t->tgid;
	info.kill.uid = t->uid;
	return sig_send(t, &info, false, false);
}

SYS(kill)
{
	s32 pid = a[0];

	if (a[1] > L_NSIG)
		return -EINVAL;
	/* kill(-1) reaches every process but init and the caller: none yet. */
	if (pid == -1)
		return -ESRCH;
	if (pid == 0 || pid == (s32)t->tgid || pid == -(s32)t->pgid)
		return send_self(t, a[1], L_SI_USER);
	return -ESRCH;
}

SYS(tkill)
{
	if ((s32)a[0] <= 0 || a[1] > L_NSIG)
		return -EINVAL;
	if (a[0] != t->tid)
		return -ESRCH;
	return send_self(t, a[1], L_SI_TKILL);
}

SYS(tgkill)
{
	if ((s32)a[0] <= 0 || (s32)a[1] <= 0 || a[2] > L_NSIG)
		return -EINVAL;
	if (a[0] != t->tgid || a[1] != t->tid)
		return -ESRCH;
	return send_self(t, a[2], L_SI_TKILL);
}
