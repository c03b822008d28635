/*
 * Tasks: one per application thread, each run by a Sentry host thread of its own
 * (gVisor's task goroutine). The thread loops: deliver pending signals, switch into
 * the application through the platform, handle the event it returns.
 *
 * An interrupt (a signal, a stop request) sets a bit in task->interrupt, wakes the
 * task's eventfd (which every blocking wait in the Sentry polls) and interrupts the
 * platform context, so a task in the application, in a blocking host call, or on its
 * way between the two notices it without a race.
 */
#ifndef SBX_TASK_H
#define SBX_TASK_H

#include <pthread.h>

#include "abi/linux.h"
#include "base/ref.h"
#include "base/types.h"
#include "platform.h"
#include "save.h"
#include "st_list.h"
#include "task/waitq.h"

struct fdtable;
struct sigqueue;
struct tg_timers;
struct vfs_fs;
struct kernel;
struct mm;
struct sem_undo_list;
struct pty;

/* A syscall interrupted with ERESTART_RESTARTBLOCK: what restart_syscall continues.
 * Data, never a function pointer, so it survives checkpoint and restore.
 *   nanosleep      clockid, deadline, rmtp: where the remaining time goes (or 0)
 *   futex          clockid, deadline, uaddr: the word, val, bitset, private
 *   poll           deadline, uaddr: the pollfd array, val: its length
 *   epoll_wait     clockid: the epoll fd, deadline, uaddr: the events, val: their
 *                  number, rmtp: the sigmask (epoll_pwait; or 0), bitset: its size
 *   rt_sigtimedwait  deadline, set: the signals, uaddr: the siginfo (or 0)
 *   semtimedop     clockid: the set's id, deadline, uaddr: the sembufs, val: their
 *                  number
 * Deadlines are on the sandbox's clocks (CLOCK_MONOTONIC but for nanosleep's and
 * futex's own), which a restore carries over. */
enum restart_kind { RESTART_NONE, RESTART_NANOSLEEP, RESTART_FUTEX, RESTART_FUTEX_LOCK_PI,
		    RESTART_POLL, RESTART_EPOLL, RESTART_SIGTIMEDWAIT, RESTART_SEMTIMEDOP };

SAVABLE struct restart_block {
	u32 kind;               /* enum restart_kind */
	s32 clockid;
	s64 deadline;           /* sandbox clock ns */
	u64 rmtp;
	u64 uaddr;
	u32 val, bitset;
	bool private;
	u64 set;
};

/* syscalls/sys_futex.c: continues an interrupted futex wait. */
long futex_restart(struct task *t, const struct restart_block *rb);
/* syscalls/sys_file.c: continues an interrupted poll. */
long poll_restart(struct task *t, const struct restart_block *rb);
/* syscalls/sys_event.c: continues an interrupted epoll_wait. */
long epoll_restart(struct task *t, const struct restart_block *rb);
/* syscalls/sys_signal.c: continues an interrupted rt_sigtimedwait. */
long sigtimedwait_restart(struct task *t, const struct restart_block *rb);

/*
 * Signal handlers, shared by threads (CLONE_SIGHAND). Its lock is Linux's siglock:
 * it guards the handlers, and the pending sets and masks of every task using it and
 * of their thread group.
 */
SAVABLE struct sighand {
	struct ref ref;
	struct l_sigaction act[L_NSIG];  /* act[sig - 1]; under lock */
	pthread_mutex_t lock SAVE_SKIP;  /* recursive */
};

int sighand_after_load(void *o, void *ctx);
struct sighand *sighand_new(void);
void sighand_put(struct sighand *sh);

/*
 * Resource-usage counts beyond the CPU times (getrusage, wait4; task_usage.c): of a
 * task (written by its own thread only, read by others without a lock), of a
 * group's gone tasks, or of a group's reaped children (under kernel->lock).
 */
SAVABLE struct task_usage {
	/* page faults the Sentry served (copy-on-write, file pages, stack growth); a
	 * group adds the pages it saw newly populated (first touches the host served,
	 * invisible one by one) */
	u64 minflt;
	u64 majflt;             /* always 0: no fault waits for a disk */
	u64 nvcsw;              /* waits the task blocked in, in the Sentry */
	u64 nivcsw;             /* switches into the application an interrupt ended */
};

