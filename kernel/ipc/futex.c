/*
 * The futex table: a fixed array of hashed buckets, each a lock and a list of waiting
 * tasks. A waiter adds itself under its bucket's lock after checking the word, and a
 * waker takes the same lock, so a wake-up between the check and the sleep is never
 * lost (the protocol Linux's futex_wait/futex_wake keep). A woken waiter is taken off
 * the list by its waker; one that gives up (timeout, signal) takes itself off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "ipc/futex.h"
#include "kernel.h"
#include "mm/mm.h"
#include "st_list.h"
#include "task/task.h"
#include "time/ktime.h"

#define FUTEX_BUCKETS 256
#define ROBUST_LIST_LIMIT 2048  /* Linux's bound on a robust list walk */

struct futex_key {
	/* (mm, address) with FUTEX_PRIVATE_FLAG; (mm | 1, address) without it in private
	 * memory: Linux keys the two apart (FUT_OFF_MMSHARED), so a private wake never
	 * reaches a shared waiter on the same word; (0, memory-file offset) without it in
	 * shared memory. */
	u64 a, b;
};

struct futex_waiter {
	struct st_list link;    /* in its bucket; empty once woken or gone */
	struct futex_key key;   /* changes under both buckets' locks (requeue) */
	u64 addr;               /* the word's address in t->mm; changes with key */
	u32 bitset;
	struct task *t;
	/* atomic: WOKEN_WAKE by a wake-up; for a PI waiter WOKEN_OWNER when an unlock
	 * handed it the lock, WOKEN_WAKE when it should try to take the word again */
	int woken;
	bool pi;                /* in FUTEX_LOCK_PI, or requeued to a PI futex */
	bool requeue_pi;        /* in FUTEX_WAIT_REQUEUE_PI: only CMP_REQUEUE_PI moves it */
};

#define WOKEN_WAKE 1
#define WOKEN_OWNER 2

struct futex_bucket {
	pthread_mutex_t lock;
	struct st_list waiters;
};

struct futex_table {
	struct futex_bucket b[FUTEX_BUCKETS];
};

int futex_table_new(struct futex_table **out)
{
	struct futex_table *ft = calloc(1, sizeof(*ft));

	if (!ft)
		return -ENOMEM;
	for (int i = 0; i < FUTEX_BUCKETS; i++) {
		pthread_mutex_init(&ft->b[i].lock, NULL);
		st_list_init(&ft->b[i].waiters);
	}
	*out = ft;
	return 0;
}

void futex_table_destroy(struct futex_table *ft)
{
	if (!ft)
		return;
	for (int i = 0; i < FUTEX_BUCKETS; i++)
		pthread_mutex_destroy(&ft->b[i].lock);
	free(ft);
}

static int futex_get_key(struct mm *mm, u64 addr, bool private, struct futex_key *key)
{
	struct vma *v;
	int err = 0;

	if (addr & 3)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	v = vma_find(mm, addr);
	if (!v)
		err = -EFAULT;
	else if (!private && v->pages) {
		/* A file's page: the memory-file offset every mapping of it shares. */
		u64 off;

		err = vma_file_page(mm, v, addr, &off) ? -EFAULT : 0;
		if (!err)
			*key = (struct futex_key){ 0, off + (addr & ~PAGE_MASK) };
	} else if (!private && (v->flags & VMA_SHARED))
		*key = (struct futex_key){ 0, v->off + (addr - v->start) };
	else
		*key = (struct futex_key){ (u64)(uintptr_t)mm | !private, addr };
	pthread_mutex_unlock(&mm->lock);
	return err;
}

static struct futex_bucket *bucket_of(struct futex_table *ft, const struct futex_key *k)
{
	u64 h = (k->a ^ (k->b >> 2)) * 0x9e3779b97f4a7c15ULL;

	return &ft->b[h >> 56];
}

static bool key_eq(const struct futex_key *x, const struct futex_key *y)
{
	return x->a == y->a && x->b == y->b;
}

/* Locks two buckets in address order (once if they are the same). */
static void lock_pair(struct futex_bucket *x, struct futex_bucket *y)
{
	if (x > y) {
		struct futex_bucket *tmp = x;

		x = y;
		y = tmp;
	}
	pthread_mutex_lock(&x->lock);
	if (x != y)
		pthread_mutex_lock(&y->lock);
}

static void unlock_pair(struct futex_bucket *x, struct futex_bucket *y)
{
	pthread_mutex_unlock(&x->lock);
	if (x != y)
		pthread_mutex_unlock(&y->lock);
}

