/*
 * System V semaphores (after Linux's ipc/sem.c): sets of counters named by a key or
 * private, changed by arrays of operations applied all or none (semop, semtimedop).
 * An operation that cannot be applied yet waits in its set's queue of pending
 * operations; whoever changes the values applies the waiting ones in queue order,
 * as Linux's update_queue does, and wakes their tasks. The sandbox is one IPC
 * namespace.
 *
 * SEM_UNDO: a process's adjustments live in the sets (one sem_undo per set and undo
 * list), named by the undo list's id; the list itself (struct sem_undo_list) is
 * shared by tasks made with CLONE_SYSVSEM and, when its last task exits, its
 * adjustments are applied to the sets (Linux's exit_sem).
 *
 * Waiters are transient: a checkpoint interrupts every wait, which leaves the queue
 * and restarts after the restore (-ERESTARTNOHAND), so only the sets, values, pids
 * and undo entries are saved.
 *
 * Locking: sem_ns.lock guards everything here, set values and queues included.
 */
#ifndef SBX_IPC_SEM_H
#define SBX_IPC_SEM_H

#include <pthread.h>

#include "base/ref.h"
#include "base/types.h"
#include "ipc/sysv.h"
#include "save.h"
#include "st_list.h"

struct kernel;
struct task;

/* Linux's defaults (/proc/sys/kernel/sem: SEMMSL SEMMNS SEMOPM SEMMNI) */
#define L_SEMMSL 32000
#define L_SEMMNI 32000
#define L_SEMMNS (L_SEMMNI * L_SEMMSL)
#define L_SEMOPM 500
#define L_SEMVMX 32767
#define L_SEMAEM L_SEMVMX

/* One undo list's adjustments to one set. */
SAVABLE struct sem_undo {
	struct st_list link SAVE_SKIP;  /* in sem_set.undos; rebuilt by the list */
	u32 ulid;                       /* the sem_undo_list's id */
	s16 *adj SAVE_LEN(nsems);
	u32 nsems;
};

SAVABLE struct sem_set {
	struct st_list link SAVE_SKIP;  /* in sem_ns.sets, by index; rebuilt by the list */
	struct sysv_perm perm;
	u32 nsems;
	u16 *val SAVE_LEN(nsems);       /* the values */
	u32 *pid SAVE_LEN(npid);        /* the last process to change each (sempid) */
	u32 npid;                       /* nsems again: the codec wants a length each */
	s64 otime;                      /* last semop, seconds */
	struct st_list undos SAVE_LIST(struct sem_undo, link);
	struct st_list pending SAVE_SKIP;       /* of struct sem_queue: transient */
};

SAVABLE struct sem_ns {
	struct st_list sets SAVE_LIST(struct sem_set, link);   /* by index */
	u32 next_seq;
	u32 next_ulid;                  /* the next undo list's id */
	u64 used_sems;                  /* semaphores in all sets, against SEMMNS */
	pthread_mutex_t lock SAVE_SKIP;
};

/* A task's undo list (task->semundo), shared by CLONE_SYSVSEM; made by the first
 * SEM_UNDO operation. */
SAVABLE struct sem_undo_list {
	struct ref ref;
	u32 id;
};

int sem_ns_after_load(void *o, void *ctx);

long sem_get(struct task *t, s32 key, int nsems, int flags);
/* semtimedop: @timeout a user struct timespec, or 0 for none (semop). */
long sem_timedop(struct task *t, int id, u64 sops, u64 nsops, u64 timeout);
/* Continues a semtimedop interrupted in its wait (restart_syscall). */
struct restart_block;
long sem_restart(struct task *t, const struct restart_block *rb);
long sem_ctl(struct task *t, int id, int semnum, int cmd, u64 arg);

/* clone: the child's undo list, shared with CLONE_SYSVSEM (made first if the parent
 * has none, as Linux's copy_semundo does), else none. -ENOMEM. */
int sem_undo_clone(struct task *parent, struct task *child, bool share);
/* A task's end (or unshare): drops its undo list; the last user applies it. */
void sem_undo_exit(struct task *t);

#endif
