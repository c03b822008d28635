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
	/* opens of a read and of a write end ever: a FIFO opener blocked for a partner
	 * wakes when its count moves (Linux's r_counter, w_counter); under lock */
	u32 r_counter, w_counter;
	u32 uid, gid;           /* the creator's, for fstat and reopening */
	u64 ino;                /* for fstat */
	/* the FIFO inode whose pipe this is (its ->pipe points back), or NULL for an
	 * anonymous pipe; under pipe_fifo_lock */
	struct vfs_inode *fifo SAVE_POLY;
	/* an anonymous pipe's advisory locks, shared by its ends (vfs_lock_inode_slot):
	 * made by the first lock; a FIFO's are on the FIFO inode */
	struct vfs_inode *lock_ino SAVE_POLY;
	struct waitq wq SAVE_SKIP;         /* rebuilt empty: waiters re-block after restore */
	/* the ends with O_ASYNC that read (SIGIO with POLL_IN when data comes) and
	 * that write (POLL_OUT when data goes), as Linux's fasync_readers and
	 * fasync_writers; an O_RDWR end is on both; under lock */
	struct st_list fasync_readers SAVE_LIST(struct fasync, link);
	struct st_list fasync_writers SAVE_LIST(struct fasync, link);
	pthread_mutex_t lock SAVE_SKIP;
	/* The ring's bytes written at least once since it was allocated, in whole pages:
	 * [0, charged) is what the host holds for it, charged to the sandbox's memory
	 * limit (memfile_charge) as it grows, as Linux charges a pipe's pages to the
	 * memory cgroup when a write allocates them. Charged again after a load. */
	u32 charged SAVE_SKIP;
	struct memfile *mf SAVE_SKIP;
};

extern const struct vfs_file_ops pipe_ops;

SAVABLE struct pipe_file {
	struct vfs_file base SAVE_BASE(&pipe_ops);
	struct pipe *pipe;
	u32 w_seen;             /* w_counter when opened: no POLLHUP before a writer came */
};

int pipe_after_load(void *o, void *ctx);

/* Makes a pipe and its two ends (one reference each), owned by @uid/@gid. @flags:
 * O_NONBLOCK. Its ring is charged to @mf's limit as it is written. */
int pipe_create(struct memfile *mf, u32 flags, u32 uid, u32 gid, struct vfs_file **rd,
		struct vfs_file **wr);
/* Opens FIFO inode @ino for @t with Linux's fifo_open() semantics: the inode's pipe
 * (made on the first open) gets a new end; O_RDONLY waits for a writer, O_WRONLY
 * for a reader (ENXIO instead with O_NONBLOCK), O_RDWR never waits. A wait ended by
 * a signal or a checkpoint returns -ERESTARTSYS with nothing changed. */
int pipe_fifo_open(struct task *t, struct vfs_inode *ino, u32 flags, struct vfs_file **out);
/* The same on the pipe of end @f: opening /proc/self/fd/N of a pipe. */
int pipe_reopen(struct task *t, struct vfs_file *f, u32 flags, struct vfs_file **out);
/* F_GETPIPE_SZ / F_SETPIPE_SZ; -EBADF-style errors for a file that is no pipe. */
long pipe_fcntl(struct vfs_file *f, int cmd, u64 arg);
bool file_is_pipe(const struct vfs_file *f);
/* Empty with no writer left: a read returns 0. */
bool pipe_at_eof(struct vfs_file *f);

/* splice, tee, vmsplice (kernel/syscalls/sys_splice.c): the pipe side of a
 * transfer. "Nonblocking" means SPLICE_F_NONBLOCK or either file's O_NONBLOCK. */
#define PIPE_IO_NONBLOCK 0x1
/* Waits until the pipe of read end @f holds data: its size, 0 at end of file (no
 * writer), -EAGAIN, -ERESTARTSYS. */
s64 pipe_wait_data(struct task *t, struct vfs_file *f, u32 flags);
/* Copies up to @len bytes from the front of @f's pipe without consuming them. */
u32 pipe_peek(struct vfs_file *f, void *buf, u32 len);
/* Consumes @n bytes that pipe_peek returned. */
void pipe_consume(struct vfs_file *f, u32 n);
/* Waits until the pipe of write end @f has room: the room, -EPIPE (and SIGPIPE),
 * -EAGAIN, -ERESTARTSYS. */
s64 pipe_wait_room(struct task *t, struct vfs_file *f, u32 flags);
/* Appends what fits of @buf to @f's pipe, without waiting: the bytes taken, or
 * -ENOMEM when none fit in the sandbox's memory limit. */
s64 pipe_fill(struct vfs_file *f, const void *buf, u32 len);
/* Pipe to pipe: moves (splice) or, with @copy, duplicates (tee) up to @len bytes
 * from read end @in to write end @out of another pipe. Returns what moved, 0 when
 * @in is empty without writers, or an error as pipe_wait_data/room. */
s64 pipe_transfer(struct task *t, struct vfs_file *in, struct vfs_file *out, size_t len,
		  u32 flags, bool copy);

#endif