/* Wakes up to @n waiters of @key in @b (locked) with a bit of @bitset. */
static int wake_locked(struct futex_bucket *b, const struct futex_key *key, int n,
		       u32 bitset)
{
	struct st_list *p, *next;
	int woken = 0;

	for (p = b->waiters.next; p != &b->waiters && woken < n; p = next) {
		struct futex_waiter *w = container_of(p, struct futex_waiter, link);

		next = p->next;
		if (!key_eq(&w->key, key) || !(w->bitset & bitset))
			continue;
		st_list_del(&w->link);
		st_list_init(&w->link);
		__atomic_store_n(&w->woken, WOKEN_WAKE, __ATOMIC_RELEASE);
		task_wake(w->t);
		woken++;
	}
	return woken;
}

/* Takes a waiter that gave up off whatever bucket a requeue left it in. */
static void waiter_leave(struct futex_table *ft, struct futex_waiter *w)
{
	for (;;) {
		struct futex_key key = w->key;
		struct futex_bucket *b = bucket_of(ft, &key);

		pthread_mutex_lock(&b->lock);
		if (key_eq(&key, &w->key)) {
			st_list_del(&w->link);
			st_list_init(&w->link);
			pthread_mutex_unlock(&b->lock);
			return;
		}
		pthread_mutex_unlock(&b->lock);
	}
}

/* The key of the word at @addr and the word itself (@write: to be written). */
static int word_of(struct task *t, u64 addr, bool private, bool write,
		   struct futex_key *key, u32 **word)
{
	int err = futex_get_key(t->mm, addr, private, key);

	if (err)
		return err;
	*word = mm_word_ptr(t->mm, addr, write);
	return *word ? 0 : -EFAULT;
}

/* Queues @w on its bucket if @word holds @val: 0, or -EAGAIN. */
static int queue_if_equal(struct futex_table *ft, struct futex_waiter *w, u32 *word,
			  u32 val)
{
	struct futex_bucket *b = bucket_of(ft, &w->key);

	pthread_mutex_lock(&b->lock);
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != val) {
		pthread_mutex_unlock(&b->lock);
		return -EAGAIN;
	}
	st_list_add_tail(&w->link, &b->waiters);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

/* Blocks queued @w until woken, host @deadline or an interrupt. Returns its woken
 * value (a waker took it off the queue), or -EINTR / -ETIMEDOUT once it took itself
 * off: woken while giving up still counts as woken (the waker counted it). */
static int block_queued(struct task *t, struct futex_waiter *w, s64 deadline)
{
	int err, woken;

	do {
		err = task_block(t, deadline);
		woken = __atomic_load_n(&w->woken, __ATOMIC_ACQUIRE);
		if (!woken && err != -EINTR && deadline >= 0 &&
		    ktime_host_mono_now() >= deadline)
			err = -ETIMEDOUT;
	} while (!woken && err != -EINTR && err != -ETIMEDOUT);
	if (woken)
		return woken;
	waiter_leave(t->k->futex, w);
	woken = __atomic_load_n(&w->woken, __ATOMIC_ACQUIRE);
	return woken ? woken : err;
}

int futex_wait(struct task *t, u64 addr, u32 val, u32 bitset, s64 deadline, bool private)
{
	struct futex_moved m;

	return futex_wait_moved(t, addr, val, bitset, deadline, private, &m);
}

int futex_wait_moved(struct task *t, u64 addr, u32 val, u32 bitset, s64 deadline,
		     bool private, struct futex_moved *moved)
{
	struct futex_waiter w = { .bitset = bitset, .t = t, .addr = addr };
	u32 *word;
	int err;

	if (!bitset)
		return -EINVAL;
	err = word_of(t, addr, private, false, &w.key, &word);
	if (err)
		return err;
	err = queue_if_equal(t->k->futex, &w, word, val);
	if (err)
		return err;
	err = block_queued(t, &w, deadline);
	if (err > 0)
		return 0;
	moved->addr = 0;
	if (w.addr != addr) {
		/* Read after leaving the queue: a waker that changes the word from now
		 * on finds it changed for a wait restarted with this value. */
		u32 *w2 = mm_word_ptr(t->mm, w.addr, false);

		if (w2) {
			moved->addr = w.addr;
			moved->val = __atomic_load_n(w2, __ATOMIC_SEQ_CST);
		}
	}
	return err;
}

