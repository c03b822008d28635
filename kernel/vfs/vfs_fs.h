/*
 * Inodes, dentries, mounts, mount namespaces, a task's root and cwd, and the
 * path-based operations the syscalls call (see vfs.h for the model and lock order).
 * Included by vfs.h; not on its own.
 */
#ifndef SBX_VFS_FS_H
#define SBX_VFS_FS_H

#include "st_list.h"

struct vfs_setattr;
struct vfs_dirent;
struct pipe;
struct inotify_watch;

/* Inode operations. dir ops get the directory's dentry (the overlay reads its
 * children, which are its upper layer); every op runs under vfs_lock unless said. */
struct vfs_inode_ops {
	const char *type;
	/* Blocks are counted exactly (0 for a file all holes, for a short symlink or
	 * a directory in memory, as tmpfs's); without this, 0 blocks means "not
	 * counted" and stat derives them from the size. */
	bool exact_blocks;
	/* Finds @name in directory @dir: a new inode reference, or -ENOENT. */
	int (*lookup)(struct vfs_dentry *dir, const char *name, struct vfs_inode **out);
	/* Opens the inode for @t. Called without vfs_lock. */
	int (*open)(struct task *t, const struct vfs_path *p, u32 flags,
		    struct vfs_file **out);
	/* Symlink target into @buf (not NUL-terminated); its length or -errno. */
	int (*readlink)(struct task *t, struct vfs_inode *ino, char *buf, size_t len);
	/* Magic links (/proc/self/fd/N): where the link leads, referenced; 0, or
	 * -ENOENT to fall back to readlink. */
	int (*get_link)(struct task *t, struct vfs_inode *ino, struct vfs_path *out);
	/* Refreshes dynamic attributes into the inode (procfs); may be NULL. */
	void (*refresh)(struct task *t, struct vfs_inode *ino);
	int (*setattr)(struct vfs_inode *ino, const struct vfs_setattr *sa);
	/* Makes a file (S_IFREG, S_IFDIR, S_IFIFO in @mode) or a symlink to @target
	 * named @name in @dir. */
	int (*create)(struct vfs_dentry *dir, const char *name, u32 mode, u32 uid, u32 gid,
		      const char *target, struct vfs_inode **out);
	/* O_TMPFILE: a regular file in @dir's filesystem with no name (nlink 0); NULL:
	 * the filesystem has none (EOPNOTSUPP). */
	int (*tmpfile)(struct vfs_dentry *dir, u32 mode, u32 uid, u32 gid,
		       struct vfs_inode **out);
	/* Adds a name for @ino (link); removes one (unlink/rmdir: the dentry stays the
	 * caller's to unhash). */
	int (*link)(struct vfs_dentry *dir, const char *name, struct vfs_inode *ino);
	int (*unlink)(struct vfs_dentry *dir, struct vfs_dentry *victim);
	/* Renames within the filesystem; the caller moves the dentries. */
	int (*rename)(struct vfs_dentry *odir, struct vfs_dentry *old, struct vfs_dentry *ndir,
		      const char *newname, struct vfs_dentry *target, u32 flags);
	/* The directory's entries (without . and ..): malloc'ed array, caller frees
	 * each name and the array. */
	int (*readdir)(struct task *t, struct vfs_dentry *dir, struct vfs_dirent **out,
		       u32 *n);
	int (*statfs)(struct vfs_inode *ino, struct statfs *sf);
	/* Whether the inode holds nothing its filesystem's lookup would not give back
	 * (a lower file the sandbox has not changed): then the dentry cache may drop
	 * it while unused. NULL: never. */
	bool (*droppable)(struct vfs_inode *ino);
	void (*release)(struct vfs_inode *ino);
};

/*
 * One advisory lock held on an inode (locks.c): a flock lock or an OFD lock, owned
 * by an open file description, or a POSIX record lock, owned by a process. No
 * reference is held on the owner: its locks go when the description is released or
 * the process closes a file on the inode or exits.
 */
SAVABLE struct vfs_lock {
	struct st_list link SAVE_SKIP;  /* in inode->locks; rebuilt by the list */
	u8 kind;                /* VFS_LOCK_* */
	u8 type;                /* F_RDLCK or F_WRLCK */
	s64 start, end;         /* bytes, both included; end S64_MAX: to EOF and beyond */
	struct vfs_file *file SAVE_POLY;   /* the owner of a flock or OFD lock */
	u32 pid;                /* the owner of a POSIX lock: its tgid */
};

#define VFS_LOCK_FLOCK 1
#define VFS_LOCK_POSIX 2
#define VFS_LOCK_OFD 3

