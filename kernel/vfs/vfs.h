/*
 * The virtual filesystem: open file descriptions and fd tables; inodes, dentries,
 * mounts and mount namespaces; path resolution; and the filesystem-independent half
 * of every file operation (permission checks, the dentry cache, Linux's errnos).
 * After Linux's fs/namei.c and fs/open.c and gVisor's pkg/sentry/vfs.
 *
 * A vfs_file is Linux's struct file: an offset, status flags and an ops table;
 * concrete files embed it (container_of). A vfs_inode is a filesystem object with
 * its attributes and an ops table; concrete inodes embed it. A vfs_dentry names an
 * inode in its parent directory; the dentry cache is a tree (saved) with a hash
 * index (rebuilt) that drops only what a lookup can make again (dentry.c): for the
 * overlay it *is* the upper layer's directory structure, and a negative dentry an
 * unlink left there is a whiteout.
 *
 * Lock order: vfs_lock (the dentry tree, every inode's attributes and the overlay's
 * in-memory data), then fdt->lock, then file->pos_lock. Host I/O on a lower file's
 * descriptor happens without vfs_lock.
 */
#ifndef SBX_VFS_H
#define SBX_VFS_H

#include <pthread.h>

#include "base/ref.h"
#include "base/types.h"
#include "save.h"
#include "st_list.h"

struct task;
struct memfile;
struct vfs_file;
struct waiter;
struct stat;
struct statfs;
struct vfs_inode;
struct vfs_dentry;
struct vfs_mount;
struct mf_pages;

/* A NULL op means Linux's default for a file that lacks it. Ops return >= 0 or -errno;
 * buffers are Sentry memory (the syscall layer does copy-in/out). */
struct vfs_file_ops {
	const char *type;   /* the concrete type's name, for save/restore and /proc */
	/* read(2) of 0 bytes calls the read op, as Linux's vfs_read does (an inotify
	 * queue says EAGAIN or EINVAL); without it such a read returns 0 at once. */
	bool read_zero;
	s64 (*read)(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos);
	s64 (*write)(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		     s64 *pos);
	/* A zero-length write reaches ->write (Linux calls every file's writer; most
	 * return 0 at once, /proc's writers parse the empty text). */
	bool write_empty;
	s64 (*lseek)(struct vfs_file *f, s64 off, int whence);
	int (*ioctl)(struct task *t, struct vfs_file *f, u64 cmd, u64 arg);
	int (*fstat)(struct vfs_file *f, struct stat *st);
	/* Readiness for poll, for files backed by a host fd: that fd, polled by the
	 * host. */
	int (*poll_fd)(struct vfs_file *f);
	/* Readiness for poll, for files the Sentry implements: the ready events among
	 * @events (POLLERR/POLLHUP always count); when there are none and @w is not
	 * NULL, @w is queued on the object and woken when that may change, until
	 * poll_cancel. A file with neither poll op is always ready. */
	short (*poll)(struct vfs_file *f, short events, struct waiter *w);
	void (*poll_cancel)(struct vfs_file *f, struct waiter *w);
	void (*release)(struct vfs_file *f);
	/* Directory files: the next entries as linux_dirent64 records from f->pos. */
	s64 (*getdents)(struct task *t, struct vfs_file *f, void *buf, size_t len);
	/* Resizes the file (ftruncate); NULL: EINVAL. */
	int (*truncate)(struct vfs_file *f, u64 size);
	/* fallocate with a mode the caller checked (0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE,
	 * ZERO_RANGE [|KEEP_SIZE]); NULL: EOPNOTSUPP. */
	int (*fallocate)(struct vfs_file *f, int mode, u64 off, u64 len);
	int (*fsync)(struct vfs_file *f);
	/* readahead(2), fadvise WILLNEED: reads [off, off+len) (@len 0: to the end)
	 * into the file's page cache. NULL: the file has none (its data is in memory). */
	int (*readahead)(struct vfs_file *f, u64 off, u64 len);
	/* Bytes of the file at @off for a private mapping; NULL: ENODEV. Returns what
	 * was read; the rest of @len is the caller's to zero. */
	s64 (*map_read)(struct vfs_file *f, void *buf, size_t len, s64 off);
	/* The file's pages for a mapping of [off, off+len), referenced: an in-memory
	 * file's own, or a read-only file's page cache (struct mf_pages). NULL: the
	 * file is mapped as a copy (map_read). */
	int (*map_pages)(struct vfs_file *f, u64 off, u64 len, struct mf_pages **out);
	/* Opening /proc/<pid>/fd/N of this file when it has no path (a pipe, a host fd):
	 * a new open file on the same object with @flags, as Linux's open of a pipefs
	 * or anon inode does; NULL: ENXIO. */
	int (*reopen)(struct task *t, struct vfs_file *f, u32 flags, struct vfs_file **out);
	/* For a file with no inode (a pipe, host stdio): the inode its advisory locks
	 * are kept on, which every file on the same object shares, as the object's
	 * inode on Linux (a pipe's two ends, a reopened host fd); made on first use if
	 * @create, else NULL while none was. NULL op: no locks (ENOLCK). */
	struct vfs_inode *(*lock_inode)(struct vfs_file *f, bool create);
	/* O_ASYNC turned on or off through descriptor @fd (-1 at the last close; @t
	 * NULL then): puts or takes the file's struct fasync on the object's list
	 * (fasync_helper), as Linux's ->fasync. NULL: the type sends no SIGIO (Linux's
	 * eventfd, timerfd, signalfd, epoll, regular files, host-fd stdio here): F_SETFL
	 * leaves O_ASYNC off, ioctl FIOASYNC is ENOTTY. */
	int (*fasync)(struct task *t, struct vfs_file *f, int fd, bool on);
};

