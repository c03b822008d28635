/* Lazy restore of memory (lazy.c); memfile_await() in memfile.h is its gate. */
#ifndef SBX_CHECKPOINT_LAZY_H
#define SBX_CHECKPOINT_LAZY_H

#include "base/types.h"

struct img_reader;
struct memfile;
struct ckpt_stats;

/* At the reader's IMG_SEC_MEM: indexes the section (checking every chunk header and
 * that the image ends properly), moves the reader past it, and starts loading the
 * memory into @mf behind the application. A chunk found corrupt later is reported
 * on @status_fd and ends the Sentry. */
int lazy_restore_mem(struct img_reader *r, int img_fd, struct memfile *mf, int status_fd,
		     struct ckpt_stats *st, char *why, size_t whylen);

/* Starts the background loading of a lazy restore, if there is one: called once, by
 * the first task to run, so that it takes no CPU time from the restore. Until then,
 * and without it, the tasks load what they touch (and a checkpoint the rest). The
 * loader runs on any of the Sentry's CPUs, whatever the caller is pinned to. */
void lazy_start(struct memfile *mf);

#endif
