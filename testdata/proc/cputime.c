/*
 * cputime: per-thread CPU time and the children's. A thread that computes and one
 * that sleeps have their own CPU clocks (CLOCK_THREAD_CPUTIME_ID, the clocks of
 * pthread_getcpuclockid, getrusage RUSAGE_THREAD), each no more than the process's;
 * wait4 and waitid report the reaped child's time (its own reaped children's
 * included), which RUSAGE_CHILDREN and times() then count; the clock ids' errors.
 * Only comparisons with wide margins are printed, so a native run and a sandboxed
 * one print the same on a loaded machine. Compared with a native run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL

static pthread_barrier_t ready, done;
static volatile unsigned long sink;
static char busy_says[256], idle_says[256];

static long long ns_of(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts))
		return -errno;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(const struct timeval *tv)
{
	return tv->tv_sec * 1000000000LL + tv->tv_usec * 1000LL;
}

static long long ru_ns(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return tv_ns(&ru.ru_utime) + tv_ns(&ru.ru_stime);
}

/* Computes in user code until clock @c has advanced @ns. */
static void spin(clockid_t c, long long ns)
{
	long long end = ns_of(c) + ns;

	while (ns_of(c) < end)
		for (int i = 0; i < 2000000; i++)
			sink += i * 7;
}

static void *busy(void *arg)
{
	long long t0 = ns_of(CLOCK_THREAD_CPUTIME_ID), last = t0, now;
	int back = 0;

	(void)arg;
	for (int k = 0; k < 20; k++) {
		spin(CLOCK_THREAD_CPUTIME_ID, 10 * MS);
		now = ns_of(CLOCK_THREAD_CPUTIME_ID);
		back |= now < last;
		last = now;
	}
	/* Printed by the main thread, in order. */
	snprintf(busy_says, sizeof(busy_says),
		 "busy: own clock went back: %d\n"
		 "busy: RUSAGE_THREAD >= 150 ms: %d\n"
		 "busy: RUSAGE_THREAD <= RUSAGE_SELF: %d\n", back,
		 ru_ns(RUSAGE_THREAD) >= 150 * MS, ru_ns(RUSAGE_THREAD) <= ru_ns(RUSAGE_SELF));
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&done);
	return NULL;
}

static void *idle(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&ready);
	snprintf(idle_says, sizeof(idle_says),
		 "idle: own clock < 50 ms: %d\n"
		 "idle: RUSAGE_THREAD < 50 ms: %d\n"
		 "idle: RUSAGE_SELF >= 200 ms: %d\n",
		 ns_of(CLOCK_THREAD_CPUTIME_ID) < 50 * MS, ru_ns(RUSAGE_THREAD) < 50 * MS,
		 ru_ns(RUSAGE_SELF) >= 200 * MS);
	pthread_barrier_wait(&done);
	return NULL;
}

static void threads(void)
{
	pthread_t b, i;
	clockid_t cb, ci;
	long long vb, vi, vp, vm;

	pthread_barrier_init(&ready, NULL, 3);
	pthread_barrier_init(&done, NULL, 3);
	pthread_create(&b, NULL, busy, NULL);
	pthread_create(&i, NULL, idle, NULL);
	pthread_getcpuclockid(b, &cb);
	pthread_getcpuclockid(i, &ci);
	pthread_barrier_wait(&ready);
	vb = ns_of(cb);
	vi = ns_of(ci);
	vp = ns_of(CLOCK_PROCESS_CPUTIME_ID);
	vm = ns_of(CLOCK_THREAD_CPUTIME_ID);
	pthread_barrier_wait(&done);
	printf("%s%s", busy_says, idle_says);
	printf("main: busy's clock >= 200 ms: %d\n", vb >= 200 * MS);
	printf("main: idle's clock < 50 ms: %d\n", vi < 50 * MS);
	printf("main: busy's clock <= process clock: %d\n", vb <= vp);
	printf("main: own clock < busy's: %d\n", vm < vb);
	pthread_join(b, NULL);
	pthread_join(i, NULL);
	/* A thread's clock from another process, or of a thread that is gone: EINVAL. */
	errno = 0;
	printf("gone thread's clock: %lld\n", ns_of(cb));
	printf("init's thread clock from a child: ");
	fflush(stdout);
	if (fork() == 0) {
		/* ~tid << 3 | per-thread | SCHED, for tid 1 (this process is pid 1) */
		printf("%lld\n", ns_of((clockid_t)((~1u << 3) | 4 | 2)));
		_exit(0);
	}
	wait(NULL);
	printf("bad clock kind: %lld\n", ns_of((clockid_t)((~0u << 3) | 3)));
}

/* A child that computes @ms of its own and has a child that computes @gms. */
static pid_t worker(int ms, int gms)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (gms) {
			pid_t g = fork();

			if (g == 0) {
				spin(CLOCK_PROCESS_CPUTIME_ID, gms * MS);
				_exit(0);
			}
			waitpid(g, NULL, 0);
		}
		spin(CLOCK_PROCESS_CPUTIME_ID, ms * MS);
		_exit(3);
	}
	return pid;
}

static void children(void)
{
	struct rusage ru;
	siginfo_t si;
	struct tms tms;
	long long before = ru_ns(RUSAGE_CHILDREN), t;
	int st;

	printf("children before any: < 50 ms: %d\n", before < 50 * MS);
	wait4(worker(200, 0), &st, 0, &ru);
	t = tv_ns(&ru.ru_utime) + tv_ns(&ru.ru_stime);
	printf("wait4: status %d, child's time >= 150 ms: %d, < 2 s: %d\n", WEXITSTATUS(st),
	       t >= 150 * MS, t < 2000 * MS);
	memset(&ru, 0, sizeof(ru));
	syscall(SYS_waitid, P_PID, worker(100, 150), &si, WEXITED, &ru);
	t = tv_ns(&ru.ru_utime) + tv_ns(&ru.ru_stime);
	printf("waitid: status %d, child's and grandchild's >= 200 ms: %d\n", si.si_status,
	       t >= 200 * MS);
	t = ru_ns(RUSAGE_CHILDREN);
	printf("RUSAGE_CHILDREN >= 400 ms: %d\n", t >= 400 * MS);
	times(&tms);
	printf("times: children's ticks >= 40: %d\n",
	       (tms.tms_cutime + tms.tms_cstime) * 1000 / sysconf(_SC_CLK_TCK) >= 400);
	printf("times: own ticks < children's: %d\n",
	       tms.tms_utime + tms.tms_stime < tms.tms_cutime + tms.tms_cstime);
	/* A child still running reports nothing; WNOHANG leaves the rusage alone. */
	memset(&ru, 0x5a, sizeof(ru));
	{
		pid_t c = worker(5000, 0), r = wait4(c, NULL, WNOHANG, &ru);

		printf("wait4 WNOHANG, running: %d, rusage untouched: %d\n", r,
		       ru.ru_utime.tv_sec == 0x5a5a5a5a5a5a5a5aLL);
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	threads();
	children();
	{
		struct rusage ru;
		int r = getrusage(7, &ru);

		printf("bad who: %d %s\n", r, strerrorname_np(errno));
	}
	return 0;
}
