/* Host-fd files after a restore: rebound to the restoring command's stdin, stdout
 * or stderr, whichever the file came from, wherever the application dup'ed it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"
#include "fs/host/hostfd.h"

int hostfd_file_after_load(void *o, void *ctx_)
{
	struct restore_ctx *ctx = ctx_;
	struct hostfd_file *hf = o;

	if (hf->which < 0 || hf->which > 2)
		return -EINVAL;
	hf->fd = fcntl(ctx->stdio[hf->which], F_DUPFD_CLOEXEC, 100);
	if (hf->fd < 0)
		return -errno;
	hf->tty = isatty(hf->fd);
	return 0;
}
