/*
 * pidfds (after Linux's kernel/pid.c and kernel/signal.c): a file that names a
 * process. It holds the process's tgid and the sandbox time it was made, not a
 * pointer, so it outlives the process's reaping without keeping anything of it
 * alive, never mistakes a later process that reuses the pid for it, and is saved as
 * two numbers: after a restore it still names the same process, or reports it gone.
 * A PIDFD_THREAD pidfd (Linux 6.9) names one thread of it by its tid as well.
 */
#ifndef SBX_TASK_PIDFD_H
#define SBX_TASK_PIDFD_H

#include "base/types.h"
#include "save.h"
#include "vfs/vfs.h"

struct kernel;
struct task;
struct thread_group;

extern const struct vfs_file_ops pidfd_ops;

SAVABLE struct pidfd_file {
	struct vfs_file base SAVE_BASE(&pidfd_ops);
	struct kernel *k;
	u32 tgid;               /* the process it names */
	s64 start_ns;           /* that process's tg->start_ns: tells a reused pid apart */
	u32 tid;                /* PIDFD_THREAD: the thread it names; 0: the process */
};

#define PIDFD_THREAD 0x80      /* O_EXCL */

bool file_is_pidfd(const struct vfs_file *f);
/* The process @f names, or NULL once it was reaped; kernel->lock held. */
struct thread_group *pidfd_tg(struct vfs_file *f);
/* A new pidfd for @tg, or for its thread @thread with PIDFD_THREAD in @flags
 * (kernel->lock held); @flags O_NONBLOCK, PIDFD_THREAD or 0. */
int pidfd_new(struct thread_group *tg, struct task *thread, u32 flags,
	      struct vfs_file **out);
/* Installs such a pidfd in @t's table close-on-exec; the fd or -errno. */
int pidfd_install(struct task *t, struct thread_group *tg, struct task *thread, u32 flags);

/* The syscalls' work: pidfd_open, pidfd_send_signal, pidfd_getfd, and the pid a
 * waitid(P_PIDFD) waits for (*nonblock: the pidfd is O_NONBLOCK). */
long pidfd_open(struct task *t, s32 pid, u32 flags);
long pidfd_send_signal(struct task *t, int fd, int sig, u64 uinfo, u32 flags);
long pidfd_getfd(struct task *t, int fd, int target, u32 flags);
long pidfd_wait_pid(struct task *t, int fd, bool *nonblock);

#endif
