/* The memory file across a restore: the file itself is new (its pages come from the
 * image's memory section at their saved offsets); the allocator state is the saved
 * one, so every VMA's range is where it was. */
#include <errno.h>
#include <stdlib.h>

#include "checkpoint/checkpoint.h"
#include "memfile/memfile.h"

int memfile_adopt(struct memfile *mf, struct memfile *saved)
{
	if (saved->size > mf->size)
		return -EFBIG;
	for (u32 i = 0; i < saved->nfree; i++)
		if (saved->free[i].off + saved->free[i].len > saved->size ||
		    saved->free[i].off + saved->free[i].len < saved->free[i].off)
			return -EINVAL;
	{
		u64 n = 0, prev_end = 0;

		for (u32 i = 0; i < saved->nnoacct; i++) {
			const struct mf_extent *x = &saved->noacct[i];

			if (!x->len || x->off < prev_end || x->off + x->len > saved->size ||
			    x->off + x->len < x->off)
				return -EINVAL;
			prev_end = x->off + x->len;
			n += x->len;
		}
		if (n != saved->noacct_bytes || n > saved->used)
			return -EINVAL;
	}
	/* Whatever the live file freed so far goes first: its dirty ranges mean
	 * nothing to the saved allocator, and the image's memory, loaded after the
	 * graph, assumes a file of zeros. */
	memfile_flush(mf);
	pthread_mutex_lock(&mf->lock);
	free(mf->free);
	mf->free = saved->free;
	mf->nfree = saved->nfree;
	mf->cap = saved->nfree;
	mf->used = saved->used;
	free(mf->noacct);
	mf->noacct = saved->noacct;
	mf->nnoacct = mf->ncap = saved->nnoacct;
	mf->noacct_bytes = saved->noacct_bytes;
	/* Offsets beyond the saved size stay unused, as in the saved sandbox. */
	mf->size = saved->size;
	pthread_mutex_unlock(&mf->lock);
	saved->free = NULL;
	saved->noacct = NULL;
	free(saved);
	return 0;
}

int mf_pages_after_load(void *o, void *ctx_)
{
	struct restore_ctx *ctx = ctx_;
	struct mf_pages *p = o;

	p->mf = ctx->mf;
	p->cap = p->nruns;
	p->src_fd = -1;         /* a cache's file is given again when next mapped */
	p->wb_fd = -1;          /* and a volume file's by its inode (goferfs_save.c) */
	pthread_mutex_init(&p->lock, NULL);
	for (u32 i = 0; i < p->nruns; i++) {
		struct mf_run *r = &p->runs[i];

		if (!r->npages || r->off & ~PAGE_MASK || r->npages > ctx->mf->size / PAGE_SIZE ||
		    r->off + r->npages * PAGE_SIZE > ctx->mf->size ||
		    r->pgoff + r->npages < r->pgoff ||
		    (i && r->pgoff < p->runs[i - 1].pgoff + p->runs[i - 1].npages))
			return -EINVAL;
	}
	return 0;
}
