/*
 * wait4 and waitid (after Linux's do_wait): find a child that matches, report its
 * exit, stop or continuation, reap it when it is a zombie (unless WNOWAIT), or
 * block until one changes. ECHILD when no child matches at all.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kernel.h"
#include "mm/mm.h"
#include "task/task.h"
#include "time/ktime.h"
#include "time/ktimer.h"

#define P_PIDFD 3

static bool matches(struct thread_group *c, struct task *t, s32 pid, bool waitid,
		    u32 idtype)
{
	if (waitid) {
		switch (idtype) {
		case P_ALL:
			return true;
		case P_PID:
			return c->tgid == (u32)pid;
		case P_PGID:
			return c->pgid == (pid ? (u32)pid : t->tg->pgid);
		default:
			return false;
		}
	}
	if (pid > 0)
		return c->tgid == (u32)pid;
	if (pid == 0)
		return c->pgid == t->tg->pgid;
	if (pid == -1)
		return true;
	return c->pgid == (u32)-pid;
}

struct wait_result {
	u32 pid, uid;
	int status;             /* wait4 status word */
	int code, sistatus;    /* waitid */
	struct l_rusage ru;     /* the child's and its reaped children's (RUSAGE_BOTH) */
};

/* The rusage Linux reports of a waited-for child (getrusage RUSAGE_BOTH). */
static void child_usage(struct thread_group *c, struct wait_result *r)
{
	u64 u, s, cu, cs;

	cputime_group(c, &u, &s);
	cputime_children(c, &cu, &cs);
	u += cu;
	s += cs;
	task_usage_child(c, &r->ru);
	r->ru.utime_sec = u / NSEC_PER_SEC;
	r->ru.utime_usec = u % NSEC_PER_SEC / 1000;
	r->ru.stime_sec = s / NSEC_PER_SEC;
	r->ru.stime_usec = s % NSEC_PER_SEC / 1000;
}

/* Looks at one child; returns 1 if it has something to report (filled in), 0 if
 * not. k->lock held; may release @c. */
static int check_child(struct kernel *k, struct thread_group *c, u32 options,
		       struct wait_result *r)
{
	r->pid = c->tgid;
	r->uid = c->leader ? c->leader->uid : 0;
	if (c->zombie && (options & WEXITED)) {
		int st = c->exit_status;

		child_usage(c, r);
		r->status = st;
		if (WIFEXITED(st)) {
			r->code = CLD_EXITED;
			r->sistatus = WEXITSTATUS(st);
		} else {
			r->code = WCOREDUMP(st) ? CLD_DUMPED : CLD_KILLED;
			r->sistatus = WTERMSIG(st);
		}
		if (!(options & WNOWAIT)) {
			if (c->parent) {
				cputime_reap(c->parent, c);
				task_usage_reap(c->parent, c);
			}
			tg_release(k, c);
		}
		return 1;
	}
	if ((c->wait_events & TG_EV_STOPPED) && (options & WUNTRACED)) {
		child_usage(c, r);
		r->status = (c->stop_signal << 8) | 0x7f;
		r->code = CLD_STOPPED;
		r->sistatus = c->stop_signal;
		if (!(options & WNOWAIT))
			c->wait_events &= ~TG_EV_STOPPED;
		return 1;
	}
	if ((c->wait_events & TG_EV_CONTINUED) && (options & WCONTINUED)) {
		child_usage(c, r);
		r->status = 0xffff;
		r->code = CLD_CONTINUED;
		r->sistatus = SIGCONT;
		if (!(options & WNOWAIT))
			c->wait_events &= ~TG_EV_CONTINUED;
		return 1;
	}
	return 0;
}

long task_wait(struct task *t, s32 pid, u64 ustatus, u64 options, u64 uinfo, u64 urusage,
	       bool waitid)
{
	struct kernel *k = t->k;
	struct wait_result r = { 0 };
	u32 idtype = waitid ? (u32)(options >> 32) & 0xffff : 0;
	bool eagain = options & TASK_WAIT_EAGAIN;
	struct waiter w;
	long ret;

	options &= 0xffffffff;
	if (!waitid) {
		if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE |
				__WALL))
			return -EINVAL;
		options |= WEXITED;
	} else {
		if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED |
				__WNOTHREAD | __WCLONE | __WALL))
			return -EINVAL;
		if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
			return -EINVAL;
		if (idtype > P_PIDFD || idtype == P_PIDFD || (idtype == P_PID && pid <= 0))
			return idtype == P_PIDFD ? -EINVAL : -EINVAL;
	}
	bool interrupted = false;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		struct st_list *p, *n;
		bool any = false;

		ret = 0;
		for (p = t->tg->children.next; p != &t->tg->children; p = n) {
			struct thread_group *c = container_of(p, struct thread_group, sibling);

			n = p->next;
			if (!matches(c, t, pid, waitid, idtype))
				continue;
			any = true;
			if (check_child(k, c, options, &r)) {
				ret = r.pid;
				break;
			}
		}
		if (ret || !any) {
			if (!any)
				ret = -ECHILD;
			break;
		}
		if (options & WNOHANG)
			break;
		/* As Linux: a child that changed wins over a signal that came with it. */
		if (interrupted) {
			ret = -ERESTARTSYS;
			break;
		}
		waitq_add(&t->tg->child_wq, &w, t);
		pthread_mutex_unlock(&k->lock);
		interrupted = task_block(t, -1) == -EINTR;
		pthread_mutex_lock(&k->lock);
		waitq_del(&w);
	}
	pthread_mutex_unlock(&k->lock);
	if (ret <= 0 && !(waitid && ret == 0))
		return ret;
	if (ret > 0 && urusage && mm_copy_out(t->mm, urusage, &r.ru, sizeof(r.ru)))
		return -EFAULT;
	if (!waitid) {
		if (ustatus && mm_copy_out(t->mm, ustatus, &r.status, sizeof(r.status)))
			return -EFAULT;
		return ret;
	}
	if (uinfo) {
		struct l_siginfo info = { 0 };

		if (ret > 0) {
			info.signo = SIGCHLD;
			info.code = r.code;
			info.chld.pid = r.pid;
			info.chld.uid = r.uid;
			info.chld.status = r.sistatus;
		}
		if (mm_copy_out(t->mm, uinfo, &info, sizeof(info)))
			return -EFAULT;
	}
	return ret == 0 && eagain ? -EAGAIN : 0;
}