int futex_wake(struct kernel *k, struct mm *mm, u64 addr, int n, u32 bitset,
	       bool private)
{
	struct futex_key key;
	struct futex_bucket *b;
	int err, woken;

	if (!bitset)
		return -EINVAL;
	n = MAX(n, 1);          /* Linux wakes one for a count of 0 or less */
	err = futex_get_key(mm, addr, private, &key);
	if (err)
		return err;
	b = bucket_of(k->futex, &key);
	pthread_mutex_lock(&b->lock);
	woken = wake_locked(b, &key, n, bitset);
	pthread_mutex_unlock(&b->lock);
	return woken;
}

int futex_requeue(struct kernel *k, struct mm *mm, u64 addr, u64 addr2, int nwake,
		  int nmove, bool cmp, u32 val, bool private)
{
	struct futex_key k1, k2;
	struct futex_bucket *b1, *b2;
	struct st_list *p, *next;
	u32 *word = NULL;
	int err, done;

	if (nwake < 0 || nmove < 0)
		return -EINVAL;
	err = futex_get_key(mm, addr, private, &k1);
	if (!err)
		err = futex_get_key(mm, addr2, private, &k2);
	if (err)
		return err;
	if (cmp && !(word = mm_word_ptr(mm, addr, false)))
		return -EFAULT;
	b1 = bucket_of(k->futex, &k1);
	b2 = bucket_of(k->futex, &k2);
	lock_pair(b1, b2);
	if (cmp && __atomic_load_n(word, __ATOMIC_SEQ_CST) != val) {
		unlock_pair(b1, b2);
		return -EAGAIN;
	}
	done = wake_locked(b1, &k1, nwake, FUTEX_BITSET_MATCH_ANY);
	for (p = b1->waiters.next; p != &b1->waiters && nmove > 0; p = next) {
		struct futex_waiter *w = container_of(p, struct futex_waiter, link);

		next = p->next;
		if (!key_eq(&w->key, &k1))
			continue;
		st_list_del(&w->link);
		w->key = k2;
		w->addr = addr2;
		st_list_add_tail(&w->link, &b2->waiters);
		nmove--;
		done++;
	}
	unlock_pair(b1, b2);
	return done;
}

/* FUTEX_OP_*: the new value, or -ENOSYS for an unknown operation. */
static s64 wake_op_apply(u32 op, u32 old, u32 arg)
{
	switch ((op >> 28) & 7) {
	case FUTEX_OP_SET: return arg;
	case FUTEX_OP_ADD: return old + arg;
	case FUTEX_OP_OR: return old | arg;
	case FUTEX_OP_ANDN: return old & ~arg;
	case FUTEX_OP_XOR: return old ^ arg;
	}
	return -ENOSYS;
}

static int wake_op_cmp(u32 op, u32 old)
{
	s32 o = old, arg = (s32)(op << 20) >> 20;  /* 12-bit signed */

	switch ((op >> 24) & 15) {
	case FUTEX_OP_CMP_EQ: return o == arg;
	case FUTEX_OP_CMP_NE: return o != arg;
	case FUTEX_OP_CMP_LT: return o < arg;
	case FUTEX_OP_CMP_LE: return o <= arg;
	case FUTEX_OP_CMP_GT: return o > arg;
	case FUTEX_OP_CMP_GE: return o >= arg;
	}
	return -ENOSYS;
}

