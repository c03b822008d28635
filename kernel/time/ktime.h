/*
 * Kernel clocks. The sandbox's CLOCK_MONOTONIC and CLOCK_BOOTTIME are the host's plus
 * saved offsets, so that a restore can continue them from their saved values (the
 * downtime does not count for MONOTONIC, does for BOOTTIME); CLOCK_REALTIME follows
 * the host. Times are nanoseconds in s64.
 */
#ifndef SBX_TIME_KTIME_H
#define SBX_TIME_KTIME_H

#include "base/types.h"
#include "save.h"

#define NSEC_PER_SEC 1000000000LL

SAVABLE struct ktime {
	s64 mono_offset;   /* sandbox monotonic = host monotonic + mono_offset */
	s64 boot_offset;   /* sandbox boottime = host boottime + boot_offset */
	/* The sandbox's clocks when it was saved (ktime_before_save), from which
	 * ktime_after_load computes the offsets on the new host. */
	s64 saved_mono, saved_boot, saved_real;
};

int ktime_before_save(void *o, void *ctx);
int ktime_after_load(void *o, void *ctx);

/* Sets the offsets so that the sandbox's clocks start at the host's. */
void ktime_init(struct ktime *kt);
/* Reads sandbox clock @clockid (REALTIME, MONOTONIC, BOOTTIME and their variants). */
int ktime_get(const struct ktime *kt, int clockid, s64 *ns);
int ktime_getres(int clockid, s64 *ns);
s64 ktime_mono(const struct ktime *kt);
/* Host CLOCK_MONOTONIC deadline corresponding to sandbox time @ns of @clockid. */
s64 ktime_to_host_mono(const struct ktime *kt, int clockid, s64 ns);

static inline s64 ts_to_ns(s64 sec, s64 nsec) { return sec * NSEC_PER_SEC + nsec; }
/* The host's CLOCK_MONOTONIC now: what the Sentry's blocking deadlines are in. */
s64 ktime_host_mono_now(void);

#endif