SAVABLE struct vfs_inode {
	struct ref ref;
	const struct vfs_inode_ops *ops SAVE_POLY_KEY;
	u64 ino, dev;
	u32 mode;               /* S_IFMT | permissions */
	u32 nlink, uid, gid;
	u64 rdev;
	u64 size, blocks;
	s64 atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
	bool nocache;           /* lookups in this directory are never cached (procfs) */
	/* Stands for an open file (vfs_anon_path: a /proc/self/fd/N jump to a pipe or
	 * host fd): files opened through it keep no reference to it. */
	bool anon;
	/* O_TMPFILE without O_EXCL: may get a name although nlink is 0 (I_LINKABLE) */
	bool linkable;
	/* A FIFO's pipe while some end is open (Linux's i_pipe); under pipe_fifo_lock */
	struct pipe *pipe;
	/* advisory locks held on it (struct vfs_lock); under vfs_locks_mu */
	struct st_list locks SAVE_LIST(struct vfs_lock, link);
	/* the inotify watches on it, chained by inext (vfs/inotify.h); under
	 * inotify_lock; rebuilt by the watches' after-load hooks */
	struct inotify_watch *inotify SAVE_SKIP;
};

struct vfs_dirent {
	char *name;
	u64 ino;
	u8 type;                /* DT_* */
};

#define VFS_SET_MODE 0x1
#define VFS_SET_UID 0x2
#define VFS_SET_GID 0x4
#define VFS_SET_SIZE 0x8
#define VFS_SET_ATIME 0x10
#define VFS_SET_MTIME 0x20
#define VFS_SET_CTIME 0x40