/* A place in the tree: a dentry and the mount it was reached through. Both are
 * referenced while a vfs_path holds them (vfs_path_get/put). */
SAVABLE struct vfs_path {
	struct vfs_mount *mnt;
	struct vfs_dentry *d;
};

SAVABLE struct vfs_file {
	struct ref ref;
	const struct vfs_file_ops *ops SAVE_POLY_KEY;   /* names the concrete type */
	u32 flags;              /* O_ACCMODE | O_APPEND | O_NONBLOCK ...; under pos_lock */
	s64 pos;                /* file offset; under pos_lock */
	struct vfs_path path;   /* where it was opened; {NULL, NULL} for host-fd files */
	struct vfs_inode *inode SAVE_POLY;      /* what it was opened on, or NULL */
	/* fcntl F_SETOWN(_EX): the owner's kind (F_OWNER_TID, _PID, _PGRP) and id (0:
	 * none), F_SETSIG's signal (0: SIGIO), and the uid and euid of whoever set the
	 * owner (Linux's f_owner.uid/euid: sigio_perm checks them against the target);
	 * under vfs_owner_lock. With O_ASYNC on a file whose type has ->fasync, each
	 * readiness change the type reports sends the owner that signal (fasync.c). */
	s32 owner_type;
	u32 owner_id;
	s32 owner_sig;
	u32 owner_uid, owner_euid;
	pthread_mutex_t pos_lock SAVE_SKIP;
};

int vfs_file_after_load(void *o, void *ctx);
int fdtable_after_load(void *o, void *ctx);

/* Open files and fd tables are Sentry memory the application can multiply (a
 * million descriptors a process): each open file description is charged
 * VFS_FILE_COST (it, and its type's state, roughly) and each fd table slot its size
 * to the sandbox's memory limit (memfile_charge), as Linux charges files and fd
 * tables to the memory cgroup. Past the limit, installing a descriptor fails with
 * ENOMEM. The memory file is the kernel's, set when it is made or restored. */
#define VFS_FILE_COST 256
void vfs_set_memfile(struct memfile *mf);
/* That memory file, for other objects the application can multiply (epoll entries). */
struct memfile *vfs_memfile(void);

void vfs_file_init(struct vfs_file *f, const struct vfs_file_ops *ops, u32 flags);
/* For read/write ops: the offset to use, @pos if given (pread), else f->pos with
 * pos_lock taken; vfs_file_pos_end advances f->pos by @n (if > 0) and unlocks. */
s64 vfs_file_pos_begin(struct vfs_file *f, s64 *pos);
void vfs_file_pos_end(struct vfs_file *f, s64 *pos, s64 n);
/* fstat from the inode's attributes; truncate through the inode's setattr: the ops
 * of a file whose inode holds both. */
int vfs_file_fstat_inode(struct vfs_file *f, struct stat *st);
int vfs_file_truncate_inode(struct vfs_file *f, u64 size);
/* lseek's SEEK_SET, SEEK_CUR and SEEK_END for a file of @size bytes: sets and
 * returns the new offset, or -EINVAL (a negative result, another whence). */
s64 vfs_file_seek(struct vfs_file *f, s64 off, int whence, s64 size);
/* A map_read op over the file's read op: reads at @off until @len or the end. */
s64 vfs_file_map_read_full(struct vfs_file *f, void *buf, size_t len, s64 off);
/* The map_pages op for @t, the pages named with the file's path as @t sees it
 * (what /proc/PID/maps shows for mappings of them). */
int vfs_file_map_pages(struct task *t, struct vfs_file *f, u64 off, u64 len,
		       struct mf_pages **out);
static inline void vfs_file_get(struct vfs_file *f) { ref_get(&f->ref); }
void vfs_file_put(struct vfs_file *f);

