/*
 * The VMA set: a sorted array searched by bisection. Address spaces have tens to a
 * few thousand VMAs, where an array beats a tree on every operation that matters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "memfile/memfile.h"
#include "mm/mm.h"

u32 vma_index_after(struct mm *mm, u64 addr)
{
	u32 lo = 0, hi = mm->nvmas;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;

		if (mm->vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vma *vma_find(struct mm *mm, u64 addr)
{
	u32 i = vma_index_after(mm, addr);

	if (i < mm->nvmas && mm->vmas[i].start <= addr)
		return &mm->vmas[i];
	return NULL;
}

bool vma_range_free(struct mm *mm, u64 start, u64 end)
{
	u32 i = vma_index_after(mm, start);

	return i == mm->nvmas || mm->vmas[i].start >= end;
}

static int vma_reserve(struct mm *mm, u32 n)
{
	struct vma *v;
	u32 cap;

	if (mm->nvmas + n <= mm->cap)
		return 0;
	cap = mm->cap ? mm->cap * 2 : 32;
	while (cap < mm->nvmas + n)
		cap *= 2;
	v = realloc(mm->vmas, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	mm->vmas = v;
	mm->cap = cap;
	return 0;
}

static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->off + (a->end - a->start) == b->off &&
	       a->prot == b->prot && a->flags == b->flags && !a->share && !b->share &&
	       !a->pages && !b->pages && !a->origin && !b->origin;
}

int vma_insert(struct mm *mm, const struct vma *v)
{
	u32 i;
	int err;

	BUG_ON(v->start >= v->end);
	BUG_ON(!vma_range_free(mm, v->start, v->end));
	i = vma_index_after(mm, v->start);
	if (i > 0 && vma_mergeable(&mm->vmas[i - 1], v)) {
		mm->vmas[i - 1].end = v->end;
		if (i < mm->nvmas && vma_mergeable(&mm->vmas[i - 1], &mm->vmas[i])) {
			mm->vmas[i - 1].end = mm->vmas[i].end;
			vma_remove(mm, i);
		}
		return 0;
	}
	if (i < mm->nvmas && vma_mergeable(v, &mm->vmas[i])) {
		mm->vmas[i].start = v->start;
		mm->vmas[i].off = v->off;
		return 0;
	}
	err = vma_reserve(mm, 1);
	if (err)
		return err;
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nvmas - i) * sizeof(*v));
	mm->vmas[i] = *v;
	mm->nvmas++;
	return 0;
}

int vma_split(struct mm *mm, u32 i, u64 addr)
{
	struct vma *v;
	int err;

	BUG_ON(i >= mm->nvmas);
	BUG_ON(addr <= mm->vmas[i].start || addr >= mm->vmas[i].end);
	err = vma_reserve(mm, 1);
	if (err)
		return err;
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nvmas - i) * sizeof(*v));
	mm->nvmas++;
	v = &mm->vmas[i];
	v[1].start = addr;
	v[1].off = v->off + (addr - v->start);
	if (v->share)
		ref_get(&v->share->ref); /* each piece holds the share */
	if (v->pages || v->origin)
		v[1].pgoff = v->pgoff + (addr - v->start) / PAGE_SIZE;
	if (v->pages)
		mf_pages_map(v->pages, v->flags & VMA_MAYWRITE);
	if (v->origin)
		mf_pages_get(v->origin);
	v->end = addr;
	/* Only the lowest piece of a growing stack grows. */
	v[1].flags &= ~VMA_GROWSDOWN;
	return 0;
}

void vma_remove(struct mm *mm, u32 i)
{
	BUG_ON(i >= mm->nvmas);
	memmove(&mm->vmas[i], &mm->vmas[i + 1], (mm->nvmas - i - 1) * sizeof(struct vma));
	mm->nvmas--;
}
