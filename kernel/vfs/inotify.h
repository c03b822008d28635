/*
 * inotify (after Linux's fs/notify/inotify/ and fs/notify/fsnotify.c, man 7
 * inotify): an instance is an anonymous file holding watches and a queue of events;
 * a watch names an inode and the events it wants. The VFS operations call the
 * inotify_* hooks below where Linux calls fsnotify_*; each is an inline test of one
 * global counter while no watch exists in the sandbox, so the hot paths pay nothing
 * then.
 *
 * Lock order: vfs_lock → inotify_lock (every watch, every inode's watch chain,
 * every instance's queue) → the wake-ups it sends (epoll's ep->lock). Every hook
 * takes vfs_lock itself (it is recursive), so that the dentry it reads the parent
 * and name from cannot move, and so that an inode a removed watch held can be put.
 */
#ifndef SBX_VFS_INOTIFY_H
#define SBX_VFS_INOTIFY_H

#include <sys/inotify.h>

#include "base/types.h"
#include "save.h"
#include "st_list.h"
#include "task/waitq.h"
#include "vfs/vfs.h"

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

/* The /proc/sys/fs/inotify defaults of Linux (max_user_watches: 1% of memory at
 * INOTIFY_WATCH_COST a watch, within [8192, 1048576]). */
#define INOTIFY_MAX_QUEUED 16384
#define INOTIFY_MAX_INSTANCES 128
/* What a watch costs Linux (an inotify_inode_mark and two inodes, x86_64): the
 * divisor of its max_user_watches, and what a watch is charged here. */
#define INOTIFY_WATCH_COST 1312

extern const struct vfs_file_ops inotify_ops;

struct inotify_file;

/* One event waiting to be read. */
SAVABLE struct inotify_kevent {
	struct st_list link SAVE_SKIP;  /* in the instance's queue; restored by the list */
	s32 wd;                 /* -1 for IN_Q_OVERFLOW */
	u32 mask, cookie;
	char *name SAVE_STR;    /* the child's name for a directory watch, or NULL */
};

/* Chains of an instance's watches by wd (wd % INOTIFY_WD_BUCKETS): rm_watch and a
 * new wd find a wd without walking every watch. */
#define INOTIFY_WD_BUCKETS 256

/* A watch: @in wants the events of @mask on @inode. */
SAVABLE struct inotify_watch {
	struct st_list link SAVE_SKIP;  /* in in->watches; restored by the list */
	struct st_list hlink SAVE_SKIP; /* in in->wd_hash; re-added at load */
	/* the next watch on the same inode (inode->inotify heads the chain); rebuilt
	 * by inotify_watch_after_load */
	struct inotify_watch *inext SAVE_SKIP;
	/* its instance (which owns it); loaded first, for its wd_hash */
	struct inotify_file *in SAVE_WAIT;
	struct vfs_inode *inode SAVE_POLY;      /* referenced */
	s32 wd;
	u32 mask;               /* IN_ALL_EVENTS bits | IN_ONESHOT | IN_EXCL_UNLINK */
};

/* An instance (the file inotify_init returns). Everything below is under
 * inotify_lock. */
SAVABLE struct inotify_file {
	struct vfs_file base SAVE_BASE(&inotify_ops);
	struct st_list watches SAVE_LIST(struct inotify_watch, link);
	struct st_list events SAVE_LIST(struct inotify_kevent, link);
	/* INOTIFY_WD_BUCKETS heads of watches by wd; made again at load */
	struct st_list *wd_hash SAVE_SKIP;
	u32 nevents;            /* queued, IN_Q_OVERFLOW included */
	u64 bytes;              /* what reading them all gives (FIONREAD) */
	bool overflowed;        /* IN_Q_OVERFLOW is queued (Linux queues it once) */
	s32 last_wd;            /* wds are handed out cyclically from 1, as Linux's idr */
	s32 max_wd;             /* the largest handed out: above it, none is in use */
	u32 nwatches;
	u32 uid;                /* the creator's euid: the per-user limits count it */
	/* in the list of every instance (the per-user counts); re-added at load */
	struct st_list all SAVE_SKIP;
	struct waitq wq SAVE_SKIP;      /* readers and pollers; rebuilt empty */
	/* its O_ASYNC entry (Linux's group->fsn_fa): POLL_IN for each new event */
	struct st_list fasync SAVE_LIST(struct fasync, link);
};

int inotify_kevent_after_load(void *o, void *ctx);
int inotify_watch_after_load(void *o, void *ctx);
int inotify_file_after_load(void *o, void *ctx);

/* Makes @in's empty wd_hash (inotify_save.c's too): 0 or -ENOMEM. */
int inotify_wd_hash_init(struct inotify_file *in);
/* inotify_init1 for a task of euid @uid; @flags O_NONBLOCK (the caller checked
 * them): -EMFILE past max_user_instances. */
