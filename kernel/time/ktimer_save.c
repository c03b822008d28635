/*
 * Timers and CPU accounting across checkpoint and restore. Expiries are sandbox-clock
 * values and are saved as they are; the timer thread is started again when a group's
 * first task starts (cputime_attach). The CPU time so far is folded into the base at
 * save (the world is stopped), since the restored address spaces start from zero.
 */
#include "kernel.h"
#include "mm/mm.h"
#include "platform.h"
#include "time/ktimer.h"

int tg_timers_before_save(void *o, void *ctx)
{
	struct tg_timers *tt = o;
	uint64_t u = 0, s = 0;

	tt->mm_counted = tt->mm != NULL;
	if (!tt->mm)
		return 0;
	if (tt->mm->as && plat_as_cpu_time(tt->mm->plat, tt->mm->as, &u, &s))
		u = s = 0;
	tt->base_user += u > tt->start_user ? u - tt->start_user : 0;
	tt->base_sys += s > tt->start_sys ? s - tt->start_sys : 0;
	tt->start_user = u;
	tt->start_sys = s;
	return 0;
}

int tg_timers_after_load(void *o, void *ctx)
{
	struct tg_timers *tt = o;

	tt->mm = NULL;
	tt->start_user = tt->start_sys = 0;
	return 0;
}