struct vfs_setattr {
	u32 mask;
	u32 mode, uid, gid;
	u64 size;
	s64 atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

SAVABLE struct vfs_dentry {
	struct ref ref;
	struct vfs_dentry *parent;      /* NULL for a filesystem's root; referenced */
	char *name SAVE_STR;
	struct vfs_inode *inode SAVE_POLY;      /* NULL: negative (a whiteout, for ovl) */
	u32 mounted;            /* mounts on this dentry */
	bool hashed;            /* in the tree; false once unlinked or replaced */
	/* made by a lookup in the filesystem (not by a change the sandbox made): the
	 * cache may drop it while unused and look it up again (dentry.c) */
	bool looked_up;
	bool referenced SAVE_SKIP;      /* found since the trim's last pass */
	/* children in the tree, each holding a reference the tree owns */
	struct st_list kids SAVE_LIST(struct vfs_dentry, sib);
	struct st_list sib SAVE_SKIP;           /* restored by the parent's list */
	struct vfs_dentry *hnext SAVE_SKIP;     /* hash chain; rebuilt after load */
};

#define VFS_MNT_RDONLY 0x1
#define VFS_MNT_NOSUID 0x2
#define VFS_MNT_NODEV 0x4
#define VFS_MNT_NOEXEC 0x8

SAVABLE struct vfs_mount {
	struct ref ref;
	u32 id;
	struct vfs_mount *parent;       /* NULL for the namespace's root mount */
	struct vfs_dentry *mountpoint;  /* in parent */
	struct vfs_dentry *root;
	char *fstype SAVE_STR;
	char *source SAVE_STR;
	u32 flags;                      /* VFS_MNT_* */
	struct st_list node SAVE_SKIP;  /* in the namespace's list */
};

SAVABLE struct vfs_mntns {
	struct ref ref;
	struct vfs_mount *root;
	struct st_list mounts SAVE_LIST(struct vfs_mount, node);   /* under vfs_lock */
	u32 next_id;
};

/* A task's root and working directory (Linux's fs_struct); shared by CLONE_FS. */
SAVABLE struct vfs_fs {
	struct ref ref;
	struct vfs_path root;           /* under vfs_lock */
	struct vfs_path cwd;            /* under vfs_lock */
	struct vfs_path exe;            /* the program exec'd last: /proc/self/exe */
};

extern const struct vfs_inode_ops vfs_anon_inode_ops;

/* anon.c: an inode standing for an open file that has no path (see vfs_anon_path). */
SAVABLE struct vfs_anon_inode {
	struct vfs_inode base SAVE_BASE(&vfs_anon_inode_ops);
	struct vfs_file *file SAVE_POLY;        /* referenced */
};

extern const struct vfs_inode_ops vfs_lock_inode_ops;

/* anon.c: an inode that holds only advisory locks, for files that have no inode of
 * their own (vfs_file_ops.lock_inode). */
SAVABLE struct vfs_lock_inode {
	struct vfs_inode base SAVE_BASE(&vfs_lock_inode_ops);
};

extern pthread_mutex_t vfs_lock;
/* The task a path walk runs for (set by vfs_resolve), for ops without a task. */
extern __thread struct task *vfs_task;

int vfs_dentry_after_load(void *o, void *ctx);
int vfs_mntns_after_load(void *o, void *ctx);

/* inode.c */
void vfs_inode_init(struct vfs_inode *ino, const struct vfs_inode_ops *ops, u32 mode);
static inline void vfs_inode_get(struct vfs_inode *i) { ref_get(&i->ref); }
void vfs_inode_put(struct vfs_inode *ino);
void vfs_inode_stat(struct vfs_inode *ino, struct stat *st);
/* A setattr's mode, uid and gid (as its mask says) into the inode's attributes. */
void vfs_inode_set_ids(struct vfs_inode *ino, const struct vfs_setattr *sa);
/* Sets the inode's [acm]time to now, per @mask (VFS_SET_ATIME...). */
void vfs_inode_touch(struct vfs_inode *ino, u32 mask);
/* MAY_READ 4, MAY_WRITE 2, MAY_EXEC 1 against @t's credentials: 0 or -EACCES. */
int vfs_permission(struct task *t, struct vfs_inode *ino, int mask);
u8 vfs_dtype(u32 mode);
/* Appends an entry (a copy of @name) to the array *ents of *n entries and *cap
 * slots, growing it; 0 or -ENOMEM. vfs_dirents_free frees such an array. */
int vfs_dirent_add(struct vfs_dirent **ents, u32 *n, u32 *cap, const char *name,
		   size_t len, u8 type, u64 ino);
void vfs_dirents_free(struct vfs_dirent *ents, u32 n);

/* dentry.c: vfs_lock held. */
int vfs_dentry_new(struct vfs_dentry *parent, const char *name, struct vfs_inode *ino,
		   struct vfs_dentry **out);
static inline void vfs_dentry_get(struct vfs_dentry *d) { ref_get(&d->ref); }
void vfs_dentry_put(struct vfs_dentry *d);
/* The cached child @name of @dir (positive or negative), or NULL. */
struct vfs_dentry *vfs_dentry_find(struct vfs_dentry *dir, const char *name, size_t len);
/* Adds @d to its parent in the tree (the tree takes a reference). */
void vfs_dentry_hash(struct vfs_dentry *d);
/* Takes @d out of the tree (unlinked, replaced); drops the tree's reference. */
void vfs_dentry_unhash(struct vfs_dentry *d);
/* Drops unused looked-up dentries once there are too many (dentry.c); called with
 * no vfs lock held and no dentry pointer kept without a reference. */
void vfs_dcache_trim(void);
extern u32 vfs_dcache_n, vfs_dcache_trim_at;
static inline void vfs_dcache_maybe_trim(void)
{
	if (__atomic_load_n(&vfs_dcache_n, __ATOMIC_RELAXED) >
	    __atomic_load_n(&vfs_dcache_trim_at, __ATOMIC_RELAXED))
		vfs_dcache_trim();
}
/* The path of @p as seen from @root into @buf; its length or -ENAMETOOLONG. */
int vfs_path_name(const struct vfs_path *root, const struct vfs_path *p, char *buf,
		  size_t len);

static inline void vfs_path_get(const struct vfs_path *p)
{
	if (p->mnt)
		ref_get(&p->mnt->ref);
	if (p->d)
		vfs_dentry_get(p->d);
}
void vfs_path_put(struct vfs_path *p);

/* anon.c: where /proc/<pid>/fd/N leads for a file @f without a path (a pipe, a
 * host fd): a new nameless dentry on an anonymous mount whose inode stands for @f
 * (stat shows @f's fstat; opening it calls @f's reopen). */
int vfs_anon_path(struct vfs_file *f, struct vfs_path *out);
/* The file an anonymous inode stands for, or NULL for any other inode. */
struct vfs_file *vfs_anon_file(struct vfs_inode *ino);
/* The lock_inode op's work on the object's slot @slot (a field of the object, set
 * under a leaf mutex of anon.c): its inode, made first if there is none and @create. */
struct vfs_inode *vfs_lock_inode_slot(struct vfs_inode **slot, bool create);

/* mount.c */
int vfs_mntns_new(struct vfs_dentry *root, const char *fstype, const char *source,
		  u32 flags, struct vfs_mntns **out);
/* Mounts @root on @at (vfs_lock not held). */
int vfs_mount(struct vfs_mntns *ns, const struct vfs_path *at, struct vfs_dentry *root,
	      const char *fstype, const char *source, u32 flags);
/* The mount on (@mnt, @d), or NULL; vfs_lock held. */
struct vfs_mount *vfs_mount_lookup(struct vfs_mntns *ns, struct vfs_mount *mnt,
				   struct vfs_dentry *d);
/* /proc/self/mounts and mountinfo text for @t. */
int vfs_mounts_show(struct task *t, bool info, char **buf, size_t *len);
/* The kernel's mount namespace (one per sandbox until namespaces arrive). */
extern struct vfs_mntns *vfs_init_mntns;
int vfs_fs_new(struct vfs_mntns *ns, struct vfs_fs **out);
void vfs_fs_put(struct vfs_fs *fs);
/* A new vfs_fs with @fs's root and cwd (fork without CLONE_FS). */
int vfs_fs_copy(struct vfs_fs *fs, struct vfs_fs **out);

/* namei.c: path resolution. */
#define VFS_FOLLOW 0x1          /* follow a trailing symlink */
#define VFS_DIRECTORY 0x2       /* the result must be a directory */
#define VFS_EMPTY_PATH 0x4      /* "" means @dirfd itself */
#define VFS_NO_AUTOMOUNT 0x8
#define VFS_NO_XDEV_CHECK 0x10
/* openat2's RESOLVE_* (linux/openat2.h), as Linux's LOOKUP_* scoping flags. */
#define VFS_NO_XDEV 0x100       /* no mount crossing, magic links included: EXDEV */
#define VFS_NO_MAGICLINKS 0x200 /* no /proc/self/fd/N-style jumps: ELOOP */
#define VFS_NO_SYMLINKS 0x400   /* no symlink followed at all: ELOOP */
#define VFS_BENEATH 0x800       /* stay beneath the starting directory: EXDEV */
#define VFS_IN_ROOT 0x1000      /* the starting directory is the root */
#define VFS_SCOPED (VFS_BENEATH | VFS_IN_ROOT)

/* Resolves @path (application string) from @dirfd (AT_FDCWD or an fd) for @t:
 * *out referenced. Linux's errnos: ENOENT, ENOTDIR, ELOOP, EACCES, ENAMETOOLONG. */
int vfs_resolve(struct task *t, int dirfd, const char *path, u32 lflags,
		struct vfs_path *out);
/* Resolves all but the last component: the parent (referenced) and the last name
 * (into @last, at most NAME_MAX + 1 bytes); *type says whether that name was a
 * normal one, "." or "..", or absent ("/"). A trailing slash sets *slash. */
enum vfs_last { VFS_LAST_NORM, VFS_LAST_DOT, VFS_LAST_DOTDOT, VFS_LAST_ROOT };
int vfs_resolve_parent(struct task *t, int dirfd, const char *path, struct vfs_path *parent,
		       char *last, enum vfs_last *type, bool *slash);
/* The same with lookup flags (the VFS_NO_* and scoping ones count here). */
int vfs_resolve_parent_flags(struct task *t, int dirfd, const char *path, u32 lflags,
			     struct vfs_path *parent, char *last, enum vfs_last *type,
			     bool *slash);
/* Looks @name up in directory @dir (positive or negative dentry, referenced); the
 * caller has checked search permission. vfs_lock held. */
int vfs_lookup_locked(struct task *t, struct vfs_dentry *dir, const char *name,
		      struct vfs_dentry **out);
/* Copies the path string in from the application: ENAMETOOLONG, EFAULT, ENOENT
 * for "" unless @empty_ok. @buf has PATH_MAX bytes. */
int vfs_path_in(struct task *t, u64 addr, char *buf, bool empty_ok);

/* ops.c: the syscalls' filesystem operations. */
int vfs_open(struct task *t, int dirfd, const char *path, u32 flags, u32 mode,
	     u64 resolve, struct vfs_file **out);
int vfs_open_path(struct task *t, const struct vfs_path *p, u32 flags, struct vfs_file **out);
int vfs_mknod(struct task *t, int dirfd, const char *path, u32 mode, const char *target);
int vfs_unlink(struct task *t, int dirfd, const char *path, bool rmdir);
int vfs_link(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
	     const char *newpath, u32 lflags);
int vfs_rename(struct task *t, int olddirfd, const char *oldpath, int newdirfd,
	       const char *newpath, u32 flags);
int vfs_readlink(struct task *t, const struct vfs_path *p, char *buf, size_t len);
int vfs_setattr_path(struct task *t, const struct vfs_path *p, struct vfs_setattr *sa);
int vfs_statfs_path(const struct vfs_path *p, struct statfs *sf);
int vfs_getattr(struct task *t, const struct vfs_path *p, struct stat *st);
/* The inode under @p (vfs_lock held or a reference held). */
static inline struct vfs_inode *vfs_path_inode(const struct vfs_path *p)
{
	return p->d ? p->d->inode : NULL;
}

#endif
