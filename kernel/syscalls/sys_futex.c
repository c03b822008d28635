/*
 * futex(2): WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET, with
 * FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME, over the table in ipc/futex.c, and
 * the PI operations LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI and
 * CMP_REQUEUE_PI with the word protocol but no priority inheritance (the Sentry does
 * not schedule by priority; ipc/futex.c). A wait with a timeout that a signal
 * interrupts restarts through a restart block holding its absolute deadline, as
 * Linux's futex_wait_restart does; LOCK_PI restarts with its absolute timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <time.h>

#include "ipc/futex.h"
#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "time/ktime.h"

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

/* A signal, not a stop for a checkpoint, ended the wait. */
static bool signalled(struct task *t)
{
	return (task_pending(t) & ~t->sigmask) != 0;
}

/* An absolute timeout at @uts (0: none) in sandbox ns of its clock, or -1. */
static int abs_timeout(struct task *t, u64 uts, s64 *out)
{
	struct l_timespec ts;

	*out = -1;
	if (!uts)
		return 0;
	if (mm_copy_in(t->mm, &ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	*out = ts_to_ns(ts.tv_sec, ts.tv_nsec);
	return 0;
}

static s64 host_deadline(struct task *t, int clockid, s64 deadline)
{
	return deadline < 0 ? -1 :
	       MAX(ktime_to_host_mono(&t->k->time, clockid, deadline), 0);
}

/* Waits until sandbox time @deadline of @clockid (-1: none); interrupted, leaves a
 * restart block when there is a deadline. */
static long wait_until(struct task *t, u64 uaddr, u32 val, u32 bitset, int clockid,
		       s64 deadline, bool private)
{
	struct futex_moved m;
	int r = futex_wait_moved(t, uaddr, val, bitset, host_deadline(t, clockid, deadline),
				 private, &m);

	if (r != -EINTR)
		return r;
	/* Requeued, and stopped for a checkpoint rather than signalled: it waits on
	 * the word it was moved to when it goes on (a signal restarts the call on
	 * its own word, as Linux). */
	if (m.addr && !signalled(t)) {
		uaddr = m.addr;
		val = m.val;
		bitset = FUTEX_BITSET_MATCH_ANY;
	} else if (deadline < 0) {
		return -ERESTARTSYS;
	}
	t->restart = (struct restart_block){
		.kind = RESTART_FUTEX, .clockid = clockid, .deadline = deadline,
		.uaddr = uaddr, .val = val, .bitset = bitset, .private = private,
	};
	return -ERESTART_RESTARTBLOCK;
}

/* LOCK_PI's wait after a requeue moved a WAIT_REQUEUE_PI waiter to @uaddr. */
static long lock_pi_until(struct task *t, u64 uaddr, int clockid, s64 deadline,
			  bool private)
{
	int r = futex_lock_pi(t, uaddr, host_deadline(t, clockid, deadline), private,
			      false);

	if (r != -EINTR)
		return r;
	t->restart = (struct restart_block){
		.kind = RESTART_FUTEX_LOCK_PI, .clockid = clockid, .deadline = deadline,
		.uaddr = uaddr, .private = private,
	};
	return -ERESTART_RESTARTBLOCK;
}

long futex_restart(struct task *t, const struct restart_block *rb)
{
	if (rb->kind == RESTART_FUTEX_LOCK_PI)
		return lock_pi_until(t, rb->uaddr, rb->clockid, rb->deadline, rb->private);
	return wait_until(t, rb->uaddr, rb->val, rb->bitset, rb->clockid, rb->deadline,
			  rb->private);
}

/* FUTEX_WAIT_REQUEUE_PI. Interrupted after the requeue, Linux returns EWOULDBLOCK
 * to a signalled waiter; one stopped for a checkpoint goes on as LOCK_PI on the PI
 * word after the restore. */
static long wait_requeue_pi(struct task *t, const u64 *a, int clockid, bool private)
{
	s64 deadline;
	u64 moved;
	int r = abs_timeout(t, a[3], &deadline);

	if (r)
		return r;
	r = futex_wait_requeue_pi(t, a[0], a[2], host_deadline(t, clockid, deadline),
				  private, a[4], &moved);
	if (r != -EINTR)
		return r;
	if (signalled(t))
		return -EAGAIN;
	t->restart = (struct restart_block){
		.kind = RESTART_FUTEX_LOCK_PI, .clockid = clockid, .deadline = deadline,
		.uaddr = moved, .private = private,
	};
	return -ERESTART_RESTARTBLOCK;
}

SYS(futex)
{
	int cmd = a[1] & FUTEX_CMD_MASK;
	bool private = a[1] & FUTEX_PRIVATE_FLAG;
	bool realtime = a[1] & FUTEX_CLOCK_REALTIME;
	int clockid = realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	struct l_timespec ts;
	s64 deadline = -1, now;
	int err;

	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (a[3]) {
			if (mm_copy_in(t->mm, &ts, a[3], sizeof(ts)))
				return -EFAULT;
			if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
				return -EINVAL;
			deadline = ts_to_ns(ts.tv_sec, ts.tv_nsec);
			if (cmd == FUTEX_WAIT) {
				ktime_get(&t->k->time, clockid, &now);
				deadline += now;
			}
		}
		return wait_until(t, a[0], a[2], cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY
								  : (u32)a[5],
				  clockid, deadline, private);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_TRYLOCK_PI:
		if (cmd != FUTEX_TRYLOCK_PI && (err = abs_timeout(t, a[3], &deadline)))
			return err;
		/* LOCK_PI's timeout is CLOCK_REALTIME; LOCK_PI2 takes the flag's clock */
		if (cmd == FUTEX_LOCK_PI)
			clockid = CLOCK_REALTIME;
		err = futex_lock_pi(t, a[0], host_deadline(t, clockid, deadline), private,
				    cmd == FUTEX_TRYLOCK_PI);
		return err == -EINTR ? -ERESTARTNOINTR : err;
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(t, a[0], private);
	case FUTEX_WAIT_REQUEUE_PI:
		return wait_requeue_pi(t, a, clockid, private);
	case FUTEX_CMP_REQUEUE_PI:
		return futex_cmp_requeue_pi(t, a[0], a[4], (int)a[2], (int)a[3], a[5],
					    private);
	case FUTEX_WAKE:
		return futex_wake(t->k, t->mm, a[0], (int)a[2],
				  FUTEX_BITSET_MATCH_ANY, private);
	case FUTEX_WAKE_BITSET:
		return futex_wake(t->k, t->mm, a[0], (int)a[2], a[5],
				  private);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(t->k, t->mm, a[0], a[4], (int)a[2], (int)a[3],
				     cmd == FUTEX_CMP_REQUEUE, a[5], private);
	case FUTEX_WAKE_OP:
		return futex_wake_op(t->k, t->mm, a[0], a[4], (int)a[2], (int)a[3], a[5],
				     private);
	default:
		return -ENOSYS;
	}
}
