/*
 * A minimal futex for single-threaded processes, so that dynamically linked glibc
 * (whose locks and once-initialisations call futex) runs before threads exist:
 * FUTEX_WAKE wakes nobody, FUTEX_WAIT fails with EAGAIN when the word changed and
 * otherwise sleeps until its timeout or a signal (nobody else could wake it). To be
 * replaced by a real futex table when threads arrive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <time.h>

#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"

SYS(futex)
{
	int op = a[1] & FUTEX_CMD_MASK;
	struct l_timespec ts;
	struct timespec now;
	s64 deadline = -1;
	u32 v;
	int r;

	switch (op) {
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return 0;
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (a[0] & 3)
			return -EINVAL;
		if (mm_copy_in(t->mm, &v, a[0], sizeof(v)))
			return -EFAULT;
		if (v != (u32)a[2])
			return -EAGAIN;
		if (a[3]) {
			if (mm_copy_in(t->mm, &ts, a[3], sizeof(ts)))
				return -EFAULT;
			if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
				return -EINVAL;
			clock_gettime(CLOCK_MONOTONIC, &now);
			deadline = now.tv_sec * 1000000000LL + now.tv_nsec;
			if (op == FUTEX_WAIT)
				deadline += ts.tv_sec * 1000000000LL + ts.tv_nsec;
			else
				deadline = ts.tv_sec * 1000000000LL + ts.tv_nsec;
		}
		r = task_sleep_until(t, deadline);
		if (r == -EINTR)
			return -ERESTARTSYS;
		return -ETIMEDOUT;
	default:
		return -ENOSYS;
	}
}
