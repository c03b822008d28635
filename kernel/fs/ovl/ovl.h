/*
 * The overlay filesystem: a read-only lower tree served by a gofer, with a writable
 * in-memory upper layer on top; without a lower tree it is tmpfs. The root of the
 * sandbox is one (over the host's "/" or --rootfs), /tmp and /dev/shm are tmpfs.
 *
 * An inode is lower (walked through the gofer: a handle, a path in the lower tree,
 * attributes from the walk, data read through a host descriptor the gofer donated)
 * until its data is written: then the data is copied up into memory. Attributes are
 * the inode's own from the start, so chmod and friends need no copy. Directories
 * hold no children themselves: the dentry cache is the upper layer's directory
 * structure, a negative dentry hides a lower name (a whiteout), and a lookup that
 * misses the cache asks the lower directory. Nothing ever reaches the host: the
 * gofer serving the root is read-only.
 *
 * All state is under vfs_lock, except reads through a lower descriptor.
 */
#ifndef SBX_FS_OVL_H
#define SBX_FS_OVL_H

#include "save.h"
#include "vfs/vfs.h"

extern const struct vfs_inode_ops ovl_inode_ops;
extern const struct vfs_file_ops ovl_file_ops;
extern const struct vfs_file_ops ovl_dir_ops;

#define OVL_NO_GOFER 0xffffffffu

SAVABLE struct ovl_fs {
	struct ref ref;
	u32 gofer;              /* connection index of the lower tree, or OVL_NO_GOFER */
	u64 dev;                /* st_dev of every inode */
	u64 next_ino;           /* for upper-only inodes; under vfs_lock */
	char *name SAVE_STR;    /* "rootfs", "tmpfs": for messages */
};

SAVABLE struct ovl_inode {
	struct vfs_inode base SAVE_BASE(&ovl_inode_ops);
	struct ovl_fs *fs;
	char *lower_path SAVE_STR;      /* path in the lower tree ("" its root); NULL: none */
	u32 lower_h SAVE_SKIP;          /* gofer handle; walked again by restore */
	int lower_fd SAVE_SKIP;         /* read-only host descriptor, -1 until needed */
	u64 lower_size;                 /* as walked: restore checks the file is unchanged */
	s64 lower_mtime_sec, lower_mtime_nsec;
	bool upper;                     /* regular file: its data is data[] */
	u8 *data SAVE_LEN(data_len);    /* file contents when upper */
	u64 data_len;                   /* bytes allocated at data (>= base.size) */
	char *target SAVE_STR;          /* symlink target, once known */
};

SAVABLE struct ovl_file {
	struct vfs_file base SAVE_BASE(&ovl_file_ops);
};

SAVABLE struct ovl_dir_file {
	struct vfs_file base SAVE_BASE(&ovl_dir_ops);
	struct vfs_dirent *ents SAVE_SKIP;      /* snapshot taken at pos 0; retaken */
	u32 nents SAVE_SKIP;
	bool have SAVE_SKIP;
};

int ovl_inode_after_load(void *o, void *ctx);
int ovl_file_after_load(void *o, void *ctx);

static inline struct ovl_inode *OVL_I(struct vfs_inode *i)
{
	return container_of(i, struct ovl_inode, base);
}

/* ovl.c */
/* A new overlay over gofer connection @gofer (or OVL_NO_GOFER: tmpfs), and its root
 * dentry (referenced) with mode @mode when it has no lower tree. */
int ovl_new(u32 gofer, const char *name, u32 mode, struct vfs_dentry **root);
/* Copies a lower regular file's data up into memory. vfs_lock held. */
int ovl_copy_up(struct ovl_inode *oi);
/* The read-only host descriptor of a lower file, opened on first use. */
int ovl_lower_fd(struct ovl_inode *oi);
/* Resizes upper data to @size (zero-filling). vfs_lock held. */
int ovl_resize(struct ovl_inode *oi, u64 size);

/* ovl_memfd.c: a new memfd named @name (at most 249 bytes), open O_RDWR; mode 0777
 * (0666 with @noexec). */
int ovl_memfd_new(struct task *t, const char *name, bool noexec, struct vfs_file **out);

/* ovl_file.c */
int ovl_open(struct task *t, const struct vfs_path *p, u32 flags, struct vfs_file **out);

#endif
