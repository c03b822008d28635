/*
 * The kernel object: root of all Sentry state. One per sandbox.
 *
 * Lock order: kernel->lock, then sighand->lock, then mm->lock, then fdt->lock. A
 * futex bucket's lock is taken with none of them held and takes none. Timers
 * (time/ktimer.h) are under kernel->lock, which the timer thread holds while it
 * sends their signals.
 */
#ifndef SBX_KERNEL_H
#define SBX_KERNEL_H

#include <pthread.h>

#include "abi/linux.h"
#include "arch/cpuid.h"
#include "base/types.h"
#include "save.h"
#include "st_list.h"
#include "time/ktime.h"

struct futex_table;
struct ktimer_svc;
struct memfile;
struct mf_pages;
struct vfs_mntns;
struct vfs_file;
struct shm_ns;
struct sem_ns;
struct msg_ns;
struct platform;
struct task;
struct thread_group;

#define SBX_MAX_TASKS 4096      /* tasks a sandbox may have; fork beyond gets EAGAIN */
#define SBX_MIN_MEM_LIMIT (16ULL << 20)  /* the smallest sandbox memory limit */

SAVABLE struct kernel {
	struct memfile *mf SAVE_SKIP;   /* saved as a root of its own; the live one */
	struct vfs_mntns *mntns;        /* the mount namespace (vfs/) */
	struct ktime time;
	struct task *init;              /* the sandbox's pid 1; under lock */
	/* every thread group, zombies included; under lock */
	struct st_list tgs SAVE_LIST(thread_group, tglink);
	u32 ntasks;                     /* live tasks, for the task limit; under lock */
	u32 max_tasks;                  /* the sandbox's task limit (fork bombs get EAGAIN) */
	/* the sandbox memory limit in bytes (sbx run --memory), enforced by the memory
	 * file (kernel_mem.c); 0 in images older than it: the restoring host's default */
	u64 mem_limit;
	u32 oom_victim;                 /* tgid the OOM killer killed, until reaped; under lock */
	/* for /proc/stat, under lock: tasks made since boot (init is the first), and
	 * the CPU time (ns) and context switches of processes released since */
	u64 nforks;
	u64 gone_user, gone_sys, gone_switches;
	/* load averages over 1, 5 and 15 minutes (time/loadavg.c, LOADAVG_FIXED_1 a
	 * load of 1) and the sandbox MONOTONIC time of their next sample (0: not yet
	 * started; images older than them restore with no history); under lock */
	u64 avenrun[3];
	s64 load_next;
	u32 next_tid;                   /* under lock */
	u32 uid, gid;                   /* credentials tasks start with */
	char hostname[65];
	/* the command the sandbox was started with, as sbx list shows it, for the
	 * sandboxes restored from its images; "" in images older than it */
	char command[512];
	struct cpuid_policy cpuid;      /* what cpuid tells the application */
	/* the first of the starting command's stdin, stdout and stderr that was a
	 * terminal, as a host-fd file: what /dev/tty opens for the first session
	 * (fs/devpts/tty_jobctl.c); referenced, NULL without one */
	struct vfs_file *host_tty SAVE_POLY;
	/* System V shared memory (ipc/shm.h), made by the first shm call; NULL until
	 * then, and in images older than it */
	struct shm_ns *shm;
	/* System V semaphores (ipc/sem.h) and message queues (ipc/msg.h), likewise */
	struct sem_ns *sem;
	struct msg_ns *msg;
	/* The vDSO's parameter page and image (vdso/), one page each, which every
	 * program maps: made by the first exec; NULL until then, and in images older
	 * than them */
	struct mf_pages *vdso_vvar, *vdso_image;
	/* CPUs the sandbox may run on (1024 max); read again from the restoring host */
	u64 cpumask[16] SAVE_SKIP;
	u32 ncpu_ids SAVE_SKIP;         /* highest CPU in cpumask + 1 */
	struct platform *plat SAVE_SKIP;        /* reopened by restore */
	struct futex_table *futex SAVE_SKIP;    /* waiters are transient (ipc/futex.h) */
	/* the timer thread (time/ktimer.c), started by the first armed timer */
	struct ktimer_svc *timers SAVE_SKIP;
	bool strace SAVE_SKIP;                  /* a run option, not state */
	pthread_mutex_t lock SAVE_SKIP;
	pthread_cond_t cond SAVE_SKIP;          /* signalled when init exits */
	bool done SAVE_SKIP;                    /* init has exited; under lock */
	int exit_status SAVE_SKIP;              /* wait status of init; under lock */
	int done_fd SAVE_SKIP;                  /* eventfd, readable once done */
	/* Where a task asks the sandbox's host job to stop, as a terminal stops a
	 * background job that reads it: one byte, the signal (SIGTTIN). -1: nobody
	 * listens (set by whoever serves the job's stops: sbx boot's control loop). */
	int host_jobctl_fd SAVE_SKIP;
	bool stopping SAVE_SKIP;                /* the world is stopped; under lock */
	u32 nparked SAVE_SKIP;                  /* tasks parked; under lock */
	u32 nrunning SAVE_SKIP;                 /* task threads alive; under lock */
};