int inotify_new(u32 uid, u32 flags, struct vfs_file **out);
/* inotify_add_watch with the path resolved (@p referenced by the caller): the wd,
 * or -EEXIST (IN_MASK_CREATE on a watched inode), -ENOSPC (max_user_watches),
 * -ENOMEM. -EINVAL if @f is no instance. */
int inotify_add(struct vfs_file *f, const struct vfs_path *p, u32 mask);
/* inotify_rm_watch: queues IN_IGNORED; -EINVAL for a wd not in use or @f no
 * instance. */
int inotify_rm(struct vfs_file *f, s32 wd);
bool inotify_is(struct vfs_file *f);
/* /proc/sys/fs/inotify/max_user_watches. */
u32 inotify_max_watches(void);

/* Watches in the sandbox: every hook is a no-op while there are none. */
extern u32 inotify_nwatches;
/* Every instance (struct inotify_file, by all), and the last rename cookie handed
 * out: inotify.c's, and inotify_save.c's to rebuild. */
extern struct st_list inotify_instances;
extern u32 inotify_cookie_seq;

static inline bool inotify_active(void)
{
	return __builtin_expect(__atomic_load_n(&inotify_nwatches, __ATOMIC_RELAXED) != 0, 0);
}

/* The slow halves of the hooks below; call the hooks. */
void inotify_file_event_slow(struct vfs_file *f, u32 mask);
void inotify_dentry_event_slow(struct vfs_dentry *d, u32 mask);
void inotify_inode_event_slow(struct vfs_inode *ino, u32 mask);
void inotify_dir_event_slow(struct vfs_inode *dir, const char *name, u32 mask);
void inotify_dentry_put_slow(struct vfs_dentry *d);
void inotify_rename_slow(struct vfs_inode *odir, const char *oname, struct vfs_inode *ndir,
			 const char *nname, struct vfs_inode *src, struct vfs_inode *target,
			 bool exchange);

/* An event on an open file's inode (IN_ACCESS, IN_MODIFY, IN_OPEN, IN_CLOSE_*):
 * reported to its watches and, with its name, to its directory's (fsnotify_file). */
static inline void inotify_file_event(struct vfs_file *f, u32 mask)
{
	if (inotify_active())
		inotify_file_event_slow(f, mask);
}

/* The same for the inode under a dentry (attribute changes: fsnotify_change). */
static inline void inotify_dentry_event(struct vfs_dentry *d, u32 mask)
{
	if (inotify_active())
		inotify_dentry_event_slow(d, mask);
}

/* An event for the inode's own watches only (IN_ATTRIB for a link count). */
static inline void inotify_inode_event(struct vfs_inode *ino, u32 mask)
{
	if (inotify_active())
		inotify_inode_event_slow(ino, mask);
}

/* A directory entry event (IN_CREATE, IN_DELETE, with IN_ISDIR for a directory)
 * for @name in @dir. */
static inline void inotify_dir_event(struct vfs_inode *dir, const char *name, u32 mask)
{
	if (inotify_active())
		inotify_dir_event_slow(dir, name, mask);
}

/*
 * A reference to @d is about to be dropped (vfs_dentry_put, vfs_lock held): if it
 * is the last one that is not a child's, @d is unlinked and its inode has no link
 * left, the inode is gone for good: IN_DELETE_SELF, and its watches go
 * (IN_IGNORED), as Linux's dentry_unlink_inode. An unlinked file still open is
 * gone at its last close, as on Linux.
 */
static inline void inotify_dentry_put(struct vfs_dentry *d)
{
	if (inotify_active() && d->inode && d->inode->inotify && !d->hashed)
		inotify_dentry_put_slow(d);
}

/* A rename done (fsnotify_move): IN_MOVED_FROM/IN_MOVED_TO with one cookie,
 * IN_ATTRIB on a replaced @target, IN_MOVE_SELF on @src; with @exchange the same
 * for the other way. */
static inline void inotify_rename(struct vfs_inode *odir, const char *oname,
				  struct vfs_inode *ndir, const char *nname,
				  struct vfs_inode *src, struct vfs_inode *target, bool exchange)
{
	if (inotify_active())
		inotify_rename_slow(odir, oname, ndir, nname, src, target, exchange);
}

/* The events an attribute change of VFS_SET_* @mask reports (fsnotify_change). */
static inline u32 inotify_setattr_mask(u32 mask)
{
	u32 ev = 0;

	if (mask & (VFS_SET_UID | VFS_SET_GID | VFS_SET_MODE))
		ev |= IN_ATTRIB;
	if (mask & VFS_SET_SIZE)
		ev |= IN_MODIFY;
	if ((mask & (VFS_SET_ATIME | VFS_SET_MTIME)) == (VFS_SET_ATIME | VFS_SET_MTIME))
		ev |= IN_ATTRIB;
	else if (mask & VFS_SET_ATIME)
		ev |= IN_ACCESS;
	else if (mask & VFS_SET_MTIME)
		ev |= IN_MODIFY;
	return ev;
}

#endif
