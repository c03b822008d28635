/*
 * Interval timers (setitimer, alarm), POSIX timers (timer_create) and CPU-time
 * accounting of thread groups. After Linux's kernel/time/itimer.c, posix-timers.c and
 * posix-cpu-timers.c.
 *
 * A timer is data in its thread group: the clock it runs on, its absolute expiry on
 * that clock and its interval. One Sentry thread per sandbox (ktimer.c) sleeps until
 * the earliest expiry of a wall-clock timer and sends the signals; while a CPU-clock
 * timer (ITIMER_VIRTUAL, ITIMER_PROF, a CPU-clock POSIX timer) is armed it also wakes
 * every 10 ms to sample CPU times, so those expire up to 10 ms late. Expiries are
 * sandbox-clock values, so a checkpoint saves them as they are and a restore re-arms
 * them: a MONOTONIC timer keeps its remaining time across the gap, a BOOTTIME or
 * REALTIME one counts the gap. The same thread expires timerfds (ipc/timerfd.c, through
 * timerfd_scan), whose timers are struct ktimer too and follow the same rules, and
 * samples the load averages every 5 s (loadavg.c); it starts with the first task.
 *
 * The application's CPU time is what the host charges for running its address space
 * (plat_as_cpu_time: the stub process on ptrace). A group's time is that of the
 * address space it runs in since it started to (attach), plus what it used in earlier
 * ones (exec, before a restore). The host cannot tell one thread of another process
 * from the others, so a thread's CPU clock is its share of its process's time
 * (cputime_task), and a timer on it is sampled as the process's are.
 *
 * Locking: everything here is under kernel->lock, except a POSIX timer's signal state
 * (queued, overrun), which is also under the group's sighand lock, as the pending
 * sets are (signal/sigqueue.c updates it when the signal is dequeued).
 */
#ifndef SBX_TIME_KTIMER_H
#define SBX_TIME_KTIMER_H

#include "abi/linux.h"
#include "base/types.h"
#include "save.h"

struct kernel;
struct mm;
struct task;
struct thread_group;

/* Internal clock ids beyond Linux's wall clocks. */
#define KT_CLOCK_CPU_TOTAL 2    /* the group's user+system time (CLOCK_PROCESS_CPUTIME_ID) */
#define KT_CLOCK_CPU_USER 100   /* the group's user time (ITIMER_VIRTUAL) */
#define KT_CLOCK_THREAD_TOTAL 101       /* a thread's user+system time (ktimer.tid) */
#define KT_CLOCK_THREAD_USER 102        /* a thread's user time */

SAVABLE struct ktimer {
	s32 clockid;            /* a wall clock, KT_CLOCK_CPU_* or KT_CLOCK_THREAD_* */
	u32 tid;                /* KT_CLOCK_THREAD_*: the thread whose time counts */
	bool armed;
	s64 expires;            /* on clockid, ns */
	s64 interval;           /* ns; 0: one-shot */
};

SAVABLE struct posix_timer {
	struct posix_timer *next;       /* in tg_timers.posix */
	s32 id;
	s32 notify;                     /* L_SIGEV_SIGNAL, _NONE or _THREAD_ID */
	s32 signo;
	u32 tid;                        /* SIGEV_THREAD_ID: the thread signalled */
	u64 value;                      /* sigev_value, delivered in si_value */
	struct ktimer kt;
	/* signal state, under kernel->lock and the sighand lock */
	bool queued;                    /* its signal is pending */
	s32 overrun;                    /* expirations since the signal was queued */
	s32 overrun_last;               /* of the last delivered signal: timer_getoverrun */
};

SAVABLE struct tg_timers {
	struct ktimer itimer[3];        /* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
	struct posix_timer *posix;
	s32 next_id;
	/* CPU time before the address space counted now (rebased at each save) */
	u64 base_user, base_sys;
	u64 child_user, child_sys;      /* of reaped children: RUSAGE_CHILDREN */
	bool final;                     /* exited: base is the whole time */
	struct mm *mm SAVE_SKIP;        /* counted address space (a reference); re-attached
					 * when the group's first task starts after a restore */
	/* Saved true when mm was attached: the loaded address space's reference
	 * count still holds this group's reference, which the re-attach takes over
	 * instead of taking another (the address space would never be freed). */
	bool mm_counted;
	u64 start_user SAVE_SKIP, start_sys SAVE_SKIP;  /* its time when attached */
};

