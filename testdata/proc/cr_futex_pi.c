/*
 * cr_futex_pi (zdtm form, testdata/cr/cr.h): threads blocked across a checkpoint in
 * FUTEX_LOCK_PI on a raw word, in pthread_mutex_lock on a PTHREAD_PRIO_INHERIT
 * mutex, in a FUTEX_WAIT that CMP_REQUEUE moved to another word, and in a
 * WAIT_REQUEUE_PI that CMP_REQUEUE_PI moved to a PI word. After the restore and
 * SIGUSR1 the main thread releases each, and each must get what it waited for: the
 * lock handed over, or the wake-up on the word it was moved to.
 */
#include "../cr/cr.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>

static long fx(uint32_t *w, int op, uint32_t val, const void *ts, uint32_t *w2,
	       uint32_t val3)
{
	return syscall(SYS_futex, w, op, val, ts, w2, val3);
}

static uint32_t pi_word, q1, q2, cond, pi2;
static pthread_mutex_t mutex;
static long res[4];
static int owns[4];

static void *lock_raw(void *arg)
{
	(void)arg;
	res[0] = fx(&pi_word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	owns[0] = (pi_word & FUTEX_TID_MASK) == (uint32_t)gettid();
	fx(&pi_word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	return NULL;
}

static void *lock_mutex(void *arg)
{
	(void)arg;
	res[1] = pthread_mutex_lock(&mutex);
	owns[1] = 1;
	pthread_mutex_unlock(&mutex);
	return NULL;
}

static void *wait_q1(void *arg)
{
	(void)arg;
	/* Woken on q2 after the requeue; a spurious return would show as q2 still 0. */
	while (fx(&q1, FUTEX_WAIT, 0, NULL, NULL, 0) && errno == EINTR)
		;
	res[2] = 0;
	owns[2] = __atomic_load_n(&q2, __ATOMIC_SEQ_CST) == 1;
	return NULL;
}

static void *wait_requeue_pi(void *arg)
{
	(void)arg;
	res[3] = fx(&cond, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &pi2, 0);
	owns[3] = (pi2 & FUTEX_TID_MASK) == (uint32_t)gettid();
	fx(&pi2, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	return NULL;
}

/* Repeats @op until it has moved one waiter (nothing shows when one is queued). */
static void move_one(int op, uint32_t *from, uint32_t *to)
{
	long r;

	while ((r = fx(from, op, op == FUTEX_CMP_REQUEUE ? 0 : 1, (void *)1, to, 0)) == 0)
		usleep(1000);
	if (r != 1) {
		cr_say("requeue: %ld %s\n", r, strerrorname_np(errno));
		exit(1);
	}
}

int main(void)
{
	pthread_mutexattr_t at;
	pthread_t th[4];
	long woken;
	int bad = 0;

	cr_arm();
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&mutex, &at);
	fx(&pi_word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	pthread_mutex_lock(&mutex);
	fx(&pi2, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	pthread_create(&th[0], NULL, lock_raw, NULL);
	pthread_create(&th[1], NULL, lock_mutex, NULL);
	pthread_create(&th[2], NULL, wait_q1, NULL);
	pthread_create(&th[3], NULL, wait_requeue_pi, NULL);
	move_one(FUTEX_CMP_REQUEUE, &q1, &q2);
	move_one(FUTEX_CMP_REQUEUE_PI, &cond, &pi2);
	while (!(__atomic_load_n(&pi_word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS) ||
	       !(__atomic_load_n((uint32_t *)&mutex, __ATOMIC_SEQ_CST) & FUTEX_WAITERS))
		usleep(1000);
	cr_say("ready\n");
	cr_wait();

	cr_say("unlock raw: %ld\n", fx(&pi_word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	pthread_join(th[0], NULL);
	cr_say("unlock mutex: %d\n", pthread_mutex_unlock(&mutex));
	pthread_join(th[1], NULL);
	__atomic_store_n(&q2, 1, __ATOMIC_SEQ_CST);
	woken = fx(&q2, FUTEX_WAKE, 1, NULL, NULL, 0);
	pthread_join(th[2], NULL);
	cr_say("wake q2: %s\n", woken >= 0 ? "ok" : strerrorname_np(errno));
	cr_say("unlock pi2: %ld\n", fx(&pi2, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	pthread_join(th[3], NULL);
	for (int i = 0; i < 4; i++) {
		cr_say("waiter %d: %ld got it %d\n", i, res[i], owns[i]);
		bad |= res[i] != 0 || !owns[i];
	}
	return bad;
}
