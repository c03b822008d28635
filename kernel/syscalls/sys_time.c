/* Time syscalls over the kernel clocks, sleeps with Linux's restart semantics, and
 * getrandom. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "ipc/sem.h"
#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "time/ktime.h"
#include "time/ktimer.h"


/* CPU-time clocks: this process's or thread's, or another's named by a clock id
 * (Linux's encoding: ~pid << 3 | per-thread 4 | PROF 0, VIRT 1, SCHED 2; a thread's
 * clock only for a thread of the caller's process). A thread's time is its share
 * of its process's (time/ktimer.h). */
static int cpu_clock(struct task *t, int clockid, s64 *ns)
{
	struct thread_group *tg = t->tg;
	struct task *thr = NULL;
	bool user_only = false;
	u64 user, sys;
	int err = 0;

	pthread_mutex_lock(&t->k->lock);
	if (clockid < 0) {
		u32 pid = ~(u32)clockid >> 3;

		if ((clockid & 3) == 3) {
			err = -EINVAL;
		} else if (clockid & 4) {
			thr = pid ? kernel_find_task(t->k, pid) : t;
			if (!thr || thr->tg != t->tg)
				err = -EINVAL;
		} else if (pid) {
			tg = kernel_find_tg(t->k, pid);
			if (!tg || tg->zombie)
				err = -EINVAL;
		}
		user_only = (clockid & 3) == 1;
	} else if (clockid == CLOCK_THREAD_CPUTIME_ID) {
		thr = t;
	} else if (clockid != CLOCK_PROCESS_CPUTIME_ID) {
		err = -EINVAL;
	}
	if (!err) {
		if (thr)
			cputime_task(thr, &user, &sys);
		else
			cputime_group(tg, &user, &sys);
		*ns = user_only ? user : user + sys;
	}
	pthread_mutex_unlock(&t->k->lock);
	return err;
}

static int read_clock(struct task *t, int clockid, s64 *ns)
{
	int err = ktime_get(&t->k->time, clockid, ns);

	return err ? cpu_clock(t, clockid, ns) : 0;
}

static int put_ts(struct task *t, u64 addr, s64 ns)
{
	struct l_timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };

	return mm_copy_out(t->mm, addr, &ts, sizeof(ts)) ? -EFAULT : 0;
}

