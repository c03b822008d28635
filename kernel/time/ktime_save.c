/*
 * Clocks across checkpoint and restore, as across a system suspend: MONOTONIC goes on
 * from its saved value (the downtime does not count, so timers keep their remaining
 * time), BOOTTIME goes on from its saved value plus the downtime as the host's
 * realtime clock measures it (never less than zero), REALTIME is the host's.
 */
#include <time.h>

#include "checkpoint/checkpoint.h"
#include "time/ktime.h"

static s64 host_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts_to_ns(ts.tv_sec, ts.tv_nsec);
}

int ktime_before_save(void *o, void *ctx)
{
	struct ktime *kt = o;

	kt->saved_mono = host_ns(CLOCK_MONOTONIC) + kt->mono_offset;
	kt->saved_boot = host_ns(CLOCK_BOOTTIME) + kt->boot_offset;
	kt->saved_real = host_ns(CLOCK_REALTIME);
	return 0;
}

int ktime_after_load(void *o, void *ctx)
{
	struct ktime *kt = o;
	s64 down = host_ns(CLOCK_REALTIME) - kt->saved_real;

	if (down < 0)
		down = 0;
	kt->mono_offset = kt->saved_mono - host_ns(CLOCK_MONOTONIC);
	kt->boot_offset = kt->saved_boot + down - host_ns(CLOCK_BOOTTIME);
	return 0;
}
