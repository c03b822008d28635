/*
 * Memory file and its range allocator. The allocator keeps free extents in an array
 * sorted by offset and allocates first-fit; frees coalesce with neighbours. Pages of a
 * freed range are punched out of the memfd so the host reclaims them.
 *
 * The allocator is also the sandbox's memory accounting: every page of application
 * memory (anonymous and private mappings, brk, stacks, file mappings, which are
 * copies, and copy-on-write copies) is a byte of some allocated range, from the
 * mmap that made it until the munmap or exit that frees it, so bytes allocated are
 * the sandbox's committed memory, as Linux counts it with vm.overcommit_memory=2.
 * The limit (sbx run --memory) caps them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/log.h"
#include "memfile/memfile.h"

int memfile_new(u64 size, struct memfile **out)
{
	struct memfile *mf;
	int err;

	mf = calloc(1, sizeof(*mf));
	if (!mf)
		return -ENOMEM;
	mf->fd = memfd_create("sbx-memory", MFD_CLOEXEC);
	if (mf->fd < 0) {
		err = -errno;
		goto out_free;
	}
	if (ftruncate(mf->fd, size) < 0) {
		err = -errno;
		goto out_close;
	}
	mf->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
			mf->fd, 0);
	if (mf->base == MAP_FAILED) {
		err = -errno;
		goto out_close;
	}
	mf->size = size;
	mf->cap = 16;
	mf->free = malloc(mf->cap * sizeof(*mf->free));
	if (!mf->free) {
		err = -ENOMEM;
		goto out_unmap;
	}
	/* Offset 0 is never handed out, so 0 can mean "no range". */
	mf->free[0] = (struct mf_extent){ PAGE_SIZE, size - PAGE_SIZE };
	mf->nfree = 1;
	pthread_mutex_init(&mf->lock, NULL);
	*out = mf;
	return 0;

out_unmap:
	munmap(mf->base, size);
out_close:
	close(mf->fd);
out_free:
	free(mf);
	return err;
}

void memfile_destroy(struct memfile *mf)
{
	if (!mf)
		return;
	munmap(mf->base, mf->size);
	close(mf->fd);
	free(mf->free);
	pthread_mutex_destroy(&mf->lock);
	free(mf);
}

void memfile_set_limit(struct memfile *mf, u64 limit)
{
	pthread_mutex_lock(&mf->lock);
	mf->limit = limit;
	pthread_mutex_unlock(&mf->lock);
}

u64 memfile_used(struct memfile *mf)
{
	u64 used;

	pthread_mutex_lock(&mf->lock);
	used = mf->used;
	pthread_mutex_unlock(&mf->lock);
	return used;
}

/* Would @len more bytes take used past the limit? mf->lock held. */
static bool over_limit(struct memfile *mf, u64 len)
{
	return mf->limit && (len > mf->limit || mf->used > mf->limit - len);
}

int memfile_alloc(struct memfile *mf, u64 len, u64 *off)
{
	int ret = -ENOMEM;

	if (!len || len & ~PAGE_MASK)
		return -EINVAL;
	pthread_mutex_lock(&mf->lock);
	if (over_limit(mf, len))
		goto out;
	for (u32 i = 0; i < mf->nfree; i++) {
		struct mf_extent *e = &mf->free[i];

		if (e->len < len)
			continue;
		*off = e->off;
		e->off += len;
		e->len -= len;
		if (!e->len) {
			memmove(e, e + 1, (mf->nfree - i - 1) * sizeof(*e));
			mf->nfree--;
		}
		mf->used += len;
		ret = 0;
		break;
	}
out:
	pthread_mutex_unlock(&mf->lock);
	return ret;
}

/* Index of the first free extent with offset > off. */
static u32 first_after(struct memfile *mf, u64 off)
{
	u32 lo = 0, hi = mf->nfree;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;

		if (mf->free[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void memfile_free(struct memfile *mf, u64 off, u64 len)
{
	struct mf_extent *prev, *next;
	u32 i;

	if (!len)
		return;
	/* A lazy restore must not fill the range after it is freed (and reused). */
	memfile_await(mf, off, len);
	fallocate(mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	pthread_mutex_lock(&mf->lock);
	mf->used -= len;
	i = first_after(mf, off);
	prev = i > 0 ? &mf->free[i - 1] : NULL;
	next = i < mf->nfree ? &mf->free[i] : NULL;
	BUG_ON(prev && prev->off + prev->len > off);
	BUG_ON(next && off + len > next->off);
	if (prev && prev->off + prev->len == off) {
		prev->len += len;
		if (next && prev->off + prev->len == next->off) {
			prev->len += next->len;
			memmove(next, next + 1, (mf->nfree - i - 1) * sizeof(*next));
			mf->nfree--;
		}
	} else if (next && off + len == next->off) {
		next->off = off;
		next->len += len;
	} else {
		if (mf->nfree == mf->cap) {
			struct mf_extent *n = realloc(mf->free, 2 * mf->cap * sizeof(*n));

			/* Out of memory for bookkeeping: leak the range rather than lose
			 * track of what is allocated. */
			if (!n)
				goto out;
			mf->free = n;
			mf->cap *= 2;
		}
		memmove(&mf->free[i + 1], &mf->free[i], (mf->nfree - i) * sizeof(*mf->free));
		mf->free[i] = (struct mf_extent){ off, len };
		mf->nfree++;
	}
out:
	pthread_mutex_unlock(&mf->lock);
}

int memfile_extend(struct memfile *mf, u64 off, u64 len, u64 newlen)
{
	u64 end = off + len, need = newlen - len;
	int ret = -ENOMEM;
	u32 i;

	if (newlen <= len)
		return 0;
	pthread_mutex_lock(&mf->lock);
	i = first_after(mf, end - 1);
	if (!over_limit(mf, need) && i < mf->nfree && mf->free[i].off == end && mf->free[i].len >= need) {
		struct mf_extent *e = &mf->free[i];

		e->off += need;
		e->len -= need;
		if (!e->len) {
			memmove(e, e + 1, (mf->nfree - i - 1) * sizeof(*e));
			mf->nfree--;
		}
		mf->used += need;
		ret = 0;
	}
	pthread_mutex_unlock(&mf->lock);
	return ret;
}
