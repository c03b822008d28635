/*
 * Threads (issue #7): pthreads over clone(CLONE_THREAD), futex, signals to threads
 * and processes, thread exit and exit_group, exec and fork from a thread, robust
 * mutexes. Deterministic output; the harness compares it with a native run.
 *   tp_threads            the suite
 *   tp_threads mainexit   main calls pthread_exit; the last thread's exit(3) ends it
 *   tp_threads exitgroup  a thread calls exit(5) while main waits in a futex
 *   tp_threads exec       a thread execs this program ("execd"): same pid after
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #c); \
			    exit(1); } } while (0)

static pid_t gettid_(void) { return syscall(SYS_gettid); }

/* 1. A mutex-protected counter. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_worker(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return arg;
}

static void test_mutex(void)
{
	pthread_t th[8];

	for (long i = 0; i < 8; i++)
		CHECK(!pthread_create(&th[i], NULL, count_worker, (void *)i));
	for (long i = 0; i < 8; i++) {
		void *r;

		CHECK(!pthread_join(th[i], &r));
		CHECK(r == (void *)i);
	}
	printf("mutex counter %ld\n", counter);
}

/* 2. Producer and consumers on a condition variable. */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int queue[64], qhead, qtail, done_producing;
static long consumed_sum;

static void *consumer(void *arg)
{
	long sum = 0;

	for (;;) {
		pthread_mutex_lock(&mu);
		while (qhead == qtail && !done_producing)
			pthread_cond_wait(&cv, &mu);
		if (qhead == qtail) {
			pthread_mutex_unlock(&mu);
			break;
		}
		sum += queue[qhead++ % 64];
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	consumed_sum += sum;
	pthread_mutex_unlock(&mu);
	return arg;
}

static void test_condvar(void)
{
	pthread_t th[4];

	for (int i = 0; i < 4; i++)
		CHECK(!pthread_create(&th[i], NULL, consumer, NULL));
	for (int v = 1; v <= 5000; v++) {
		pthread_mutex_lock(&mu);
		while (qtail - qhead == 64)
			pthread_cond_wait(&cv, &mu);
		queue[qtail++ % 64] = v;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	done_producing = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < 4; i++)
		CHECK(!pthread_join(th[i], NULL));
	printf("condvar sum %ld\n", consumed_sum);
}

/* 3. Many threads at once, each with its own tid, meeting at a barrier. */
#define MANY 64
static pthread_barrier_t bar;
static pid_t tids[MANY];

static void *many_worker(void *arg)
{
	long i = (long)arg;

	tids[i] = gettid_();
	CHECK(getpid() != tids[i]);
	pthread_barrier_wait(&bar);
	return NULL;
}

static void test_many(void)
{
	pthread_t th[MANY];
	int distinct = 1;

	pthread_barrier_init(&bar, NULL, MANY + 1);
	for (long i = 0; i < MANY; i++)
		CHECK(!pthread_create(&th[i], NULL, many_worker, (void *)i));
	pthread_barrier_wait(&bar);
	for (int i = 0; i < MANY; i++)
		CHECK(!pthread_join(th[i], NULL));
	for (int i = 0; i < MANY; i++)
		for (int j = 0; j < i; j++)
			distinct &= tids[i] != tids[j];
	printf("%d threads, distinct tids %d, main is leader %d\n", MANY, distinct,
	       getpid() == gettid_());
}

/* 4. pthread_kill reaches that thread; 5. kill() reaches one that does not block. */
static atomic_int handled_tid;
static sem_t sem_ready, sem_go;

static void on_usr(int sig)
{
	(void)sig;
	atomic_store(&handled_tid, gettid_());
}

static void *sig_worker(void *arg)
{
	pid_t *me = arg;
	sigset_t s;

	if (arg == NULL) {      /* the blocking kind */
		sigemptyset(&s);
		sigaddset(&s, SIGUSR2);
		pthread_sigmask(SIG_BLOCK, &s, NULL);
	} else {
		*me = gettid_();
	}
	sem_post(&sem_ready);
	while (sem_wait(&sem_go) && errno == EINTR)
		;
	return NULL;
}

static void test_signals(void)
{
	struct sigaction sa = { .sa_handler = on_usr };
	pthread_t a, b;
	pid_t a_tid = 0;
	sigset_t s;

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sem_init(&sem_ready, 0, 0);
	sem_init(&sem_go, 0, 0);
	CHECK(!pthread_create(&a, NULL, sig_worker, &a_tid));
	CHECK(!pthread_create(&b, NULL, sig_worker, NULL));
	sem_wait(&sem_ready);
	sem_wait(&sem_ready);

	pthread_kill(a, SIGUSR1);
	while (!atomic_load(&handled_tid))
		sched_yield();
	printf("pthread_kill handled by its target %d\n", atomic_load(&handled_tid) == a_tid);

	/* Main and b block SIGUSR2: only a can take the process-directed signal. */
	atomic_store(&handled_tid, 0);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	kill(getpid(), SIGUSR2);
	while (!atomic_load(&handled_tid))
		sched_yield();
	printf("kill handled by the thread not blocking it %d\n",
	       atomic_load(&handled_tid) == a_tid);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	sem_post(&sem_go);
	sem_post(&sem_go);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
}

/* 6. A robust mutex whose owner died. */
static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
	pthread_mutex_lock(&robust);
	return arg;
}

