/* The mm after a restore: its VMAs are loaded; the platform address space is made
 * by the first task thread to run in it (mm_ctx_new maps every VMA), the rest here. */
#include <errno.h>

#include "checkpoint/checkpoint.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "platform.h"

int mm_after_load(void *o, void *ctx_)
{
	struct restore_ctx *ctx = ctx_;
	struct mm *mm = o;

	mm->mf = ctx->mf;
	mm->plat = ctx->plat;
	mm->as = NULL;
	mm->cap = mm->nvmas;
	pthread_mutex_init(&mm->lock, NULL);
	if (mm->max_addr > ctx->plat->max_user_addr)
		return -EINVAL; /* this platform cannot give that address space back */
	for (u32 i = 0; i < mm->nvmas; i++)
		if (mm->vmas[i].start >= mm->vmas[i].end || mm->vmas[i].end > mm->max_addr ||
		    (i && mm->vmas[i].start < mm->vmas[i - 1].end) ||
		    mm->vmas[i].off + (mm->vmas[i].end - mm->vmas[i].start) > ctx->mf->size ||
		    (mm->vmas[i].pages && mm->vmas[i].origin))
			return -EINVAL;
	return 0;
}
