/*
 * The gofer filesystem: a host directory served read-write by a gofer of its own
 * (--volume HOST:SANDBOX), with every change written through to the host, after
 * gVisor's fsimpl/gofer. The Sentry never opens a host path: names are walked one
 * component at a time through the gofer (WALK), changes are gofer operations
 * (CREATE, MKDIR, MKNOD, SYMLINK, LINK, UNLINK, RENAME, SETATTR, SETXATTR,
 * REMOVEXATTR), and file data
 * goes through host descriptors the gofer donates (OPEN; O_RDWR only when an open
 * asks for write), with pread/pwrite at the Sentry's own offsets.
 *
 * The sandbox owns the volume while it runs (gVisor's exclusive cache policy): the
 * dentry cache keeps names and attributes, and attributes are refreshed from the
 * host after each change the sandbox makes (a stat reply, or fstat of the data
 * descriptor after a write), never on a plain stat. Symlinks are resolved by the
 * VFS; ".." and mount crossings too, so nothing leaves the volume: a rename or link
 * to another mount is EXDEV in the VFS, and the gofer refuses any name that is not
 * one component beneath its root.
 *
 * Checkpoint/restore: an inode remembers its path in the volume (updated by rename,
 * cleared when its last name goes) and is walked again through the restoring
 * command's gofer. A file open at the checkpoint must still be there with the size
 * and modification time the sandbox last saw (taken at the checkpoint); otherwise
 * the restore fails naming it. A file deleted while open cannot be reopened and
 * fails the restore too.
 *
 * Locking: attributes, path and target under vfs_lock; the host descriptors are set
 * under vfs_lock and used without it (pread/pwrite need no lock).
 */
#ifndef SBX_FS_GOFERFS_H
#define SBX_FS_GOFERFS_H

#include "save.h"
#include "vfs/vfs.h"

extern const struct vfs_inode_ops goferfs_inode_ops;
extern const struct vfs_file_ops goferfs_file_ops;

SAVABLE struct goferfs_fs {
	struct ref ref;
	u32 gofer;              /* connection index (restore hands a new one over here) */
	u64 dev;                /* st_dev of every inode */
	char *name SAVE_STR;    /* where it is mounted: for messages */
};

SAVABLE struct goferfs_inode {
	struct vfs_inode base SAVE_BASE(&goferfs_inode_ops);
	struct goferfs_fs *fs;
	char *path SAVE_STR;    /* in the volume ("" its root); NULL once unlinked */
	char *target SAVE_STR;  /* symlink target, once read */
	u32 nopen;              /* open files on it; under vfs_lock */
	u32 h SAVE_SKIP;        /* gofer handle, 0 if none; walked again by restore */
	int fd_ro SAVE_SKIP;    /* host descriptors, -1 if none: kept while the file */
	int fd_rw SAVE_SKIP;    /* has a name; reopened lazily after a restore */
	/* A regular file's page cache for its mappings (an mf_pages with rw set),
	 * made by the first mmap and shared by every mapping of the file: reads and
	 * writes use its pages where it has them (a shared mapping's writes are there
	 * before they are written back), and truncate and hole punching reach it.
	 * Under vfs_lock; NULL until first mapped. */
	struct mf_pages *cache;
};

SAVABLE struct goferfs_file {
	struct vfs_file base SAVE_BASE(&goferfs_file_ops);
};

int goferfs_inode_before_save(void *o, void *ctx);
int goferfs_inode_after_load(void *o, void *ctx);

static inline struct goferfs_inode *GOFERFS_I(struct vfs_inode *i)
{
	return container_of(i, struct goferfs_inode, base);
}

/* goferfs_xattr.c: the host file's extended attributes, as ovl_xattr_*'s (names and
 * permissions checked by the caller); called without vfs_lock. */
int goferfs_xattr_get(struct goferfs_inode *gi, const char *name, void *buf, size_t size);
s64 goferfs_xattr_list(struct goferfs_inode *gi, bool trusted, char *buf, size_t size);
int goferfs_xattr_set(struct goferfs_inode *gi, const char *name, const void *val,
		      size_t size, int flags);
int goferfs_xattr_remove(struct goferfs_inode *gi, const char *name);

/* goferfs.c */
/* A new gofer filesystem over connection @gofer, named @name (the mount point), and
 * its root dentry (referenced). */
int goferfs_new(u32 gofer, const char *name, struct vfs_dentry **root);
/* Copies the host's attributes in @st into the inode. vfs_lock held. */
struct gofer_stat;
void goferfs_set_attr(struct goferfs_inode *gi, const struct gofer_stat *st);
struct gofer_conn *goferfs_conn(struct goferfs_inode *gi);

/* goferfs_file.c */
int goferfs_open(struct task *t, const struct vfs_path *p, u32 flags,
		 struct vfs_file **out);
/* Takes the host's size, blocks and times from @fd (after a change through it, and
 * at a checkpoint). vfs_lock held. */
void goferfs_sync_attr(struct goferfs_inode *gi, int fd);
/* Closes the inode's host descriptors. vfs_lock held. */
void goferfs_close_fds(struct goferfs_inode *gi);
/* The page cache after a size change the host reported (size is gi->base.size):
 * followed, and pages past a new, smaller end dropped from every mapping. */
void goferfs_cache_resize(struct goferfs_inode *gi);
/* After a restore: gives a restored page cache the descriptors it reads and writes
 * back through (opened through the new gofer). 0 or -errno. */
int goferfs_cache_reopen(struct goferfs_inode *gi);

#endif
