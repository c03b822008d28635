/*
 * The Sentry's side of the gofer protocol (gofer/proto.h): one connection per served
 * directory, requests serialised by a lock, replies decoded and checked (the Sentry
 * does not trust the gofer's replies to be well formed either). A connection is
 * named by its index, which is what saved objects remember: restore hands the new
 * gofers' sockets over at the same indices.
 */
#ifndef SBX_FS_GOFERC_H
#define SBX_FS_GOFERC_H

#include <pthread.h>

#include "base/types.h"
#include "proto.h"

#define GOFERC_MAX 16
#define GOFERC_WALK_DEPTH 64

struct gofer_conn {
	int sock;
	pthread_mutex_t lock;
	u8 buf[GOFER_MSG_MAX];  /* request, then reply; under lock */
	/* The last path goferc_walk_path walked and the handle of each of its first
	 * nwalked components' prefixes (ending at walked_end[i]); used by the
	 * after-load hooks only, which run on one thread, until goferc_walk_done. */
	char *walked;
	u32 walked_h[GOFERC_WALK_DEPTH];
	u32 walked_end[GOFERC_WALK_DEPTH];
	u32 nwalked;
};

/* Registers host socket @sock (consumed) as connection @idx. */
int goferc_register(u32 idx, int sock);
struct gofer_conn *goferc_get(u32 idx);

int goferc_walk(struct gofer_conn *c, u32 dir, const char *name, u32 *h,
		struct gofer_stat *st);
/* Walks a relative path of components joined by '/' from the root (restore). Until
 * goferc_walk_done, a walk starts from the deepest directory the previous one walked
 * above its path, borrowing that handle: for after-load hooks, which run on one
 * thread and close no handle. */
int goferc_walk_path(struct gofer_conn *c, const char *path, u32 *h, struct gofer_stat *st);
/* Ends that reuse on every connection: the handles walked belong to their inodes. */
void goferc_walk_done(void);
int goferc_stat(struct gofer_conn *c, u32 h, struct gofer_stat *st);
/* Opens node @h: a host descriptor in *fd. */
int goferc_open(struct gofer_conn *c, u32 h, u32 flags, int *fd);
int goferc_create(struct gofer_conn *c, u32 dir, const char *name, u32 flags, u32 mode,
		  u32 *h, struct gofer_stat *st, int *fd);
/* MKDIR, MKNOD (fifo) or SYMLINK (@target) by @op. */
int goferc_make(struct gofer_conn *c, u32 op, u32 dir, const char *name, u32 mode,
		const char *target, u32 *h, struct gofer_stat *st);
int goferc_link(struct gofer_conn *c, u32 h, u32 dir, const char *name, u32 *nh,
		struct gofer_stat *st);
int goferc_unlink(struct gofer_conn *c, u32 dir, const char *name, u32 flags);
int goferc_rename(struct gofer_conn *c, u32 dir, const char *name, u32 ndir,
		  const char *newname, u32 flags);
int goferc_readlink(struct gofer_conn *c, u32 h, char *buf, size_t len);
/* Calls @fn for each entry of directory @h. */
int goferc_readdir(struct gofer_conn *c, u32 h,
		   int (*fn)(void *arg, const char *name, size_t len, u8 type, u64 ino),
		   void *arg);
int goferc_setattr(struct gofer_conn *c, u32 h, u32 mask, u32 mode, u32 uid, u32 gid,
		   u64 size, s64 as, s64 ans, s64 ms, s64 mns, struct gofer_stat *st);
/* The host filesystem's statfs (f_type included) for node @h. */
struct statfs;
int goferc_statfs(struct gofer_conn *c, u32 h, struct statfs *sf);
/* Copies a gofer stat into an inode's attributes (all but dev). */
struct vfs_inode;
void goferc_stat_to_inode(const struct gofer_stat *st, struct vfs_inode *ino);
void goferc_close(struct gofer_conn *c, u32 h);
/* Writes node @h's data to disk (fsync on the host). */
int goferc_fsync(struct gofer_conn *c, u32 h);
/* Calls @fn for each extended attribute of node @h the gofer read (names and values
 * are the gofer's bytes: the caller checks them). */
int goferc_getxattrs(struct gofer_conn *c, u32 h,
		     int (*fn)(void *arg, const char *name, size_t len, const void *val,
			       size_t vlen),
		     void *arg);
/* SETXATTR of @name to @hex (the value in lowercase hex) with XATTR_* @flags, or with
 * @hex NULL, REMOVEXATTR. */
int goferc_setxattr(struct gofer_conn *c, u32 h, const char *name, const char *hex, u32 flags);

#endif
