/*
 * The overlay filesystem: a read-only lower tree served by a gofer, with a writable
 * in-memory upper layer on top; without a lower tree it is tmpfs. The root of the
 * sandbox is one (over the host's "/" or --rootfs), /tmp and /dev/shm are tmpfs.
 *
 * An inode is lower (walked through the gofer: a handle, a path in the lower tree,
 * attributes from the walk, data read through a host descriptor the gofer donated,
 * and mapped from a page cache in the memory file that every mapping of it shares)
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

struct memfile;
/* The memory file that holds upper file data; set by the kernel at boot and restore. */
void ovl_set_memfile(struct memfile *mf);
/* That memory file, for the page caches of other filesystems' files (goferfs). */
struct memfile *ovl_memfile(void);

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
	bool upper;                     /* regular file: its data is in pages */
	/* attributes, links or entries changed in the sandbox: the inode is more than
	 * its lower file, so the dentry cache keeps it (ovl_droppable) */
	bool changed;
	/* file contents when upper, in the memory file; NULL until the first page.
	 * Its size mirrors base.size (both set together, under vfs_lock) */
	struct mf_pages *pages;
	/* A lower regular file's page cache (an mf_pages with cache set), shared by
	 * every mapping of the file; made on its first mmap, dropped at copy-up (the
	 * mappings made before keep it, so they keep the old contents, as on Linux's
	 * overlayfs) and with the inode. NULL otherwise */
	struct mf_pages *cache;
	u32 seals;                      /* F_SEAL_*; tmpfs and memfd files only */
	char *target SAVE_STR;          /* symlink target, once known */
	/* extended attributes, packed records sorted by name (ovl_xattr.c); NULL
	 * when none */
	u8 *xattrs SAVE_LEN(xattr_len);
	u32 xattr_len;
	/* a lower inode's host attributes were read into xattrs (ovl_xattr_lower):
	 * from then on the set is the inode's own, as an overlayfs copy-up's */
	bool xattr_lower_read SAVE_DEFAULT(0);
	/* what the inode holds of the Sentry's memory, charged to the sandbox's limit
	 * (ovl_charge): an inode the sandbox made, its symlink target, its extended
	 * attributes; charged again after a load */
	u32 charged SAVE_SKIP;
};

/* Roughly what an inode the sandbox makes costs the Sentry: the inode, its dentry
 * and its name. */
#define OVL_INODE_COST (sizeof(struct ovl_inode) + 256)

/* Charges @bytes more (or uncharges, negative) of @oi's memory to the sandbox's
 * limit: -ENOMEM past it, unless @force. */
int ovl_charge(struct ovl_inode *oi, s64 bytes, bool force);

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
/* The pages of an upper regular file, made on first use; NULL when out of memory.
 * vfs_lock held. */
struct mf_pages *ovl_pages(struct ovl_inode *oi);
/* Releases the pages of [off, off+len) (to the end with len ~0), zeroing the partial
 * pages at its edges, and unmaps them from the caller's address space. vfs_lock held. */
void ovl_punch(struct ovl_inode *oi, u64 off, u64 len);
/* Sets an upper file's size (and its pages' copy of it) and recounts its blocks.
 * vfs_lock held. */
void ovl_set_size(struct ovl_inode *oi, u64 size);
/* The pages a mapping of [off, off+len) of regular file @f maps, referenced: an
 * upper file's own, or a lower file's page cache with what the range covers of the
 * file read in (vfs_file_ops.map_pages). */
int ovl_map_pages(struct vfs_file *f, u64 off, u64 len, struct mf_pages **out);
/* readahead of a lower file: the range is read into its page cache (an upper
 * file's data is in memory already). I/O errors are left to later accesses. */
int ovl_readahead(struct vfs_file *f, u64 off, u64 len);
/* Whether the filesystem has seals (tmpfs, memfd), and F_ADD_SEALS / F_GET_SEALS. */
bool ovl_has_seals(struct vfs_inode *ino);
int ovl_add_seals(struct vfs_file *f, u32 seals);

/* ovl_memfd.c: a new memfd named @name (at most 249 bytes), open O_RDWR; mode 0777
 * (0666 with MFD_NOEXEC_SEAL); @flags are memfd_create's. */
int ovl_memfd_new(struct task *t, const char *name, u32 flags, struct vfs_file **out);

/* ovl_xattr.c: the inode's extended attributes; the caller has checked the name and
 * permissions. vfs_lock held. get: the value's length (copied when @size is not 0),
 * -ENODATA, -ERANGE; set: XATTR_CREATE (-EEXIST) / XATTR_REPLACE (-ENODATA); list:
 * NUL-terminated names, the length needed when @size is 0, trusted.* only with
 * @trusted. */
int ovl_xattr_get(struct ovl_inode *oi, const char *name, void *buf, size_t size);
int ovl_xattr_set(struct ovl_inode *oi, const char *name, const void *value, size_t size,
		  int flags);
int ovl_xattr_remove(struct ovl_inode *oi, const char *name);
s64 ovl_xattr_list(struct ovl_inode *oi, bool trusted, char *buf, size_t size);
/* Reads a lower inode's host attributes in through the gofer, once (a no-op for
 * other inodes): before any xattr call looks at the set, and at copy-up. Names
 * the set has already keep their values. */
int ovl_xattr_lower(struct ovl_inode *oi);
/* Whether @ino is an overlay, tmpfs or memfd inode (xattrs are stored). */
bool ovl_is_inode(const struct vfs_inode *ino);

/* ovl_file.c */
int ovl_open(struct task *t, const struct vfs_path *p, u32 flags, struct vfs_file **out);

#endif
