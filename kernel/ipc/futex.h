/*
 * Futexes (after Linux's kernel/futex/): wait queues keyed by an application word.
 * A private futex, or one in private memory, is keyed by its address space and
 * address; one in shared memory by its memory-file offset, so processes sharing the
 * memory meet on it. Waiters are transient: a checkpoint interrupts every wait, which
 * restarts after restore and finds the word (saved with the memory) to decide again;
 * a PI waiter restarts FUTEX_LOCK_PI, and finds the word's FUTEX_WAITERS bit still
 * set, so an unlock in between left the word free for it.
 */
#ifndef SBX_IPC_FUTEX_H
#define SBX_IPC_FUTEX_H

#include "base/types.h"

struct kernel;
struct mm;
struct task;

struct futex_table;

int futex_table_new(struct futex_table **out);
void futex_table_destroy(struct futex_table *ft);

/* Waits while the word at @addr holds @val, until woken with a bit of @bitset, host
 * CLOCK_MONOTONIC @deadline (-1: none) or a signal. 0 woken, -EAGAIN the word
 * differed, -ETIMEDOUT, -EINTR, -EFAULT, -EINVAL. */
int futex_wait(struct task *t, u64 addr, u32 val, u32 bitset, s64 deadline, bool private);
/* futex_wait, telling where a requeue had moved the waiter when it gives up:
 * moved->addr (0 if not moved) and that word's value once it had left. */
struct futex_moved {
	u64 addr;
	u32 val;
};
int futex_wait_moved(struct task *t, u64 addr, u32 val, u32 bitset, s64 deadline,
		     bool private, struct futex_moved *moved);
/* Wakes up to @n (at least one, as Linux does for 0 or less) waiters on @addr with
 * a bit of @bitset; the number woken. */
int futex_wake(struct kernel *k, struct mm *mm, u64 addr, int n, u32 bitset,
	       bool private);
/* FUTEX_REQUEUE / CMP_REQUEUE (@cmp: compare the word at @addr with @val first). */
int futex_requeue(struct kernel *k, struct mm *mm, u64 addr, u64 addr2, int nwake,
		  int nmove, bool cmp, u32 val, bool private);
/* FUTEX_WAKE_OP: @op applied to the word at @addr2 atomically. */
int futex_wake_op(struct kernel *k, struct mm *mm, u64 addr, u64 addr2, int n, int n2,
		  u32 op, bool private);
/* FUTEX_LOCK_PI/LOCK_PI2 (@trylock: TRYLOCK_PI) on the word at @addr until host
 * CLOCK_MONOTONIC @deadline (-1: none). 0 owned, -EDEADLK, -ESRCH, -EAGAIN
 * (trylock), -ETIMEDOUT, -EINTR, -EFAULT, -EINVAL. */
int futex_lock_pi(struct task *t, u64 addr, s64 deadline, bool private, bool trylock);
/* FUTEX_UNLOCK_PI: hands the lock to the first waiter, or clears the word. */
int futex_unlock_pi(struct task *t, u64 addr, bool private);
/* FUTEX_WAIT_REQUEUE_PI: waits on @addr (holding @val) to be moved to the PI futex
 * at @addr2 by CMP_REQUEUE_PI, and returns 0 owning it; -EINTR with *moved set
 * when interrupted after the move. */
int futex_wait_requeue_pi(struct task *t, u64 addr, u32 val, s64 deadline, bool private,
			  u64 addr2, u64 *moved);
/* FUTEX_CMP_REQUEUE_PI: the first waiter takes @addr2 if it is free (@nwake must
 * be 1); up to @nmove more wait on it as PI waiters. Woken plus moved. */
int futex_cmp_requeue_pi(struct task *t, u64 addr, u64 addr2, int nwake, int nmove,
			 u32 val, bool private);
/* A dying task's robust list: every futex it holds is marked FUTEX_OWNER_DIED and a
 * waiter woken (Linux's exit_robust_list). */
void futex_exit_robust_list(struct task *t);

#endif
