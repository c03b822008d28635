/* Tasks after a restore: the interrupt eventfd and locks are new; the saved FP state
 * is pushed to the platform before the task first runs (task_main). */
#include <errno.h>
#include <sys/eventfd.h>

#include "checkpoint/checkpoint.h"
#include "platform.h"
#include "task/task.h"

int task_after_load(void *o, void *ctx_)
{
	struct restore_ctx *ctx = ctx_;
	struct task *t = o;

	if (t->fpstate_len != ctx->plat->fpstate_size || !t->fpstate)
		return -EINVAL;
	t->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->evfd < 0)
		return -errno;
	t->interrupt = 0;
	t->ctx = NULL;
	t->fp_load = t->fp_valid;
	return 0;
}