static void test_robust(void)
{
	pthread_mutexattr_t ma;
	pthread_t th;
	int r;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &ma);
	CHECK(!pthread_create(&th, NULL, die_holding, NULL));
	CHECK(!pthread_join(th, NULL));
	r = pthread_mutex_lock(&robust);
	printf("robust lock after owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
	if (r == EOWNERDEAD)
		pthread_mutex_consistent(&robust);
	pthread_mutex_unlock(&robust);
}

/* 7. Timed waits time out. */
static void test_timeouts(void)
{
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 30 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&mu);
	r = pthread_cond_timedwait(&cv, &mu, &ts);
	pthread_mutex_unlock(&mu);
	printf("cond_timedwait: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : strerror(r));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 20 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	r = sem_clockwait(&sem_go, CLOCK_MONOTONIC, &ts);
	printf("sem_clockwait: %s\n", r && errno == ETIMEDOUT ? "ETIMEDOUT" : "other");
}

/* 8. fork from a thread: the child has one thread and a copy of memory. */
static void *forker(void *arg)
{
	pid_t pid;
	int st;

	counter = 42;
	pid = fork();
	if (pid == 0) {
		printf("child of a thread sees counter %ld\n", counter);
		fflush(stdout);
		_exit(7);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("child exit %d\n", WEXITSTATUS(st));
	return arg;
}

static void test_fork(void)
{
	pthread_t th;

	fflush(stdout);
	CHECK(!pthread_create(&th, NULL, forker, NULL));
	CHECK(!pthread_join(th, NULL));
}

/* Modes that end the process. */
static void *exit3_later(void *arg)
{
	usleep(20000);
	printf("last thread exits with 3\n");
	fflush(stdout);
	exit(3);
	return arg;
}

static void *exit5(void *arg)
{
	usleep(20000);
	printf("thread calls exit(5)\n");
	fflush(stdout);
	exit(5);
	return arg;
}

static char *self;

static void *execer(void *arg)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	usleep(10000);
	execl(self, self, "execd", pid, (char *)NULL);
	printf("exec failed: %s\n", strerror(errno));
	exit(1);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th;

	setvbuf(stdout, NULL, _IOLBF, 0);
	self = argv[0];
	if (argc > 1 && !strcmp(argv[1], "mainexit")) {
		CHECK(!pthread_create(&th, NULL, exit3_later, NULL));
		printf("main thread exits\n");
		pthread_exit(NULL);
	}
	if (argc > 1 && !strcmp(argv[1], "exitgroup")) {
		CHECK(!pthread_create(&th, NULL, exit5, NULL));
		pthread_join(th, NULL);
		printf("not reached\n");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		CHECK(!pthread_create(&th, NULL, execer, NULL));
		pthread_join(th, NULL);
		printf("not reached\n");
		return 1;
	}
	if (argc > 2 && !strcmp(argv[1], "execd")) {
		printf("exec'd from a thread: same pid %d, tid is pid %d\n",
		       atoi(argv[2]) == getpid(), getpid() == gettid_());
		return 0;
	}
	test_mutex();
	test_condvar();
	test_many();
	test_signals();
	test_robust();
	test_timeouts();
	test_fork();
	return 0;
}
