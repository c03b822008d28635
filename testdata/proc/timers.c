/* Timers and CPU accounting, compared with a native run: alarm, setitimer REAL /
 * VIRTUAL / PROF, POSIX timers (SIGEV_SIGNAL with a value, SIGEV_NONE,
 * SIGEV_THREAD_ID, absolute MONOTONIC, a CPU-clock timer), overruns while the signal
 * is blocked, bad arguments, getrusage (SELF, CHILDREN, THREAD), times and the CPU
 * clocks. Prints only what does not depend on timing: whether a timer fired, whether
 * an overrun count was at least 1, si_code and si_value. Runs as pid 1 natively and in
 * the sandbox, so every signal it takes has a handler or is waited for. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits[65];
static volatile int last_code[65];

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits[sig]++;
	last_code[sig] = si->si_code;
}

static void handle(int sig)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void show(const char *what, int r)
{
	printf("%s: %d %s\n", what, r, r ? strerror(errno) : "");
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Spins until *flag or @limit seconds of CPU have gone. */
static void spin_until(volatile sig_atomic_t *flag, double limit)
{
	double t0 = cpu_now();
	volatile unsigned long x = 0;

	while (!*flag && cpu_now() - t0 < limit)
		for (int i = 0; i < 100000; i++)
			x += i;
}

static void wait_for(int sig, int n)
{
	sigset_t m;

	sigprocmask(SIG_BLOCK, NULL, &m);
	sigdelset(&m, sig);
	while (hits[sig] < n)
		sigsuspend(&m);
}

static void test_alarm(void)
{
	unsigned a, b, c;

	a = alarm(100);
	b = alarm(5);
	c = alarm(0);
	printf("alarm: %u %u %u\n", a, b, c);
	handle(SIGALRM);
	alarm(1);
	wait_for(SIGALRM, 1);
	printf("alarm fired: code %s\n", last_code[SIGALRM] == SI_KERNEL ? "SI_KERNEL" : "?");
}

static void test_itimer_real(void)
{
	struct itimerval v = { { 0, 20000 }, { 0, 20000 } }, g, z = { 0 };

	hits[SIGALRM] = 0;
	setitimer(ITIMER_REAL, &v, NULL);
	getitimer(ITIMER_REAL, &g);
	printf("getitimer: interval %ld.%06ld, value in range %d\n", (long)g.it_interval.tv_sec,
	       (long)g.it_interval.tv_usec, g.it_value.tv_sec == 0 && g.it_value.tv_usec > 0 &&
	       g.it_value.tv_usec <= 20000);
	wait_for(SIGALRM, 3);
	setitimer(ITIMER_REAL, &z, &g);
	printf("itimer real periodic: 3 fired; old interval %ld\n", (long)g.it_interval.tv_usec);
	getitimer(ITIMER_REAL, &g);
	printf("disarmed: %d\n", g.it_value.tv_sec == 0 && g.it_value.tv_usec == 0);
	show("bad which", setitimer(7, &v, NULL));
}

static void test_itimer_cpu(int which, int sig, const char *name)
{
	struct itimerval v = { { 0, 0 }, { 0, 50000 } };

	handle(sig);
	setitimer(which, &v, NULL);
	spin_until(&hits[sig], 10);
	printf("%s fired: %d, code %s\n", name, hits[sig] > 0,
	       last_code[sig] == SI_KERNEL ? "SI_KERNEL" : "?");
}

static timer_t make_timer(clockid_t clock, int notify, int sig, int value, pid_t tid)
{
	struct sigevent ev = { 0 };
	timer_t id;

	ev.sigev_notify = notify;
	ev.sigev_signo = sig;
	ev.sigev_value.sival_int = value;
	ev._sigev_un._tid = tid;
	if (timer_create(clock, &ev, &id)) {
		printf("timer_create: %s\n", strerror(errno));
		exit(1);
	}
	return id;
}

