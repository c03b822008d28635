/*
 * Load averages (/proc/loadavg, sysinfo): Linux's exponentially decaying averages of
 * the number of active tasks over 1, 5 and 15 minutes, after kernel/sched/loadavg.c.
 * Every LOADAVG_FREQ of sandbox CLOCK_MONOTONIC the timer thread counts the sandbox's
 * tasks that are running or runnable (not sleeping in the Sentry, not stopped, not
 * zombies) and folds the count into the averages in Linux's 11-bit fixed point. The
 * sandbox has no uninterruptible sleep, so nothing else counts.
 *
 * The averages and the next sample's time are kernel state, saved in the image: MONOTONIC
 * does not count a restore's downtime, so a restored sandbox continues its averages as
 * if it had never stopped, as after a system suspend.
 */
#include "kernel.h"
#include "task/task.h"
#include "time/ktime.h"
#include "time/ktimer.h"

#define EXP_1 1884              /* 1/exp(5s/1min) in fixed point */
#define EXP_5 2014              /* 1/exp(5s/5min) */
#define EXP_15 2037             /* 1/exp(5s/15min) */
/* Missed samples folded in at once (a host that stalled the Sentry): beyond this the
 * averages have long reached the current count anyway. */
#define LOADAVG_CATCHUP_MAX 1000

static u64 calc_load(u64 load, u64 exp, u64 active)
{
	u64 newload = load * exp + active * (LOADAVG_FIXED_1 - exp);

	if (active >= load)
		newload += LOADAVG_FIXED_1 - 1;
	return newload / LOADAVG_FIXED_1;
}

u32 loadavg_nr_active(struct kernel *k)
{
	struct st_list *p;
	u32 n = 0;

	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);
		struct task *t;

		tg_for_each_task(t, tg)
			n += task_running(t);
	}
	return n;
}

void loadavg_sample(struct kernel *k, s64 *next)
{
	s64 now = ktime_mono(&k->time), host;
	u64 active;
	int n = 0;

	if (!k->load_next)
		k->load_next = now + LOADAVG_FREQ;
	if (now >= k->load_next) {
		active = (u64)loadavg_nr_active(k) * LOADAVG_FIXED_1;
		while (now >= k->load_next) {
			if (n++ < LOADAVG_CATCHUP_MAX) {
				k->avenrun[0] = calc_load(k->avenrun[0], EXP_1, active);
				k->avenrun[1] = calc_load(k->avenrun[1], EXP_5, active);
				k->avenrun[2] = calc_load(k->avenrun[2], EXP_15, active);
			}
			k->load_next += LOADAVG_FREQ;
		}
	}
	host = ktime_to_host_mono(&k->time, CLOCK_MONOTONIC, k->load_next);
	if (*next < 0 || host < *next)
		*next = host;
}
