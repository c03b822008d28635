/*
 * Real-time signal queueing (Linux's struct sigqueue lists). A pending set is a bit
 * per signal number, the siginfo of the first occurrence of each (pinfo[]), and,
 * behind those, a list of further occurrences of real-time signals, oldest first.
 * Standard signals stay one per number: a second one while the first is pending is
 * merged into it. All of it is under the sighand lock of the set's owner.
 */
#ifndef SBX_SIGNAL_SIGQUEUE_H
#define SBX_SIGNAL_SIGQUEUE_H

#include "abi/linux.h"
#include "base/types.h"
#include "save.h"

struct task;
struct thread_group;

/* One queued occurrence of a real-time signal beyond the first. */
SAVABLE struct sigqueue {
	struct sigqueue *next;          /* younger, or NULL */
	struct l_siginfo info;
};

/* A pending set as it lies in a task or a thread group. */
struct sigpend_ref {
	u64 *pending;
	struct l_siginfo *pinfo;        /* [L_NSIG] */
	struct sigqueue **q;
};

/* The pending sets of a task and of a group (task.h must be included). */
#define SIGPEND_TASK(t) ((struct sigpend_ref){ &(t)->pending, (t)->pinfo, &(t)->sigq })
#define SIGPEND_TG(tg) ((struct sigpend_ref){ &(tg)->pending, (tg)->pinfo, &(tg)->sigq })

/* Makes @info pending in @p. 0, or -EAGAIN when a real-time signal finds the queue
 * of @limit entries full and was not sent by kill (Linux's rule for sigqueue). */
int sigq_add(struct sigpend_ref p, const struct l_siginfo *info, u64 limit);
/* Takes the oldest pending @sig from @p into @out (it must be pending). A POSIX
 * timer's signal gets its overrun count from its timer of group @tg. */
void sigq_take(struct thread_group *tg, struct sigpend_ref p, int sig,
	       struct l_siginfo *out);
/* Discards every pending signal of @mask from @p. */
void sigq_flush(struct thread_group *tg, struct sigpend_ref p, u64 mask);
/* Frees the queue (its owner is going away). */
void sigq_free(struct sigqueue **q);

#endif