static void arm(timer_t id, int flags, long value_ns, long interval_ns)
{
	struct itimerspec its = { { interval_ns / 1000000000, interval_ns % 1000000000 },
				  { value_ns / 1000000000, value_ns % 1000000000 } };

	if (timer_settime(id, flags, &its, NULL))
		printf("timer_settime: %s\n", strerror(errno));
}

static void test_posix_signal(void)
{
	int sig = SIGRTMIN + 1;
	siginfo_t si;
	sigset_t s;
	timer_t id;

	handle(sig);    /* the sandbox's pid 1 drops even blocked signals without one */
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_BLOCK, &s, NULL);
	id = make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, sig, 42, 0);
	arm(id, 0, 10 * 1000000, 0);
	sigwaitinfo(&s, &si);
	printf("posix: sig RTMIN+%d code %s value %d overrun %d\n", si.si_signo - SIGRTMIN,
	       si.si_code == SI_TIMER ? "SI_TIMER" : "?", si.si_value.sival_int, si.si_overrun);

	/* Periodic every ms while the signal stays blocked: overruns pile up. */
	arm(id, 0, 1000000, 1000000);
	usleep(50000);
	sigwaitinfo(&s, &si);
	printf("overrun in siginfo >= 1: %d, timer_getoverrun >= 1: %d\n", si.si_overrun >= 1,
	       timer_getoverrun(id) >= 1);
	arm(id, 0, 0, 0);
	timer_delete(id);
	printf("after delete: gettime %d, overrun %d\n",
	       timer_gettime(id, &(struct itimerspec){ 0 }), timer_getoverrun(id));

	/* Absolute, on CLOCK_MONOTONIC; and a NULL sigevent: SIGALRM with the id. */
	{
		struct timespec now;
		struct itimerspec its = { 0 };

		handle(SIGALRM);
		hits[SIGALRM] = 0;
		if (timer_create(CLOCK_MONOTONIC, NULL, &id))
			printf("timer_create NULL: %s\n", strerror(errno));
		clock_gettime(CLOCK_MONOTONIC, &now);
		its.it_value.tv_sec = now.tv_sec + (now.tv_nsec + 20000000) / 1000000000;
		its.it_value.tv_nsec = (now.tv_nsec + 20000000) % 1000000000;
		timer_settime(id, TIMER_ABSTIME, &its, NULL);
		wait_for(SIGALRM, 1);
		printf("absolute timer fired: code %s\n",
		       last_code[SIGALRM] == SI_TIMER ? "SI_TIMER" : "?");
		timer_delete(id);
	}
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

static void test_posix_none(void)
{
	struct itimerspec g;
	timer_t id = make_timer(CLOCK_BOOTTIME, SIGEV_NONE, 0, 0, 0);

	arm(id, 0, 10 * 1000000000L, 2 * 1000000000L);
	timer_gettime(id, &g);
	printf("sigev_none: value in range %d, interval %ld\n",
	       g.it_value.tv_sec <= 10 && (g.it_value.tv_sec > 0 || g.it_value.tv_nsec > 0),
	       (long)g.it_interval.tv_sec);
	timer_delete(id);
}

static volatile int thread_sig, thread_value;
static pid_t thread_tid;
static volatile int thread_ready;

static void *waiter(void *arg)
{
	sigset_t *s = arg;
	siginfo_t si;

	thread_tid = syscall(SYS_gettid);
	__atomic_store_n(&thread_ready, 1, __ATOMIC_RELEASE);
	if (sigwaitinfo(s, &si) > 0) {
		thread_sig = si.si_signo;
		thread_value = si.si_value.sival_int;
	}
	return NULL;
}

