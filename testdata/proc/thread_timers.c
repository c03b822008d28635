/*
 * thread_timers: POSIX timers on thread CPU clocks count that thread's time only.
 * A timer on the main thread's CLOCK_THREAD_CPUTIME_ID stays armed while the main
 * thread sleeps and another thread burns CPU, and fires once the main thread
 * itself has spun past it; a timer on the other thread's clock (its
 * pthread_getcpuclockid, SIGEV_THREAD_ID to it) fires when that thread has used
 * its time. Another process's thread is not a clock for a timer (EINVAL).
 * With "cr", the timers are checkpointed and restored (tests/integration/cr/case.sh
 * --signal) after they are armed and before either thread has used its time.
 */
#include "../cr/cr.h"

#include <pthread.h>
#include <sys/syscall.h>

#define SIG_MAIN (SIGRTMIN + 1)

#define MS 1000000LL

static volatile sig_atomic_t fired_b;
static volatile unsigned long sink;
static pthread_barrier_t bar;
static long long b_clock_at_fire;
static pid_t b_tid;

static long long ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_usr2(int sig)
{
	(void)sig;
	fired_b = 1;
}

static void *b_main(void *arg)
{
	(void)arg;
	b_tid = syscall(SYS_gettid);
	pthread_barrier_wait(&bar);     /* main arms the timer on this clock */
	pthread_barrier_wait(&bar);
	while (!fired_b && ns_of(CLOCK_THREAD_CPUTIME_ID) < 5000 * MS)
		for (int i = 0; i < 100000; i++)
			sink += i;
	b_clock_at_fire = ns_of(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

static timer_t make(clockid_t c, int sig, pid_t tid, long long ns)
{
	struct sigevent ev;
	struct itimerspec its = { .it_value = { ns / 1000000000LL, ns % 1000000000LL } };
	timer_t id;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_signo = sig;
	ev.sigev_notify = tid ? SIGEV_THREAD_ID : SIGEV_SIGNAL;
	ev._sigev_un._tid = tid;
	if (timer_create(c, &ev, &id)) {
		cr_say("timer_create: %s\n", strerrorname_np(errno));
		return 0;
	}
	timer_settime(id, 0, &its, NULL);
	return id;
}

int main(int argc, char **argv)
{
	int cr = argc > 1 && !strcmp(argv[1], "cr");
	timer_t tmain, tb;
	struct itimerspec cur;
	sigset_t s, pend;
	clockid_t cb;
	pthread_t b;
	timer_t dummy;
	int r;

	sigemptyset(&s);
	sigaddset(&s, SIG_MAIN);
	sigprocmask(SIG_BLOCK, &s, NULL);       /* main's timer: looked at as pending */
	if (cr)
		cr_arm();
	signal(SIGUSR2, on_usr2);

	tmain = make(CLOCK_THREAD_CPUTIME_ID, SIG_MAIN, 0, 80 * MS);
	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&b, NULL, b_main, NULL);
	pthread_barrier_wait(&bar);
	pthread_getcpuclockid(b, &cb);
	tb = make(cb, SIGUSR2, b_tid, 200 * MS);
	if (cr) {
		cr_say("ready\n");
		cr_wait();
	}
	pthread_barrier_wait(&bar);
	pthread_join(b, NULL);          /* main sleeps while b burns */

	cr_say("b's timer fired: %d, at b's clock >= 200 ms: %d\n", fired_b,
	       b_clock_at_fire >= 200 * MS);
	sigpending(&pend);
	timer_gettime(tmain, &cur);
	cr_say("main's timer while main slept: fired %d, still armed %d\n",
	       sigismember(&pend, SIG_MAIN), cur.it_value.tv_sec || cur.it_value.tv_nsec);
	while (ns_of(CLOCK_THREAD_CPUTIME_ID) < 200 * MS)
		for (int i = 0; i < 100000; i++)
			sink += i;
	/* Sampled: a CPU-clock timer may fire a little after its time. */
	for (int i = 0; i < 50 && !sigismember(&pend, SIG_MAIN); i++) {
		long long until = ns_of(CLOCK_THREAD_CPUTIME_ID) + 10 * MS;

		while (ns_of(CLOCK_THREAD_CPUTIME_ID) < until)
			sink++;
		sigpending(&pend);
	}
	cr_say("main's timer after main spun: fired %d\n", sigismember(&pend, SIG_MAIN));
	timer_delete(tmain);
	timer_delete(tb);

	/* A thread that is not this process's (none has tid 99999). */
	errno = 0;
	r = timer_create((clockid_t)((~99999u << 3) | 4 | 2), NULL, &dummy);
	cr_say("no such thread's clock: %d %s\n", r, r ? strerrorname_np(errno) : "");
	return 0;
}
