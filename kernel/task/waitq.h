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

/* A task waiting, or (t NULL) a callback: @func runs instead of a wake-up, under
 * the object's lock, and must not sleep or take that lock (epoll's interest entries
 * hear of their files' changes this way, as Linux's wait-queue callbacks). */
struct waiter {
	struct st_list link;
	struct task *t;
	void (*func)(struct waiter *w);
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

/* Wakes one waiter: its task, or its callback. */
void waiter_wake(struct waiter *w);
/* Wakes every waiter (they re-check their condition). */
void waitq_wake_all(struct waitq *wq);

/*
 * Wake-ups deferred until the object's lock is dropped. A waiter woken under the
 * lock runs at once on the waker's CPU (the Sentry pins a task's thread where its
 * application runs, and two ends of a pipe share one), finds the lock held, and
 * sleeps on it again: two more switches and three futex calls for each hand-off.
 * waitq_collect (lock held) records the waiters' tasks, each pinned so that it
 * cannot be freed before its wake-up; wake_list_run (lock dropped) wakes them.
 * Beyond WAKE_LIST_MAX waiters the rest are woken at once, under the lock.
 */
#define WAKE_LIST_MAX 4

struct wake_list {
	struct task *t[WAKE_LIST_MAX];
	unsigned int n;
};

#define WAKE_LIST_INIT { .n = 0 }

void waitq_collect(struct waitq *wq, struct wake_list *wl);
void wake_list_run(struct wake_list *wl);

#endif