static int get_ts(struct task *t, u64 addr, s64 *ns)
{
	struct l_timespec ts;

	if (mm_copy_in(t->mm, &ts, addr, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	*ns = ts.tv_sec > INT64_MAX / NSEC_PER_SEC - 1 ? INT64_MAX
						     : ts_to_ns(ts.tv_sec, ts.tv_nsec);
	return 0;
}

SYS(clock_gettime)
{
	s64 ns;
	int err = read_clock(t, a[0], &ns);

	return err ? err : put_ts(t, a[1], ns);
}

SYS(clock_getres)
{
	s64 ns;
	int err = ktime_getres(a[0], &ns);

	if (err && (s32)a[0] < 0 && !cpu_clock(t, a[0], &ns)) {
		ns = 1;         /* a valid CPU clock of another task */
		err = 0;
	}
	if (err)
		return err;
	return a[1] ? put_ts(t, a[1], ns) : 0;
}

SYS(gettimeofday)
{
	s64 ns;

	ktime_get(&t->k->time, CLOCK_REALTIME, &ns);
	if (a[0]) {
		struct l_timeval tv = { ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / 1000 };

		if (mm_copy_out(t->mm, a[0], &tv, sizeof(tv)))
			return -EFAULT;
	}
	if (a[1]) {
		s32 tz[2] = { 0, 0 };

		if (mm_copy_out(t->mm, a[1], tz, sizeof(tz)))
			return -EFAULT;
	}
	return 0;
}

SYS(time)
{
	s64 ns, sec;

	ktime_get(&t->k->time, CLOCK_REALTIME, &ns);
	sec = ns / NSEC_PER_SEC;
	if (a[0] && mm_copy_out(t->mm, a[0], &sec, sizeof(sec)))
		return -EFAULT;
	return sec;
}

/* Sleeps until @deadline of @clockid; on interruption records a restart block and
 * writes the remaining time to @rmtp (relative sleeps only). */
static long sleep_until(struct task *t, int clockid, s64 deadline, u64 rmtp)
{
	s64 host = MAX(ktime_to_host_mono(&t->k->time, clockid, deadline), 0);
	s64 now;
	int r = task_sleep_until(t, host);

	if (r != -EINTR)
		return 0;
	t->restart = (struct restart_block){ .kind = RESTART_NANOSLEEP, .clockid = clockid,
					     .deadline = deadline, .rmtp = rmtp };
	if (rmtp) {
		read_clock(t, clockid, &now);
		if (put_ts(t, rmtp, deadline > now ? deadline - now : 0))
			return -EFAULT;
	}
	return -ERESTART_RESTARTBLOCK;
}

/* Sleeping on the process's own CPU clock: it does not advance while the only
 * thread sleeps, so a deadline not yet reached is never reached (as on Linux with
 * one thread) and only a signal ends the sleep. */
static long cpu_nanosleep(struct task *t, int flags, s64 ns)
{
	s64 now;

	read_clock(t, CLOCK_PROCESS_CPUTIME_ID, &now);
	if ((flags & TIMER_ABSTIME) ? ns <= now : ns == 0)
		return 0;
	return task_sleep_until(t, -1) == -EINTR ? -ERESTARTNOHAND : 0;
}

static long do_nanosleep(struct task *t, int clockid, int flags, u64 req, u64 rmtp)
{
	s64 ns, now;
	int err;

	err = get_ts(t, req, &ns);
	if (err)
		return err;
	if (clockid == CLOCK_PROCESS_CPUTIME_ID)
		return cpu_nanosleep(t, flags, ns);
	if (flags & TIMER_ABSTIME)
		return sleep_until(t, clockid, ns, 0);
	/* A relative sleep does not follow the realtime clock (glibc's nanosleep is
	 * clock_nanosleep(CLOCK_REALTIME)): it runs on the monotonic clock, which a
	 * restore continues rather than jumping by the downtime. */
	if (clockid == CLOCK_REALTIME || clockid == CLOCK_TAI)
		clockid = CLOCK_MONOTONIC;
	read_clock(t, clockid, &now);
	return sleep_until(t, clockid, now > INT64_MAX - ns ? INT64_MAX : now + ns, rmtp);
}

SYS(nanosleep)
{
	return do_nanosleep(t, CLOCK_MONOTONIC, 0, a[0], a[1]);
}

SYS(clock_nanosleep)
{
	switch (a[0]) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
		break;
	case CLOCK_THREAD_CPUTIME_ID:
		return -EOPNOTSUPP;
	case CLOCK_PROCESS_CPUTIME_ID:
		break;
	default:
		return -EINVAL;
	}
	/* Linux ignores flags other than TIMER_ABSTIME. */
	return do_nanosleep(t, a[0], a[1], a[2], a[3]);
}

SYS(restart_syscall)
{
	struct restart_block rb = t->restart;

	t->restart.kind = RESTART_NONE;
	switch (rb.kind) {
	case RESTART_NANOSLEEP:
		return sleep_until(t, rb.clockid, rb.deadline, rb.rmtp);
	case RESTART_FUTEX:
	case RESTART_FUTEX_LOCK_PI:
		return futex_restart(t, &rb);
	case RESTART_POLL:
		return poll_restart(t, &rb);
	case RESTART_EPOLL:
		return epoll_restart(t, &rb);
	case RESTART_SIGTIMEDWAIT:
		return sigtimedwait_restart(t, &rb);
	case RESTART_SEMTIMEDOP:
		return sem_restart(t, &rb);
	default:
		return -EINTR;
	}
}

#define GRND_ALL (GRND_NONBLOCK | GRND_RANDOM | 0x4 /* GRND_INSECURE */)

SYS(getrandom)
{
	u64 len = MIN(a[1], 33554431UL); /* Linux caps one call at 32 MiB - 1 */
	u8 *buf;
	ssize_t n;

	if (a[2] & ~GRND_ALL)
		return -EINVAL;
	if ((a[2] & 0x4) && (a[2] & GRND_RANDOM))
		return -EINVAL;
	if (!len)
		return 0;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	n = getrandom(buf, len, 0);
	if (n < 0)
		n = -errno;
	else if (mm_copy_out(t->mm, a[0], buf, n))
		n = -EFAULT;
	free(buf);
	return n;
}
