/*
 * Pipes (after Linux's fs/pipe.c): a ring buffer with reader and writer counts, and
 * one wait queue for everything that waits on it (blocked readers and writers, poll).
 * Both ends are vfs files of the same type; which end a file is comes from its
 * access mode.
 */
#ifndef SBX_IPC_PIPE_H
#define SBX_IPC_PIPE_H

#include <pthread.h>

#include "base/ref.h"
#include "save.h"
#include "task/waitq.h"
#include "vfs/vfs.h"

#define PIPE_DEF_SIZE (16 * 4096)       /* Linux's default pipe capacity */
#define PIPE_MAX_SIZE (1024 * 1024)     /* /proc/sys/fs/pipe-max-size */
#define L_PIPE_BUF 4096                 /* writes up to this are atomic */

SAVABLE struct pipe {
	u8 *buf SAVE_LEN(cap);  /* ring of cap bytes; under lock */
	u32 cap;
	u32 off, size;          /* data: size bytes from off, wrapping; under lock */
	u32 readers, writers;   /* open read and write ends; under lock */
	u64 ino;                /* for fstat */
	struct waitq wq SAVE_SKIP;         /* rebuilt empty: waiters re-block after restore */
	pthread_mutex_t lock SAVE_SKIP;
};

extern const struct vfs_file_ops pipe_ops;

SAVABLE struct pipe_file {
	struct vfs_file base SAVE_BASE(&pipe_ops);
	struct pipe *pipe;
};

int pipe_after_load(void *o, void *ctx);

/* Makes a pipe and its two ends (one reference each). @flags: O_NONBLOCK. */
int pipe_create(u32 flags, struct vfs_file **rd, struct vfs_file **wr);
/* F_GETPIPE_SZ / F_SETPIPE_SZ; -EBADF-style errors for a file that is no pipe. */
long pipe_fcntl(struct vfs_file *f, int cmd, u64 arg);
bool file_is_pipe(const struct vfs_file *f);
/* Empty with no writer left: a read returns 0. */
bool pipe_at_eof(struct vfs_file *f);

#endif
