/* inotify after a restore: the instance list, the inodes' watch chains and the
 * global watch count are rebuilt from the saved watches; queued events and watches
 * are charged to the restored sandbox's memory limit again. */
#include <errno.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "memfile/memfile.h"
#include "vfs/inotify.h"

int inotify_kevent_after_load(void *o, void *ctx)
{
	struct inotify_kevent *ev = o;

	memfile_charge(((struct restore_ctx *)ctx)->mf,
		       sizeof(*ev) + (ev->name ? strlen(ev->name) + 1 : 0), true);
	/* Cookies made after the restore stay unlike the queued ones. */
	if ((s32)(ev->cookie - inotify_cookie_seq) > 0)
		inotify_cookie_seq = ev->cookie;
	return 0;
}

int inotify_watch_after_load(void *o, void *ctx)
{
	struct inotify_watch *w = o;

	if (!w->in || !w->inode)
		return -EINVAL;
	memfile_charge(((struct restore_ctx *)ctx)->mf, sizeof(*w), true);
	st_list_add_tail(&w->hlink,
			 &w->in->wd_hash[(u32)w->wd % INOTIFY_WD_BUCKETS]);
	w->inext = w->inode->inotify;
	w->inode->inotify = w;
	__atomic_add_fetch(&inotify_nwatches, 1, __ATOMIC_RELAXED);
	return 0;
}

int inotify_file_after_load(void *o, void *ctx)
{
	struct inotify_file *in = o;

	if (inotify_wd_hash_init(in))
		return -ENOMEM;
	memfile_charge(((struct restore_ctx *)ctx)->mf,
		       INOTIFY_WD_BUCKETS * sizeof(*in->wd_hash), true);
	waitq_init(&in->wq);
	if (!in->fasync.next)   /* an image from before O_ASYNC was signalled */
		st_list_init(&in->fasync);
	st_list_add_tail(&in->all, &inotify_instances);
	return 0;
}