/*
 * Signal-driven I/O (fasync.c, after Linux's fs/fcntl.c). A file with O_ASYNC is on
 * its object's list through a struct fasync; where Linux calls kill_fasync, the
 * object calls fasync_kill under its own lock. Sending takes kernel->lock and the
 * sighand locks, which must not be taken under an object's lock (waiter callbacks
 * run there; signalfd and epoll wake-ups come back through them), so fasync_kill
 * only queues the file (referenced) on the calling Sentry thread's list, and
 * fasync_flush sends, once the thread holds no lock: before a task sleeps in a
 * wait that may need the signal, and at every return to the application, so a
 * SIGIO a syscall caused for its own caller is pending when the syscall returns,
 * as on Linux. Only task threads change the readiness of these objects.
 */
SAVABLE struct fasync {
	struct st_list link SAVE_SKIP;  /* on its object's list; restored by the list */
	/* not referenced: ->fasync takes it off before the file's release */
	struct vfs_file *file SAVE_POLY;
	s32 fd;                 /* si_fd: the descriptor O_ASYNC was set through */
};

/* Guards every file's owner_* fields; a leaf. */
extern pthread_mutex_t vfs_owner_lock;
/* Adds (@on) or removes @f's entry on @list, Linux's fasync_helper; the object's
 * lock held. 1 when an entry was added, 0 when there was one already (its fd is
 * updated) or it was removed, -ENOMEM. */
int fasync_helper(struct st_list *list, struct vfs_file *f, int fd, bool on);
/* Frees every entry of @list (an object going away). */
void fasync_list_free(struct st_list *list);
/* Linux's kill_fasync: queues @band (L_POLL_IN...) for every file on @list, for
 * fasync_flush to signal. The object's lock held. */
void fasync_kill(struct st_list *list, int band);
/* Sends what this thread queued. No lock held. */
void fasync_flush(void);
/* Sets @f's owner unless it has one (@force: always), Linux's __f_setown, with the
 * ids of @t as the owner's credentials. */
void vfs_owner_set(struct task *t, struct vfs_file *f, s32 type, u32 id, bool force);
/* Whether @id names a task, a process group or a session (Linux's find_vpid). */
bool vfs_owner_exists(struct task *t, u32 id);
/* Linux's f_setown and f_getown (F_SETOWN, F_GETOWN, a socket's FIOSETOWN and
 * SIOCGPGRP...): @who > 0 a process, < 0 a process group, 0 none. 0, -EINVAL,
 * -ESRCH; the owner as F_GETOWN gives it. */
int vfs_setown(struct task *t, struct vfs_file *f, int who);
int vfs_getown(struct vfs_file *f);

#define FDT_MAX_DEFAULT 1024

SAVABLE struct fd_entry {
	struct vfs_file *file SAVE_POLY;   /* NULL if the slot is free */
	u32 flags;              /* FD_CLOEXEC */
};

SAVABLE struct fdtable {
	struct ref ref;
	struct fd_entry *fds SAVE_COUNT(n);
	u32 n;                  /* slots allocated */
	pthread_mutex_t lock SAVE_SKIP;
	/* no fd below it is free (Linux's next_fd): where the search for the lowest
	 * free fd starts, so a process with many open files does not scan them all at
	 * each open; under lock; 0 after a load */
	u32 next_fd SAVE_SKIP;
};

int fdt_new(struct fdtable **out);
/* A copy of @fdt with the same open files (fork without CLONE_FILES). */
int fdt_fork(struct fdtable *fdt, struct fdtable **out);
void fdt_put(struct fdtable *fdt);
/* Takes a reference on the file at @fd, or NULL. */
struct vfs_file *fdt_get(struct fdtable *fdt, int fd);
/* Installs @f (borrowed: a reference is taken) at the lowest free fd >= @min below
 * @limit; returns the fd or -EMFILE. */
int fdt_alloc(struct fdtable *fdt, struct vfs_file *f, int min, u32 fdflags, u64 limit);
/* Installs @f at exactly @fd, closing what was there. */
int fdt_install(struct fdtable *fdt, int fd, struct vfs_file *f, u32 fdflags, u64 limit);
int fdt_close(struct fdtable *fdt, int fd);
int fdt_get_flags(struct fdtable *fdt, int fd);
int fdt_set_flags(struct fdtable *fdt, int fd, u32 flags);
/* Closes fds [lo, hi]; with @cloexec only marks them close-on-exec. */
void fdt_close_range(struct fdtable *fdt, u32 lo, u32 hi, bool cloexec);
/* Closes every close-on-exec fd (execve). */
void fdt_close_on_exec(struct fdtable *fdt);

#include "vfs/vfs_fs.h"

#endif
