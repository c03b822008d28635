/*
 * futex_pi: priority-inheritance futexes. Raw LOCK_PI/LOCK_PI2/TRYLOCK_PI/UNLOCK_PI
 * on a word (the TID protocol, FUTEX_WAITERS, EDEADLK, EPERM, ESRCH for a dead
 * owner, EAGAIN, timeouts on both clocks, bad arguments), the hand-over to a waiter,
 * WAIT_REQUEUE_PI/CMP_REQUEUE_PI, a PTHREAD_PRIO_INHERIT mutex contended by eight
 * threads, and robust PI mutexes whose owner dies: a thread, with a waiter blocked,
 * and a process sharing the mutex. Prints outcomes, never timings; compared with a
 * native run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

#define P(expr) do { errno = 0; long r_ = (expr); \
	printf("%-64s -> %ld%s%s\n", #expr, r_, r_ < 0 ? " " : "", \
	       r_ < 0 ? strerrorname_np(errno) : ""); } while (0)

static long fx(uint32_t *w, int op, uint32_t val, const struct timespec *ts,
	       uint32_t *w2, uint32_t val3)
{
	return syscall(SYS_futex, w, op, val, ts, w2, val3);
}

static uint32_t word, word2, cond;
static int blocking;
static pid_t main_tid;

/* The word's bits relative to the expected owner: "owner+waiters" etc. */
static void show(const char *what, uint32_t v, pid_t owner)
{
	printf("%s: %s%s%s%s\n", what,
	       (v & FUTEX_TID_MASK) == 0 ? "free" :
	       (v & FUTEX_TID_MASK) == (uint32_t)owner ? "owner" : "other",
	       v & FUTEX_WAITERS ? "+waiters" : "", v & FUTEX_OWNER_DIED ? "+died" : "", "");
}

static struct timespec abs_in(clockid_t c, long ms)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

