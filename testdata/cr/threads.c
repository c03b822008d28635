/*
 * threads: a multi-threaded process checkpointed with its threads in every state a
 * thread is usually in: computing (registers and FPU mid-loop), blocked on a
 * condition variable (futex wait), holding a mutex while blocked on a semaphore,
 * sleeping in clock_nanosleep, blocked in pthread_join, and with a thread-directed
 * signal pending while blocked. After SIGUSR1 (after restore) main releases them all;
 * each reports, and the process checks that every thread kept its tid. Exits 0 when
 * all is as it was.
 */
#include "cr.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#define NCOMPUTE 2

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static int go;
static atomic_int started, stop_compute, usr2_hits;
static pid_t tid_at_start[8];

static pid_t tid(void) { return syscall(SYS_gettid); }

static int check_tid(int slot)
{
	return tid() == tid_at_start[slot];
}

static void *compute(void *arg)
{
	long slot = (long)arg;
	uint64_t seed = slot, h = 0;
	double x = 1.0;
	long n = 0;

	tid_at_start[slot] = tid();
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop_compute) || n < 1000000) {
		h = cr_splitmix(&seed) ^ (h * 31);
		x = x * 1.0000001 + 1e-9;
		n++;
		if (n == 4000000000L)
			break;
	}
	/* The work done depends on timing; its consistency does not. */
	return (void *)(long)(check_tid(slot) && x > 1.0 && h != 0 ? 1 : 0);
}

static void *cond_waiter(void *arg)
{
	long slot = (long)arg;

	tid_at_start[slot] = tid();
	pthread_mutex_lock(&mu);
	atomic_fetch_add(&started, 1);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return (void *)(long)check_tid(slot);
}

static void *holder(void *arg)
{
	long slot = (long)arg;

	tid_at_start[slot] = tid();
	pthread_mutex_lock(&held);
	atomic_fetch_add(&started, 1);
	while (sem_wait(&sem) && errno == EINTR)
		;
	pthread_mutex_unlock(&held);
	return (void *)(long)check_tid(slot);
}

static void on_usr2(int sig)
{
	(void)sig;
	atomic_fetch_add(&usr2_hits, 1);
}

static void *sleeper(void *arg)
{
	long slot = (long)arg;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	sigset_t s;

	tid_at_start[slot] = tid();
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop_compute))
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	return (void *)(long)(check_tid(slot) && atomic_load(&usr2_hits) == 1);
}

static void *joiner(void *arg)
{
	pthread_t *target = arg;
	void *r;

	atomic_fetch_add(&started, 1);
	pthread_join(*target, &r);
	return r;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr2 };
	pthread_t th[8], cond2;
	void *r;
	int ok = 1, i;
	sigset_t s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	cr_arm();
	/* SIGUSR2 blocked everywhere but in the sleeper. */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sem_init(&sem, 0, 0);
	for (i = 0; i < NCOMPUTE; i++)
		pthread_create(&th[i], NULL, compute, (void *)(long)i);
	pthread_create(&th[2], NULL, cond_waiter, (void *)2L);
	pthread_create(&cond2, NULL, cond_waiter, (void *)3L);
	pthread_create(&th[3], NULL, joiner, &cond2);
	pthread_create(&th[4], NULL, holder, (void *)4L);
	pthread_create(&th[5], NULL, sleeper, (void *)5L);
	while (atomic_load(&started) < 7)
		usleep(1000);
	/* A thread-directed signal the sleeper takes (before the checkpoint, or after). */
	pthread_kill(th[5], SIGUSR2);
	cr_say("ready: 7 threads\n");
	cr_wait();

	pthread_mutex_lock(&mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	sem_post(&sem);
	atomic_store(&stop_compute, 1);
	for (i = 0; i < 6; i++) {
		pthread_join(th[i], &r);
		cr_say("thread %d: %s\n", i, r == (void *)1L ? "ok" : "BAD");
		ok &= r == (void *)1L;
	}
	/* The mutex its holder released is free again. */
	ok &= pthread_mutex_trylock(&held) == 0;
	cr_say("%s\n", ok ? "all threads kept their state" : "MISMATCH");
	return ok ? 0 : 1;
}
