/*
 * System V shared memory (after Linux's ipc/shm.c and ipc/util.c; gVisor's
 * pkg/sentry/kernel/shm is the other reading): segments named by a key or private,
 * attached with shmat as shared mappings of their pages, which live in the memory
 * file as a memfd's do (struct mf_pages), so they count against the sandbox's memory
 * limit by the pages touched and are saved with a checkpoint. The sandbox is one IPC
 * namespace.
 *
 * A segment's attach count is its pages' count of mapping VMAs (mf_pages.maps), which
 * fork, split and unmap keep, as Linux's shm_nattch counts VMAs. A segment removed
 * with IPC_RMID while attached lives on, keyless, until its last detach; with no
 * callback from the last unmap, such a segment is freed by the next shm call that
 * finds it unattached (its pages are not reachable in between).
 *
 * Locking: shm_ns.lock guards the segment list and every segment's fields; taken
 * before mm->lock (shmat and shmdt map and unmap under it), never under it.
 */
#ifndef SBX_IPC_SHM_H
#define SBX_IPC_SHM_H

#include <pthread.h>

#include "base/types.h"
#include "save.h"
#include "st_list.h"

struct kernel;
struct mf_pages;
struct task;

#define SHM_IDX_MAX 32768               /* Linux's IPCMNI: an id is seq * this + index */
#define SHM_SEQ_MAX (0x7fffffff / SHM_IDX_MAX)
#define L_SHMMNI 4096                   /* /proc/sys/kernel/shmmni */
#define L_SHMMAX (~0UL - (1UL << 24))   /* shmmax, shmall (in pages): Linux's defaults */
#define L_SHMALL (~0UL - (1UL << 24))
#define L_SHMMIN 1

SAVABLE struct shm_seg {
	struct st_list link SAVE_SKIP;  /* in shm_ns.segs, by index; rebuilt by the list */
	u32 idx, seq;                   /* the id is seq * SHM_IDX_MAX + idx */
	s32 key;                        /* IPC_PRIVATE (0) once removed */
	u32 uid, gid, cuid, cgid;
	u32 mode;                       /* permission bits, SHM_DEST, SHM_LOCKED */
	u64 size;                       /* bytes asked for; the pages cover it */
	struct mf_pages *pages;         /* referenced */
	s64 atime, dtime, ctime;        /* seconds, CLOCK_REALTIME */
	u32 cpid, lpid;                 /* creator, last shmat/shmdt (sandbox pids) */
};

SAVABLE struct shm_ns {
	struct st_list segs SAVE_LIST(struct shm_seg, link);   /* by index */
	u32 next_seq;                   /* the next new segment's sequence number */
	pthread_mutex_t lock SAVE_SKIP;
};

int shm_ns_after_load(void *o, void *ctx);

/* The syscalls (sys_ipc.c decodes and copies; these do the work). */
long shm_get(struct task *t, s32 key, u64 size, int flags);
long shm_at(struct task *t, int id, u64 addr, int flags);
long shm_dt(struct task *t, u64 addr);
long shm_ctl(struct task *t, int id, int cmd, u64 buf);

#endif