int tg_timers_before_save(void *o, void *ctx);
int tg_timers_after_load(void *o, void *ctx);

/* The group's timers, made on first use; NULL if out of memory. k->lock held. */
struct tg_timers *tg_timers_get(struct thread_group *tg);
void tg_timers_release(struct thread_group *tg);

/* Reads @kt's clock (wall, or @tg's or one of its threads' CPU time) now; a thread
 * clock whose thread is gone reads -1. k->lock held. */
s64 ktimer_now(struct thread_group *tg, const struct ktimer *kt);
/* Arms @kt to expire at @expires (absolute on its clock) then every @interval; a
 * zero @expires disarms. Wakes the timer thread. k->lock held. */
void ktimer_set(struct thread_group *tg, struct ktimer *kt, s64 expires, s64 interval);
/* Expirations of wall-clock or CPU timer @kt by clock reading @now, moving it to its
 * next expiry (a one-shot disarms). */
s64 ktimer_expire(struct ktimer *kt, s64 now);
/* Time left before @kt expires (0 when disarmed). k->lock held. */
s64 ktimer_left(struct thread_group *tg, struct ktimer *kt);
/* Wakes (or starts) the timer thread: a timer changed. k->lock held. */
void ktimer_kick(struct kernel *k);

/* Deletes every POSIX timer of @tg (exec, exit). k->lock held. */
void posix_timers_delete_all(struct thread_group *tg);
/* A POSIX timer's signal left a pending set: delivered (@deliver: its overrun goes
 * into @info and becomes timer_getoverrun's) or discarded. sighand lock held. */
void posix_timer_dequeued(struct thread_group *tg, struct l_siginfo *info, bool deliver);

/* Load averages (loadavg.c), in Linux's fixed point: LOADAVG_FIXED_1 is a load of 1. */
#define LOADAVG_FSHIFT 11
#define LOADAVG_FIXED_1 (1 << LOADAVG_FSHIFT)
#define LOADAVG_FREQ 5000000000LL       /* ns of sandbox MONOTONIC between samples */
/* The tasks running or runnable now: loadavg's count, /proc/loadavg's first figure
 * after the averages. k->lock held. */
u32 loadavg_nr_active(struct kernel *k);
/* On the timer thread: folds in the samples that are due, and lowers @next (host
 * monotonic, -1: none) to the next one's time. k->lock held. */
void loadavg_sample(struct kernel *k, s64 *next);

/* CPU accounting (cputime.c). */
/* The task's group starts to count its address space (task start, on its thread). */
void cputime_attach(struct task *t);
/* exec replaced @old by the task's new address space (on its thread). */
void cputime_exec(struct task *t, struct mm *old);
/* The group's last task is going: its time is final. */
void cputime_exit(struct thread_group *tg);
/* @parent reaps @child: the child's time and its children's join the parent's. */
void cputime_reap(struct thread_group *parent, struct thread_group *child);
/* 1 if @tg's CPU clock holds a reference to @mm (it counts that address space's
 * time), else 0. k->lock held. */
u32 cputime_holds(struct thread_group *tg, struct mm *mm);
/* The group's user and system time, ns. k->lock held. */
void cputime_group(struct thread_group *tg, u64 *user, u64 *sys);
/* The sandbox's CPU time so far, ns: every group's, and those released. k->lock
 * held. */
void cputime_total(struct kernel *k, u64 *user, u64 *sys);
/* Its reaped children's. k->lock held. */
void cputime_children(struct thread_group *tg, u64 *user, u64 *sys);
/* Task @t's own user and system time (its share of its group's), never less than
 * what it reported before. k->lock held. */
void cputime_task(struct task *t, u64 *user, u64 *sys);
/* Around each switch into the application, on the task's thread. */
void cputime_enter(struct task *t);
void cputime_leave(struct task *t);
/* Task @t leaves its group's task list (exit, exec's old leader): its application
 * time stays counted in the group's. k->lock held. */
void cputime_task_gone(struct task *t);

#endif
