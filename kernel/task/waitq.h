/*
 * Wait queues for objects inside the Sentry (pipes, children, futexes). A task that
 * must wait adds a waiter under the object's lock, drops the lock and blocks on its
 * own eventfd; a waker writes the eventfd of every waiter. A wake-up that lands
 * between the unlock and the block is not lost: the eventfd stays readable.
 */
#ifndef SBX_TASK_WAITQ_H
#define SBX_TASK_WAITQ_H

#include "st_list.h"

struct task;

struct waiter {
	struct st_list link;
	struct task *t;
};

struct waitq {
	struct st_list head;    /* of struct waiter; under the owning object's lock */
};

static inline void waitq_init(struct waitq *wq) { st_list_init(&wq->head); }

static inline void waitq_add(struct waitq *wq, struct waiter *w, struct task *t)
{
	w->t = t;
	st_list_add_tail(&w->link, &wq->head);
}

static inline void waitq_del(struct waiter *w)
{
	st_list_del(&w->link);
}

/* Wakes every waiter (they re-check their condition). */
void waitq_wake_all(struct waitq *wq);

#endif