int futex_wake_op(struct kernel *k, struct mm *mm, u64 addr, u64 addr2, int n, int n2,
		  u32 op, bool private)
{
	struct futex_key k1, k2;
	struct futex_bucket *b1, *b2;
	u32 arg = (s32)(op << 8) >> 20;     /* bits 12-23, sign-extended */
	u32 *word, old;
	int err, woken, cmp;

	if ((op >> 31) & 1)             /* FUTEX_OP_OPARG_SHIFT */
		arg = 1U << (arg & 31);
	n = MAX(n, 1);          /* as in futex_wake, each count wakes at least one */
	n2 = MAX(n2, 1);
	err = futex_get_key(mm, addr, private, &k1);
	if (!err)
		err = futex_get_key(mm, addr2, private, &k2);
	if (err)
		return err;
	if (wake_op_apply(op, 0, 0) == -ENOSYS || wake_op_cmp(op, 0) < 0)
		return -ENOSYS;
	word = mm_word_ptr(mm, addr2, true);
	if (!word)
		return -EFAULT;
	b1 = bucket_of(k->futex, &k1);
	b2 = bucket_of(k->futex, &k2);
	lock_pair(b1, b2);
	old = __atomic_load_n(word, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(word, &old, (u32)wake_op_apply(op, old, arg),
					    false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		;
	woken = wake_locked(b1, &k1, n, FUTEX_BITSET_MATCH_ANY);
	cmp = wake_op_cmp(op, old);
	if (cmp > 0)
		woken += wake_locked(b2, &k2, n2, FUTEX_BITSET_MATCH_ANY);
	unlock_pair(b1, b2);
	return woken;
}

/* One robust futex at @uaddr held by dying @t: mark it, wake a waiter. A PI
 * futex's waiters (on either key: Linux wakes them from the owner's PI state, not
 * by key) try to take the word again and find it theirs with FUTEX_OWNER_DIED. */
static void robust_release(struct task *t, u64 uaddr, bool pi)
{
	u32 *word = mm_word_ptr(t->mm, uaddr, true);
	u32 old;

	if (!word)
		return;
	old = __atomic_load_n(word, __ATOMIC_RELAXED);
	do {
		if ((old & FUTEX_TID_MASK) != t->tid)
			return;
	} while (!__atomic_compare_exchange_n(word, &old,
					      (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED,
					      false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	if (!(old & FUTEX_WAITERS))
		return;
	futex_wake(t->k, t->mm, uaddr, 1, FUTEX_BITSET_MATCH_ANY, false);
	if (pi)
		futex_wake(t->k, t->mm, uaddr, 1, FUTEX_BITSET_MATCH_ANY, true);
}

void futex_exit_robust_list(struct task *t)
{
	struct { u64 next; s64 offset; u64 pending; } head;
	u64 entry;
	int n = 0;

	if (!t->robust_list || !t->mm ||
	    mm_copy_in(t->mm, &head, t->robust_list, sizeof(head)))
		return;
	for (entry = head.next; entry != t->robust_list && n < ROBUST_LIST_LIMIT; n++) {
		u64 next;

		if (mm_copy_in(t->mm, &next, entry & ~1ULL, sizeof(next)))
			return;
		if (entry != head.pending)
			robust_release(t, (entry & ~1ULL) + head.offset, entry & 1);
		entry = next;
	}
	if (head.pending)
		robust_release(t, (head.pending & ~1ULL) + head.offset, head.pending & 1);
}

/*
 * Priority-inheritance futexes (after kernel/futex/pi.c): the word holds the owner's
 * tid, FUTEX_WAITERS while the kernel has waiters (so the owner's unlock comes here)
 * and FUTEX_OWNER_DIED once a robust owner died. Waiters queue in FIFO order and an
 * unlock hands the lock to the first, writing its tid into the word. There is no
 * priority inheritance: the Sentry does not schedule by priority, so an owner is
 * never boosted and waiters of any priority are served in arrival order.
 */

enum owner_state { OWNER_ALIVE, OWNER_EXITING, OWNER_GONE };

/* Is @tid a task of the sandbox, one on its way out, or none (handle_exit_race)? */
static enum owner_state owner_state(struct kernel *k, u32 tid)
{
	enum owner_state st = OWNER_GONE;
	struct st_list *p;

	pthread_mutex_lock(&k->lock);
	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);
		struct task *o;

		tg_for_each_task(o, tg)
			if (o->tid == tid && !o->exited)
				st = o->exiting ? OWNER_EXITING : OWNER_ALIVE;
	}
	pthread_mutex_unlock(&k->lock);
	return st;
}

static bool has_pi_waiter(struct futex_bucket *b, const struct futex_key *key)
{
	struct st_list *p;

	st_list_for_each(p, &b->waiters) {
		struct futex_waiter *w = container_of(p, struct futex_waiter, link);

		if (w->pi && key_eq(&w->key, key))
			return true;
	}
	return false;
}

/*
 * futex_lock_pi_atomic: takes the word for @t if it has no owner (keeping
 * FUTEX_OWNER_DIED, adding FUTEX_WAITERS when others wait), else marks it
 * FUTEX_WAITERS. 0 taken, 1 the caller must wait, 2 the word changed (retry),
 * -EDEADLK, -ESRCH (the owner is gone), -EAGAIN (the owner is exiting: retry).
 * Bucket locked; @v is the word read before the lock, @st its owner's state.
 */
static int pi_try_locked(struct task *t, struct futex_bucket *b,
			 const struct futex_key *key, u32 *word, u32 v,
			 enum owner_state st)
{
	u32 tid = v & FUTEX_TID_MASK, nv;

	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != v)
		return 2;
	if (tid == t->tid)
		return -EDEADLK;
	if (!tid) {
		nv = (v & FUTEX_OWNER_DIED) | t->tid;
		if (has_pi_waiter(b, key))
			nv |= FUTEX_WAITERS;
		return __atomic_compare_exchange_n(word, &v, nv, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_RELAXED) ? 0 : 2;
	}
	if (st == OWNER_GONE)
		return -ESRCH;
	if (st == OWNER_EXITING)
		return -EAGAIN;
	if (v & FUTEX_WAITERS)
		return 1;
	return __atomic_compare_exchange_n(word, &v, v | FUTEX_WAITERS, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED) ? 1 : 2;
}

/* One attempt under the bucket lock, the owner looked up before taking it (the
 * kernel lock is never taken under a bucket's). Bucket left locked when it returns
 * 1 (wait). */
static int pi_try(struct task *t, struct futex_bucket *b, const struct futex_key *key,
		  u32 *word)
{
	for (;;) {
		u32 v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		u32 tid = v & FUTEX_TID_MASK;
		enum owner_state st = tid && tid != t->tid ? owner_state(t->k, tid)
							  : OWNER_ALIVE;
		int r;

		pthread_mutex_lock(&b->lock);
		r = pi_try_locked(t, b, key, word, v, st);
		if (r == 1)
			return 1;
		pthread_mutex_unlock(&b->lock);
		if (r == -EAGAIN)
			sched_yield();  /* its robust list is being handled */
		else if (r != 2)
			return r;
	}
}

int futex_lock_pi(struct task *t, u64 addr, s64 deadline, bool private, bool trylock)
{
	struct futex_table *ft = t->k->futex;
	struct futex_waiter w = { .bitset = FUTEX_BITSET_MATCH_ANY, .t = t, .addr = addr,
				  .pi = true };
	struct futex_bucket *b;
	u32 *word;
	int err, woken;

	err = word_of(t, addr, private, true, &w.key, &word);
	if (err)
		return err;
	b = bucket_of(ft, &w.key);
	for (;;) {
		err = pi_try(t, b, &w.key, word);
		if (err != 1)
			return err;
		if (trylock || (deadline >= 0 && ktime_host_mono_now() >= deadline)) {
			pthread_mutex_unlock(&b->lock);
			return trylock ? -EAGAIN : -ETIMEDOUT;
		}
		__atomic_store_n(&w.woken, 0, __ATOMIC_RELAXED);
		st_list_add_tail(&w.link, &b->waiters);
		pthread_mutex_unlock(&b->lock);

		woken = block_queued(t, &w, deadline);
		if (woken == WOKEN_OWNER)
			return 0;
		if (woken < 0)
			return woken;
		/* Told to try again, perhaps on another word: a requeue moved it. */
		word = w.addr == addr ? word : mm_word_ptr(t->mm, w.addr, true);
		addr = w.addr;
		if (!word)
			return -EFAULT;
		b = bucket_of(ft, &w.key);
	}
}

int futex_unlock_pi(struct task *t, u64 addr, bool private)
{
	struct futex_key key;
	struct futex_bucket *b;
	struct st_list *p;
	u32 *word, v;
	int err;

	err = word_of(t, addr, private, true, &key, &word);
	if (err)
		return err;
	b = bucket_of(t->k->futex, &key);
	pthread_mutex_lock(&b->lock);
	v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	if ((v & FUTEX_TID_MASK) != t->tid) {
		pthread_mutex_unlock(&b->lock);
		return -EPERM;
	}
	st_list_for_each(p, &b->waiters) {
		struct futex_waiter *w = container_of(p, struct futex_waiter, link);

		if (!w->pi || !key_eq(&w->key, &key))
			continue;
		/* wake_futex_pi: the new owner's tid, FUTEX_WAITERS kept set */
		__atomic_store_n(word, w->t->tid | FUTEX_WAITERS, __ATOMIC_SEQ_CST);
		st_list_del(&w->link);
		st_list_init(&w->link);
		__atomic_store_n(&w->woken, WOKEN_OWNER, __ATOMIC_RELEASE);
		task_wake(w->t);
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	/* No waiter: the word goes back to 0 whatever bits the owner's users set. */
	while (!__atomic_compare_exchange_n(word, &v, 0, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED))
		if ((v & FUTEX_TID_MASK) != t->tid)
			break;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int futex_wait_requeue_pi(struct task *t, u64 addr, u32 val, s64 deadline, bool private,
			  u64 addr2, u64 *moved)
{
	struct futex_table *ft = t->k->futex;
	struct futex_waiter w = { .bitset = FUTEX_BITSET_MATCH_ANY, .t = t, .addr = addr,
				  .requeue_pi = true };
	u32 *word;
	int err, woken;

	if (addr == addr2)
		return -EINVAL;
	err = word_of(t, addr, private, false, &w.key, &word);
	if (err)
		return err;
	*moved = 0;
	err = queue_if_equal(ft, &w, word, val);
	if (err)
		return err;
	woken = block_queued(t, &w, deadline);
	err = woken < 0 ? woken : 0;
	if (woken == WOKEN_OWNER)
		return 0;
	if (woken > 0)  /* requeued, then told to take the word: go on as LOCK_PI */
		return w.pi ? futex_lock_pi(t, w.addr, deadline, private, false) : -EAGAIN;
	if (err == -ETIMEDOUT)
		return err;
	/* Interrupted: before the requeue the call restarts; after it the caller
	 * decides (*moved: the PI word it waits on now). */
	*moved = w.pi ? w.addr : 0;
	return w.pi ? -EINTR : -ERESTARTNOINTR;
}

/* The first FUTEX_WAIT_REQUEUE_PI waiter of @key in @b, or NULL. */
static struct futex_waiter *top_requeue_pi(struct futex_bucket *b,
					   const struct futex_key *key)
{
	struct st_list *p;

	st_list_for_each(p, &b->waiters) {
		struct futex_waiter *w = container_of(p, struct futex_waiter, link);

		if (w->requeue_pi && !w->pi && key_eq(&w->key, key))
			return w;
	}
	return NULL;
}

int futex_cmp_requeue_pi(struct task *t, u64 addr, u64 addr2, int nwake, int nmove,
			 u32 val, bool private)
{
	struct futex_table *ft = t->k->futex;
	struct futex_key k1, k2;
	struct futex_bucket *b1, *b2;
	struct futex_waiter *top;
	u32 *word, *word2;
	int err, done;

	if (nwake != 1 || nmove < 0 || addr == addr2)
		return -EINVAL;
	err = futex_get_key(t->mm, addr, private, &k1);
	if (!err)
		err = futex_get_key(t->mm, addr2, private, &k2);
	if (err)
		return err;
	word = mm_word_ptr(t->mm, addr, false);
	word2 = mm_word_ptr(t->mm, addr2, true);
	if (!word || !word2)
		return -EFAULT;
	b1 = bucket_of(ft, &k1);
	b2 = bucket_of(ft, &k2);
	for (;;) {
		u32 v2 = __atomic_load_n(word2, __ATOMIC_SEQ_CST);
		u32 tid = v2 & FUTEX_TID_MASK;
		enum owner_state st = tid ? owner_state(t->k, tid) : OWNER_ALIVE;
		int r = 1;

		lock_pair(b1, b2);
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != val) {
			unlock_pair(b1, b2);
			return -EAGAIN;
		}
		done = 0;
		top = top_requeue_pi(b1, &k1);
		/* futex_proxy_trylock_atomic: the first waiter takes the PI word if free */
		if (top)
			r = pi_try_locked(top->t, b2, &k2, word2, v2, st);
		if (r == 0) {
			st_list_del(&top->link);
			st_list_init(&top->link);
			__atomic_store_n(&top->woken, WOKEN_OWNER, __ATOMIC_RELEASE);
			task_wake(top->t);
			done = 1;
		} else if (r == 2 || r == -EAGAIN) {
			unlock_pair(b1, b2);
			if (r == -EAGAIN)
				sched_yield();
			continue;
		} else if (r < 0) {
			unlock_pair(b1, b2);
			return r;
		} else if (top) {
			nmove++;        /* the one not woken is moved, as Linux counts */
		}
		while (nmove > 0 && (top = top_requeue_pi(b1, &k1))) {
			st_list_del(&top->link);
			top->key = k2;
			top->addr = addr2;
			top->pi = true;
			st_list_add_tail(&top->link, &b2->waiters);
			__atomic_or_fetch(word2, FUTEX_WAITERS, __ATOMIC_SEQ_CST);
			nmove--;
			done++;
		}
		unlock_pair(b1, b2);
		return done;
	}
}
