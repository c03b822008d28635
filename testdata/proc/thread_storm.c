/*
 * 64 threads hammering a mutex, two condition variables and a barrier at once (issue
 * #7). Each round, every thread: increments a counter under the mutex (with some
 * trylocks), meets the others at the barrier, takes its turn in a ring ordered by a
 * condition variable (thread i runs when turn % 64 == i, then broadcasts), passes
 * items through a bounded queue (put one, get one, cond_signal on both sides), and
 * meets the others again. Only totals are printed, all deterministic whatever the
 * interleaving: the counter, the number of barrier serial threads, a hash of the ring's
 * order, the queue's sum.
 *   tp_thread_storm [ROUNDS]   (default 6)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NT 64
#define INCS 400
#define ITEMS 40
#define QCAP 8

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #c); \
			    exit(1); } } while (0)

static int rounds = 6;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;            /* mu */
static long trylock_hits;       /* mu; timing-dependent, never printed */

static pthread_barrier_t bar;
static atomic_int serials;

static pthread_mutex_t ring_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ring_cv = PTHREAD_COND_INITIALIZER;
static long turn;               /* ring_mu */
static uint64_t ring_hash = 1469598103934665603ull;     /* ring_mu */

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER;
static long q[QCAP], q_head, q_tail;    /* q_mu */
static long q_sum;              /* q_mu */

static atomic_int tids_ok;

static void barrier(void)
{
	int r = pthread_barrier_wait(&bar);

	CHECK(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD);
	if (r == PTHREAD_BARRIER_SERIAL_THREAD)
		atomic_fetch_add(&serials, 1);
}

static void q_put(long v)
{
	pthread_mutex_lock(&q_mu);
	while (q_tail - q_head == QCAP)
		pthread_cond_wait(&q_not_full, &q_mu);
	q[q_tail++ % QCAP] = v;
	pthread_cond_signal(&q_not_empty);
	pthread_mutex_unlock(&q_mu);
}

static long q_get(void)
{
	long v;

	pthread_mutex_lock(&q_mu);
	while (q_tail == q_head)
		pthread_cond_wait(&q_not_empty, &q_mu);
	v = q[q_head++ % QCAP];
	q_sum += v;
	pthread_cond_signal(&q_not_full);
	pthread_mutex_unlock(&q_mu);
	return v;
}

static void *worker(void *arg)
{
	long id = (long)arg;
	pid_t tid = syscall(SYS_gettid);

	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < INCS; i++) {
			if (i % 16 == 0 && pthread_mutex_trylock(&mu) == 0) {
				trylock_hits++;
			} else {
				pthread_mutex_lock(&mu);
			}
			counter++;
			pthread_mutex_unlock(&mu);
		}
		barrier();

		pthread_mutex_lock(&ring_mu);
		while (turn % NT != id)
			pthread_cond_wait(&ring_cv, &ring_mu);
		ring_hash = (ring_hash ^ (uint64_t)(id * 1000 + r)) * 1099511628211ull;
		turn++;
		pthread_cond_broadcast(&ring_cv);
		pthread_mutex_unlock(&ring_mu);

		for (int i = 0; i < ITEMS; i++) {
			q_put(id * ITEMS + i + r);
			q_get();
		}
		barrier();
	}
	if (syscall(SYS_gettid) == tid)
		atomic_fetch_add(&tids_ok, 1);
	return (void *)id;
}

int main(int argc, char **argv)
{
	pthread_t th[NT];
	long expect_sum = 0;

	if (argc > 1)
		rounds = atoi(argv[1]);
	CHECK(rounds > 0);
	CHECK(!pthread_barrier_init(&bar, NULL, NT));
	for (long i = 0; i < NT; i++) {
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 * 1024);
		CHECK(!pthread_create(&th[i], &a, worker, (void *)i));
		pthread_attr_destroy(&a);
	}
	for (long i = 0; i < NT; i++) {
		void *ret;

		CHECK(!pthread_join(th[i], &ret));
		CHECK(ret == (void *)i);
	}
	for (long id = 0; id < NT; id++)
		for (int r = 0; r < rounds; r++)
			for (int i = 0; i < ITEMS; i++)
				expect_sum += id * ITEMS + i + r;
	printf("threads %d rounds %d\n", NT, rounds);
	printf("mutex counter %ld (expected %ld)\n", counter, (long)NT * INCS * rounds);
	printf("barrier serial threads %d (expected %d)\n", atomic_load(&serials), 2 * rounds);
	printf("ring turns %ld hash %016llx\n", turn, (unsigned long long)ring_hash);
	printf("queue sum %ld (expected %ld), left %ld\n", q_sum, expect_sum, q_tail - q_head);
	printf("threads kept their tids %d\n", atomic_load(&tids_ok));
	fprintf(stderr, "trylock hits %ld\n", trylock_hits);
	CHECK(!pthread_barrier_destroy(&bar));
	return counter == (long)NT * INCS * rounds && q_sum == expect_sum ? 0 : 1;
}
