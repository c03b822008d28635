/*
 * cr_cputime: CPU clocks across a checkpoint (zdtm form; tests/integration/proc runs
 * it through cr/case.sh --signal). Before the ready mark the main thread and a
 * second thread each compute ~150 ms of their own CPU time, and a reaped child
 * ~150 ms; the process, both thread clocks, RUSAGE_THREAD and RUSAGE_CHILDREN are
 * read. After the restore none of them may have gone back, and they keep counting:
 * after more computing each has advanced.
 */
#include "../cr/cr.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MS 1000000LL

static volatile unsigned long sink;
static pthread_barrier_t bar;
static long long second_before, second_after;
static int second_kept, second_advanced;        /* printed by the main thread */

static long long ns_of(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long ru_ns(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

static void spin(clockid_t c, long long ns)
{
	long long end = ns_of(c) + ns;

	while (ns_of(c) < end)
		for (int i = 0; i < 2000000; i++)
			sink += i * 7;
}

static void *second(void *arg)
{
	(void)arg;
	spin(CLOCK_THREAD_CPUTIME_ID, 150 * MS);
	second_before = ns_of(CLOCK_THREAD_CPUTIME_ID);
	pthread_barrier_wait(&bar);     /* the main thread checkpoints */
	pthread_barrier_wait(&bar);     /* restored */
	second_after = ns_of(CLOCK_THREAD_CPUTIME_ID);
	spin(CLOCK_THREAD_CPUTIME_ID, 20 * MS);
	second_kept = second_after >= second_before;
	second_advanced = ns_of(CLOCK_THREAD_CPUTIME_ID) >= second_after + 20 * MS;
	return NULL;
}

int main(int argc, char **argv)
{
	bool nowait = argc > 1 && !strcmp(argv[1], "nowait");
	long long proc, thr, rthr, rch, thr2;
	clockid_t c2;
	pthread_t t;
	pid_t pid;

	cr_arm();
	pid = fork();
	if (pid == 0) {
		spin(CLOCK_PROCESS_CPUTIME_ID, 150 * MS);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&t, NULL, second, NULL);
	pthread_getcpuclockid(t, &c2);
	spin(CLOCK_THREAD_CPUTIME_ID, 150 * MS);
	pthread_barrier_wait(&bar);
	proc = ns_of(CLOCK_PROCESS_CPUTIME_ID);
	thr = ns_of(CLOCK_THREAD_CPUTIME_ID);
	thr2 = ns_of(c2);
	rthr = ru_ns(RUSAGE_THREAD);
	rch = ru_ns(RUSAGE_CHILDREN);
	cr_say("before: process >= 300 ms: %d, threads >= 150 ms: %d %d, children >= 150 ms: %d\n",
	       proc >= 300 * MS, thr >= 150 * MS, thr2 >= 150 * MS, rch >= 150 * MS);
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	else
		cr_say("resumed\n");
	cr_say("after: process kept: %d, thread kept: %d, other thread kept: %d\n",
	       ns_of(CLOCK_PROCESS_CPUTIME_ID) >= proc, ns_of(CLOCK_THREAD_CPUTIME_ID) >= thr,
	       ns_of(c2) >= thr2);
	cr_say("after: RUSAGE_THREAD kept: %d, RUSAGE_CHILDREN kept: %d\n",
	       ru_ns(RUSAGE_THREAD) >= rthr - 10 * MS, ru_ns(RUSAGE_CHILDREN) >= rch);
	pthread_barrier_wait(&bar);
	thr = ns_of(CLOCK_THREAD_CPUTIME_ID);
	spin(CLOCK_THREAD_CPUTIME_ID, 20 * MS);
	thr = ns_of(CLOCK_THREAD_CPUTIME_ID) >= thr + 20 * MS;
	pthread_join(t, NULL);
	cr_say("main thread advances: %d\n", (int)thr);
	cr_say("second thread: clock kept: %d, advances: %d\n", second_kept, second_advanced);
	return 0;
}