/*
 * A thread group: Linux's process. It outlives its tasks as a zombie until its parent
 * reaps it. The process tree, process groups and sessions live here; all of it is
 * under kernel->lock but the signal fields, which are the sighand lock's.
 */
SAVABLE struct thread_group {
	struct kernel *k;
	u32 tgid;
	/* the task whose tid is the tgid; kept (exited, if it did) until the group is
	 * reaped, as Linux keeps a zombie leader */
	struct task *leader;
	/* its tasks: the leader, and every other thread until it exits */
	struct st_list tasks SAVE_LIST(task, tglink);
	u32 nlive;                      /* tasks that have not exited */
	bool group_exit;                /* exit_group or a fatal signal: all must go */
	int group_exit_status;          /* the wait status they all go with */
	struct waitq thread_wq SAVE_SKIP;   /* exec waiting for the other threads to go */
	/* process-directed pending signals; under the sighand lock */
	u64 pending;
	struct l_siginfo pinfo[L_NSIG];
	struct sigqueue *sigq;          /* real-time signals queued behind pinfo[] */
	/* interval and POSIX timers, CPU-time accounting (time/ktimer.h); NULL until
	 * first used; under kernel->lock */
	struct tg_timers *timers;
	struct thread_group *parent;    /* NULL for init */
	struct st_list children SAVE_LIST(thread_group, sibling);
	struct st_list sibling SAVE_SKIP;   /* in parent->children; rebuilt by the list */
	struct st_list tglink SAVE_SKIP;    /* in kernel->tgs; rebuilt by the list */
	u32 pgid, sid;
	/* its controlling terminal (fs/devpts/), referenced, or NULL; under lock */
	struct pty *tty;
	int exit_signal;                /* sent to the parent at death (SIGCHLD) */
	bool zombie;                    /* exited, not yet reaped */
	int exit_status;                /* wait status, once a zombie */
	u32 wait_events;                /* TG_EV_*: stop/continue not yet reported */
	int stop_signal;                /* the signal that stopped it */
	bool stopped;                   /* job-control stopped */
	bool subreaper;                 /* PR_SET_CHILD_SUBREAPER */
	s64 start_ns;                   /* sandbox monotonic time it was made */
	/* time its gone threads spent in the application (time/cputime.c); under
	 * kernel->lock */
	u64 app_ns_gone;
	/* resource usage (task_usage.c), under kernel->lock: of its gone tasks, of its
	 * reaped children; its peak resident size and its children's, in pages; the
	 * resident size seen last (the base of the next minflt estimate) */
	struct task_usage usage_gone, usage_children;
	u64 maxrss, cmaxrss, rss_seen;
	/* membarrier registrations (MEMBARRIER_CMD_REGISTER_* bits); inherited by
	 * fork, cleared by exec; written under kernel->lock, read atomically */
	u32 membarrier;
	/* /proc/PID/oom_score_adj (-1000..1000, inherited by fork) and the least it
	 * may be lowered to without CAP_SYS_RESOURCE; under kernel->lock */
	s32 oom_score_adj, oom_score_adj_min;
	struct waitq child_wq SAVE_SKIP;    /* its waiters in wait4; re-block on restore */
	/* pidfd pollers waiting for it to exit; under kernel->lock; they poll again
	 * after a restore */
	struct waitq exit_wq SAVE_SKIP;
};

#define TG_EV_STOPPED 0x1
#define TG_EV_CONTINUED 0x2

int thread_group_after_load(void *o, void *ctx);

