/* Kernel clocks over the host's, with offsets (see ktime.h). */
#include <errno.h>
#include <time.h>

#include "time/ktime.h"

static s64 host_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts_to_ns(ts.tv_sec, ts.tv_nsec);
}

void ktime_init(struct ktime *kt)
{
	kt->mono_offset = 0;
	kt->boot_offset = 0;
}

s64 ktime_mono(const struct ktime *kt)
{
	return host_ns(CLOCK_MONOTONIC) + kt->mono_offset;
}

int ktime_get(const struct ktime *kt, int clockid, s64 *ns)
{
	switch (clockid) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:
		*ns = host_ns(clockid);
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_MONOTONIC_RAW:
		*ns = host_ns(clockid) + kt->mono_offset;
		return 0;
	case CLOCK_BOOTTIME:
		*ns = host_ns(CLOCK_BOOTTIME) + kt->boot_offset;
		return 0;
	default:
		return -EINVAL;
	}
}

int ktime_getres(int clockid, s64 *ns)
{
	struct timespec ts;

	switch (clockid) {
	case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_TAI:
	case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_COARSE: case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME: case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
		if (clock_getres(clockid, &ts))
			return -errno;
		*ns = ts_to_ns(ts.tv_sec, ts.tv_nsec);
		return 0;
	default:
		return -EINVAL;
	}
}

s64 ktime_to_host_mono(const struct ktime *kt, int clockid, s64 ns)
{
	switch (clockid) {
	case CLOCK_MONOTONIC:
		return ns - kt->mono_offset;
	case CLOCK_BOOTTIME:
		return ns - kt->boot_offset - (host_ns(CLOCK_BOOTTIME) - host_ns(CLOCK_MONOTONIC));
	default: /* REALTIME: convert through the current difference */
		return ns - host_ns(CLOCK_REALTIME) + host_ns(CLOCK_MONOTONIC);
	}
}

s64 ktime_host_mono_now(void)
{
	return host_ns(CLOCK_MONOTONIC);
}
