/*
 * Memory file and its range allocator. The allocator keeps free extents in an array
 * sorted by offset and allocates first-fit; frees coalesce with neighbours. Pages of a
 * freed range are punched out of the memfd so the host reclaims them, except while
 * the dirty pool has room (below).
 *
 * The dirty pool: punching a range costs more than the copy it usually precedes on
 * these PVM guests (the hole punch zaps the Sentry's own mapping of the pages and
 * flushes every CPU's TLB, and the next use of the offsets faults fresh zeroed pages
 * back in, one trap per page). A fork's copy-on-write copies are the common case:
 * the child exits, its share of the memory is freed, and the next fork copies as
 * much again. So up to dirty_max bytes of freed ranges are kept as they are, pages
 * populated and mapped, in a second extent list, and memfile_alloc_copy hands them
 * to callers that overwrite every byte before anything reads it. memfile_alloc
 * (memory that must read as zeros) never takes from it. The pool is not the
 * sandbox's memory (used does not count it), so it is capped by the limit too, and
 * emptied (punched) before a checkpoint, whose image holds populated pages only.
 *
 * The allocator is also the sandbox's memory accounting: every page of application
 * memory (anonymous and private mappings, brk, stacks, file mappings, which are
 * copies, and copy-on-write copies) is a byte of some allocated range, from the
 * mmap that made it until the munmap or exit that frees it, so bytes allocated are
 * the sandbox's committed memory, as Linux counts it with vm.overcommit_memory=2.
 * The limit (sbx run --memory) caps them, with what the Sentry allocates outside the
 * file on the sandbox's behalf (memfile_charge: pipe rings and the like, which Linux
 * charges to the memory cgroup too), so that no application can make the host hold
 * more for its sandbox than the limit by having the Sentry buffer data for it.
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

/* The most freed bytes kept unpunched in the dirty pool: several forks' worth of
 * copy-on-write copies of a large process, little beside the sandbox's memory. */
#define DIRTY_MAX (8ULL << 20)

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
	mf->dirty_max = DIRTY_MAX;
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
	free(mf->dirty);
	pthread_mutex_destroy(&mf->lock);
	free(mf);
}

void memfile_set_limit(struct memfile *mf, u64 limit)
{
	bool over;

	pthread_mutex_lock(&mf->lock);
	mf->limit = limit;
	/* Host memory held beside a small sandbox's stays a small part of it. */
	mf->dirty_max = limit ? MIN(DIRTY_MAX, ALIGN_DOWN(limit / 8, PAGE_SIZE)) : DIRTY_MAX;
	over = mf->dirty_bytes > mf->dirty_max;
	pthread_mutex_unlock(&mf->lock);
	if (over)
		memfile_flush(mf);
}

u64 memfile_used(struct memfile *mf)
{
	u64 used;

	pthread_mutex_lock(&mf->lock);
	used = mf->used;
	pthread_mutex_unlock(&mf->lock);
	return used;
}

/* Would @len more bytes take used and the charges past the limit? mf->lock held. */
static bool over_limit(struct memfile *mf, u64 len)
{
	u64 held = mf->used - mf->noacct_bytes + __atomic_load_n(&mf->kmem, __ATOMIC_RELAXED);

	return mf->limit && (len > mf->limit || held > mf->limit - len);
}

/* Loaded without the lock, used and noacct_bytes may be of different moments: never
 * less than nothing. */
u64 memfile_counted(struct memfile *mf)
{
	u64 used = __atomic_load_n(&mf->used, __ATOMIC_RELAXED);
	u64 na = __atomic_load_n(&mf->noacct_bytes, __ATOMIC_RELAXED);

	return used - MIN(used, na) + __atomic_load_n(&mf->kmem, __ATOMIC_RELAXED);
}

/* Lock-free: an open file is charged, and opens must not queue on mf->lock. A
 * charge racing an allocation may pass the limit by what the two take at once. */
int memfile_charge(struct memfile *mf, u64 bytes, bool force)
{
	u64 held, limit;

	if (!mf)
		return 0;       /* no sandbox to charge (unit tests) */
	__atomic_add_fetch(&mf->kmem, bytes, __ATOMIC_RELAXED);
	held = memfile_counted(mf);
	limit = __atomic_load_n(&mf->limit, __ATOMIC_RELAXED);
	if (force || !limit || held <= limit)
		return 0;
	__atomic_sub_fetch(&mf->kmem, bytes, __ATOMIC_RELAXED);
	return -ENOMEM;
}

bool memfile_full(struct memfile *mf)
{
	u64 limit;

	if (!mf)
		return false;
	limit = __atomic_load_n(&mf->limit, __ATOMIC_RELAXED);
	return limit && memfile_counted(mf) > limit;
}

