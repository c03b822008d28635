/* vdso [loop N]: the vDSO's clocks against the system call's.
 * Without arguments: finds the vDSO (AT_SYSINFO_EHDR), reads every clock it serves
 * through libc (the vDSO) between two clock_gettime system calls and checks each
 * reading lies between them (within 5 ms: the calls are not atomic), and time() and
 * gettimeofday() against CLOCK_REALTIME; prints the ready mark, waits for SIGUSR1
 * (cr.h), then checks everything again and that CLOCK_MONOTONIC and CLOCK_BOOTTIME
 * read through the vDSO did not go back across the wait (a restore in between must
 * have given the vDSO the sandbox's clock offsets). Exits 0 when all held.
 * Before each check a child process shrinks a file it wrote: a truncate anywhere
 * makes every process drop its mappings past a file's end, which must never take
 * the vDSO's pages (they did, and the next clock read was a SIGBUS).
 * With "loop N": N clock_gettime(CLOCK_MONOTONIC) calls through libc and nothing
 * else, for a harness that counts the system calls they made. */
#include "cr.h"

#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const struct { clockid_t id; const char *name; } clocks[] = {
	{ CLOCK_REALTIME, "REALTIME" }, { CLOCK_MONOTONIC, "MONOTONIC" },
	{ CLOCK_BOOTTIME, "BOOTTIME" }, { CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" },
	{ CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" },
	{ CLOCK_REALTIME_COARSE, "REALTIME_COARSE" }, { CLOCK_TAI, "TAI" },
};
#define SLACK 5000000LL         /* ns: coarse clocks lag by up to a tick */

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long sys_now(clockid_t id)
{
	struct timespec t;

	syscall(SYS_clock_gettime, id, &t);
	return ns(&t);
}

/* A child writes two pages to a file of its own, truncates it to none and exits. */
static void shrink_elsewhere(void)
{
	static char buf[8192];
	char path[] = "/tmp/sbx-cr-vdso.XXXXXX";
	pid_t pid = fork();

	if (pid == 0) {
		int fd = mkstemp(path);

		if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) || ftruncate(fd, 0))
			_exit(1);
		unlink(path);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static int check(const char *when, long long *mono, long long *boot)
{
	int bad = 0;

	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		long long a = sys_now(clocks[i].id), b, c;
		struct timespec t;

		clock_gettime(clocks[i].id, &t);
		b = ns(&t);
		c = sys_now(clocks[i].id);
		if (b < a - SLACK || b > c + SLACK) {
			cr_say("%s: %s: vDSO %lld not within the system call's %lld..%lld\n",
			       when, clocks[i].name, b, a, c);
			bad++;
		}
		if (clocks[i].id == CLOCK_MONOTONIC)
			*mono = b;
		if (clocks[i].id == CLOCK_BOOTTIME)
			*boot = b;
	}
	{
		struct timeval tv;
		long long r0 = sys_now(CLOCK_REALTIME) / 1000000000LL, r1;
		time_t t = time(NULL);

		gettimeofday(&tv, NULL);
		r1 = sys_now(CLOCK_REALTIME) / 1000000000LL;
		if (t < r0 || t > r1 || tv.tv_sec < r0 || tv.tv_sec > r1) {
			cr_say("%s: time() %lld, gettimeofday %lld, not within %lld..%lld\n",
			       when, (long long)t, (long long)tv.tv_sec, r0, r1);
			bad++;
		}
	}
	cr_say("%s: the vDSO's clocks agree with the system call's: %s\n", when,
	       bad ? "no" : "yes");
	return bad;
}

int main(int argc, char **argv)
{
	long long m0, b0, m1, b1;
	int bad;

	if (argc == 3 && !strcmp(argv[1], "loop")) {
		struct timespec t;

		for (long n = strtol(argv[2], NULL, 0); n > 0; n--)
			clock_gettime(CLOCK_MONOTONIC, &t);
		return 0;
	}
	cr_say("vDSO present: %s\n", getauxval(AT_SYSINFO_EHDR) ? "yes" : "no");
	shrink_elsewhere();
	bad = check("before", &m0, &b0);
	cr_arm();
	cr_say("ready vdso\n");
	cr_wait();
	shrink_elsewhere();
	bad += check("after", &m1, &b1);
	cr_say("MONOTONIC and BOOTTIME went on: %s\n", m1 >= m0 && b1 >= b0 ? "yes" : "no");
	return bad || m1 < m0 || b1 < b0;
}