SAVABLE struct task {
	struct kernel *k;
	u32 tid;                        /* in the sandbox's pid namespace */
	u32 tgid;                       /* tg->tgid */
	struct thread_group *tg;
	struct st_list tglink SAVE_SKIP;        /* in tg->tasks; rebuilt by the list */
	/* vfork: the parent waits, after its clone returned, until this child execs or
	 * exits; kept as data so a checkpoint can happen during the wait */
	u32 vfork_wait;                 /* in the parent: the child's tid, or 0 */
	bool vfork_released;            /* in the child: exec'd or exited */
	/* in the child: the task blocked in task_vfork_wait for it, which sets it
	 * (again after a restore) under kernel->lock; 0 for none */
	u32 vfork_waiter SAVE_SKIP;
	u32 uid, euid, suid, gid, egid, sgid;
	/* supplementary groups, sorted as Linux keeps them (task_cred.c) */
	u32 *groups SAVE_LEN(ngroups);
	u32 ngroups;
	/* capability sets, one bit per CAP_* (task_cred.c); the task's own thread
	 * changes them, others only read them */
	u64 cap_eff, cap_prm, cap_inh, cap_bnd, cap_amb;
	bool keep_caps;                 /* PR_SET_KEEPCAPS; cleared by execve */
	/* personality(2): PER_LINUX plus flags such as ADDR_NO_RANDOMIZE */
	u32 personality;
	/* scheduling attributes (task_sched.c), recorded and reported: the host
	 * schedules the Sentry's threads, the Sentry does not schedule by these */
	s32 nice;                       /* -20..19 */
	u32 policy;                     /* SCHED_OTHER, FIFO, RR, BATCH, IDLE */
	u32 rt_priority;                /* 1..99 for FIFO and RR, else 0 */
	bool reset_on_fork;             /* SCHED_RESET_ON_FORK */
	u16 ioprio;                     /* ioprio_set's class and level (0: none) */
	u64 affinity[16];               /* sched_setaffinity mask, within k->cpumask */
	u32 umask;
	char comm[16];
	u32 pdeathsig;                  /* PR_SET_PDEATHSIG: sent when the parent goes */
	bool no_new_privs;              /* PR_SET_NO_NEW_PRIVS (nothing here grants any) */
	u8 dumpable;                    /* PR_SET_DUMPABLE, 1 by default */
	struct plat_regs regs;          /* application registers while in the Sentry */
	/* xsave area, valid when fp_valid; fetched only for signal frames and saves */
	u8 *fpstate SAVE_LEN(fpstate_len);
	u32 fpstate_len;
	bool fp_valid;                  /* saved true: a parked task fetched it */
	bool fp_load SAVE_SKIP;         /* restored: push fpstate before the first switch */
	struct mm *mm;
	struct fdtable *fdt;
	struct vfs_fs *fs;             /* root and cwd (vfs/) */
	struct sighand *sh;
	u64 sigmask;                    /* blocked signals; under sh->lock */
	u64 pending;                    /* thread-directed pending signals; sh->lock */
	/* mask to restore after the next handler (ppoll, sigsuspend); under sh->lock */
	u64 saved_sigmask;
	bool restore_sigmask;
	struct l_siginfo pinfo[L_NSIG]; /* siginfo of each pending signal */
	struct sigqueue *sigq;          /* real-time signals queued behind pinfo[] */
	struct l_stack altstack;
	bool in_syscall;                /* regs.rax holds a result that may be a restart */
	int stop_pending SAVE_SKIP;     /* within sig_deliver only */
	struct restart_block restart;
	/* SEM_UNDO adjustments (ipc/sem.h): shared by CLONE_SYSVSEM, made by the
	 * first SEM_UNDO operation; NULL until then */
	struct sem_undo_list *semundo;
	u64 clear_child_tid, robust_list, robust_len;
	struct l_rlimit rlim[L_RLIM_NLIMITS];
	bool exiting;                   /* its run loop ends (or has ended) */
	bool exited;                    /* task_do_exit is done with it; under k->lock */
	int exit_status;                /* wait status once exiting */
	/* CPU accounting (time/cputime.c): time spent switched into the application,
	 * written by the task's own thread only; since when it is in now (host
	 * monotonic ns, 0: in the Sentry), atomic; and the thread CPU time last
	 * reported, under kernel->lock, so that it never goes back */
	u64 app_ns;
	s64 app_since SAVE_SKIP;                /* parked tasks are out: 0 */
	u64 cpu_seen_user, cpu_seen_sys;
	struct task_usage usage;        /* its own thread writes, atomic */
	/* membarrier (task_membarrier.c): exits from the application, counted by its
	 * own thread, atomic; and a membarrier caller to wake at the next one, under
	 * kernel->lock. Nobody waits across a restore: 0 and NULL */
	u64 app_exits SAVE_SKIP;
	struct task *mb_waiter SAVE_SKIP;
	/* recreated on the task's thread, which alone changes it (task_set_ctx), under
	 * kernel->lock: another thread reads it under that lock (task_interrupt) */
	struct plat_ctx *ctx SAVE_SKIP;
	pthread_t thread SAVE_SKIP;
	int evfd SAVE_SKIP;                     /* interrupt eventfd, recreated */
	u32 interrupt SAVE_SKIP;                /* TIF_* bits, atomic */
	/* in a host wait now (task_ppoll): /proc shows it sleeping, 'S'. Its own thread
	 * writes it, atomic; 0 on restore, where every task starts parked, out of one */
	bool sleeping SAVE_SKIP;
	bool parked SAVE_SKIP;          /* in task_park's wait; under kernel->lock */
	/* wake_list entries naming this task whose wake-up is still to come
	 * (waitq.h); task_destroy waits for none. Atomic */
	u32 wake_pins SAVE_SKIP;
};

