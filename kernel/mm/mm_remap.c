/*
 * mremap: shrink, grow in place, or move. A move does not copy memory: the VMA's
 * memory-file range is mapped at the new address and unmapped at the old one. After
 * Linux's mm/mremap.c for the argument checks and errnos.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "base/log.h"
#include "memfile/memfile.h"
#include "mm/mm_internal.h"
#include "platform.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* Moves [old, old+len) of one VMA to @to without touching its memory. */
static int move_vma(struct mm *mm, u32 i, u64 old, u64 len, u64 to)
{
	struct vma nv = mm->vmas[i];
	int err;

	if (nv.pages || nv.origin)
		nv.pgoff += (old - nv.start) / PAGE_SIZE;
	if (!nv.pages)
		nv.off += old - nv.start;
	nv.start = to;
	nv.end = to + len;
	if (mm->as) {
		err = vma_plat_map(mm, &nv, to, to + len, vma_map_prot(&nv));
		if (err)
			return err;
	}
	if (old > mm->vmas[i].start) {
		err = vma_split(mm, i, old);
		if (err)
			return err;
		i++;
	}
	if (mm->vmas[i].end > old + len) {
		err = vma_split(mm, i, old + len);
		if (err)
			return err;
	}
	vma_remove(mm, i);
	if (mm->as)
		plat_as_unmap(mm->plat, mm->as, old, len);
	return vma_insert(mm, &nv);
}

/* Fills the growth [len, len+extra) of @v, a private file mapping's copy, at
 * memory-file offset @off with the file's bytes (zeros past its end). */
static void fill_from_origin(struct mm *mm, struct vma *v, u64 len, u64 extra, u64 off)
{
	struct mf_pages *p = v->origin;
	u64 pos = v->pgoff * PAGE_SIZE + len, eof;

	pthread_mutex_lock(&p->lock);
	eof = PAGE_ALIGN(p->size);
	if (pos < eof) {
		extra = MIN(extra, eof - pos);
		if (p->cache)
			mf_pages_fill_locked(p, pos / PAGE_SIZE, extra / PAGE_SIZE);
		mf_pages_copy_locked(p, off, extra, pos);
	}
	pthread_mutex_unlock(&p->lock);
}

/* Grows vmas[i] upward by @extra bytes, which must be free. Its memory stays one
 * contiguous memory-file range (so the VMA stays one VMA, as Linux's would): extended
 * in place when the file space after it is free, else copied to a new range. */
static int vma_grow(struct mm *mm, u32 i, u64 extra)
{
	struct vma *v = &mm->vmas[i];
	u64 len = v->end - v->start, off;
	int err;

	if (v->pages) {
		/* More of the file: whatever of it is present is mapped now. */
		v->end += extra;
		err = vma_map_pages(mm, v, v->end - extra, v->end, vma_map_prot(v));
		if (err)
			v->end -= extra;
		return err;
	}
	if (!v->share && !(v->flags & VMA_NOACCT ? memfile_extend_noacct : memfile_extend)(
				mm->mf, v->off, len, len + extra)) {
		if (v->origin)
			fill_from_origin(mm, v, len, extra, v->off + len);
		if (mm->as) {
			err = mm_as_map(mm, v->end, extra, v->prot,
					  v->off + len);
			if (err) {
				memfile_free(mm->mf, v->off + len, extra);
				return err;
			}
		}
		v->end += extra;
		return 0;
	}
	err = (v->flags & VMA_NOACCT ? memfile_alloc_noacct : memfile_alloc)(mm->mf,
									       len + extra, &off);
	if (err)
		return err;
	memfile_copy(mm->mf, off, v->off, len);
	if (v->origin)
		fill_from_origin(mm, v, len, extra, off + len);
	if (mm->as) {
		/* A copy: the new range is this VMA's own, so mapped writable as allowed. */
		err = mm_as_map(mm, v->start, len + extra, v->prot, off);
		if (err) {
			memfile_free(mm->mf, off, len + extra);
			return err;
		}
	}
	vma_release_mem(mm, v);
	v->share = NULL;
	v->off = off;
	v->end += extra;
	return 0;
}

/* Grows the range just moved from @old to @to by @extra; if that fails (the sandbox
 * is at its memory limit), moves it back, so a failed mremap leaves the mapping
 * where it was, as on Linux. */
static int grow_or_move_back(struct mm *mm, u64 old, u64 len, u64 to, u64 extra)
{
	int err = vma_grow(mm, vma_find(mm, to) - mm->vmas, extra);

	if (err && move_vma(mm, vma_find(mm, to) - mm->vmas, to, len, old))
		warn("mremap: a mapping could not be moved back to %#llx",
		     (unsigned long long)old);
	return err;
}

/* mremap with old_len 0 of a shared file mapping: a second mapping of the same file
 * pages from the page at @old (Linux keeps this for the DOS emulator). */
