/* The memory file across a restore: the file itself is new (its pages come from the
 * image's memory section at their saved offsets); the allocator state is the saved
 * one, so every VMA's range is where it was. */
#include <errno.h>
#include <stdlib.h>

#include "memfile/memfile.h"

int memfile_adopt(struct memfile *mf, struct memfile *saved)
{
	if (saved->size > mf->size)
		return -EFBIG;
	for (u32 i = 0; i < saved->nfree; i++)
		if (saved->free[i].off + saved->free[i].len > saved->size ||
		    saved->free[i].off + saved->free[i].len < saved->free[i].off)
			return -EINVAL;
	pthread_mutex_lock(&mf->lock);
	free(mf->free);
	mf->free = saved->free;
	mf->nfree = saved->nfree;
	mf->cap = saved->nfree;
	mf->used = saved->used;
	/* Offsets beyond the saved size stay unused, as in the saved sandbox. */
	mf->size = saved->size;
	pthread_mutex_unlock(&mf->lock);
	saved->free = NULL;
	free(saved);
	return 0;
}