#define TIF_SIGNAL 0x1  /* a signal may be deliverable */
#define TIF_KILL 0x2    /* the task must exit */
#define TIF_STOP 0x4    /* park at the next safe point (kernel_stop_world) */
/* Its group is stopping (another thread took the stop signal): leave an
 * interruptible wait, as for a signal, to stop with it (Linux's
 * JOBCTL_STOP_PENDING); cleared once stopped, or by SIGCONT. */
#define TIF_JOBSTOP 0x8

int task_after_load(void *o, void *ctx);

/* task_tree.c; kernel->lock held. */
#define SIGCHLD_NR 17
u32 kernel_alloc_tid(struct kernel *k);
/* Whether @tid is a task's, a group's or a session's id (Linux's find_vpid). */
bool kernel_pid_in_use(struct kernel *k, u32 tid);
struct thread_group *kernel_find_tg(struct kernel *k, u32 tgid);
/* A live task by tid, in any group. */
struct task *kernel_find_task(struct kernel *k, u32 tid);
/* Calls @fn on every live task (not exiting, in a group that is not a zombie) until
 * it returns nonzero, which is returned; 0 after all. */
int kernel_each_live_task(struct kernel *k, int (*fn)(struct task *t, void *arg), void *arg);
#define tg_for_each_task(pos, tg) \
	for (struct st_list *pos##_l = (tg)->tasks.next; \
	     pos##_l != &(tg)->tasks && \
	     ((pos) = container_of(pos##_l, struct task, tglink), 1); \
	     pos##_l = pos##_l->next)
int tg_new(struct kernel *k, struct task *leader, struct thread_group *parent,
	   struct thread_group **out);
void tg_reparent_children(struct kernel *k, struct thread_group *tg);
/* Unlinks and frees a reaped group and its task. */
void tg_release(struct kernel *k, struct thread_group *tg);

/* task_clone.c, task_exit.c, task_wait.c */
struct clone_args_k {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, tls;
};
long task_clone(struct task *t, const struct clone_args_k *ca);
/* Runs on the task's own thread when its run loop ends: releases what it holds and
 * leaves its group; the last to leave makes the group a zombie and tells its
 * parent. Returns true when that was init's group (the sandbox ends; its wait status
 * in *status), in which case nothing is released. Frees a task that is not its
 * group's leader. */
bool task_do_exit(struct task *t, int *status);
/* exit_group, or a fatal signal: every thread of the group exits with @status. */
void task_group_exit(struct task *t, int status);
/* waitid: @options has the idtype in bits 32-47; TASK_WAIT_EAGAIN turns "nothing
 * to report" into -EAGAIN (a nonblocking pidfd). */
#define TASK_WAIT_EAGAIN (1ULL << 48)
long task_wait(struct task *t, s32 pid, u64 ustatus, u64 options, u64 uinfo, u64 urusage,
	       bool waitid);
long task_execve(struct task *t, int dirfd, u64 upath, u64 uargv, u64 uenvp, int flags);
/* A vfork parent waits here (run loop) until its child execs or exits. */
int task_vfork_wait(struct task *t);
/* @t execs or exits: the task that vforked it, if it waits, goes on. k->lock held. */
void task_vfork_release(struct task *t);

/* task_usage.c: resource usage beyond CPU times. */
/* Counts one event of @t (a field of its usage), on its own thread. */
#define task_usage_inc(t, field) \
	__atomic_store_n(&(t)->usage.field, (t)->usage.field + 1, __ATOMIC_RELAXED)
/* Fills @ru's fields but the times for getrusage(@who) by @t (RUSAGE_SELF,
 * _CHILDREN or _THREAD); samples the resident size first. */
void task_usage_get(struct task *t, int who, struct l_rusage *ru);
/* Fills @ru's fields but the times for a wait of child @c (its own and its
 * children's, as Linux's RUSAGE_BOTH). k->lock held. */
void task_usage_child(struct thread_group *c, struct l_rusage *ru);
/* The group's resident size is looked at in @mm, which it is leaving (the last
 * task's exit, exec). Not under k->lock. */
void task_usage_mm_leave(struct thread_group *tg, struct mm *mm);
/* A new process @c of @parent (fork, vfork, clone without CLONE_THREAD). k->lock
 * held. */
void task_usage_fork(struct thread_group *parent, struct thread_group *c);
/* Task @t leaves its group's task list: its counts stay in the group's. k->lock
 * held. */
void task_usage_task_gone(struct task *t);
/* @parent reaps @c: its usage and its children's join the parent's children's.
 * k->lock held. */
void task_usage_reap(struct thread_group *parent, struct thread_group *c);
/* @tg is released (reaped, or never to be waited for): its CPU time and switches
 * stay in the sandbox's totals. k->lock held. */
void task_usage_release(struct kernel *k, struct thread_group *tg);
/* Context switches of every task so far (/proc/stat's ctxt). k->lock held. */
u64 task_usage_switches(struct kernel *k);

/* task_membarrier.c: membarrier(2), and the note each task makes as it leaves the
 * application (its own thread). */
long task_membarrier(struct task *t, int cmd, u32 flags, int cpu_id);
void task_membarrier_left(struct task *t);

/* task_cred.c: setuid/setgid (@gid picks the group ids), setre*id and setres*id with
 * Linux's rules; (u32)-1 keeps an id. 0 or -EPERM (-EINVAL for setuid(-1)). */
long task_setid(struct task *t, bool gid, u32 id);
long task_setreid(struct task *t, bool gid, u32 r, u32 e);
long task_setresid(struct task *t, bool gid, u32 r, u32 e, u32 s);

/* task_cred.c: capabilities and groups (after Linux's kernel/capability.c,
 * security/commoncap.c and kernel/groups.c). */
#define TASK_CAP_LAST 40                /* CAP_CHECKPOINT_RESTORE */
#define TASK_CAP_ALL ((1ULL << (TASK_CAP_LAST + 1)) - 1)
bool task_capable(const struct task *t, int cap);
/* The credentials of a new process's first task: @uid's ids, and for uid 0 the
 * container default capability set. */
void task_cred_init(struct task *t, u32 uid, u32 gid);
/* fork/clone: the child takes a copy of the parent's credentials. */
int task_cred_copy(struct task *t, struct task *c);
void task_cred_release(struct task *t);
/* execve: the capability sets a program without file capabilities gets. */
void task_cred_exec(struct task *t);
long task_setgroups(struct task *t, u32 n, const u32 *list);
long task_capget(struct task *t, u64 uhdr, u64 udata);
long task_capset(struct task *t, u64 uhdr, u64 udata);
long task_prctl_caps(struct task *t, int op, u64 a2, u64 a3, u64 a4, u64 a5);
/* Linux's check_same_owner / kill_ok_by_cred: @t acting on @p by ids alone. */
bool task_same_owner(const struct task *t, const struct task *p);
/* Linux's __ptrace_may_access with PTRACE_MODE_REALCREDS: @t may look into @p (same
 * thread group; CAP_SYS_PTRACE; or @t's real ids are all of @p's and @p is
 * dumpable). */
bool task_ptrace_may_access(const struct task *t, const struct task *p);

/* task_sched.c: nice, policies, affinity and personality, recorded per task. */
void task_sched_init(struct task *t);
void task_sched_fork(struct task *t, struct task *c);
long task_getpriority(struct task *t, int which, int who);
long task_setpriority(struct task *t, int which, int who, int nice);
/* ioprio_get / ioprio_set: Linux's value and errors; takes kernel->lock. */
long task_ioprio_get(struct task *t, int which, int who);
long task_ioprio_set(struct task *t, int which, int who, int ioprio);
/* The rest with kernel->lock held: a task by tid (0: @t), or NULL. */
struct task *task_sched_target(struct task *t, s32 pid);
/* sched_setscheduler/setparam/setattr on @p by @t: policy -1 keeps the policy,
 * @set_nice also sets the nice value. 0, -EINVAL or -EPERM. */
long task_sched_set(struct task *t, struct task *p, s32 policy, bool reset, u32 prio,
		    bool set_nice, int nice);
/* Masks of 16 u64 words (1024 CPUs). */
long task_set_affinity(struct task *t, struct task *p, const u64 *mask);
void task_get_affinity(struct task *p, u64 *mask);

/* task.c */
int task_new(struct kernel *k, struct task **out);
void task_destroy(struct task *t);
/* The task's thread body (started by kernel_start_task). */
void *task_main(void *arg);
/* The task this Sentry thread runs (NULL on other threads): what Linux's
 * "current" is to file ops that have no task argument (a signalfd's poll). */
extern __thread struct task *task_current;
/* Makes the task notice interrupt bits @tif; any thread, holding kernel->lock
 * unless @t is its own task (it reads t->ctx). */
void task_interrupt(struct task *t, u32 tif);
/* Gives @t the platform context @ctx (NULL: none), destroying the one it had. Its
 * own thread only; takes kernel->lock. */
void task_set_ctx(struct task *t, struct plat_ctx *ctx);
/* Task exit: records @wait_status and stops the run loop. */
void task_exit(struct task *t, int wait_status);

/* task_block.c: blocking waits that an interrupt ends. >0 ready, 0 timeout,
 * -EINTR interrupted. @deadline is host CLOCK_MONOTONIC ns, or -1 for none. */
int task_wait_fd(struct task *t, int fd, short events, s64 deadline);
int task_sleep_until(struct task *t, s64 deadline);
/* Blocks until woken (task_wake), the deadline passes, or a signal is pending
 * (-EINTR). Callers re-check their condition: wake-ups may be spurious. */
int task_block(struct task *t, s64 deadline);
/* ppoll(2) on the host for @t's own wait, the task shown sleeping while in it; every
 * blocking wait of a task goes through here. Returns ppoll's result (errno set). */
struct pollfd;
struct timespec;
int task_ppoll(struct task *t, struct pollfd *p, unsigned long n, const struct timespec *ts);
void task_wake(struct task *t);
bool task_signal_pending(struct task *t);
/* For the waits Linux fails with EINTR at any signal, one with a handler or not,
 * or a stop (rt_sigtimedwait, semop, epoll_wait, sockets with a timeout), once
 * interrupted: whether a signal the task takes is pending (not blocked, not in
 * @taken, which the wait takes itself) or its group is stopping. False for the
 * Sentry's own interruptions (a checkpoint's freeze): the wait restarts unseen. */
bool task_wait_signalled(struct task *t, u64 taken);

/* signal/: kernel/signal/signal.c */
/* Sends @info to thread @t. @forced: a fault; unblocks and resets an ignored
 * handler. @external: sent from outside the sandbox (init semantics differ). */
int sig_send(struct task *t, const struct l_siginfo *info, bool forced, bool external);
/* Linux's is_ignored(), which terminal job control asks: @sig blocked by @t, or
 * ignored (SIG_IGN) by its process. */
bool sig_blocked_or_ignored(struct task *t, int sig);
/* Sends @info to process @tg: any of its threads that does not block it takes it.
 * kernel->lock held. */
int sig_send_group(struct thread_group *tg, const struct l_siginfo *info, bool external);
/* Whether @t may send @sig to @p from the application (Linux's check_kill_permission:
 * kill_ok_by_cred, or SIGCONT within the session). @p's group must be unreaped. */
bool sig_may_kill(const struct task *t, const struct task *p, int sig);
/* Whether @t is running or runnable, what ps shows as 'R' and the load averages
 * count: not a zombie, not stopped, not asleep in a Sentry or host wait. */
static inline bool task_running(struct task *t)
{
	if ((t->tg && (t->tg->zombie || t->tg->stopped)) || t->exited)
		return false;
	return !__atomic_load_n(&t->sleeping, __ATOMIC_RELAXED);
}
/* Pending signals @t could take: its own and its group's. */
static inline u64 task_pending(const struct task *t)
{
	return t->pending | t->tg->pending;
}
int sig_force_fault(struct task *t, int signo, int code, u64 addr);
void sig_group_stop(struct task *t, int sig);
/* Delivers pending signals and settles an interrupted syscall's restart. */
void sig_deliver(struct task *t);
long sig_return(struct task *t);

/* task_stop.c: parks the task until the world resumes (its own thread only). */
void task_park(struct task *t);

/* Fetches the task's FP state from the platform into t->fpstate if not valid. */
int task_fetch_fp(struct task *t);

#endif
