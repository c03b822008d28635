/* Pty pairs after a load: numbered again, their lock, queue and memory charge
 * rebuilt; the tasks that waited on them block again as their syscalls restart. */
#define _GNU_SOURCE
#include <errno.h>

#include "checkpoint/checkpoint.h"
#include "fs/devpts/devpts.h"
#include "memfile/memfile.h"

int pty_after_load(void *o, void *ctx_)
{
	struct restore_ctx *ctx = ctx_;
	struct pty *p = o;

	if (p->in_off >= PTY_IN || p->in_len > PTY_IN || p->in_canon > p->in_len ||
	    p->raw_off >= PTY_RAW || p->raw_len > PTY_RAW || p->out_off >= PTY_OUT ||
	    p->out_len > PTY_OUT || p->index >= PTY_MAX)
		return -EINVAL;
	p->mf = ctx->mf;
	memfile_charge(p->mf, sizeof(*p), true);
	pthread_mutex_init(&p->lock, NULL);
	waitq_init(&p->wq);
	/* images from before O_ASYNC was signalled have no lists */
	if (!p->fasync_master.next)
		st_list_init(&p->fasync_master);
	if (!p->fasync_slave.next)
		st_list_init(&p->fasync_slave);
	return devpts_register(p);
}