static s64 dup_pages(struct mm *mm, const struct vma *v, u64 old, u64 newlen, int flags,
		     u64 newaddr)
{
	struct vma nv = *v;
	int err;

	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	nv.pgoff = v->pgoff + (old - v->start) / PAGE_SIZE;
	nv.flags &= ~VMA_GROWSDOWN;
	if (!mm_may_expand(mm, mm->max_addr, newlen))
		return -ENOMEM;
	if (flags & MREMAP_FIXED) {
		err = mm_unmap_locked(mm, newaddr, newaddr + newlen);
		if (err)
			return err;
	} else {
		newaddr = mm_find_free(mm, newlen);
		if (!newaddr)
			return -ENOMEM;
	}
	nv.start = newaddr;
	nv.end = newaddr + newlen;
	err = vma_map_pages(mm, &nv, nv.start, nv.end, vma_map_prot(&nv));
	if (!err) {
		mf_pages_map(nv.pages, nv.flags & VMA_MAYWRITE);
		err = vma_insert(mm, &nv);
		if (err)
			mf_pages_unmap(nv.pages, nv.flags & VMA_MAYWRITE);
	}
	if (err && mm->as)
		plat_as_unmap(mm->plat, mm->as, nv.start, newlen);
	return err ? err : (s64)newaddr;
}

s64 mm_mremap(struct mm *mm, u64 old, u64 oldlen, u64 newlen, int flags, u64 newaddr)
{
	struct vma *v;
	u32 i;
	s64 ret;
	int err;

	if (old & ~PAGE_MASK)
		return -EINVAL;
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	/* DONTUNMAP needs the old range to stay mapped, which a move of a private
	 * range without copying cannot give. */
	if (flags & MREMAP_DONTUNMAP)
		return -EINVAL;
	oldlen = PAGE_ALIGN(oldlen);
	newlen = PAGE_ALIGN(newlen);
	if (!newlen)
		return -EINVAL;
	if ((flags & MREMAP_FIXED) &&
	    (newaddr & ~PAGE_MASK || newaddr + newlen > mm->max_addr ||
	     newaddr + newlen < newaddr))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && newaddr < old + oldlen && old < newaddr + newlen)
		return -EINVAL;

	pthread_mutex_lock(&mm->lock);
	v = vma_find(mm, old);
	ret = -EFAULT;
	if (!v)
		goto out;
	/* Moving or growing remaps the VMA with access: load what it gates first. */
	err = mm_ungate(mm, v->start, v->end);
	if (err) {
		ret = err;
		goto out;
	}
	/* Shrinking unmaps the tail, wherever it ends. */
	if (!(flags & MREMAP_FIXED) && oldlen >= newlen) {
		err = newlen < oldlen ? mm_unmap_locked(mm, old + newlen, old + oldlen) : 0;
		ret = err ? err : (s64)old;
		goto out;
	}
	if (old + oldlen > v->end || old + oldlen < old)
		goto out;
	ret = -EINVAL;
	if (newlen > mm->max_addr)
		goto out;
	ret = -EINVAL;
	if (!oldlen) {
		/* Duplicating a private mapping is refused, as Linux does; a shared
		 * anonymous one is not offered. */
		if (v->pages && (v->flags & VMA_SHARED))
			ret = dup_pages(mm, v, old, newlen, flags, newaddr);
		goto out;
	}
	i = v - mm->vmas;
	/* RLIMIT_AS, before anything moves (Linux's vma_to_resize); nothing is
	 * mapped at max_addr, so this counts the growth alone. */
	ret = -ENOMEM;
	if (newlen > oldlen && !mm_may_expand(mm, mm->max_addr, newlen - oldlen))
		goto out;

	if (flags & MREMAP_FIXED) {
		err = mm_unmap_locked(mm, newaddr, newaddr + newlen);
		if (!err && oldlen > newlen)
			err = mm_unmap_locked(mm, old + newlen, old + oldlen);
		if (!err)
			err = move_vma(mm, i, old, MIN(oldlen, newlen), newaddr);
		if (!err && newlen > oldlen)
			err = grow_or_move_back(mm, old, oldlen, newaddr, newlen - oldlen);
		ret = err ? err : (s64)newaddr;
		goto out;
	}
	/* Grow in place when the old range ends its VMA and the space after is free. */
	if (old + oldlen == v->end && old + newlen <= mm->max_addr &&
	    vma_range_free(mm, old + oldlen, old + newlen)) {
		err = vma_grow(mm, i, newlen - oldlen);
		ret = err ? err : (s64)old;
		goto out;
	}
	ret = -ENOMEM;
	if (!(flags & MREMAP_MAYMOVE))
		goto out;
	newaddr = mm_find_free(mm, newlen);
	if (!newaddr)
		goto out;
	err = move_vma(mm, i, old, oldlen, newaddr);
	if (!err)
		err = grow_or_move_back(mm, old, oldlen, newaddr, newlen - oldlen);
	ret = err ? err : (s64)newaddr;
out:
	pthread_mutex_unlock(&mm->lock);
	return ret;
}
