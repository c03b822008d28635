/*
 * Advisory file locks (locks.c), after Linux's fs/locks.c: flock(2) locks and OFD
 * record locks owned by an open file description, POSIX record locks owned by a
 * process, all kept on the inode.
 */
#ifndef SBX_VFS_LOCKS_H
#define SBX_VFS_LOCKS_H

#include <fcntl.h>

#include "vfs/vfs.h"

struct task;

/* flock(2) on @f: LOCK_SH, LOCK_EX or LOCK_UN, maybe | LOCK_NB. */
int vfs_flock(struct task *t, struct vfs_file *f, u32 op);
/* fcntl's F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ forms, @fl copied in (and out
 * again by the caller for the GETLKs). */
int vfs_fcntl_lock(struct task *t, struct vfs_file *f, int cmd, struct flock *fl);
/* The description's last reference went: its flock and OFD locks go. */
void vfs_locks_release_file(struct vfs_file *f);
/* Process @pid closed a file on @f's inode (or exits with it open): its POSIX locks
 * on that inode go. */
void vfs_locks_close_posix(struct vfs_file *f, u32 pid);
/* The inode's last reference went: POSIX locks left behind by a process whose fd
 * table another process shares (CLONE_FILES) go with it. */
void vfs_locks_release_inode(struct vfs_inode *ino);
/* Process @pid closes fds @lo..@hi of @fdt (only the FD_CLOEXEC ones if @cloexec:
 * an exec), or all as it exits: its POSIX locks on their inodes go. Takes fdt->lock,
 * so fdt->lock comes before the locks' mutex. */
void vfs_locks_fdt_close_posix(struct fdtable *fdt, u32 lo, u32 hi, bool cloexec, u32 pid);

#endif