static void *other_thread(void *arg)
{
	struct timespec ts;
	long r;

	(void)arg;
	P(fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	P(fx(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0));
	show("after trylock", word, main_tid);
	ts = abs_in(CLOCK_REALTIME, 50);
	P(fx(&word, FUTEX_LOCK_PI, 0, &ts, NULL, 0));
	ts = abs_in(CLOCK_MONOTONIC, 50);
	P(fx(&word, FUTEX_LOCK_PI2, 0, &ts, NULL, 0));
	ts = abs_in(CLOCK_REALTIME, 50);
	P(fx(&word, FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME, 0, &ts, NULL, 0));
	ts.tv_nsec = 2000000000L;
	P(fx(&word, FUTEX_LOCK_PI, 0, &ts, NULL, 0));
	/* Blocks until main unlocks: the lock is handed over. */
	__atomic_store_n(&blocking, 1, __ATOMIC_SEQ_CST);
	r = fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	printf("waiter got the lock: %ld, word mine %d\n", r,
	       (word & FUTEX_TID_MASK) == (uint32_t)gettid());
	P(fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	return NULL;
}

static void raw(void)
{
	pthread_t th;
	long r;

	main_tid = gettid();
	P(fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	show("locked", word, main_tid);
	P(fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	P(fx(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0));
	P(fx((uint32_t *)((char *)&word + 1), FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	P(fx(NULL, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	P(fx(&word, FUTEX_UNLOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0));
	pthread_create(&th, NULL, other_thread, NULL);
	/* Let the other thread block in LOCK_PI: the word shows FUTEX_WAITERS. */
	while (!__atomic_load_n(&blocking, __ATOMIC_SEQ_CST))
		usleep(1000);
	usleep(100000);         /* usually in the kernel by now; either way works */
	show("contended", word, main_tid);
	r = fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	pthread_join(th, NULL);
	printf("unlock to the waiter: %ld\n", r);
	show("after hand-over and unlock", word, main_tid);

	/* A dead owner that left its tid behind. */
	word2 = 999999;
	P(fx(&word2, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	P(fx(&word2, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0));
	word2 = FUTEX_OWNER_DIED;
	P(fx(&word2, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	show("taken from a dead owner", word2, main_tid);
	P(fx(&word2, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	show("unlocked", word2, main_tid);
	P(fx(&word2, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
}

static void *requeue_waiter(void *arg)
{
	long r = fx(&cond, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &word, 0);

	(void)arg;
	printf("requeue waiter: %ld, owns %d\n", r,
	       (word & FUTEX_TID_MASK) == (uint32_t)gettid());
	fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	return NULL;
}

/* Requeues until @n waiters were woken or moved: a waiter is queued at some point
 * after its thread starts, and nothing shows when. */
static long requeue_until(int n, uint32_t nmove, uint32_t val)
{
	long done = 0, r;

	while (done < n) {
		r = fx(&cond, FUTEX_CMP_REQUEUE_PI, 1, (void *)(uintptr_t)nmove, &word, val);
		if (r < 0) {
			printf("requeue failed: %s\n", strerrorname_np(errno));
			exit(1);
		}
		done += r;
		if (done < n)
			usleep(1000);
	}
	return done;
}

static void requeue(void)
{
	pthread_t a, b;
	long n;

	word = 0;
	cond = 0;
	P(fx(&cond, FUTEX_WAIT_REQUEUE_PI, 1, NULL, &word, 0));
	P(fx(&cond, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &cond, 0));
	P(fx(&cond, FUTEX_CMP_REQUEUE_PI, 2, (void *)0, &word, 0));
	P(fx(&cond, FUTEX_CMP_REQUEUE_PI, 1, (void *)0, &cond, 0));
	P(fx(&cond, FUTEX_CMP_REQUEUE_PI, 1, (void *)0, &word, 5));
	P(fx(&cond, FUTEX_CMP_REQUEUE_PI, 1, (void *)0, &word, 0));

	/* The PI word is free: the first waiter takes it at the requeue. */
	pthread_create(&a, NULL, requeue_waiter, (void *)1);
	n = requeue_until(1, 0, 0);
	pthread_join(a, NULL);
	printf("woken or requeued %ld\n", n);
	show("after requeue 1", word, main_tid);

	/* Held by us: both waiters move to the PI word and get it in turn. */
	P(fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	pthread_create(&a, NULL, requeue_waiter, (void *)2);
	pthread_create(&b, NULL, requeue_waiter, (void *)3);
	n = requeue_until(2, 1, 0);
	printf("woken or requeued %ld\n", n);
	show("requeued", word, main_tid);
	n = fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("unlock to the requeued waiters: %ld\n", n);
	show("after requeue 2", word, main_tid);
}

static pthread_mutex_t pi_mutex;
static long counter;

static void *contend(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3000; i++) {
		pthread_mutex_lock(&pi_mutex);
		counter++;
		pthread_mutex_unlock(&pi_mutex);
	}
	return NULL;
}

static void pi_mutex_contended(void)
{
	pthread_mutexattr_t at;
	pthread_t th[8];
	int proto = -1;

	pthread_mutexattr_init(&at);
	P(pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT));
	pthread_mutexattr_getprotocol(&at, &proto);
	printf("protocol inherit %d\n", proto == PTHREAD_PRIO_INHERIT);
	P(pthread_mutex_init(&pi_mutex, &at));
	for (int i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, contend, NULL);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	printf("counter %ld\n", counter);
	P(pthread_mutex_trylock(&pi_mutex));
	P(pthread_mutex_trylock(&pi_mutex));
	P(pthread_mutex_unlock(&pi_mutex));
}

static pthread_mutex_t *robust;
static pthread_barrier_t bar;

static void *die_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(robust);
	pthread_barrier_wait(&bar);
	if (arg)
		usleep(200000);         /* let the waiter block first */
	return NULL;                    /* exits holding it */
}

static void *blocked_waiter(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	printf("blocked waiter: %s\n", strerrorname_np(pthread_mutex_lock(robust)));
	pthread_mutex_consistent(robust);
	pthread_mutex_unlock(robust);
	return NULL;
}

static void robust_pi(void)
{
	pthread_mutexattr_t at;
	pthread_t th, w;
	int st;

	robust = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(robust, &at);

	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&th, NULL, die_holding, NULL);
	pthread_barrier_wait(&bar);
	pthread_join(th, NULL);
	printf("dead thread owner: %s\n", strerrorname_np(pthread_mutex_lock(robust)));
	P(pthread_mutex_consistent(robust));
	P(pthread_mutex_unlock(robust));
	printf("again: %s\n", strerrorname_np(pthread_mutex_lock(robust)));
	P(pthread_mutex_unlock(robust));

	pthread_barrier_destroy(&bar);
	pthread_barrier_init(&bar, NULL, 3);
	pthread_create(&th, NULL, die_holding, (void *)1);
	pthread_create(&w, NULL, blocked_waiter, NULL);
	pthread_barrier_wait(&bar);
	pthread_join(th, NULL);
	pthread_join(w, NULL);

	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutex_destroy(robust);
	pthread_mutex_init(robust, &at);
	if (fork() == 0) {
		pthread_mutex_lock(robust);
		_exit(0);
	}
	wait(&st);
	printf("dead process owner: %s\n", strerrorname_np(pthread_mutex_lock(robust)));
	P(pthread_mutex_consistent(robust));
	P(pthread_mutex_unlock(robust));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	raw();
	requeue();
	pi_mutex_contended();
	robust_pi();
	return 0;
}