void memfile_uncharge(struct memfile *mf, u64 bytes)
{
	u64 k;

	if (!mf)
		return;
	k = __atomic_load_n(&mf->kmem, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&mf->kmem, &k, k - MIN(k, bytes), true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Index of the first extent of v[0..n) with offset > off. */
static u32 first_after(const struct mf_extent *v, u32 n, u64 off)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;

		if (v[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Takes @len bytes from the front of v[i], dropping it when that empties it. */
static u64 take_front(struct mf_extent *v, u32 *n, u32 i, u64 len)
{
	u64 off = v[i].off;

	v[i].off += len;
	v[i].len -= len;
	if (!v[i].len) {
		memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
		(*n)--;
	}
	return off;
}

/* The first extent of v[0..n) at least @len long, or n. */
static u32 first_fit(const struct mf_extent *v, u32 n, u64 len)
{
	u32 i;

	for (i = 0; i < n && v[i].len < len; i++)
		;
	return i;
}

/* Adds [off, off+len) to the sorted list *v, coalescing with its neighbours; false
 * when there is no memory for one more extent. */
static bool ext_add(struct mf_extent **v, u32 *n, u32 *cap, u64 off, u64 len)
{
	u32 i = first_after(*v, *n, off);
	struct mf_extent *prev = i > 0 ? &(*v)[i - 1] : NULL;
	struct mf_extent *next = i < *n ? &(*v)[i] : NULL;

	BUG_ON(prev && prev->off + prev->len > off);
	BUG_ON(next && off + len > next->off);
	if (prev && prev->off + prev->len == off) {
		prev->len += len;
		if (next && prev->off + prev->len == next->off) {
			prev->len += next->len;
			memmove(next, next + 1, (*n - i - 1) * sizeof(*next));
			(*n)--;
		}
		return true;
	}
	if (next && off + len == next->off) {
		next->off = off;
		next->len += len;
		return true;
	}
	if (*n == *cap) {
		u32 ncap = *cap ? 2 * *cap : 16;
		struct mf_extent *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return false;
		*v = nv;
		*cap = ncap;
	}
	memmove(&(*v)[i + 1], &(*v)[i], (*n - i) * sizeof(**v));
	(*v)[i] = (struct mf_extent){ off, len };
	(*n)++;
	return true;
}

/* The bytes of [off, off+len) in the not-counted list; mf->lock held. */
static u64 noacct_overlap(struct memfile *mf, u64 off, u64 len)
{
	u64 end = off + len, n = 0;
	u32 i = first_after(mf->noacct, mf->nnoacct, off);

	if (i > 0)
		i--;
	for (; i < mf->nnoacct && mf->noacct[i].off < end; i++) {
		u64 s = MAX(mf->noacct[i].off, off);
		u64 e = MIN(mf->noacct[i].off + mf->noacct[i].len, end);

		if (e > s)
			n += e - s;
	}
	return n;
}

/* Takes [off, off+len) out of the not-counted list: those bytes count again (or are
 * freed). When a split finds no memory for one more extent, the whole extent counts
 * (more than its share: the safe side). mf->lock held. */
static void noacct_remove(struct memfile *mf, u64 off, u64 len)
{
	u64 end = off + len;
	u32 i = first_after(mf->noacct, mf->nnoacct, off);

	if (i > 0)
		i--;
	while (i < mf->nnoacct && mf->noacct[i].off < end) {
		struct mf_extent *x = &mf->noacct[i];
		u64 xe = x->off + x->len, s = MAX(x->off, off), e = MIN(xe, end);

		if (e <= s) {
			i++;
			continue;
		}
		if (s > x->off && e < xe) {
			/* The middle goes: the extent splits in two. */
			if (mf->nnoacct == mf->ncap) {
				u32 ncap = mf->ncap * 2;
				struct mf_extent *nv = realloc(mf->noacct, ncap * sizeof(*nv));

				if (!nv) {
					mf->noacct_bytes -= x->len;
					memmove(x, x + 1, (mf->nnoacct - i - 1) * sizeof(*x));
					mf->nnoacct--;
					return;
				}
				mf->noacct = nv;
				mf->ncap = ncap;
				x = &mf->noacct[i];
			}
			memmove(x + 1, x, (mf->nnoacct - i) * sizeof(*x));
			mf->nnoacct++;
			x[0].len = s - x->off;
			x[1] = (struct mf_extent){ e, xe - e };
			mf->noacct_bytes -= e - s;
			return;
		}
		mf->noacct_bytes -= e - s;
		if (s == x->off && e == xe) {
			memmove(x, x + 1, (mf->nnoacct - i - 1) * sizeof(*x));
			mf->nnoacct--;
			continue;
		}
		if (s == x->off) {
			x->off = e;
			x->len = xe - e;
		} else {
			x->len = s - x->off;
		}
		i++;
	}
}

/* Adds [off, off+len), just allocated, to the not-counted list; false without
 * memory for it. mf->lock held. */
static bool noacct_add(struct memfile *mf, u64 off, u64 len)
{
	if (!ext_add(&mf->noacct, &mf->nnoacct, &mf->ncap, off, len))
		return false;
	mf->noacct_bytes += len;
	return true;
}

static int alloc(struct memfile *mf, u64 len, u64 *off, bool dirty_ok, bool acct)
{
	int ret = -ENOMEM;
	u32 i;

	if (!len || len & ~PAGE_MASK)
		return -EINVAL;
	pthread_mutex_lock(&mf->lock);
	if (acct && over_limit(mf, len))
		goto out;
	if (dirty_ok) {
		i = first_fit(mf->dirty, mf->ndirty, len);
		if (i < mf->ndirty) {
			*off = take_front(mf->dirty, &mf->ndirty, i, len);
			mf->dirty_bytes -= len;
			mf->used += len;
			ret = 0;
			goto out;
		}
	}
	i = first_fit(mf->free, mf->nfree, len);
	if (i < mf->nfree) {
		u64 at = mf->free[i].off;

		if (!acct && !noacct_add(mf, at, len))
			goto out;
		*off = take_front(mf->free, &mf->nfree, i, len);
		mf->used += len;
		ret = 0;
	}
out:
	pthread_mutex_unlock(&mf->lock);
	return ret;
}

int memfile_alloc(struct memfile *mf, u64 len, u64 *off)
{
	return alloc(mf, len, off, false, true);
}

int memfile_alloc_copy(struct memfile *mf, u64 len, u64 *off)
{
	return alloc(mf, len, off, true, true);
}

int memfile_alloc_noacct(struct memfile *mf, u64 len, u64 *off)
{
	return alloc(mf, len, off, false, false);
}

int memfile_account(struct memfile *mf, u64 off, u64 len)
{
	int ret = 0;

	pthread_mutex_lock(&mf->lock);
	if (mf->nnoacct) {
		u64 n = noacct_overlap(mf, off, len);

		if (n && over_limit(mf, n))
			ret = -ENOMEM;
		else if (n)
			noacct_remove(mf, off, len);
	}
	pthread_mutex_unlock(&mf->lock);
	return ret;
}

/* Punches [off, off+len) and returns it to the free list. */
static void punch_free(struct memfile *mf, u64 off, u64 len)
{
	fallocate(mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	pthread_mutex_lock(&mf->lock);
	/* Out of memory for bookkeeping: leak the range rather than lose track of
	 * what is allocated. */
	ext_add(&mf->free, &mf->nfree, &mf->cap, off, len);
	pthread_mutex_unlock(&mf->lock);
}

void memfile_free(struct memfile *mf, u64 off, u64 len)
{
	if (!len)
		return;
	/* A lazy restore must not fill the range after it is freed (and reused). */
	memfile_await(mf, off, len);
	pthread_mutex_lock(&mf->lock);
	if (mf->nnoacct)
		noacct_remove(mf, off, len);
	mf->used -= len;
	if (mf->dirty_bytes + len <= mf->dirty_max &&
	    ext_add(&mf->dirty, &mf->ndirty, &mf->dcap, off, len)) {
		mf->dirty_bytes += len;
		pthread_mutex_unlock(&mf->lock);
		return;
	}
	pthread_mutex_unlock(&mf->lock);
	punch_free(mf, off, len);
}

void memfile_flush(struct memfile *mf)
{
	struct mf_extent *v;
	u32 n;

	pthread_mutex_lock(&mf->lock);
	v = mf->dirty;
	n = mf->ndirty;
	mf->dirty = NULL;
	mf->ndirty = mf->dcap = 0;
	mf->dirty_bytes = 0;
	pthread_mutex_unlock(&mf->lock);
	for (u32 i = 0; i < n; i++)
		punch_free(mf, v[i].off, v[i].len);
	free(v);
}

int memfile_before_save(void *o, void *ctx)
{
	(void)ctx;
	memfile_flush(o);
	return 0;
}

static int extend(struct memfile *mf, u64 off, u64 len, u64 newlen, bool acct)
{
	u64 end = off + len, need = newlen - len;
	int ret = -ENOMEM;
	u32 i;

	if (newlen <= len)
		return 0;
	pthread_mutex_lock(&mf->lock);
	i = first_after(mf->free, mf->nfree, end - 1);
	if ((!acct || !over_limit(mf, need)) && i < mf->nfree && mf->free[i].off == end &&
	    mf->free[i].len >= need && (acct || noacct_add(mf, end, need))) {
		take_front(mf->free, &mf->nfree, i, need);
		mf->used += need;
		ret = 0;
	}
	pthread_mutex_unlock(&mf->lock);
	return ret;
}

int memfile_extend(struct memfile *mf, u64 off, u64 len, u64 newlen)
{
	return extend(mf, off, len, newlen, true);
}

int memfile_extend_noacct(struct memfile *mf, u64 off, u64 len, u64 newlen)
{
	return extend(mf, off, len, newlen, false);
}
