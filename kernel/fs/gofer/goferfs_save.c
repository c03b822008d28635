/*
 * Gofer filesystem objects across checkpoint and restore (see goferfs.h). At the
 * checkpoint an open file's inode takes the host's size and modification time
 * (what the sandbox last saw); at restore every inode is walked again by its path
 * through the new gofer, and a file that was open must be found unchanged, or the
 * restore fails naming it: the application holds offsets into it and has seen its
 * contents. A file not open then may have changed or gone meanwhile, as on a shared
 * volume: its attributes are taken anew, or it answers ESTALE if gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/gofer/goferc.h"
#include "fs/gofer/goferfs.h"
#include "memfile/memfile.h"

extern char fs_restore_why[512];        /* fs/ovl/ovl_save.c */

int goferfs_inode_before_save(void *o, void *ctx)
{
	struct goferfs_inode *gi = o;
	int fd = gi->fd_rw >= 0 ? gi->fd_rw : gi->fd_ro, err;

	/* What shared mappings wrote goes to the host first: the restore finds the
	 * file as it was at the checkpoint, mappings' writes included. */
	if (gi->cache) {
		err = mf_pages_writeback(gi->cache);
		if (err) {
			snprintf(fs_restore_why, sizeof(fs_restore_why),
				 "%s/%s: writing back its shared mapping: %s", gi->fs->name,
				 gi->path ? gi->path : "(deleted)", strerror(-err));
			return err;
		}
		if (fd < 0)
			fd = gi->cache->wb_fd >= 0 ? gi->cache->wb_fd : gi->cache->src_fd;
	}
	if (fd >= 0)
		goferfs_sync_attr(gi, fd);
	return 0;
}

/* Walks @gi's path again (once); 0 with gi->h set, or -errno (gi->h stays 0). */
static int rewalk(struct goferfs_inode *gi, struct gofer_stat *st)
{
	struct gofer_conn *c = gi->fs ? goferc_get(gi->fs->gofer) : NULL;
	int err;

	if (!c) {
		snprintf(fs_restore_why, sizeof(fs_restore_why),
			 "%s: no gofer serves this volume (restore with the same --volume)",
			 gi->fs && gi->fs->name ? gi->fs->name : "a volume");
		return -ENOENT;
	}
	if (!gi->path)
		return -ENOENT;
	err = goferc_walk_path(c, gi->path, &gi->h, st);
	if (err)
		gi->h = 0;
	return err;
}

int goferfs_inode_after_load(void *o, void *ctx)
{
	struct goferfs_inode *gi = o;
	struct gofer_stat st;
	int err;

	gi->fd_ro = gi->fd_rw = -1;
	gi->h = 0;
	err = rewalk(gi, &st);
	if (!err && (st.mode & S_IFMT) != (gi->base.mode & S_IFMT))
		err = -ESTALE;
	if (!gi->nopen && (err == -ENOENT || err == -ESTALE) && goferc_get(gi->fs->gofer)) {
		/* Gone or replaced while not open: ESTALE from now on. */
		gi->h = 0;
		return 0;
	}
	if (err == -ESTALE || (!err && S_ISREG(st.mode) &&
			       (st.size != gi->base.size || st.mtime_sec != gi->base.mtime_sec ||
				st.mtime_nsec != gi->base.mtime_nsec))) {
		snprintf(fs_restore_why, sizeof(fs_restore_why),
			 "%s/%s changed since the checkpoint", gi->fs->name, gi->path);
		return -ESTALE;
	}
	if (err) {
		if (gi->fs && goferc_get(gi->fs->gofer))
			snprintf(fs_restore_why, sizeof(fs_restore_why), "%s/%s: %s",
				 gi->fs->name, gi->path ? gi->path : "(deleted)",
				 gi->path ? strerror(-err) :
				 "was deleted while open and cannot be reopened");
		return err;
	}
	goferfs_set_attr(gi, &st);
	if (S_ISREG(st.mode)) {
		err = goferfs_cache_reopen(gi);
		if (err) {
			snprintf(fs_restore_why, sizeof(fs_restore_why),
				 "%s/%s: reopening it for its mappings: %s", gi->fs->name,
				 gi->path ? gi->path : "(deleted)", strerror(-err));
			return err;
		}
	}
	return 0;
}
