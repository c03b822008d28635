/*
 * Host-fd files: the sandbox's view of the host's stdin, stdout and stderr. Each
 * remembers which of the starting command's three it came from and whether it is a
 * terminal, so that a restore can rebind it to the restoring command's. The host
 * description is shared with the user's shell: O_NONBLOCK is never set on it; the
 * file's own O_NONBLOCK is emulated with poll.
 */
#ifndef SBX_FS_HOSTFD_H
#define SBX_FS_HOSTFD_H

#include "save.h"
#include "vfs/vfs.h"

extern const struct vfs_file_ops hostfd_ops;

SAVABLE struct hostfd_file {
	struct vfs_file base SAVE_BASE(&hostfd_ops);
	int which;              /* 0 stdin, 1 stdout, 2 stderr of the starting command */
	bool tty;               /* the host fd was a terminal */
	/* Reopened (/proc/self/fd/N) over a regular host file: I/O is at base.pos, an
	 * offset of its own as a new open of the file would have, not at the offset
	 * of the host description it shares with the starting command's. */
	bool own_pos;
	/* where its advisory locks are (vfs_lock_inode_slot), shared with the files
	 * reopened from it; referenced; NULL until the first lock */
	struct vfs_inode *lock_ino SAVE_POLY;
	int fd SAVE_SKIP;       /* host descriptor; rebound by restore from @which */
};

int hostfd_file_after_load(void *o, void *ctx);

/* The host descriptor is a terminal (a restore may have rebound it to one that is
 * not). */
bool hostfd_is_tty(struct vfs_file *f);
/* Wraps host descriptor @fd (consumed) that was the starting command's @which. */
int hostfd_new(int fd, int which, struct vfs_file **out);

#endif
