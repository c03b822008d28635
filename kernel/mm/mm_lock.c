/*
 * Memory locks (after Linux's mm/mlock.c): mlock, mlock2, munlock, mlockall and
 * munlockall mark VMAs VMA_LOCKED, and what is locked is counted against
 * RLIMIT_MEMLOCK unless the caller holds CAP_IPC_LOCK, with Linux's errors: EPERM
 * when the limit is 0, ENOMEM past it or over a hole, EINVAL for bad flags.
 *
 * Every page of the sandbox lives in the memory file, which the Sentry never pages
 * out, so a lock adds no residency guarantee of its own: it is what is counted and
 * reported (VmLck). Locked pages are not faulted in ahead (Linux populates them;
 * here the host brings each in at its first touch). Locks are per address space: a
 * fork's child starts with none, and exec's new address space too.
 */
#include <errno.h>

#include "mm/mm_internal.h"

#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4
#define MLOCK_ONFAULT 1

/* Bytes of [start, end) locked already (count_mm_mlocked_page_nr). */
static u64 locked_in(struct mm *mm, u64 start, u64 end)
{
	u64 n = 0;

	for (u32 i = 0; i < mm->nvmas; i++) {
		const struct vma *v = &mm->vmas[i];

		if ((v->flags & VMA_LOCKED) && v->end > start && v->start < end)
			n += MIN(v->end, end) - MAX(v->start, start);
	}
	return n;
}

/* Sets or clears VMA_LOCKED on [start, end), splitting the VMAs at its ends. As
 * Linux's apply_vma_lock_flags, the VMAs before the first hole are changed and the
 * hole is then ENOMEM (nothing changed if @start is not mapped). */
static int apply(struct mm *mm, u64 start, u64 end, bool lock)
{
	u64 a = start;
	u32 i;
	int err;

	if (!vma_find(mm, start))
		return -ENOMEM;
	i = vma_index_after(mm, start);
	if (mm->vmas[i].start < start) {
		err = vma_split(mm, i, start);
		if (err)
			return err;
		i++;
	}
	for (; i < mm->nvmas && mm->vmas[i].start < end; i++) {
		if (mm->vmas[i].start != a)
			return -ENOMEM;
		if (mm->vmas[i].end > end) {
			err = vma_split(mm, i, end);
			if (err)
				return err;
		}
		if (lock)
			mm->vmas[i].flags |= VMA_LOCKED;
		else
			mm->vmas[i].flags &= ~VMA_LOCKED;
		a = mm->vmas[i].end;
	}
	return a < end ? -ENOMEM : 0;
}

int mm_mlock(struct mm *mm, u64 addr, u64 len, bool lock, u64 limit, bool unlimited)
{
	u64 start = addr & PAGE_MASK, end;
	int err;

	if (len > ~0ULL - (addr - start) - PAGE_SIZE)
		return -ENOMEM;
	end = PAGE_ALIGN(addr + len);
	if (lock && !limit && !unlimited)
		return -EPERM;          /* can_do_mlock */
	if (start == end)
		return 0;
	if (end < start || end > mm->max_addr)
		return -ENOMEM;
	pthread_mutex_lock(&mm->lock);
	err = 0;
	if (lock && !unlimited &&
	    mm_vm_bytes_locked(mm, VMA_LOCKED) + (end - start) - locked_in(mm, start, end) > (limit & PAGE_MASK))
		err = -ENOMEM;
	if (!err)
		err = apply(mm, start, end, lock);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

int mm_mlockall(struct mm *mm, int flags, u64 limit, bool unlimited)
{
	int err = 0;

	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	if (!limit && !unlimited)
		return -EPERM;
	pthread_mutex_lock(&mm->lock);
	if ((flags & MCL_CURRENT) && !unlimited && mm_vm_bytes_locked(mm, 0) > (limit & PAGE_MASK))
		err = -ENOMEM;
	if (!err) {
		mm->lock_future = !(flags & MCL_FUTURE) ? 0 : unlimited ? ~0ULL : limit & PAGE_MASK;
		for (u32 i = 0; (flags & MCL_CURRENT) && i < mm->nvmas; i++)
			mm->vmas[i].flags |= VMA_LOCKED;
	}
	pthread_mutex_unlock(&mm->lock);
	return err;
}

int mm_munlockall(struct mm *mm)
{
	pthread_mutex_lock(&mm->lock);
	mm->lock_future = 0;
	for (u32 i = 0; i < mm->nvmas; i++)
		mm->vmas[i].flags &= ~VMA_LOCKED;
	pthread_mutex_unlock(&mm->lock);
	return 0;
}

int mm_lock_new(struct mm *mm, u64 len, u32 *flags)
{
	if (!mm->lock_future)
		return 0;
	if (mm_vm_bytes_locked(mm, VMA_LOCKED) + len > mm->lock_future)
		return -EAGAIN;
	*flags |= VMA_LOCKED;
	return 0;
}
