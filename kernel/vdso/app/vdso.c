/*
 * The vDSO an application of the sandbox finds at AT_SYSINFO_EHDR: clock_gettime,
 * gettimeofday and time without a system call, which under the Sentry costs a round
 * trip through the platform (17 us on ptrace here) and which runtimes make by the
 * thousand (a JVM's start makes 2,700).
 *
 * The time comes from the host's own vDSO, which the platform keeps mapped in every
 * address space above the application's range (vdso_params.host_clock_gettime; 0
 * where it cannot), plus the sandbox's clock offsets (time/ktime.c: MONOTONIC and
 * BOOTTIME continue across a restore). Both live in the page just below this image,
 * which the Sentry writes when it maps the image and again after a restore. Without
 * a host vDSO, or for any other clock, the call is the system call.
 *
 * Built on its own (no libc, no relocations: nobody relocates a vDSO) and embedded in
 * sbx (vdso_blob.S). vdso_params.h has the parameter page's layout.
 */
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/time.h>

#include "../vdso_params.h"

/* The page below the image's ELF header (__ehdr_start), found PC-relative. */
static inline const volatile struct vdso_params *params(void)
{
	uintptr_t a;

	__asm__("lea __ehdr_start(%%rip), %0" : "=r"(a));
	return (const volatile struct vdso_params *)(a - VDSO_PARAMS_SIZE);
}

static long sys2(long nr, long a, long b)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "0"(nr), "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return ret;
}

static int do_clock_gettime(clockid_t id, struct timespec *ts)
{
	const volatile struct vdso_params *p = params();
	int (*host)(clockid_t, struct timespec *) =
		(int (*)(clockid_t, struct timespec *))p->host_clock_gettime;
	int64_t off;
	int ret;

	switch (id) {
	case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_TAI:
		off = 0;
		break;
	case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_COARSE: case CLOCK_MONOTONIC_RAW:
		off = p->mono_offset;
		break;
	case CLOCK_BOOTTIME:
		off = p->boot_offset;
		break;
	default:
		host = NULL;
		off = 0;
	}
	if (!host)
		return sys2(VDSO_NR_CLOCK_GETTIME, id, (long)ts);
	ret = host(id, ts);
	if (ret || !off)
		return ret;
	off += ts->tv_nsec + (int64_t)ts->tv_sec * 1000000000;
	ts->tv_sec = off / 1000000000;
	ts->tv_nsec = off % 1000000000;
	return 0;
}

int __vdso_clock_gettime(clockid_t id, struct timespec *ts)
{
	return do_clock_gettime(id, ts);
}

int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	struct timespec ts;

	if (!params()->host_clock_gettime || tz)
		return sys2(VDSO_NR_GETTIMEOFDAY, (long)tv, (long)tz);
	if (tv) {
		int ret = do_clock_gettime(CLOCK_REALTIME, &ts);

		if (ret)
			return ret;
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	return 0;
}

time_t __vdso_time(time_t *t)
{
	struct timespec ts;
	time_t now;

	if (do_clock_gettime(CLOCK_REALTIME, &ts))
		return sys2(VDSO_NR_TIME, (long)t, 0);
	now = ts.tv_sec;
	if (t)
		*t = now;
	return now;
}

int clock_gettime(clockid_t, struct timespec *)
	__attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval *, void *)
	__attribute__((weak, alias("__vdso_gettimeofday")));
time_t time(time_t *) __attribute__((weak, alias("__vdso_time")));