int kernel_after_load(void *o, void *ctx);

int kernel_new(struct platform *plat, struct memfile *mf, struct kernel **out);
/* Creates pid 1 from the ELF at host descriptor @exec_fd, with the host descriptors
 * @stdio as its fds 0-2. On failure writes a one-line reason to @why. */
int kernel_create_init(struct kernel *k, int exec_fd, const char *execfn,
		       char *const argv[], char *const envp[], const int stdio[3],
		       char *why, size_t whylen);
/* Starts every live task (one after boot; all of them after a restore). */
int kernel_start_tasks(struct kernel *k);
/* Starts task @t on a thread of its own. */
int kernel_start_task(struct kernel *k, struct task *t);
/* Blocks until init exits; returns its wait status (exit code << 8 or signal). */
int kernel_wait(struct kernel *k);
/* Stops the world: every task parks at a syscall boundary (a blocked syscall is
 * interrupted and rewound to restart) with its FP state fetched. -ETIMEDOUT (logged,
 * the world running again) if some task did not park within KERNEL_STOP_TIMEOUT_S. */
#define KERNEL_STOP_TIMEOUT_S 20
int kernel_stop_world(struct kernel *k);
void kernel_resume_world(struct kernel *k);
/* Sends @sig to init as a signal from outside the sandbox. */
int kernel_signal_init(struct kernel *k, int sig);
/* Sends @sig, as the sandbox's terminal would, to every process in init's process
 * group (the foreground of the host terminal the sandbox was started on). */
int kernel_signal_foreground(struct kernel *k, int sig);

/* kernel_mem.c: the memory limit and the OOM killer. */
/* Half the host's RAM, at least SBX_MIN_MEM_LIMIT: the limit without --memory. */
u64 kernel_default_mem_limit(void);
/* Sets the sandbox memory limit (bytes, rounded down to pages) in k and its memory
 * file. Allocations beyond it fail with -ENOMEM from then on. */
void kernel_set_mem_limit(struct kernel *k, u64 bytes);
/* Task @t faulted on a copy-on-write page while the sandbox is at its memory limit:
 * SIGKILLs the process with the highest badness (unless a victim is still dying) and
 * logs it. Returns for the fault to be retried; if @t was the victim, its SIGKILL is
 * pending. Call on @t's thread, holding no lock. */
void kernel_oom(struct task *t);
/* The sandbox's memory as sysinfo(2) and /proc/meminfo show it: its limit (no more
 * than the host's RAM) as the total, what the limit has left as free. Programs size
 * their heaps from it (a JVM takes a quarter of "physical memory"), as they read a
 * container's memory cgroup on Linux. */
void kernel_meminfo(struct kernel *k, u64 *total, u64 *free);
/* /proc/PID/oom_score: the process's badness on Linux's scale (0: exempt). */
int kernel_oom_score(struct kernel *k, struct thread_group *tg);

#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000
#define OOM_DISABLE (-17)               /* the legacy oom_adj's scale: -17..15 */
#define OOM_ADJUST_MAX 15

/* CPUs the sandbox runs on. */
unsigned kernel_ncpus(const struct kernel *k);
/* The sandbox's next CPU after @cpu (-1: the first), by its host number, which is
 * how sched_getaffinity, /proc and /sys name it; -1 after the last. */
int kernel_cpu_next(const struct kernel *k, int cpu);
/* Called by a task's thread as it ends. */
void kernel_task_gone(struct kernel *k);
/* Called by init's thread when it exits. */
void kernel_init_exited(struct kernel *k, int wait_status);

#endif