static void test_posix_thread(void)
{
	static sigset_t s;
	pthread_t th;
	timer_t id;

	handle(SIGRTMIN + 2);
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	pthread_create(&th, NULL, waiter, &s);
	while (!__atomic_load_n(&thread_ready, __ATOMIC_ACQUIRE))
		usleep(1000);
	id = make_timer(CLOCK_REALTIME, SIGEV_THREAD_ID, SIGRTMIN + 2, 7, thread_tid);
	arm(id, 0, 10 * 1000000, 0);
	pthread_join(th, NULL);
	printf("thread timer: sig RTMIN+%d value %d\n", thread_sig - SIGRTMIN, thread_value);
	timer_delete(id);
	/* A thread id outside the process is refused. */
	{
		struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };

		ev._sigev_un._tid = 99999;
		show("foreign tid", timer_create(CLOCK_MONOTONIC, &ev, &id));
	}
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

static void test_posix_cpu(void)
{
	int sig = SIGRTMIN + 3;
	timer_t id;

	handle(sig);
	id = make_timer(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, sig, 0, 0);
	arm(id, 0, 30 * 1000000, 0);
	spin_until(&hits[sig], 10);
	printf("cpu-clock timer fired: %d, code %s\n", hits[sig] > 0,
	       last_code[sig] == SI_TIMER ? "SI_TIMER" : "?");
	timer_delete(id);
}

static void test_bad(void)
{
	timer_t id;
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 0 };

	show("bad clock", timer_create(12345, NULL, &id));
	show("bad signal", timer_create(CLOCK_MONOTONIC, &ev, &id));
	ev.sigev_notify = 99;
	ev.sigev_signo = SIGUSR1;
	show("bad notify", timer_create(CLOCK_MONOTONIC, &ev, &id));
	show("bad id", timer_settime((timer_t)(long)12345, 0, &(struct itimerspec){ 0 }, NULL));
	timer_create(CLOCK_MONOTONIC, NULL, &id);
	show("bad nsec",
	     timer_settime(id, 0, &(struct itimerspec){ .it_value = { 0, 2000000000 } }, NULL));
	timer_delete(id);
}

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

static void test_accounting(void)
{
	struct rusage r0, r1, rt, rc;
	struct tms t0, t1;
	double c0, c1;
	volatile sig_atomic_t never = 0;
	pid_t pid;
	int st;

	getrusage(RUSAGE_SELF, &r0);
	times(&t0);
	c0 = cpu_now();
	spin_until(&never, 0.3);
	getrusage(RUSAGE_SELF, &r1);
	times(&t1);
	c1 = cpu_now();
	printf("getrusage utime grew: %d\n", tv(r1.ru_utime) > tv(r0.ru_utime));
	printf("times utime+stime grew: %d\n",
	       t1.tms_utime + t1.tms_stime > t0.tms_utime + t0.tms_stime);
	printf("process cpu clock grew: %d\n", c1 - c0 >= 0.25);
	printf("thread usage: %d\n", getrusage(RUSAGE_THREAD, &rt) == 0 && tv(rt.ru_utime) > 0);
	show("bad who", getrusage(5, &rt));

	getrusage(RUSAGE_CHILDREN, &rc);
	printf("children before: %d\n", tv(rc.ru_utime) + tv(rc.ru_stime) == 0);
	pid = fork();
	if (pid == 0) {
		spin_until(&never, 0.2);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	getrusage(RUSAGE_CHILDREN, &rc);
	printf("children after: %d\n", tv(rc.ru_utime) + tv(rc.ru_stime) > 0.1);
	times(&t1);
	printf("times children: %d\n", t1.tms_cutime + t1.tms_cstime > 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_alarm();
	test_itimer_real();
	test_itimer_cpu(ITIMER_VIRTUAL, SIGVTALRM, "ITIMER_VIRTUAL");
	test_itimer_cpu(ITIMER_PROF, SIGPROF, "ITIMER_PROF");
	test_posix_signal();
	test_posix_none();
	test_posix_thread();
	test_posix_cpu();
	test_bad();
	test_accounting();
	printf("done\n");
	return 0;
}
