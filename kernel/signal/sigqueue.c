/*
 * Real-time signal queues (after Linux's __send_signal, collect_signal and
 * flush_sigqueue_mask): the first occurrence of a signal lives in pinfo[], further
 * occurrences of a real-time signal in a list behind it, oldest first, so that a
 * number is delivered as often as it was sent, in order, each with its own siginfo.
 * The queue is bounded by the target's RLIMIT_SIGPENDING (Linux counts per user;
 * every task of a sandbox is one user, and a queue per set is the simpler bound).
 */
#include <stdlib.h>

#include "signal/sigqueue.h"
#include "task/task.h"
#include "time/ktimer.h"

int sigq_add(struct sigpend_ref p, const struct l_siginfo *info, u64 limit)
{
	int sig = info->signo;
	struct sigqueue **tail, *e;
	u64 n = 1;

	if (!(*p.pending & sigbit(sig))) {
		*p.pending |= sigbit(sig);
		p.pinfo[sig - 1] = *info;
		return 0;
	}
	if (sig < L_SIGRTMIN)
		return 0;       /* standard signals merge */
	for (tail = p.q; *tail; tail = &(*tail)->next)
		n++;
	if (n >= limit)
		return info->code == L_SI_USER ? 0 : -EAGAIN;
	e = malloc(sizeof(*e));
	if (!e)
		return info->code == L_SI_USER ? 0 : -EAGAIN;
	e->next = NULL;
	e->info = *info;
	*tail = e;
	return 0;
}

void sigq_take(struct thread_group *tg, struct sigpend_ref p, int sig,
	       struct l_siginfo *out)
{
	struct sigqueue **pp;

	*out = p.pinfo[sig - 1];
	for (pp = p.q; *pp; pp = &(*pp)->next) {
		struct sigqueue *e = *pp;

		if (e->info.signo != sig)
			continue;
		p.pinfo[sig - 1] = e->info;
		*pp = e->next;
		free(e);
		goto taken;
	}
	*p.pending &= ~sigbit(sig);
taken:
	if (out->code == L_SI_TIMER)
		posix_timer_dequeued(tg, out, true);
}

void sigq_flush(struct thread_group *tg, struct sigpend_ref p, u64 mask)
{
	struct sigqueue **pp = p.q;

	for (int sig = 1; sig <= L_NSIG; sig++)
		if ((*p.pending & mask & sigbit(sig)) && p.pinfo[sig - 1].code == L_SI_TIMER)
			posix_timer_dequeued(tg, &p.pinfo[sig - 1], false);
	*p.pending &= ~mask;
	while (*pp) {
		struct sigqueue *e = *pp;

		if (!(mask & sigbit(e->info.signo))) {
			pp = &e->next;
			continue;
		}
		if (e->info.code == L_SI_TIMER)
			posix_timer_dequeued(tg, &e->info, false);
		*pp = e->next;
		free(e);
	}
}

void sigq_free(struct sigqueue **q)
{
	while (*q) {
		struct sigqueue *e = *q;

		*q = e->next;
		free(e);
	}
}
