/*
 * Event files: eventfd (a counter, after Linux's fs/eventfd.c), timerfd (a timer
 * whose expiries are read, fs/timerfd.c) and signalfd (pending signals read as
 * records, fs/signalfd.c). Each is an anonymous file whose poll op feeds poll,
 * select and epoll. Their locks are leaves, but for the wake-ups they send (epoll's
 * callbacks come after them).
 */
#ifndef SBX_IPC_EVFD_H
#define SBX_IPC_EVFD_H

#include <pthread.h>

#include "base/types.h"
#include "save.h"
#include "st_list.h"
#include "task/waitq.h"
#include "time/ktimer.h"
#include "vfs/vfs.h"

struct kernel;
struct stat;
struct task;

/* fstat of an anonymous-inode file: what Linux's anon_inode shows (mode 0600). */
int evfd_fstat(struct vfs_file *f, struct stat *st);

extern const struct vfs_file_ops eventfd_ops;

SAVABLE struct eventfd_file {
	struct vfs_file base SAVE_BASE(&eventfd_ops);
	u64 count;              /* under lock */
	bool semaphore;         /* EFD_SEMAPHORE: a read takes 1 */
	struct waitq wq SAVE_SKIP;      /* readers, writers, pollers; rebuilt empty */
	pthread_mutex_t lock SAVE_SKIP;
};

int eventfd_file_after_load(void *o, void *ctx);

#define L_EFD_SEMAPHORE 1
/* A new eventfd holding @count; @flags: L_EFD_SEMAPHORE, O_NONBLOCK. */
int eventfd_new(u64 count, u32 flags, struct vfs_file **out);

extern const struct vfs_file_ops timerfd_ops;

/*
 * A timerfd's timer is a struct ktimer on a wall clock, like an interval timer's, and
 * follows the same restore rules (a MONOTONIC one keeps its remaining time, REALTIME
 * and BOOTTIME count the downtime). The timer thread (time/ktimer.c) expires armed
 * timerfds through timerfd_scan; read and poll expire them too, so a read never
 * waits on the thread's lateness.
 */
SAVABLE struct timerfd_file {
	struct vfs_file base SAVE_BASE(&timerfd_ops);
	struct kernel *k;
	struct ktimer kt;       /* under lock */
	u64 ticks;              /* expiries not read yet; under lock */
	struct st_list link SAVE_SKIP;  /* in the kernel's timerfd list; re-added at load */
	struct waitq wq SAVE_SKIP;      /* readers and pollers; rebuilt empty */
	pthread_mutex_t lock SAVE_SKIP;
};

int timerfd_file_after_load(void *o, void *ctx);

#define L_TFD_TIMER_ABSTIME 1
#define L_TFD_TIMER_CANCEL_ON_SET 2
/* A new timerfd on @clockid (REALTIME, MONOTONIC, BOOTTIME; the caller maps the
 * _ALARM ones); @flags: O_NONBLOCK. */
int timerfd_new(struct kernel *k, int clockid, u32 flags, struct vfs_file **out);
/* timerfd_settime: arms (or with a zero value disarms) the timer, the old setting
 * in *old. -EINVAL for a file that is no timerfd. */
int timerfd_set(struct vfs_file *f, u32 flags, const struct l_itimerspec *val,
		struct l_itimerspec *old);
int timerfd_get(struct vfs_file *f, struct l_itimerspec *cur);
/* The timer thread's part: expires what is due, the host-monotonic time of the next
 * expiry into *next (kept if earlier). kernel->lock held. */
void timerfd_scan(struct kernel *k, s64 *next);

extern const struct vfs_file_ops signalfd_ops;

SAVABLE struct signalfd_file {
	struct vfs_file base SAVE_BASE(&signalfd_ops);
	u64 mask;               /* the signals it reads; atomic */
};

int signalfd_file_after_load(void *o, void *ctx);

/* A new signalfd for @mask; @flags: O_NONBLOCK. */
int signalfd_new(u64 mask, u32 flags, struct vfs_file **out);
/* Replaces the mask of signalfd @f; -EINVAL for another file. */
int signalfd_set_mask(struct vfs_file *f, u64 mask);
/* A signal was queued: signalfd pollers look again (signal/signal.c). */
void signalfd_notify(void);

#endif
