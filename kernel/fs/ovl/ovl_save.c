/*
 * Overlay objects after a restore. Upper data and the directory structure come back
 * from the image. A lower inode is walked again by its path through the new gofer,
 * and a lower regular file whose data was never copied up must be unchanged (same
 * type, size and modification time): otherwise the restore fails naming the file,
 * since the application may hold offsets, mappings or cached contents of the old
 * one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint/checkpoint.h"
#include "fs/gofer/goferc.h"
#include "fs/ovl/ovl.h"
#include "memfile/memfile.h"

char fs_restore_why[512];

int ovl_inode_after_load(void *o, void *ctx)
{
	struct ovl_inode *oi = o;
	struct gofer_conn *c;
	struct gofer_stat st;
	u32 h;
	int err;

	oi->lower_fd = -1;
	oi->lower_h = 0;
	/* What ovl_create and the attributes charged, charged again. */
	oi->charged = (oi->upper && !oi->lower_path ? OVL_INODE_COST : 0) +
		      (oi->target && !oi->lower_path ? strlen(oi->target) : 0) + oi->xattr_len;
	memfile_charge(((struct restore_ctx *)ctx)->mf, oi->charged, true);
	if (!oi->lower_path)
		return 0;
	c = oi->fs ? goferc_get(oi->fs->gofer) : NULL;
	if (!c) {
		snprintf(fs_restore_why, sizeof(fs_restore_why),
			 "/%s: no gofer serves its filesystem", oi->lower_path);
		return -ENOENT;
	}
	err = goferc_walk_path(c, oi->lower_path, &h, &st);
	if (err) {
		snprintf(fs_restore_why, sizeof(fs_restore_why), "/%s (%s): %s",
			 oi->lower_path, oi->fs->name, strerror(-err));
		return err;
	}
	if ((st.mode & S_IFMT) != (oi->base.mode & S_IFMT) ||
	    (S_ISREG(st.mode) && !oi->upper &&
	     (st.size != oi->lower_size || st.mtime_sec != oi->lower_mtime_sec ||
	      st.mtime_nsec != oi->lower_mtime_nsec))) {
		snprintf(fs_restore_why, sizeof(fs_restore_why),
			 "/%s (%s) changed since the checkpoint", oi->lower_path, oi->fs->name);
		return -ESTALE;
	}
	oi->lower_h = h;
	return 0;
}

int ovl_file_after_load(void *o, void *ctx)
{
	return 0;
}
